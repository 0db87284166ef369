"""The caseload's filters, search and sorting as a pure rule (practice.caseload_view)."""

from datetime import UTC, date, datetime
from typing import Any

from practice.caseload_view import CaseloadSort, CaseloadView, most_urgent_days_left
from practice.episodes import EpisodeStatus
from practice.name_search import fold


def entry(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "episode_id": fields.pop("episode_id", hash(name) % 1000),
        "client_name": name,
        "status": "in_treatment",
        "employer_id": 1,
        "overdue": 0,
        "tasks": [],
        "referred_on": date(2026, 6, 1),
        "next_appointment": None,
        **fields,
    }


def task(days_left: int | None, override_reason: str | None = None) -> dict[str, Any]:
    return {"days_left": days_left, "override_reason": override_reason}


def test_a_query_string_becomes_a_view_and_what_cannot_be_read_is_left_out() -> None:
    view = CaseloadView.parse(
        {"stage": "paused", "employer": " 7 ", "overdue": "1", "q": "  Anna   J ", "sort": "name"}
    )
    assert view == CaseloadView(EpisodeStatus.PAUSED, 7, True, "Anna J", CaseloadSort.NAME)
    odd = CaseloadView.parse(
        {"stage": "declined", "employer": "²", "overdue": "yes please", "sort": "<b>"}
    )
    assert odd == CaseloadView()
    assert not odd.filtered
    assert CaseloadView.parse({"employer": "9" * 11}).employer_id is None
    assert CaseloadView.parse({"employer": "0" * 10_000 + "1"}).employer_id is None
    assert len(CaseloadView.parse({"q": "x" * 10_000}).search) == 200


def test_the_search_folds_case_and_accents_and_reads_wildcards_as_text() -> None:
    people = [entry("Bram Öztürk"), entry("Daan 100%_Test"), entry("Anna Jansen")]

    def found(q: str) -> list[str]:
        return [e["client_name"] for e in CaseloadView(search=q).apply(people)]

    assert found("OZTURK") == ["Bram Öztürk"]
    assert found("%") == ["Daan 100%_Test"]
    assert found("_") == ["Daan 100%_Test"]
    assert found("A%a") == []
    assert fold("Ærø Ĳssel") == fold("ærø ĳssel")


def test_the_filters_combine() -> None:
    people = [
        entry("A", status="referred", employer_id=1),
        entry("B", status="referred", employer_id=2, overdue=1),
        entry("C", status="in_treatment", employer_id=2, overdue=2),
    ]
    view = CaseloadView(stage=EpisodeStatus.REFERRED, employer_id=2, overdue_only=True)
    assert [e["client_name"] for e in view.apply(people)] == ["B"]


def test_most_urgent_first_ignores_overridden_tasks_and_puts_no_deadline_last() -> None:
    people = [
        entry("Calm"),
        entry("Overridden", tasks=[task(-30, "agreed with the client"), task(9)]),
        entry("Late", tasks=[task(-2), task(4)]),
        entry("Soon", tasks=[task(1), task(None)]),
    ]
    assert most_urgent_days_left(people[1]) == 9
    order = [e["client_name"] for e in CaseloadView(sort=CaseloadSort.DEADLINE).apply(people)]
    assert order == ["Late", "Soon", "Overridden", "Calm"]


def test_next_appointment_soonest_first_and_referral_newest_first() -> None:
    people = [
        entry("None yet", referred_on=date(2026, 5, 1)),
        entry("Later", next_appointment=datetime(2026, 6, 20, 9, tzinfo=UTC)),
        entry("Sooner", next_appointment=datetime(2026, 6, 16, 9, tzinfo=UTC),
              referred_on=date(2026, 6, 10)),
    ]  # fmt: skip
    by_appointment = CaseloadView(sort=CaseloadSort.NEXT_APPOINTMENT).apply(people)
    assert [e["client_name"] for e in by_appointment] == ["Sooner", "Later", "None yet"]
    by_referral = CaseloadView(sort=CaseloadSort.REFERRAL).apply(people)
    assert [e["client_name"] for e in by_referral] == ["Sooner", "Later", "None yet"]
    by_name = CaseloadView(sort=CaseloadSort.NAME).apply(people)
    assert [e["client_name"] for e in by_name] == ["Later", "None yet", "Sooner"]
