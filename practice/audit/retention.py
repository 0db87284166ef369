"""Audit retention (AUD-5): purge audit rows older than the retention period, and only those.

The table holds several hash chains (``practice.audit.trail``). The purge removes the
*oldest* rows of each chain, a contiguous run from the chain's start up to the last row
before the chain's first row that is still young enough. A young row is never deleted, and
an old row written after a young one in its chain (clock skew between writers) waits for
the next purge rather than leaving a gap. The chains stay verifiable: the purge appends one
audit row per purged chain (action ``delete``, object ``audit_event``, purpose
``retention``) whose ``object_id`` is that chain's anchor, the ``row_hash`` of its last
purged row, which the chain's first kept row points at. ``practice audit verify`` starts a
chain from a non-genesis link only when such a purge row (in any chain: they go to the one
the purge's transaction holds) names it, so cutting rows off the start of a chain outside a
purge is still detected.

On PostgreSQL the purge first takes every chain's lock, in order (two purges cannot
deadlock; a writer holds at most one chain's lock and waits for no other), so no chain's
head moves while it reads and deletes.

The retention (``AUDIT_RETENTION_YEARS``, at least 5, default 20) comes from the settings.
The purge never runs on its own: an operator runs ``practice audit purge``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from practice.audit import trail as audit
from practice.audit.guard import append_only_suspended
from practice.audit.trail import Action, Actor, Channel, in_chain
from practice.audit.verify import chain_numbers
from practice.platform.db import engine, write_tx
from practice.tables import AuditEvent

PURGE_OBJECT = "audit_event"
PURGE_PURPOSE = "retention"


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The moment ``years`` calendar years before ``now`` (29 February becomes the 28th)."""
    day = now.date()
    try:
        moved = day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        moved = date(day.year - years, 2, 28)
    return datetime.combine(moved, now.timetz()).astimezone(UTC)


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    purged: int  # rows, over every chain
    # chain -> the row_hash of its last purged row, for each chain rows were purged from
    anchors: Mapping[int, str] = field(default_factory=dict)


async def _lock_every_chain() -> None:
    if engine().engine_type == "postgres":
        for chain in range(audit.CHAINS):
            await AuditEvent.raw("SELECT pg_advisory_xact_lock({})", audit.CHAIN_LOCK + chain)


async def _expired(chain: int, cutoff: datetime) -> tuple[int, int, str] | None:
    """The run of rows to purge from the start of ``chain``: the id of its last row, how
    many rows it has, and that last row's hash (the anchor); None when the chain starts
    with a young row."""
    first_young = (
        await AuditEvent.select(AuditEvent.id)
        .where(in_chain(chain) & (AuditEvent.occurred_at >= cutoff))
        .order_by(AuditEvent.chain, AuditEvent.id)
        .first()
    )
    old = (
        AuditEvent.select(AuditEvent.id, AuditEvent.row_hash)
        .where(in_chain(chain))
        .order_by(AuditEvent.chain, AuditEvent.id, ascending=False)
    )
    if first_young is not None:
        old = old.where(AuditEvent.id < first_young["id"])
    last_old = await old.first()
    if last_old is None:
        return None
    boundary = int(last_old["id"])
    count = await AuditEvent.count().where(in_chain(chain) & (AuditEvent.id <= boundary))
    return boundary, count, str(last_old["row_hash"])


async def purge_expired(now: datetime, years: int, *, dry_run: bool = False) -> PurgeReport:
    """Delete the audit rows older than ``years`` (from the start of each chain, contiguous)."""
    cutoff = retention_cutoff(now, years)
    async with write_tx():
        await _lock_every_chain()  # no chain's head may move meanwhile
        runs = {
            chain: expired
            for chain in await chain_numbers()
            if (expired := await _expired(chain, cutoff)) is not None
        }
        purged = sum(count for _, count, _ in runs.values())
        anchors = {chain: anchor for chain, (_, _, anchor) in runs.items()}
        if dry_run or not runs:
            return PurgeReport(cutoff, purged, anchors)
        async with append_only_suspended():  # joins this transaction
            for chain, (boundary, _, _) in runs.items():
                await AuditEvent.delete().where(in_chain(chain) & (AuditEvent.id <= boundary))
        await audit.record_many(
            Actor.system(Channel.CLI),
            Action.DELETE,
            PURGE_OBJECT,
            [(anchor, None) for anchor in anchors.values()],
            purpose=PURGE_PURPOSE,
        )
    return PurgeReport(cutoff, purged, anchors)
