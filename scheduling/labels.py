"""What the UI calls scheduling's codes: English message ids, translated by the catalogue."""

from collections.abc import Mapping

from practice.platform.i18n import N_
from scheduling.appointments import KIND_LABELS, Attendance

ATTENDANCE_LABELS: Mapping[str, str] = {
    Attendance.PLANNED: N_("planned"),
    Attendance.HELD: N_("held"),
    Attendance.CANCELLED_BY_CLIENT: N_("cancelled by the client"),
    Attendance.CANCELLED_BY_PRACTICE: N_("cancelled by the practice"),
    Attendance.NO_SHOW: N_("no-show"),
}

# Why an occurrence of a series was not booked (``plan_series``'s refusal codes).
REFUSAL_LABELS: Mapping[str, str] = {
    "holiday": N_("the practice is closed (public holiday)"),
    "closed": N_("the practice is closed that day"),
    "absence": N_("the therapist is absent then"),
    "conflict": N_("that time is already booked"),
}

# The appointment kinds' staff-facing names stay beside ``employer_label``, which uses them.
LABELS: Mapping[str, Mapping[str, str]] = {
    "appointment_kind": {kind.value: message for kind, message in KIND_LABELS.items()},
    "attendance": ATTENDANCE_LABELS,
    "booking_refusal": REFUSAL_LABELS,
}
