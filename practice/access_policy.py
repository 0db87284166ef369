"""Need-to-know by care relation: the one table that decides every read and write of client data.

A person sees a client's data because of a *seat on that episode's case team on that date*
(``practice.case_team``), never because of a role alone, an id they can guess, or a seat on
another episode of the same client. A referral for an existing client opens a new episode;
it grants nothing on the client's earlier ones. An earlier episode of another therapist is
reachable only by a handover (a dated seat) or by breaking the glass: a recorded reason,
read only, for one day, audited and reported to the practice manager.

What each role needs (AVG art. 5 "minimale gegevensverwerking", NEN 7510 need-to-know):
- the therapist: the whole record of the episodes they treat (or opened by breaking the glass);
- the company doctor: the documents sent to them while they are the case's company doctor,
  the absence record (first sick day, cause, recovery, leave), which they keep with the
  therapist, and the capacity advice with its conflicts and their consultations;
- the employer's manager or HR adviser: the non-medical progress view of their employee;
- the practice manager: the practice overview of every episode (status, dates, deadlines,
  the team; no medical content and no free-text reasons) and the clients' access logs;
- the administrator: who holds which seat, to hand cases over;
- the client: their own record as the client portal shows it (appointments, questionnaires,
  documents addressed to or sent about them, consents, who saw what), never a therapist's
  internal notes; by their account's link to the client, not by a seat.

Pure: the seats are loaded by ``practice.queries.access``; this module only decides.
"""

import enum
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from practice.accounts import Role
from practice.case_team import TeamRole


class Need(enum.StrEnum):
    """What a route does with a client's data; every client-data route declares one."""

    RECORD_READ = "record_read"  # the treatment record, medical parts included
    RECORD_WRITE = "record_write"  # change the treatment record
    OVERVIEW_READ = "overview_read"  # running the practice: status, dates, deadlines, team
    DOCUMENT_READ = "document_read"  # a stored document (PDF) of the episode
    PROGRESS_READ = "progress_read"  # the employer's non-medical view
    ACCESS_LOG_READ = "access_log_read"  # who touched the client's data
    ADMINISTRATION = "administration"  # who holds which seat, for handovers
    BREAK_GLASS = "break_glass"  # open an episode without a seat: reason, audit, notice
    ABSENCE_READ = "absence_read"  # the absence record, its (medical) cause included
    ABSENCE_WRITE = "absence_write"  # record or change absences, their links, leave
    # The capacity advice, the conflicts with it and the consultations about it
    # (practice.capacity): the advisers of the case, between themselves.
    ADVICE_READ = "advice_read"
    ADVICE_WRITE = "advice_write"  # record capacity advice, resolve a conflict, a consultation
    # The client portal (issue 20): what the client reads of their own record, and what
    # they do there (answer, give or withdraw consent, ask to move an appointment).
    OWN_READ = "own_read"
    OWN_WRITE = "own_write"


class Grant(enum.StrEnum):
    """What makes a need granted: a seat on the episode's team on the date, or none at all."""

    PRACTICE_WIDE = "practice_wide"  # the role itself suffices (running the practice)
    THERAPIST_SEAT = TeamRole.THERAPIST.value
    COMPANY_DOCTOR_SEAT = TeamRole.COMPANY_DOCTOR.value
    MANAGER_SEAT = TeamRole.MANAGER.value
    HR_ADVISER_SEAT = TeamRole.HR_ADVISER.value
    BROKEN_GLASS = "broken_glass"  # a therapist's recorded emergency read, that day only
    OWN_RECORD = "own_record"  # the client's account, on the episodes of that client


@dataclass(frozen=True, slots=True)
class Relation:
    """The requester's relation to one episode on one date."""

    seats: frozenset[TeamRole] = frozenset()
    broken_glass: bool = False
    own: bool = False  # the requester is this episode's client (an active client account)

    def grants(self) -> frozenset[Grant]:
        held = {Grant(seat.value) for seat in self.seats}
        if self.broken_glass:
            held.add(Grant.BROKEN_GLASS)
        if self.own:
            held.add(Grant.OWN_RECORD)
        return frozenset(held | {Grant.PRACTICE_WIDE})


NO_RELATION = Relation()

_T, _CD, _MGR, _HR, _GLASS, _ALL, _OWN = (
    Grant.THERAPIST_SEAT,
    Grant.COMPANY_DOCTOR_SEAT,
    Grant.MANAGER_SEAT,
    Grant.HR_ADVISER_SEAT,
    Grant.BROKEN_GLASS,
    Grant.PRACTICE_WIDE,
    Grant.OWN_RECORD,
)

# The policy: (role, need) -> the grants of which any one suffices. Absent means never.
# Breaking the glass opens reading, never writing: the treating therapist stays the one
# who changes the record.
POLICY: dict[tuple[Role, Need], frozenset[Grant]] = {
    (Role.THERAPIST, Need.RECORD_READ): frozenset({_T, _GLASS}),
    (Role.THERAPIST, Need.RECORD_WRITE): frozenset({_T}),
    (Role.THERAPIST, Need.OVERVIEW_READ): frozenset({_T, _GLASS}),
    (Role.THERAPIST, Need.DOCUMENT_READ): frozenset({_T, _GLASS}),
    # Any therapist of the practice may break the glass; it is recorded, never silent.
    (Role.THERAPIST, Need.BREAK_GLASS): frozenset({_ALL}),
    (Role.COMPANY_DOCTOR, Need.DOCUMENT_READ): frozenset({_CD}),
    # The absence record is kept by the therapist and the company doctor of the case
    # together (the company doctor assesses the sickness); an employer contact never reads
    # it, because it holds the cause.
    (Role.THERAPIST, Need.ABSENCE_READ): frozenset({_T, _GLASS}),
    (Role.THERAPIST, Need.ABSENCE_WRITE): frozenset({_T}),
    (Role.COMPANY_DOCTOR, Need.ABSENCE_READ): frozenset({_CD}),
    (Role.COMPANY_DOCTOR, Need.ABSENCE_WRITE): frozenset({_CD}),
    # The capacity advice is the company doctor's by law and the therapist's to follow; a
    # conflict between them is theirs to resolve, and their consultations carry medical
    # notes: the two of them, on the case, and no employer contact.
    (Role.THERAPIST, Need.ADVICE_READ): frozenset({_T, _GLASS}),
    (Role.THERAPIST, Need.ADVICE_WRITE): frozenset({_T}),
    (Role.COMPANY_DOCTOR, Need.ADVICE_READ): frozenset({_CD}),
    (Role.COMPANY_DOCTOR, Need.ADVICE_WRITE): frozenset({_CD}),
    (Role.EMPLOYER_CONTACT, Need.PROGRESS_READ): frozenset({_MGR, _HR}),
    (Role.PRACTICE_MANAGER, Need.OVERVIEW_READ): frozenset({_ALL}),
    (Role.PRACTICE_MANAGER, Need.ACCESS_LOG_READ): frozenset({_ALL}),
    (Role.ADMINISTRATOR, Need.ADMINISTRATION): frozenset({_ALL}),
    # The client, on their own episodes only; no other need is ever theirs.
    (Role.CLIENT, Need.OWN_READ): frozenset({_OWN}),
    (Role.CLIENT, Need.OWN_WRITE): frozenset({_OWN}),
}

# The needs that change client data: a refusal of one is audited as a write.
WRITE_NEEDS: frozenset[Need] = frozenset(
    {Need.RECORD_WRITE, Need.ABSENCE_WRITE, Need.ADVICE_WRITE, Need.OWN_WRITE}
)

# A read route that serves more than one level answers with the richest one granted.
READ_LEVELS: tuple[Need, ...] = (Need.RECORD_READ, Need.OVERVIEW_READ)


def decide(role: Role | str, need: Need, relation: Relation) -> bool:
    """True when ``role`` with ``relation`` to the episode may do ``need`` to it."""
    try:
        key = (Role(role), need)
    except ValueError:  # "system" and unknown roles: not through the web policy
        return False
    return bool(POLICY.get(key, frozenset()) & relation.grants())


def read_level(role: Role | str, relation: Relation) -> Need | None:
    """The richest read level granted (record before overview), or None."""
    return next((need for need in READ_LEVELS if decide(role, need, relation)), None)


def needs_a_relation(role: Role | str, need: Need) -> bool:
    """False when the role alone grants the need (the practice manager's overview)."""
    try:
        grants = POLICY.get((Role(role), need), frozenset())
    except ValueError:
        return True
    return _ALL not in grants


def seats_granting(role: Role | str, need: Need) -> Collection[TeamRole]:
    """The seats that grant ``need`` to ``role`` (to find a person's episodes in one query)."""
    try:
        grants = POLICY.get((Role(role), need), frozenset())
    except ValueError:
        return ()
    seats = {t.value for t in TeamRole}
    return [TeamRole(g.value) for g in grants if g.value in seats]


# What the overview leaves out of every row it shows: free text that a practice manager does
# not need to run the practice and that may carry clinical content (why a status changed, a
# session was missed, a deadline was overridden; session notes; handover notes). The FHIR
# export leaves the same out for the same role, so JSON, HTML and FHIR agree.
OVERVIEW_WITHHELD: frozenset[str] = frozenset(
    {"reason", "override_reason", "attendance_reason", "notes", "handover_note"}
)


def overview_only(value: Any) -> Any:
    """``value`` with every ``OVERVIEW_WITHHELD`` key removed, at any depth."""
    if isinstance(value, dict):
        return {k: overview_only(v) for k, v in value.items() if k not in OVERVIEW_WITHHELD}
    if isinstance(value, list | tuple):
        return [overview_only(v) for v in value]
    return value
