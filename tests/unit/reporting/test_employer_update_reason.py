"""One employer update per episode per sweep: the reason is the newest news, or none."""

from datetime import UTC, date, datetime

from practice.privacy import AgreementView
from reporting.employer_updates import agreements_trigger, update_reason

TODAY = date(2026, 6, 15)
AGREEMENT = AgreementView(
    agreed_on=date(2026, 5, 6),
    description="Start met 4 uur",
    hours_per_week=None,
    starts_on=None,
    status="agreed",
)


def at(day: int) -> datetime:
    return datetime(2026, 6, day, 10, tzinfo=UTC)


def test_a_report_sent_and_new_agreements_give_one_reason_the_report() -> None:
    reason = update_reason(
        reports_sent=[(5, at(14))],
        last_update_at=None,
        last_update_on=None,
        agreements=[AGREEMENT],
        agreements_told=False,
        every_days=14,
        today=TODAY,
    )
    assert reason == "interim_report:5"


def test_after_the_update_nothing_is_due_again_the_same_day() -> None:
    reason = update_reason(
        reports_sent=[(5, at(14))],
        last_update_at=at(15),
        last_update_on=TODAY,
        agreements=[AGREEMENT],
        agreements_told=True,
        every_days=14,
        today=TODAY,
    )
    assert reason is None


def test_reports_sent_before_the_consent_came_give_one_update_for_the_newest() -> None:
    reason = update_reason(
        reports_sent=[(5, at(1)), (10, at(10))],
        last_update_at=None,
        last_update_on=None,
        agreements=[],
        agreements_told=False,
        every_days=None,
        today=TODAY,
    )
    assert reason == "interim_report:10"


def test_changed_agreements_are_news_and_a_passed_period_comes_last() -> None:
    changed = update_reason(
        reports_sent=[(5, at(1))],
        last_update_at=at(2),
        last_update_on=date(2026, 6, 2),
        agreements=[AGREEMENT],
        agreements_told=False,
        every_days=7,
        today=TODAY,
    )
    assert changed == agreements_trigger([AGREEMENT])
    periodic = update_reason(
        reports_sent=[(5, at(1))],
        last_update_at=at(2),
        last_update_on=date(2026, 6, 2),
        agreements=[AGREEMENT],
        agreements_told=True,
        every_days=7,
        today=TODAY,
    )
    assert periodic == "periodic:2026-06-15"


def test_a_closed_episode_tells_its_last_news_but_gets_no_periodic_update() -> None:
    common = {
        "reports_sent": [(5, at(1))],
        "last_update_at": at(2),
        "last_update_on": date(2026, 6, 2),
        "agreements": [AGREEMENT],
        "every_days": 7,
        "today": TODAY,
        "closed_on": date(2026, 6, 10),
    }
    assert update_reason(**common, agreements_told=True) is None  # type: ignore[arg-type]
    assert update_reason(**common, agreements_told=False) == agreements_trigger([AGREEMENT])  # type: ignore[arg-type]
    # closed today or later: the period runs through the closing day (as the task rules say)
    for closed_on in (TODAY, date(2026, 7, 1)):
        later = {**common, "closed_on": closed_on}
        assert update_reason(**later, agreements_told=True) == "periodic:2026-06-15"  # type: ignore[arg-type]
