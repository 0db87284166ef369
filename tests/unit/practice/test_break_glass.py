"""The rules of breaking the glass: the reason, when there is no glass to break, the 404 offer."""

from datetime import date

import pytest

from practice.access_policy import NO_RELATION, Relation
from practice.break_glass import (
    MONITOR_DAYS,
    REASON_CONTROL,
    REASON_MAX,
    REASON_MIN,
    REASON_REQUIRED,
    REASON_TOO_LONG,
    REASON_TOO_SHORT,
    SEAT_HELD,
    clean_reason,
    form_path,
    monitor_since,
    offer_on_not_found,
    refusal,
)
from practice.case_team import TeamRole
from practice.errors import InvalidInput
from practice.services.break_glass import notice_key


def _problem(raw: str | None) -> str:
    with pytest.raises(InvalidInput) as refused:
        clean_reason(raw)
    assert list(refused.value.fields) == ["reason"]
    return refused.value.fields["reason"]


def test_a_reason_is_kept_trimmed() -> None:
    assert clean_reason("  Crisis call, own therapist away  ") == "Crisis call, own therapist away"


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t "])
def test_a_missing_or_blank_reason_is_refused_naming_the_field(raw: str | None) -> None:
    assert _problem(raw) == REASON_REQUIRED


def test_a_reason_is_ten_to_five_hundred_characters_after_trimming() -> None:
    assert clean_reason("x" * REASON_MIN) == "x" * REASON_MIN
    assert clean_reason("x" * REASON_MAX) == "x" * REASON_MAX
    assert _problem("x" * (REASON_MIN - 1)) == REASON_TOO_SHORT
    assert _problem("   " + "x" * (REASON_MIN - 1) + "   ") == REASON_TOO_SHORT
    assert _problem("x" * (REASON_MAX + 1)) == REASON_TOO_LONG
    assert clean_reason(" " * 40 + "x" * REASON_MAX + " " * 40) == "x" * REASON_MAX


def test_the_messages_name_the_limits_they_enforce() -> None:
    assert str(REASON_MIN) in REASON_TOO_SHORT
    assert str(REASON_MAX) in REASON_TOO_LONG


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_refused(character: str) -> None:
    assert _problem(f"Crisis call{character} tonight") == REASON_CONTROL


def test_newlines_and_tabs_may_stay_in_a_reason() -> None:
    assert clean_reason("Crisis call\ntonight,\tcolleague ill") == (
        "Crisis call\ntonight,\tcolleague ill"
    )


def test_the_therapist_of_record_has_no_glass_to_break() -> None:
    assert refusal(Relation(frozenset({TeamRole.THERAPIST}))) == SEAT_HELD


@pytest.mark.parametrize(
    "relation",
    [
        NO_RELATION,
        Relation(frozenset({TeamRole.COMPANY_DOCTOR})),
        Relation(broken_glass=True),  # again the same day: the service answers with the first
    ],
)
def test_anyone_else_may_break_the_glass(relation: Relation) -> None:
    assert refusal(relation) is None


@pytest.mark.parametrize(
    ("path", "offer"),
    [
        ("/episodes/5", "/episodes/5/break-glass"),
        ("/episodes/999999", "/episodes/999999/break-glass"),
        ("/episodes/5/agreements", "/episodes/5/break-glass"),
        ("/episodes/5/break-glass", None),  # not the form itself
        ("/api/episodes/5", None),  # JSON answers have no page
        ("/episodes/x", None),
        ("/caseload", None),
        ("/reports/5/preview", None),
    ],
)
def test_the_not_found_page_offers_the_form_from_the_path_alone(path: str, offer: str) -> None:
    assert offer_on_not_found(path) == offer


def test_the_form_of_an_episode_is_under_its_page() -> None:
    assert form_path(12) == "/episodes/12/break-glass"


def test_the_monitor_lists_the_last_thirty_days_today_included() -> None:
    assert MONITOR_DAYS == 30
    assert monitor_since(date(2026, 6, 15)) == date(2026, 5, 17)
    assert (date(2026, 6, 15) - monitor_since(date(2026, 6, 15))).days + 1 == MONITOR_DAYS


def test_a_notice_key_names_the_row_and_the_recipient() -> None:
    assert notice_key(12, 34) == "break-glass:12:34"
    # The registry's pattern for row 1 must not reach row 12's notices.
    assert notice_key(1, "%") == "break-glass:1:%"
    assert not notice_key(12, 34).startswith(notice_key(1, "%").rstrip("%"))
