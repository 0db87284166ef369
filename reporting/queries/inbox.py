"""The company doctor's inbox: what was sent to them, for the cases they are the company
doctor of today (after a handover the leaver's inbox no longer names the client)."""

from datetime import date
from typing import Any

from practice.access_policy import NO_RELATION, Need, decide
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.name_search import name_matches
from practice.platform.db import write_tx
from practice.queries import access
from reporting.interim_reports import named
from reporting.tables import Delivery

PURPOSE = "reporting"


async def doctor_inbox(actor: Actor, today: date, search: str = "") -> list[dict[str, Any]]:
    """The deliveries to ``actor``, newest first, that they may read today (with ``search``,
    of the clients whose name holds it); every client the list names gets an audit row."""
    rows = (
        await Delivery.select(
            Delivery.document,
            Delivery.delivered_at,
            Delivery.read_at,
            Delivery.document._.title.as_alias("title"),
            Delivery.document._.kind.as_alias("kind"),
            Delivery.document._.report._.ordinal.as_alias("ordinal"),
            Delivery.document._.episode._.client._.name.as_alias("client_name"),
            Delivery.document._.episode.as_alias("episode_id"),
            Delivery.document._.episode._.client.as_alias("client_id"),
        )
        .where(Delivery.recipient == actor.user_id)
        .order_by(Delivery.delivered_at, ascending=False)
    )
    held = await access.relations(
        actor.user_id, sorted({int(r["episode_id"]) for r in rows}), today, role=actor.role
    )
    rows = [
        r
        for r in rows
        if decide(actor.role or "", Need.DOCUMENT_READ, held.get(int(r["episode_id"]), NO_RELATION))
        and name_matches(search, r["client_name"])
    ]
    # One row per client the inbox names (their access logs show it), in one statement.
    shown: list[tuple[int | str | None, int | None]] = [
        *sorted({(int(r["episode_id"]), int(r["client_id"])) for r in rows})
    ] or [(actor.user_id, None)]
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "inbox", shown, purpose=PURPOSE)
    return named(rows)
