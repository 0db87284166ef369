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


def is_open(request: Mapping[str, object] | None, attendance: str) -> bool:
    """Whether a request still waits for the therapist: it exists, was not answered by keeping
    the appointment, and the appointment is still planned (moving or cancelling it answers it)."""
    if request is None or request.get("kept_at") is not None:
        return False
    return attendance == Attendance.PLANNED.value
