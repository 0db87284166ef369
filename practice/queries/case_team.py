"""Who treats whom now: the therapist of every live episode, and who may take a seat over,
for handovers."""

from datetime import date
from typing import Any

from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.case_team import TeamRole
from practice.platform.db import write_tx
from practice.queries.access import seat_active_on
from practice.queries.caseload import ENDED
from practice.tables import CaseAssignment, CompanyDoctor, EmployerContact, User

PURPOSE = "administration"


async def members_on(episode_id: int, team_role: TeamRole, today: date) -> list[dict[str, Any]]:
    """The active accounts in ``team_role`` on the episode's team on ``today``, to write to:
    ``user`` (the account's id), ``email`` and ``name``."""
    rows: list[dict[str, Any]] = await CaseAssignment.select(
        CaseAssignment.user,
        CaseAssignment.user._.email.as_alias("email"),
        CaseAssignment.user._.display_name.as_alias("name"),
    ).where(
        (CaseAssignment.episode == episode_id)
        & (CaseAssignment.team_role == team_role.value)
        & (CaseAssignment.user._.active == True)  # noqa: E712 - SQL
        & seat_active_on(today)
    )
    return rows


async def current_therapists(actor: Actor, today: date) -> list[dict[str, Any]]:
    """Episodes not ended, with their therapist today (client name: to know whom to hand over)."""
    rows = await CaseAssignment.select(
        CaseAssignment.episode,
        CaseAssignment.user,
        CaseAssignment.user._.display_name.as_alias("therapist"),
        CaseAssignment.user._.active.as_alias("therapist_active"),
        CaseAssignment.episode._.client.as_alias("client_id"),
        CaseAssignment.episode._.client._.name.as_alias("client_name"),
        CaseAssignment.episode._.status.as_alias("status"),
    ).where(
        (CaseAssignment.team_role == "therapist")
        & seat_active_on(today)
        & CaseAssignment.episode._.status.not_in(ENDED)
    )
    # One row per client listed (their access logs show it), in one statement.
    shown = [(r["episode"], r["client_id"]) for r in rows] or [(None, None)]
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "case_team", shown, purpose=PURPOSE)
    return sorted(rows, key=lambda r: (str(r["therapist"]), str(r["client_name"])))


async def therapist_accounts() -> list[dict[str, Any]]:
    return await (
        User.select(User.id, User.display_name)
        .where((User.role == Role.THERAPIST.value) & (User.active == True))  # noqa: E712
        .order_by(User.display_name)
    )


async def successor_choices(employer_id: int) -> dict[str, list[dict[str, Any]]]:
    """Per seat of the case team, the active accounts a handover may name as successor: the
    therapists, the company doctors with an account, and this employer's own contacts with an
    account (manager and HR adviser). The handover itself checks the seat rules again."""
    doctors = await (
        CompanyDoctor.select(
            CompanyDoctor.user.as_alias("id"),
            CompanyDoctor.name.as_alias("display_name"),
            CompanyDoctor.organisation,
        )
        .where(CompanyDoctor.user.is_not_null() & (CompanyDoctor.user._.active == True))  # noqa: E712
        .order_by(CompanyDoctor.name)
    )
    contacts = await (
        EmployerContact.select(
            EmployerContact.user.as_alias("id"),
            EmployerContact.name.as_alias("display_name"),
        )
        .where(
            (EmployerContact.employer == employer_id)
            & EmployerContact.user.is_not_null()
            & (EmployerContact.user._.active == True)  # noqa: E712
        )
        .order_by(EmployerContact.name)
    )
    for doctor in doctors:
        if doctor["organisation"]:
            doctor["display_name"] = f"{doctor['display_name']} ({doctor['organisation']})"
    return {
        TeamRole.THERAPIST.value: await therapist_accounts(),
        TeamRole.COMPANY_DOCTOR.value: doctors,
        TeamRole.MANAGER.value: contacts,
        TeamRole.HR_ADVISER.value: contacts,
    }
