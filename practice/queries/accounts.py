"""Reads of the clinical core: lists and details, scoped to who asks."""

from typing import Any

from practice.accounts import ACCOUNT_PURPOSE
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from practice.tables import User


async def user_list(actor: Actor) -> list[dict[str, Any]]:
    async with write_tx():  # the audit row and the read commit together
        rows = await User.select(
            User.id,
            User.email,
            User.display_name,
            User.role,
            User.active,
            User.created_at,
            User.registration,
        ).order_by(User.email)
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
