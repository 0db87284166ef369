"""The access policy as a table: who may do what to an episode, by care relation."""

import pytest

from practice.access_policy import (
    NO_RELATION,
    OVERVIEW_WITHHELD,
    POLICY,
    Need,
    Relation,
    decide,
    needs_a_relation,
    overview_only,
    read_level,
)
from practice.accounts import Role
from practice.case_team import TeamRole

T, CD, M, HR = TeamRole.THERAPIST, TeamRole.COMPANY_DOCTOR, TeamRole.MANAGER, TeamRole.HR_ADVISER
GLASS = Relation(broken_glass=True)


def seat(*seats: TeamRole) -> Relation:
    return Relation(frozenset(seats))


@pytest.mark.parametrize(
    ("role", "need", "relation", "allowed"),
    [
        (Role.THERAPIST, Need.RECORD_READ, seat(T), True),
        (Role.THERAPIST, Need.RECORD_WRITE, seat(T), True),
        (Role.THERAPIST, Need.RECORD_READ, NO_RELATION, False),
        (Role.THERAPIST, Need.RECORD_READ, GLASS, True),
        (Role.THERAPIST, Need.RECORD_WRITE, GLASS, False),
        (Role.THERAPIST, Need.BREAK_GLASS, NO_RELATION, True),
        (Role.THERAPIST, Need.PROGRESS_READ, seat(T), False),
        (Role.COMPANY_DOCTOR, Need.DOCUMENT_READ, seat(CD), True),
        (Role.COMPANY_DOCTOR, Need.DOCUMENT_READ, NO_RELATION, False),
        (Role.COMPANY_DOCTOR, Need.RECORD_READ, seat(CD), False),
        (Role.EMPLOYER_CONTACT, Need.PROGRESS_READ, seat(M), True),
        (Role.EMPLOYER_CONTACT, Need.PROGRESS_READ, seat(HR), True),
        (Role.EMPLOYER_CONTACT, Need.PROGRESS_READ, NO_RELATION, False),
        (Role.EMPLOYER_CONTACT, Need.DOCUMENT_READ, seat(M), False),
        (Role.EMPLOYER_CONTACT, Need.RECORD_READ, seat(M), False),
        (Role.PRACTICE_MANAGER, Need.OVERVIEW_READ, NO_RELATION, True),
        (Role.PRACTICE_MANAGER, Need.RECORD_READ, NO_RELATION, False),
        (Role.PRACTICE_MANAGER, Need.ACCESS_LOG_READ, NO_RELATION, True),
        (Role.PRACTICE_MANAGER, Need.RECORD_WRITE, NO_RELATION, False),
        (Role.ADMINISTRATOR, Need.RECORD_READ, NO_RELATION, False),
        (Role.ADMINISTRATOR, Need.OVERVIEW_READ, NO_RELATION, False),
        ("system", Need.RECORD_READ, seat(T), False),
    ],
)
def test_the_policy_table_decides_by_role_need_and_seat(
    role: Role | str, need: Need, relation: Relation, allowed: bool
) -> None:
    assert decide(role, need, relation) is allowed


def test_a_seat_of_another_kind_grants_nothing_of_the_therapists() -> None:
    for other in (CD, M, HR):
        assert not decide(Role.THERAPIST, Need.RECORD_READ, seat(other))


def test_writing_always_needs_a_seat_never_the_role_alone() -> None:
    for (role, need), grants in POLICY.items():
        if need is Need.RECORD_WRITE:
            assert needs_a_relation(role, need), (role, grants)


def test_the_read_level_is_the_record_for_the_therapist_and_the_overview_for_the_manager() -> None:
    assert read_level(Role.THERAPIST, seat(T)) is Need.RECORD_READ
    assert read_level(Role.PRACTICE_MANAGER, NO_RELATION) is Need.OVERVIEW_READ
    assert read_level(Role.THERAPIST, NO_RELATION) is None
    assert read_level(Role.EMPLOYER_CONTACT, seat(M)) is None


def test_the_overview_leaves_out_free_text_reasons_at_any_depth() -> None:
    detail = {
        "status": "paused",
        "status_history": [{"to_status": "paused", "reason": "x"}],
        "tasks": ({"kind": "k", "override_reason": "y"},),
        "notes": "z",
    }
    shown = overview_only(detail)
    assert shown == {
        "status": "paused",
        "status_history": [{"to_status": "paused"}],
        "tasks": [{"kind": "k"}],
    }
    assert {"reason", "override_reason", "notes"} <= OVERVIEW_WITHHELD
