from datetime import date

import pytest

from practice.case_team import (
    Assignment,
    HandoverError,
    TeamRole,
    conflict_of_interest,
    current_members,
    has_access,
    plan_handover,
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
    after = [a for a in TEAM if a.person_id != DOCTOR] + [plan.ended, plan.started]

    assert current_members(after, R.COMPANY_DOCTOR, date(2026, 3, 1)) == [DOCTOR]
    assert current_members(after, R.COMPANY_DOCTOR, HANDOVER) == [NEW_DOCTOR]
    assert not has_access(after, DOCTOR, HANDOVER)


def test_a_handover_notifies_every_other_current_member() -> None:
    plan = plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, HANDOVER)

    assert plan.notify_roles == {R.THERAPIST, R.MANAGER}  # the HR adviser left in January
    assert plan.notify_person_ids == (THERAPIST, MANAGER)


def test_only_the_current_holder_of_the_role_can_hand_it_over() -> None:
    with pytest.raises(HandoverError, match="not the current manager"):
        plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.MANAGER, HANDOVER)
    with pytest.raises(HandoverError, match="not the current hr_adviser"):
        plan_handover(TEAM, HR, NEW_DOCTOR, R.HR_ADVISER, HANDOVER)


def test_nobody_hands_over_to_themselves() -> None:
    with pytest.raises(HandoverError, match="themselves"):
        plan_handover(TEAM, DOCTOR, DOCTOR, R.COMPANY_DOCTOR, HANDOVER)


def test_a_successor_who_already_holds_the_role_is_refused() -> None:
    team = [*TEAM, Assignment(NEW_DOCTOR, R.COMPANY_DOCTOR, START, None)]

    with pytest.raises(HandoverError, match="already a current company_doctor"):
        plan_handover(team, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, HANDOVER)


def test_a_handover_on_the_first_day_of_the_assignment_is_refused() -> None:
    with pytest.raises(HandoverError, match="correct it"):
        plan_handover(TEAM, DOCTOR, NEW_DOCTOR, R.COMPANY_DOCTOR, START)


def test_the_handover_error_is_a_value_error() -> None:
    assert issubclass(HandoverError, ValueError)


def test_an_assignment_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Assignment(DOCTOR, R.COMPANY_DOCTOR, START, date(2026, 1, 4))


def test_a_therapist_working_for_the_clients_employer_has_a_conflict_of_interest() -> None:
    assert conflict_of_interest({10, 20}, 20)
    assert not conflict_of_interest({10, 20}, 30)
    assert not conflict_of_interest((), 30)
