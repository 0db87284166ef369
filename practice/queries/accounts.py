"""Reads of the clinical core: lists and details, scoped to who asks."""

from datetime import date
from typing import Any

from practice.accounts import ACCOUNT_PURPOSE, Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from practice.queries.access import seat_active_on
from practice.queries.caseload import ENDED
from practice.tables import CaseAssignment, User

ADMINISTRATION_PURPOSE = "administration"  # as the handovers page lists cases


# The administrator manages the staff's accounts; a client's account is the therapist's to
# invite and revoke (``practice.services.client_accounts``), and being a client is sensitive.
_STAFF = User.role != Role.CLIENT.value


async def user_list(actor: Actor) -> list[dict[str, Any]]:
    async with write_tx():  # the audit row and the read commit together
        rows = (
            await User.select(
                User.id,
                User.email,
                User.display_name,
                User.role,
                User.active,
                User.created_at,
                User.registration,
            )
            .where(_STAFF)
            .order_by(User.email)
        )
        await audit.record(actor, Action.SEARCH, "user", None, purpose=ACCOUNT_PURPOSE)
    return rows


async def active_session_user(user_id: int) -> dict[str, Any] | None:
    """The logged-in user's id, e-mail, name, role and locale; None once disabled or removed."""
    row: dict[str, Any] | None = (
        await User.select(User.id, User.email, User.display_name, User.role, User.locale)
        .where((User.id == user_id) & (User.active == True))  # noqa: E712 - SQL, not Python
        .first()
    )
    return row


async def user_detail(actor: Actor, user_id: int) -> dict[str, Any] | None:
    """One account as the administrator edits it (no password hash, no second-factor secret)."""
    async with write_tx():
        row: dict[str, Any] | None = (
            await User.select(
                User.id,
                User.email,
                User.display_name,
                User.role,
                User.active,
                User.locale,
                User.created_at,
                User.registration,
            )
            .where((User.id == user_id) & _STAFF)
            .first()
        )
        await audit.record(actor, Action.READ, "user", user_id, purpose=ACCOUNT_PURPOSE)
    return row


async def live_cases_of(actor: Actor, user_id: int, today: date) -> list[dict[str, Any]]:
    """The episodes not yet ended on which the account holds a seat today, with the client's
    name: what a deactivation leaves without its therapist (or doctor, or contact) until a
    handover names a successor."""
    rows = await CaseAssignment.select(
        CaseAssignment.episode,
        CaseAssignment.team_role,
        CaseAssignment.episode._.client.as_alias("client_id"),
        CaseAssignment.episode._.client._.name.as_alias("client_name"),
        CaseAssignment.episode._.status.as_alias("status"),
    ).where(
        (CaseAssignment.user == user_id)
        & seat_active_on(today)
        & CaseAssignment.episode._.status.not_in(ENDED)
    )
    if rows:
        async with write_tx():  # the clients' access logs show that they were listed
            await audit.record_many(
                actor,
                Action.SEARCH,
                "case_team",
                [(r["episode"], r["client_id"]) for r in rows],
                purpose=ADMINISTRATION_PURPOSE,
            )
    return sorted(rows, key=lambda r: str(r["client_name"]))
