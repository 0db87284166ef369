"""Appointment kinds, attendance and the rules that depend on them (pure, no I/O).

Three things go wrong when these rules live in views or queries (domain brief §6):

* Counting. The interim report fires "na iedere vijf gesprekken" and the afstemmingsoverleg
  "na de vierde sessie"; only *held* appointments of *counting* kinds may feed those counters
  (pitfalls 3, 12, 20), so the counter lives here, once.
* Attendance history. A cancelled appointment that silently turns back into "planned" loses
  the cancellation from the statistics and from the client's record; rebooking creates a new
  appointment instead.
* Leaks. The *kind* of an appointment is medical information in disguise ("treatment
  session", "relapse prevention"): it must never reach an employer's calendar or an e-mail
  subject (pitfall 13). `employer_label` is the only way a kind is named to an employer.

Labels are English message ids marked with `N_` and translated by the catalogues, as in
`practice.accounts`.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from practice.platform.i18n import N_


class AppointmentKind(StrEnum):
    """What an appointment is for; the values are the stored codes."""

    SCREENING = "screening"
    TREATMENT_SESSION = "treatment_session"
    WORK_CONVERSATION = "work_conversation"  # the "@Work gesprek" (brochure step 6)
    ALIGNMENT_MEETING = "alignment_meeting"  # the afstemmingsoverleg (step 7, Compleet only)
    RELAPSE_PREVENTION_SESSION = "relapse_prevention_session"  # terugvalpreventie (step 8)
    FOLLOW_UP_CONVERSATION = "follow_up_conversation"  # follow-up-gesprek (step 9)
    FOLLOW_UP_MEASUREMENT = "follow_up_measurement"  # follow-up-meting, not a conversation


class Attendance(StrEnum):
    """Whether an appointment took place; only HELD counts for anything (pitfall 3)."""

    PLANNED = "planned"
    HELD = "held"
    CANCELLED_BY_CLIENT = "cancelled_by_client"
    CANCELLED_BY_PRACTICE = "cancelled_by_practice"
    NO_SHOW = "no_show"


# The appointments that may belong after the end of a treatment: the relapse-prevention
# session (the plan is drawn up until after the end), HSK's follow-up within half a year and
# the measurement later. Every other kind still planned then is left over.
AFTER_THE_END = frozenset(
    {
        AppointmentKind.RELAPSE_PREVENTION_SESSION.value,
        AppointmentKind.FOLLOW_UP_CONVERSATION.value,
        AppointmentKind.FOLLOW_UP_MEASUREMENT.value,
    }
)


def rebooking_refusal(
    kind: str, attendance: str, rebooked_as: int | None, *, treatment_ended: bool
) -> str | None:
    """Why a cancelled appointment cannot be given a new date now (None: it can). A
    treatment that has ended books no session again, but what belongs after its end (a
    follow-up) still is; the sessions list, the appointment's page and the service ask here.
    """
    if not attendance.startswith("cancelled"):
        return N_("Only a cancelled appointment is rebooked.")
    if rebooked_as is not None:
        return N_("This appointment was already rebooked.")
    if treatment_ended and kind not in AFTER_THE_END:
        return N_("The treatment has ended: only what belongs after its end is booked again.")
    return None


# The appointments that hold their slot: a cancelled one frees it for another booking.
LIVE = (Attendance.PLANNED.value, Attendance.HELD.value, Attendance.NO_SHOW.value)


class ParticipantRole(StrEnum):
    """Who takes part; the employer roles see only what §2.1 of the brief allows."""

    CLIENT = "client"
    THERAPIST = "therapist"
    MANAGER = "manager"  # leidinggevende
    HR_ADVISER = "hr_adviser"  # HR-adviseur / P&O
    COMPANY_DOCTOR = "company_doctor"  # bedrijfsarts


_K = AppointmentKind
_A = Attendance

# Staff-facing names. Never use these for employer-visible output: see `employer_label`.
KIND_LABELS: Mapping[AppointmentKind, str] = MappingProxyType(
    {
        _K.SCREENING: N_("screening"),
        _K.TREATMENT_SESSION: N_("treatment session"),
        _K.WORK_CONVERSATION: N_("@Work conversation"),
        _K.ALIGNMENT_MEETING: N_("alignment meeting"),
        _K.RELAPSE_PREVENTION_SESSION: N_("relapse prevention session"),
        _K.FOLLOW_UP_CONVERSATION: N_("follow-up conversation"),
        _K.FOLLOW_UP_MEASUREMENT: N_("follow-up measurement"),
    }
)

# One neutral word for every kind, the alignment meeting included: an employer calendar, an
# invitation or an e-mail subject must not reveal what kind of care the client receives.
EMPLOYER_SAFE_LABEL: Mapping[AppointmentKind, str] = MappingProxyType(
    dict.fromkeys(AppointmentKind, N_("appointment"))
)


def employer_label(kind: AppointmentKind, *, viewer_attends: bool) -> str:
    """The label an employer-side person (manager, HR) may see for an appointment.

    The one exception to the neutral label is the afstemmingsoverleg shown to someone who is
    invited to it: they know what the meeting is, and "afspraak" would only confuse them. A
    manager who does not attend sees the neutral word, like for every other kind.
    """
    if kind is AppointmentKind.ALIGNMENT_MEETING and viewer_attends:
        return KIND_LABELS[kind]
    return EMPLOYER_SAFE_LABEL[kind]


# Proposed default (pitfall 3): treatment-type sessions count, including the @Work gesprek and
# the relapse-prevention session (a session with the client at the end of treatment, so part
# of the treatment). The screening precedes treatment, the afstemmingsoverleg is a meeting
# *about* treatment, and the follow-ups come after it. A product-owner decision: pass another
# set to the functions below rather than editing this one.
DEFAULT_COUNTING_KINDS: frozenset[AppointmentKind] = frozenset(
    {_K.TREATMENT_SESSION, _K.WORK_CONVERSATION, _K.RELAPSE_PREVENTION_SESSION}
)


def counts_toward_reporting(
    kind: AppointmentKind, counting_kinds: frozenset[AppointmentKind] = DEFAULT_COUNTING_KINDS
) -> bool:
    """True when a *held* appointment of this kind advances the report and meeting counters."""
    return kind in counting_kinds


class CountableAppointment(Protocol):
    """The two facts the counter needs; a table row, a DTO or a test dataclass all fit."""

    @property
    def kind(self) -> AppointmentKind: ...

    @property
    def attendance(self) -> Attendance: ...


def held_count(
    appointments: Iterable[CountableAppointment],
    counting_kinds: frozenset[AppointmentKind] = DEFAULT_COUNTING_KINDS,
) -> int:
    """How many appointments were held and are of a counting kind.

    Planned, cancelled and no-show appointments never count: "after every five sessions"
    means five that took place, and a practice cancellation must not bring the interim report
    forward (pitfall 20).
    """
    return sum(
        1
        for appointment in appointments
        if appointment.attendance is Attendance.HELD
        and counts_toward_reporting(appointment.kind, counting_kinds)
    )


_ATTENDANCE_TRANSITIONS: Mapping[Attendance, frozenset[Attendance]] = MappingProxyType(
    {
        _A.PLANNED: frozenset(set(Attendance) - {_A.PLANNED}),
        # Registered the wrong way round after the fact: a correction, not a new event.
        _A.HELD: frozenset({_A.NO_SHOW}),
        _A.NO_SHOW: frozenset({_A.HELD}),
        # A cancelled appointment stays cancelled so the cancellation stays counted and
        # visible; a new date is a new appointment (rebook).
        _A.CANCELLED_BY_CLIENT: frozenset(),
        _A.CANCELLED_BY_PRACTICE: frozenset(),
    }
)


def allowed_attendance_changes(current: Attendance) -> frozenset[Attendance]:
    """The attendance values that may replace `current`; empty once cancelled."""
    return _ATTENDANCE_TRANSITIONS[current]


class InvalidAttendanceChange(Exception):
    """Raised for a change the rules forbid; carries the allowed set for a 409 answer.

    Same shape as `practice.episodes.InvalidTransition`, so the web layer treats both alike.
    """

    def __init__(
        self, current: Attendance, target: Attendance, allowed: frozenset[Attendance]
    ) -> None:
        self.current = current
        self.target = target
        self.allowed = allowed
        if allowed:
            options = ", ".join(sorted(allowed))
        else:
            options = "none (cancelled; book a new appointment instead)"
        super().__init__(f"cannot change attendance from {current} to {target}; allowed: {options}")


def check_attendance_change(current: Attendance, target: Attendance) -> None:
    """Raise `InvalidAttendanceChange` unless `target` may replace `current`.

    Staying put is not a change (as in `practice.episodes`): a repeated "cancel by practice"
    must not notify the client twice, so the caller hears about it.
    """
    allowed = allowed_attendance_changes(current)
    if target not in allowed:
        raise InvalidAttendanceChange(current, target, allowed)


# Before an appointment has begun, it can only be called off: "held" and "no-show" describe
# what happened, so they wait until its start (the service refuses them before).
_BEFORE_START = frozenset({_A.CANCELLED_BY_CLIENT, _A.CANCELLED_BY_PRACTICE})


def cancellation_default(asked: bool) -> str:
    """Who cancelled, as a cancel or move form starts: the client when they asked for it in
    the portal (an open request), else nobody, so that one stray click cannot record a
    practice's cancellation as the client's (no e-mail, no rebooking task, a late fee)."""
    return Attendance.CANCELLED_BY_CLIENT.value if asked else ""


def attendance_choices(current: Attendance, *, started: bool) -> tuple[Attendance, ...]:
    """What the therapist may record now, the safe default first: for an appointment that
    has begun "held" (the common case), before it only a cancellation."""
    allowed = allowed_attendance_changes(current)
    if not started:
        allowed = allowed & _BEFORE_START
    order = (_A.HELD, _A.NO_SHOW, _A.CANCELLED_BY_CLIENT, _A.CANCELLED_BY_PRACTICE)
    return tuple(a for a in order if a in allowed)


def too_early(target: Attendance, *, started: bool) -> bool:
    """True when ``target`` describes what happened and the appointment has not begun."""
    return not started and target in {_A.HELD, _A.NO_SHOW}


def needs_client_notification(new_attendance: Attendance) -> bool:
    """True when the change must be told to the client: the practice cancelled.

    TNO case 1 lost a month because a practice cancellation was neither told nor rebooked
    (pitfall 20). A client's own cancellation or a no-show needs no message from us.
    """
    return new_attendance is Attendance.CANCELLED_BY_PRACTICE


# The outbox keys of the participants' invitations (scheduling.services.invitations), here
# so that the appointment page can read what was sent.
def invitation_key(appointment_id: int, participant: int | str) -> str:
    """The outbox key of one participant's invitation to a meeting; ``participant="%"``
    gives the LIKE pattern of all of the meeting's."""
    return f"participant-invitation:{appointment_id}:{participant}"


def invitation_cancelled_key(appointment_id: int, participant: int | str) -> str:
    """The outbox key of the notice to one participant that the meeting is cancelled;
    ``participant="%"`` gives the LIKE pattern of all of the meeting's."""
    return f"participant-cancellation:{appointment_id}:{participant}"
