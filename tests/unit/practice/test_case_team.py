from datetime import date, timedelta

import pytest

from practice.case_team import (
    Assignment,
    HandoverError,
    TeamRole,
    conflict_of_interest,
    current_members,
    has_access,
    plan_handover,
    seat_refusal,
)

R = TeamRole
START = date(2026, 1, 5)
HANDOVER = date(2026, 3, 2)

THERAPIST, DOCTOR, MANAGER, HR, NEW_DOCTOR = 1, 2, 3, 4, 5
TEAM = [
    Assignment(THERAPIST, R.THERAPIST, START, None),
    Assignment(DOCTOR, R.COMPANY_DOCTOR, START, None),
    Assignment(MANAGER, R.MANAGER, START, None),
    Assignment(HR, R.HR_ADVISER, START, date(2026, 1, 31)),
]


def test_current_members_are_those_whose_period_includes_the_day() -> None:
    assert current_members(TEAM, R.HR_ADVISER, date(2026, 1, 31)) == [HR]  # last day included
    assert current_members(TEAM, R.HR_ADVISER, date(2026, 2, 1)) == []
    assert current_members(TEAM, R.MANAGER, START) == [MANAGER]
    assert current_members(TEAM, R.MANAGER, date(2026, 1, 4)) == []


def test_access_ends_with_the_assignment() -> None:
    assert has_access(TEAM, HR, date(2026, 1, 31))
    assert not has_access(TEAM, HR, date(2026, 2, 1))
    assert not has_access(TEAM, NEW_DOCTOR, HANDOVER)


def test_a_handover_ends_the_leaver_the_day_before_and_starts_the_successor_that_day() -> None:
    plan = plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, HANDOVER)

    assert plan.ended == Assignment(DOCTOR, R.COMPANY_DOCTOR, START, date(2026, 3, 1))
    assert plan.started == Assignment(NEW_DOCTOR, R.COMPANY_DOCTOR, HANDOVER, None)


def test_after_a_handover_exactly_one_person_holds_the_role_each_day() -> None:
    plan = plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, HANDOVER)
    assert plan.ended is not None
    after = [a for a in TEAM if a.person_id != DOCTOR] + [plan.ended, plan.started]

    assert current_members(after, R.COMPANY_DOCTOR, date(2026, 3, 1)) == [DOCTOR]
    assert current_members(after, R.COMPANY_DOCTOR, HANDOVER) == [NEW_DOCTOR]
    assert not has_access(after, DOCTOR, HANDOVER)


def test_a_handover_notifies_every_other_current_member() -> None:
    plan = plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, HANDOVER)

    assert plan.notify_roles == {R.THERAPIST, R.MANAGER}  # the HR adviser left in January
    assert plan.notify_person_ids == (THERAPIST, MANAGER)


def test_only_the_current_holder_of_the_role_can_hand_it_over() -> None:
    with pytest.raises(HandoverError, match="does not hold the manager seat") as refused:
        plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.MANAGER, HANDOVER)
    assert refused.value.field == "leaving_user_id"
    with pytest.raises(HandoverError, match="already ended on 2026-01-31") as refused:
        plan_handover(TEAM, HR, NEW_DOCTOR, R.HR_ADVISER, HANDOVER)
    assert refused.value.field == "on"


def test_nobody_hands_over_to_themselves() -> None:
    with pytest.raises(HandoverError, match="someone other than") as refused:
        plan_handover(TEAM, DOCTOR, DOCTOR, R.COMPANY_DOCTOR, HANDOVER)
    assert refused.value.field == "successor_user_id"


def test_a_successor_who_already_holds_the_role_is_refused() -> None:
    team = [*TEAM, Assignment(NEW_DOCTOR, R.COMPANY_DOCTOR, START, None)]

    with pytest.raises(HandoverError, match="already holds the company doctor seat") as refused:
        plan_handover(team, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, HANDOVER)
    assert refused.value.field == "successor_user_id"


def test_a_handover_on_the_first_day_of_the_assignment_passes_the_seat_whole() -> None:
    """A case given to the wrong therapist this morning goes to the right one today: the
    leaver never held it for a day of their own, so every day still has one holder."""
    plan = plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, START)

    assert plan.ended is None
    assert plan.replaced == Assignment(DOCTOR, R.COMPANY_DOCTOR, START, None)
    assert plan.started == Assignment(NEW_DOCTOR, R.COMPANY_DOCTOR, START, None)
    after = [a for a in TEAM if a.person_id != DOCTOR] + [plan.started]
    assert current_members(after, R.COMPANY_DOCTOR, START) == [NEW_DOCTOR]
    assert not has_access(after, DOCTOR, START)


def test_a_handover_before_the_seat_began_names_the_date_and_the_first_possible_day() -> None:
    with pytest.raises(HandoverError, match="before this seat began") as refused:
        plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, START - timedelta(days=1))
    assert refused.value.field == "on"
    assert refused.value.message.params["day"] == START


def test_the_handover_error_is_a_value_error() -> None:
    assert issubclass(HandoverError, ValueError)


def test_an_assignment_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Assignment(DOCTOR, R.COMPANY_DOCTOR, START, date(2026, 1, 4))


def test_a_therapist_working_for_the_clients_employer_has_a_conflict_of_interest() -> None:
    assert conflict_of_interest({10, 20}, 20)
    assert not conflict_of_interest({10, 20}, 30)
    assert not conflict_of_interest((), 30)


# Who may take which seat on an episode of employer 7 (issue 14): (seat, account role,
# active, employers of the account, what the refusal says, or None when allowed).
EPISODE_EMPLOYER, OTHER_EMPLOYER = 7, 8
SEATS = [
    (R.THERAPIST, "therapist", True, set(), None),
    (R.THERAPIST, "therapist", True, {OTHER_EMPLOYER}, None),
    (R.THERAPIST, "therapist", True, {EPISODE_EMPLOYER}, "conflict of interest"),
    (R.THERAPIST, "therapist", False, set(), "must go to an active account"),
    (R.THERAPIST, "employer_contact", True, {EPISODE_EMPLOYER}, "must go to a therapist"),
    (R.THERAPIST, "company_doctor", True, set(), "this account is a company doctor"),
    (R.THERAPIST, "practice_manager", True, set(), "must go to a therapist"),
    (R.THERAPIST, "administrator", True, set(), "this account is an administrator"),
    (R.COMPANY_DOCTOR, "company_doctor", True, set(), None),
    (R.COMPANY_DOCTOR, "company_doctor", False, set(), "must go to an active account"),
    (R.COMPANY_DOCTOR, "employer_contact", True, {EPISODE_EMPLOYER}, "to a company doctor"),
    (R.COMPANY_DOCTOR, "therapist", True, set(), "must go to a company doctor"),
    (R.MANAGER, "employer_contact", True, {EPISODE_EMPLOYER}, None),
    (R.MANAGER, "employer_contact", True, {OTHER_EMPLOYER}, "a contact of another employer"),
    (R.MANAGER, "employer_contact", True, set(), "a contact of no employer"),
    (R.MANAGER, "employer_contact", False, {EPISODE_EMPLOYER}, "an active account"),
    (R.MANAGER, "company_doctor", True, set(), "must go to an employer contact"),
    (R.MANAGER, "therapist", True, {EPISODE_EMPLOYER}, "must go to an employer contact"),
    (R.HR_ADVISER, "employer_contact", True, {EPISODE_EMPLOYER}, None),
    (R.HR_ADVISER, "employer_contact", True, {OTHER_EMPLOYER}, "contact of this episode's"),
    (R.HR_ADVISER, "practice_manager", True, set(), "must go to an employer contact"),
    (R.MANAGER, "no_such_role", True, set(), "this account is no_such_role"),
]


@pytest.mark.parametrize(("seat", "account_role", "active", "employers", "refusal"), SEATS)
def test_a_seat_goes_only_to_an_active_account_of_its_kind_and_employer(
    seat: TeamRole, account_role: str, active: bool, employers: set[int], refusal: str | None
) -> None:
    reason = seat_refusal(
        seat,
        account_role=account_role,
        active=active,
        employer_ids=employers,
        episode_employer_id=EPISODE_EMPLOYER,
    )
    if refusal is None:
        assert reason is None
    else:
        assert reason is not None and refusal in reason


def test_no_seat_goes_to_an_account_of_an_unknown_role() -> None:
    for seat in TeamRole:
        assert seat_refusal(
            seat,
            account_role="nobody",
            active=True,
            employer_ids=(),
            episode_employer_id=EPISODE_EMPLOYER,
        )


def test_a_seat_is_held_from_its_first_day_through_its_last_and_open_ended_without_one() -> None:
    from practice.case_team import active_on

    assert not active_on(START, HANDOVER, START - timedelta(days=1))
    assert active_on(START, HANDOVER, START)
    assert active_on(START, HANDOVER, HANDOVER)
    assert not active_on(START, HANDOVER, HANDOVER + timedelta(days=1))
    assert active_on(START, None, date(2099, 1, 1))
    assert Assignment(THERAPIST, R.THERAPIST, START, HANDOVER).is_current(HANDOVER)
