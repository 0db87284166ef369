"""Who is on a client's case team, and when (pitfall 15; domain brief §2.4, C1 and C2).

In the TNO pilots coaches and doctors left mid-case: a confidential mail went to a departed
coach (C1) and managers were not told who replaced her (C2). So access follows a dated
assignment to the case, never a person's mailbox, and a departure is a handover to a named
successor with the rest of the team told who their new contact is.

`valid_to` is inclusive, the last day someone is on the case ("tot en met"), as a team
planner writes it. A handover on day D ends the leaver on D - 1 and starts the successor on
D, so every day has exactly one holder of the role: no day on which the leaver still sees
the file next to the successor, and no day on which nobody does.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum


class TeamRole(StrEnum):
    """A seat on the case team; access and notifications hang on the seat."""

    THERAPIST = "therapist"
    COMPANY_DOCTOR = "company_doctor"
    MANAGER = "manager"
    HR_ADVISER = "hr_adviser"


@dataclass(frozen=True, slots=True)
class Assignment:
    """`person_id` holds `role` on the case from `valid_from` through `valid_to` (inclusive).

    `valid_to` None means open-ended: still on the case.
    """

    person_id: int
    role: TeamRole
    valid_from: date
    valid_to: date | None

    def __post_init__(self) -> None:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(
                f"an assignment cannot end ({self.valid_to}) before it starts ({self.valid_from})"
            )

    def is_current(self, on: date) -> bool:
        """True when `on` lies inside the assignment, both ends included."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class HandoverError(ValueError):
    """A handover that cannot be planned as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class HandoverPlan:
    """What a handover changes; the service stores it and sends the notifications.

    `ended` is the leaver's assignment as it should be stored (same person, role and start,
    `valid_to` = the day before the handover); `started` is the successor's new one.
    `notify_roles` and `notify_person_ids` are the other current members, who must hear who
    their new contact is (C2).
    """

    ended: Assignment
    started: Assignment
    notify_roles: frozenset[TeamRole]
    notify_person_ids: tuple[int, ...]


def current_members(assignments: Iterable[Assignment], role: TeamRole, on: date) -> list[int]:
    """The people holding `role` on `on`, sorted, each once."""
    return sorted({a.person_id for a in assignments if a.role is role and a.is_current(on)})


def has_access(assignments: Iterable[Assignment], person_id: int, on: date) -> bool:
    """True when `person_id` holds any role on the case on `on`.

    Access ends with the assignment, so a leaver loses the file the day the successor
    starts (C1).
    """
    return any(a.person_id == person_id and a.is_current(on) for a in assignments)


def plan_handover(
    assignments: Iterable[Assignment],
    leaving_person_id: int,
    successor_person_id: int,
    role: TeamRole,
    on: date,
) -> HandoverPlan:
    """Plan the hand-over of `role` from the leaver to the successor, effective on `on`.

    Raises `HandoverError` when the leaver does not hold `role` on `on`, when the successor
    is the leaver, when the successor already holds `role` on `on`, or when the leaver's
    assignment starts on `on` itself (there is no day left to end it on: correct that
    assignment instead).
    """
    team = list(assignments)
    if successor_person_id == leaving_person_id:
        raise HandoverError(f"person {leaving_person_id} cannot hand over {role} to themselves")
    leaving = [a for a in team if a.person_id == leaving_person_id and a.role is role]
    current = next((a for a in leaving if a.is_current(on)), None)
    if current is None:
        raise HandoverError(f"person {leaving_person_id} is not the current {role} on {on}")
    if successor_person_id in current_members(team, role, on):
        raise HandoverError(f"person {successor_person_id} is already a current {role} on {on}")
    if current.valid_from == on:
        raise HandoverError(
            f"the {role} assignment of person {leaving_person_id} starts on {on}; correct it "
            "instead of handing it over"
        )
    others = [
        a
        for a in team
        if a.is_current(on) and a.person_id not in (leaving_person_id, successor_person_id)
    ]
    return HandoverPlan(
        ended=replace(current, valid_to=on - timedelta(days=1)),
        started=Assignment(successor_person_id, role, on, None),
        notify_roles=frozenset(a.role for a in others),
        notify_person_ids=tuple(sorted({a.person_id for a in others})),
    )


def conflict_of_interest(therapist_employer_ids: Collection[int], client_employer_id: int) -> bool:
    """True when the therapist works for the client's employer (C6).

    Treatment "door een collega" comes too close, and being seen going to the psychologist
    is itself sensitive: such a case calls for an external or cross-referral. The caller
    decides what an id is (employer or department); this only checks the overlap.
    """
    return client_employer_id in therapist_employer_ids
