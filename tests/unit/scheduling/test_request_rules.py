"""A client's request from the portal, answered by keeping the appointment: only while it is
open (asked, not kept yet, the appointment still planned and still to come)."""

from datetime import UTC, datetime, timedelta

from scheduling.requests import ALREADY_KEPT, BEGUN, NO_REQUEST, NOT_PLANNED, keep_refusal

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)
ASKED = {"kind": "move", "kept_at": None}


def test_an_open_request_of_an_appointment_still_to_come_may_be_kept() -> None:
    assert keep_refusal(ASKED, "planned", LATER, NOW) is None


def test_a_request_is_kept_once_and_only_while_its_appointment_is_planned_and_to_come() -> None:
    assert keep_refusal(None, "planned", LATER, NOW) == NO_REQUEST
    assert keep_refusal({**ASKED, "kept_at": NOW}, "planned", LATER, NOW) == ALREADY_KEPT
    assert keep_refusal(ASKED, "cancelled_by_client", LATER, NOW) == NOT_PLANNED
    assert keep_refusal(ASKED, "planned", NOW, NOW) == BEGUN
