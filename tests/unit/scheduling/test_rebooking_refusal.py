"""When a cancelled appointment may be given a new date: one rule for the sessions list, the
appointment's page and the service."""

from scheduling.appointments import AppointmentKind, rebooking_refusal

SESSION = AppointmentKind.TREATMENT_SESSION.value
FOLLOW_UP = AppointmentKind.FOLLOW_UP_CONVERSATION.value


def test_a_cancelled_appointment_not_yet_rebooked_is_rebooked_while_the_treatment_runs() -> None:
    assert rebooking_refusal(SESSION, "cancelled_by_practice", None, treatment_ended=False) is None
    assert rebooking_refusal(SESSION, "cancelled_by_client", None, treatment_ended=False) is None


def test_a_planned_or_already_rebooked_appointment_is_not() -> None:
    assert rebooking_refusal(SESSION, "planned", None, treatment_ended=False) is not None
    assert rebooking_refusal(SESSION, "cancelled_by_practice", 7, treatment_ended=False)


def test_after_the_end_a_session_is_not_rebooked_but_a_follow_up_still_is() -> None:
    assert rebooking_refusal(SESSION, "cancelled_by_practice", None, treatment_ended=True)
    assert rebooking_refusal(FOLLOW_UP, "cancelled_by_client", None, treatment_ended=True) is None
