"""Reads of break-glass events: today's opening for the client page, the monitor's list.

The grant itself is read by ``practice.queries.access``; these reads show the event to the
people it concerns: the therapist who opened the record (the read-only notice on the
client page) and the practice manager who must be able to question it (the monitor).
"""

from datetime import date
from typing import Any

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.break_glass import monitor_since
from practice.platform.db import write_tx
from practice.tables import BreakGlass

# The manager reviews who opened which record: the purpose of the client's access log.
PURPOSE = "access_log_review"
OBJECT_TYPE = "break_glass"


async def opened_today(user_id: int | None, episode_id: int, today: date) -> dict[str, Any] | None:
    """The user's break-glass row on the episode for ``today`` (the day it grants), or None."""
    if user_id is None:
        return None
    row: dict[str, Any] | None = (
        await BreakGlass.select(
            BreakGlass.id, BreakGlass.reason, BreakGlass.opened_on, BreakGlass.opened_at
        )
        .where(
            (BreakGlass.episode == episode_id)
            & (BreakGlass.user == user_id)
            & (BreakGlass.opened_on == today)
        )
        .first()
    )
    return row


async def recent(actor: Actor, today: date) -> list[dict[str, Any]]:
    """Every break-glass event of the monitor's window, newest first; each row it shows is
    audited as a read naming its client, so the client's access log shows who saw it."""
    rows: list[dict[str, Any]] = (
        await BreakGlass.select(
            BreakGlass.id,
            BreakGlass.opened_on,
            BreakGlass.opened_at,
            BreakGlass.episode.as_alias("episode_id"),
            BreakGlass.episode._.client.as_alias("client_id"),
            BreakGlass.user._.display_name.as_alias("therapist"),
            BreakGlass.reason,
        )
        .where(BreakGlass.opened_on >= monitor_since(today))
        .order_by(BreakGlass.opened_at, ascending=False)
        .order_by(BreakGlass.id, ascending=False)
    )
    if rows:
        async with write_tx():
            for row in rows:
                await audit.record(
                    actor,
                    Action.READ,
                    OBJECT_TYPE,
                    row["id"],
                    purpose=PURPOSE,
                    client_id=int(row["client_id"]),
                )
    return rows
