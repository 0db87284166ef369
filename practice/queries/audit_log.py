"""The client's access log (AUD-6): who touched the client's data, what, when and why.

Reading it is itself audited, in the same transaction. Newest first, paged by id.
"""

from typing import Any

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from practice.queries.access import refuse
from practice.tables import AuditEvent, Client, User

PURPOSE = "access_log_review"
MAX_PAGE = 1000


async def client_access_log(
    actor: Actor,
    client_id: int,
    *,
    limit: int,
    before: int | None,
    export: bool = False,
    others_only: bool = False,
) -> list[dict[str, Any]]:
    """The audit rows about a client, newest first; ``others_only``: not the reader's own
    (the client's "who looked at your record": their own reading is no news to them)."""
    limit = max(1, min(limit, MAX_PAGE))
    if not await Client.exists().where(Client.id == client_id):
        # Outside the transaction below: the refusal's audit row must commit (AUD-9).
        raise await refuse(
            actor, "access_log", client_id, None, write=False, message="No such client."
        )
    async with write_tx():
        query = AuditEvent.select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor_id,
            AuditEvent.actor_role,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.purpose,
            AuditEvent.outcome,
            AuditEvent.channel,
            AuditEvent.source,
        ).where(AuditEvent.client_id == client_id)
        if before is not None:
            query = query.where(AuditEvent.id < before)
        if others_only and actor.user_id is not None:
            query = query.where(
                AuditEvent.actor_id.is_null() | (AuditEvent.actor_id != actor.user_id)
            )
        rows: list[dict[str, Any]] = await query.order_by(AuditEvent.id, ascending=False).limit(
            limit
        )
        actor_ids = {r["actor_id"] for r in rows if r["actor_id"] is not None}
        names = (
            {
                u["id"]: u["display_name"]
                for u in await User.select(User.id, User.display_name).where(
                    User.id.is_in(list(actor_ids))
                )
            }
            if actor_ids
            else {}
        )
        await audit.record(
            actor,
            Action.EXPORT if export else Action.READ,
            "access_log",
            client_id,
            purpose=PURPOSE,
            client_id=client_id,
        )
    for row in rows:
        row["actor_name"] = names.get(row["actor_id"])
    return rows
