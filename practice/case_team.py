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

from practice.accounts import Role
from practice.errors import Message
from practice.platform.i18n import N_


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
        return active_on(self.valid_from, self.valid_to, on)


def active_on(valid_from: date, valid_to: date | None, on: date) -> bool:
    """On the case team on `on`: from `valid_from` through `valid_to`, both ends included
    ("tot en met"); `valid_to` None is open-ended. ``practice.queries.access.seat_active_on``
    asks the same of the database."""
    return valid_from <= on and (valid_to is None or on <= valid_to)


# Which kind of account may hold a seat. A seat is a grant of access to the case (the manager
# seat lists the employee in that person's portal), so a seat handed to the wrong kind of
# account, or to a contact of another company, is a leak of client data (issue 14).
SEAT_ACCOUNT_ROLE: dict[TeamRole, Role] = {
    TeamRole.THERAPIST: Role.THERAPIST,
    TeamRole.COMPANY_DOCTOR: Role.COMPANY_DOCTOR,
    TeamRole.MANAGER: Role.EMPLOYER_CONTACT,
    TeamRole.HR_ADVISER: Role.EMPLOYER_CONTACT,
}
# The seats of the client's employer: only that employer's own contacts may hold them.
EMPLOYER_SEATS = frozenset({TeamRole.MANAGER, TeamRole.HR_ADVISER})
SEAT_LABELS: dict[TeamRole, str] = {
    TeamRole.THERAPIST: N_("therapist"),
    TeamRole.COMPANY_DOCTOR: N_("company doctor"),
    TeamRole.MANAGER: N_("manager"),
    TeamRole.HR_ADVISER: N_("HR adviser"),
}
# A role as a refusal names it, with its article ("a therapist"): one message id each, so
# the Dutch sentence can take its own article.
A_ROLE: dict[str, str] = {
    Role.THERAPIST.value: N_("a therapist"),
    Role.COMPANY_DOCTOR.value: N_("a company doctor"),
    Role.EMPLOYER_CONTACT.value: N_("an employer contact"),
    Role.PRACTICE_MANAGER.value: N_("a practice manager"),
    Role.ADMINISTRATOR.value: N_("an administrator"),
}


def seat_refusal(
    seat: TeamRole,
    *,
    account_role: str,
    active: bool,
    employer_ids: Collection[int],
    episode_employer_id: int,
) -> str | None:
    """Why this account may not hold `seat` on an episode of `episode_employer_id`, or None.

    `employer_ids` are, for an employer contact, the employers it is a contact of, and for a
    therapist, the employers it works for (C6); the caller loads them, this only decides.
    The reason is a sentence for the person who chose the account.
    """
    label = Message(SEAT_LABELS[seat])
    if not active:
        return Message(
            N_("the %(seat)s seat must go to an active account; this account is deactivated"),
            seat=label,
        )
    required = SEAT_ACCOUNT_ROLE[seat]
    if account_role != required.value:
        actual = A_ROLE.get(account_role)
        return Message(
            N_("the %(seat)s seat must go to %(required)s; this account is %(actual)s"),
            seat=label,
            required=Message(A_ROLE[required.value]),
            actual=Message(actual) if actual else account_role,
        )
    if seat in EMPLOYER_SEATS and episode_employer_id not in employer_ids:
        if employer_ids:
            return Message(
                N_(
                    "the %(seat)s seat must go to a contact of this episode's employer; "
                    "this account is a contact of another employer"
                ),
                seat=label,
            )
        return Message(
            N_(
                "the %(seat)s seat must go to a contact of this episode's employer; "
                "this account is a contact of no employer"
            ),
            seat=label,
        )
    if seat is TeamRole.THERAPIST and conflict_of_interest(employer_ids, episode_employer_id):
        return Message(
            N_(
                "the therapist seat must go to a therapist who does not work for the client's "
                "employer (conflict of interest)"
            )
        )
    return None


class HandoverError(ValueError):
    """A handover that cannot be planned as asked: ``field`` is the form field at fault and
    ``message`` says why, for the person who filled it in (a message id with its values)."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


HANDOVER_TO_SELF = N_("The successor must be someone other than the person handing over.")
NOT_THE_HOLDER = N_("This person does not hold the %(seat)s seat of this case on that date.")
BEFORE_THE_SEAT = N_(
    "The handover date is before this seat began (%(day)s); choose that day or a later one."
)
SEAT_ALREADY_ENDED = N_("This seat already ended on %(day)s; choose an earlier date.")
ALREADY_HOLDS_IT = N_("This person already holds the %(seat)s seat of this case on that date.")


@dataclass(frozen=True, slots=True)
class HandoverPlan:
    """What a handover changes; the service stores it and sends the notifications.

    `ended` is the leaver's assignment as it should be stored (same person, role and start,
    `valid_to` = the day before the handover), or None when the leaver's assignment starts
    on the handover day itself: then it passes to the successor whole (the leaver never held
    the seat for a day of their own, e.g. a case given to the wrong therapist this morning),
    and `replaced` is that assignment. `started` is the successor's new one.
    `notify_roles` and `notify_person_ids` are the other current members, who must hear who
    their new contact is (C2).
    """

    ended: Assignment | None
    started: Assignment
    notify_roles: frozenset[TeamRole]
    notify_person_ids: tuple[int, ...]
    replaced: Assignment | None = None


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

    Any day of the leaver's assignment will do, its first day included (the assignment then
    passes whole). Raises `HandoverError`, naming the field, when the successor is the
    leaver, when `on` lies before the leaver's seat began or after it ended, when the leaver
    never held `role`, or when the successor already holds `role` on `on`.
    """
    team = list(assignments)
    seat = Message(SEAT_LABELS[role])
    if successor_person_id == leaving_person_id:
        raise HandoverError("successor_user_id", Message(HANDOVER_TO_SELF))
    leaving = [a for a in team if a.person_id == leaving_person_id and a.role is role]
    current = next((a for a in leaving if a.is_current(on)), None)
    if current is None:
        raise _not_held(leaving, seat, on)
    if successor_person_id in current_members(team, role, on):
        raise HandoverError("successor_user_id", Message(ALREADY_HOLDS_IT, seat=seat))
    others = [
        a
        for a in team
        if a.is_current(on) and a.person_id not in (leaving_person_id, successor_person_id)
    ]
    same_day = current.valid_from == on
    return HandoverPlan(
        ended=None if same_day else replace(current, valid_to=on - timedelta(days=1)),
        started=Assignment(successor_person_id, role, on, current.valid_to if same_day else None),
        notify_roles=frozenset(a.role for a in others),
        notify_person_ids=tuple(sorted({a.person_id for a in others})),
        replaced=current if same_day else None,
    )


def _not_held(leaving: list[Assignment], seat: Message, on: date) -> HandoverError:
    """Why the leaver does not hold the seat on `on`: too early, too late, or never."""
    later = sorted(a.valid_from for a in leaving if a.valid_from > on)
    if later:
        return HandoverError("on", Message(BEFORE_THE_SEAT, day=later[0]))
    ended = sorted(a.valid_to for a in leaving if a.valid_to is not None and a.valid_to < on)
    if ended:
        return HandoverError("on", Message(SEAT_ALREADY_ENDED, day=ended[-1]))
    return HandoverError("leaving_user_id", Message(NOT_THE_HOLDER, seat=seat))


def conflict_of_interest(therapist_employer_ids: Collection[int], client_employer_id: int) -> bool:
    """True when the therapist works for the client's employer (C6).

    Treatment "door een collega" comes too close, and being seen going to the psychologist
    is itself sensitive: such a case calls for an external or cross-referral. The caller
    decides what an id is (employer or department); this only checks the overlap.
    """
    return client_employer_id in therapist_employer_ids
