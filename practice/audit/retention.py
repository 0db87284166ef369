"""Audit retention (AUD-5): purge audit rows older than the retention period, and only those.

The purge removes the *oldest* rows of the chain, a contiguous run from the start up to the
last row before the first row that is still young enough. A young row is never deleted,
and an old row written after a young one (clock skew between writers) waits for the next
purge rather than leaving a gap. The chain stays verifiable: the purge appends its own audit
row (action ``delete``, object ``audit_event``, purpose ``retention``) whose ``object_id``
is the anchor, the ``row_hash`` of the last purged row, which the first kept row points
at. ``practice audit verify`` starts from a non-genesis link only when such a purge row
names it, so cutting rows off the start of the chain outside a purge is still detected.

The retention (``AUDIT_RETENTION_YEARS``, at least 5, default 20) comes from the settings.
The purge never runs on its own: an operator runs ``practice audit purge``.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from practice.audit import trail as audit
from practice.audit.guard import append_only_suspended
from practice.audit.trail import Action, Actor, Channel
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
    purged: int
    anchor: str | None  # the row_hash of the last purged row; None when nothing was purged


async def purge_expired(now: datetime, years: int, *, dry_run: bool = False) -> PurgeReport:
    """Delete the audit rows older than ``years`` (from the start of the chain, contiguous)."""
    cutoff = retention_cutoff(now, years)
    async with write_tx():
        if engine().engine_type == "postgres":  # the chain's head must not move meanwhile
            await AuditEvent.raw("SELECT pg_advisory_xact_lock({})", audit.CHAIN_LOCK)
        first_young = (
            await AuditEvent.select(AuditEvent.id)
            .where(AuditEvent.occurred_at >= cutoff)
            .order_by(AuditEvent.id)
            .first()
        )
        old = AuditEvent.select(AuditEvent.id, AuditEvent.row_hash).order_by(
            AuditEvent.id, ascending=False
        )
        if first_young is not None:
            old = old.where(AuditEvent.id < first_young["id"])
        last_old = await old.first()
        if last_old is None:
            return PurgeReport(cutoff, 0, None)
        boundary = int(last_old["id"])
        count = await AuditEvent.count().where(AuditEvent.id <= boundary)
        anchor = str(last_old["row_hash"])
        if dry_run:
            return PurgeReport(cutoff, count, anchor)
        async with append_only_suspended():  # joins this transaction
            await AuditEvent.delete().where(AuditEvent.id <= boundary)
        await audit.record(
            Actor.system(Channel.CLI),
            Action.DELETE,
            PURGE_OBJECT,
            anchor,
            purpose=PURGE_PURPOSE,
        )
    return PurgeReport(cutoff, count, anchor)
