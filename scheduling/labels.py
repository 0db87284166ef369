"""What the UI calls scheduling's codes: English message ids, translated by the catalogue."""

from collections.abc import Mapping

from practice.platform.i18n import N_
from scheduling.appointments import KIND_LABELS, Attendance, ParticipantRole
from scheduling.calendars import AbsenceReason
from scheduling.requests import KIND_LABELS as REQUEST_LABELS

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

# Who sits at the table of an appointment (the alignment meeting's participants).
PARTICIPANT_LABELS: Mapping[str, str] = {
    ParticipantRole.CLIENT: N_("the client"),
    ParticipantRole.THERAPIST: N_("therapist"),
    ParticipantRole.MANAGER: N_("manager"),
    ParticipantRole.HR_ADVISER: N_("HR adviser"),
    ParticipantRole.COMPANY_DOCTOR: N_("company doctor"),
}

# Why a therapist is away (``scheduling.calendars.AbsenceReason``).
ABSENCE_REASON_LABELS: Mapping[str, str] = {
    AbsenceReason.LEAVE: N_("leave"),
    AbsenceReason.ILLNESS: N_("illness"),
    AbsenceReason.OTHER: N_("other"),
}

# The appointment kinds' staff-facing names stay beside ``employer_label``, which uses them.
LABELS: Mapping[str, Mapping[str, str]] = {
    "appointment_kind": {kind.value: message for kind, message in KIND_LABELS.items()},
    "attendance": ATTENDANCE_LABELS,
    "booking_refusal": REFUSAL_LABELS,
    "participant_role": PARTICIPANT_LABELS,
    "therapist_absence": ABSENCE_REASON_LABELS,
    "appointment_request": {kind.value: text for kind, text in REQUEST_LABELS.items()},
}
