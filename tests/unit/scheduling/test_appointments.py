from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.appointments import (
    DEFAULT_COUNTING_KINDS,
    EMPLOYER_SAFE_LABEL,
    KIND_LABELS,
    AppointmentKind,
    Attendance,
    InvalidAttendanceChange,
    ParticipantRole,
    allowed_attendance_changes,
    check_attendance_change,
    counts_toward_reporting,
    employer_label,
    held_count,
    needs_client_notification,
)

K = AppointmentKind
A = Attendance

# Unit tests do no file I/O, so no Hypothesis example database.
PROPERTY = settings(database=None, deadline=None, max_examples=200)


@dataclass(frozen=True)
class Appt:
    kind: AppointmentKind
    attendance: Attendance


# The agreed table, written out again on purpose: a change to the rules must change a test.
ALLOWED: dict[Attendance, set[Attendance]] = {
    A.PLANNED: {A.HELD, A.CANCELLED_BY_CLIENT, A.CANCELLED_BY_PRACTICE, A.NO_SHOW},
    A.HELD: {A.NO_SHOW},
    A.NO_SHOW: {A.HELD},
    A.CANCELLED_BY_CLIENT: set(),
    A.CANCELLED_BY_PRACTICE: set(),
}
# Sorted: the targets are sets, and pytest-xdist needs every worker to collect the same order.
ALLOWED_PAIRS = sorted(
    (current, target) for current, targets in ALLOWED.items() for target in targets
)
FORBIDDEN_PAIRS = [
    (current, target)
    for current in Attendance
    for target in Attendance
    if target not in ALLOWED[current]
]


def test_enum_values_are_the_stored_snake_case_codes() -> None:
    assert [kind.value for kind in AppointmentKind] == [
        "screening",
        "treatment_session",
        "work_conversation",
        "alignment_meeting",
        "relapse_prevention_session",
        "follow_up_conversation",
        "follow_up_measurement",
    ]
    assert [a.value for a in Attendance] == [
        "planned",
        "held",
        "cancelled_by_client",
        "cancelled_by_practice",
        "no_show",
    ]
    assert [role.value for role in ParticipantRole] == [
        "client",
        "therapist",
        "manager",
        "hr_adviser",
        "company_doctor",
    ]


def test_treatment_sessions_and_the_work_conversation_count_by_default() -> None:
    assert counts_toward_reporting(K.TREATMENT_SESSION)
    assert counts_toward_reporting(K.WORK_CONVERSATION)
    assert counts_toward_reporting(K.RELAPSE_PREVENTION_SESSION)


def test_screening_meetings_and_follow_ups_do_not_count_by_default() -> None:
    for kind in (
        K.SCREENING,
        K.ALIGNMENT_MEETING,
        K.FOLLOW_UP_CONVERSATION,
        K.FOLLOW_UP_MEASUREMENT,
    ):
        assert not counts_toward_reporting(kind), kind


def test_which_kinds_count_is_a_rule_the_caller_can_replace() -> None:
    only_treatment = frozenset({K.TREATMENT_SESSION})
    assert not counts_toward_reporting(K.WORK_CONVERSATION, only_treatment)
    assert counts_toward_reporting(K.TREATMENT_SESSION, only_treatment)


def test_held_count_ignores_planned_cancelled_and_no_show_sessions() -> None:
    appointments = [
        Appt(K.TREATMENT_SESSION, A.HELD),
        Appt(K.TREATMENT_SESSION, A.PLANNED),
        Appt(K.TREATMENT_SESSION, A.CANCELLED_BY_CLIENT),
        Appt(K.TREATMENT_SESSION, A.CANCELLED_BY_PRACTICE),
        Appt(K.TREATMENT_SESSION, A.NO_SHOW),
        Appt(K.WORK_CONVERSATION, A.HELD),
    ]
    assert held_count(appointments) == 2


def test_held_count_ignores_held_appointments_of_non_counting_kinds() -> None:
    appointments = [
        Appt(K.SCREENING, A.HELD),
        Appt(K.ALIGNMENT_MEETING, A.HELD),
        Appt(K.FOLLOW_UP_CONVERSATION, A.HELD),
        Appt(K.FOLLOW_UP_MEASUREMENT, A.HELD),
        Appt(K.TREATMENT_SESSION, A.HELD),
    ]
    assert held_count(appointments) == 1
    assert held_count(appointments, frozenset({K.SCREENING, K.TREATMENT_SESSION})) == 2


def test_held_count_of_nothing_is_zero() -> None:
    assert held_count([]) == 0


@PROPERTY
@given(
    st.lists(
        st.builds(Appt, st.sampled_from(AppointmentKind), st.sampled_from(Attendance)),
        max_size=30,
    )
)
def test_held_count_never_exceeds_the_held_appointments(appointments: list[Appt]) -> None:
    held = [a for a in appointments if a.attendance is A.HELD]
    counted = held_count(appointments)
    assert counted <= len(held)
    assert counted == sum(1 for a in held if a.kind in DEFAULT_COUNTING_KINDS)


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS)
def test_allowed_attendance_changes_pass(current: Attendance, target: Attendance) -> None:
    check_attendance_change(current, target)
    assert target in allowed_attendance_changes(current)


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_PAIRS)
def test_forbidden_attendance_changes_raise_with_the_allowed_set(
    current: Attendance, target: Attendance
) -> None:
    with pytest.raises(InvalidAttendanceChange) as caught:
        check_attendance_change(current, target)
    assert caught.value.current is current
    assert caught.value.target is target
    assert caught.value.allowed == frozenset(ALLOWED[current])


def test_a_cancelled_appointment_cannot_be_planned_again_and_the_error_says_rebook() -> None:
    with pytest.raises(InvalidAttendanceChange, match="book a new appointment"):
        check_attendance_change(A.CANCELLED_BY_PRACTICE, A.PLANNED)


def test_held_and_no_show_can_be_corrected_into_each_other() -> None:
    check_attendance_change(A.HELD, A.NO_SHOW)
    check_attendance_change(A.NO_SHOW, A.HELD)


def test_staying_on_the_same_attendance_is_not_a_change() -> None:
    with pytest.raises(InvalidAttendanceChange):
        check_attendance_change(A.CANCELLED_BY_PRACTICE, A.CANCELLED_BY_PRACTICE)


def test_only_a_cancellation_by_the_practice_needs_a_message_to_the_client() -> None:
    for attendance in Attendance:
        expected = attendance is A.CANCELLED_BY_PRACTICE
        assert needs_client_notification(attendance) is expected, attendance


def test_every_kind_has_a_neutral_employer_label_that_reveals_nothing() -> None:
    assert set(EMPLOYER_SAFE_LABEL) == set(AppointmentKind)
    assert set(EMPLOYER_SAFE_LABEL.values()) == {"appointment"}
    for kind, label in EMPLOYER_SAFE_LABEL.items():
        assert kind.value not in label
        assert KIND_LABELS[kind] != label


def test_a_manager_attending_the_alignment_meeting_sees_its_name() -> None:
    assert employer_label(K.ALIGNMENT_MEETING, viewer_attends=True) == "alignment meeting"


def test_a_manager_not_attending_the_alignment_meeting_sees_only_appointment() -> None:
    assert employer_label(K.ALIGNMENT_MEETING, viewer_attends=False) == "appointment"


def test_attending_does_not_reveal_any_other_kind() -> None:
    for kind in AppointmentKind:
        if kind is not K.ALIGNMENT_MEETING:
            assert employer_label(kind, viewer_attends=True) == "appointment", kind


def test_every_kind_has_a_staff_label() -> None:
    assert set(KIND_LABELS) == set(AppointmentKind)
    assert KIND_LABELS[K.WORK_CONVERSATION] == "@Work conversation"
