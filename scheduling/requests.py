"""The client's request to cancel or move an appointment from the portal (issue 20). Pure.

A request, not the change: the therapist moves or cancels it in their calendar. The
practice's rule: up to ``HOURS_BEFORE`` hours before the appointment; later, the client
calls the practice (and a late cancellation is the therapist's to record).
"""

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta

from practice.platform.i18n import N_
from scheduling.appointments import Attendance

HOURS_BEFORE = 24
MESSAGE_MAX = 1000  # the client's words, and the therapist's reply


class RequestKind(enum.StrEnum):
    CANCEL = "cancel"
    MOVE = "move"


KIND_LABELS: dict[RequestKind, str] = {
    RequestKind.CANCEL: N_("cancel it"),
    RequestKind.MOVE: N_("move it to another time"),
}

TOO_LATE = N_(
    "Less than 24 hours before the appointment a request is no longer possible here: call the "
    "practice."
)


def in_time(starts_at: datetime, now: datetime) -> bool:
    """Whether the client may still ask (at least ``HOURS_BEFORE`` hours ahead)."""
    return starts_at - now >= timedelta(hours=HOURS_BEFORE)


NO_REQUEST = N_("The client has not asked to cancel or move this appointment.")
ALREADY_KEPT = N_("This request has already been answered: the appointment stands.")
NOT_PLANNED = N_("This appointment is no longer planned.")
BEGUN = N_("This appointment has begun: record its attendance instead.")


def keep_refusal(
    request: Mapping[str, object] | None, attendance: str, starts_at: datetime, now: datetime
) -> str | None:
    """Why the therapist cannot answer the request by keeping the appointment now, or None
    when the request is open: it exists, was not kept already, the appointment is still
    planned (moving or cancelling it answers it) and has not begun (the client would be
    told a past moment "stands")."""
    if request is None:
        return NO_REQUEST
    if request.get("kept_at") is not None:
        return ALREADY_KEPT
    if attendance != Attendance.PLANNED.value:
        return NOT_PLANNED
    if starts_at <= now:
        return BEGUN
    return None
