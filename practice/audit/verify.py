"""``practice audit verify``: walk the audit hash chain and name the first broken row (AUD-4).

Rows are read in id order, in batches (keyset paging; constant memory at 25 M rows). For
each row: its ``prev_hash`` must be the previous row's ``row_hash`` (else a row before it
was deleted, or rows were reordered), and its ``row_hash`` must match its fields under
``AUDIT_KEY`` (else the row was changed, AUD-8: recomputing the chain needs the key, which
is not in the database). The chain's head is printed: recorded elsewhere (e.g. with the
backup), it also reveals rows cut off the end or the whole table emptied, which the links
alone cannot.

Rows written before keyed links (plain SHA-256, ``practice.audit.chain``) are accepted only
before the first keyed row, and a chain with rows but no keyed row at all is refused:
otherwise a superuser would rewrite the chain from the changed row on in the plain scheme.

After a retention purge (``practice.audit.retention``) the first kept row points at a purged
row. The walk then starts from that row's ``prev_hash``, but only if a purge row in the
chain names it as its anchor; rows cut off the start any other way are still reported.
"""

import asyncio
from dataclasses import dataclass

import click

from practice.audit.chain import GENESIS, is_keyed, link_matches

BATCH = 5000


@dataclass(frozen=True)
class ChainReport:
    rows: int
    head: str  # the last row's hash (GENESIS for an empty log)
    broken_at: int | None = None  # the id of the first row that does not verify
    problem: str | None = None
    starts_after: str | None = None  # the anchor of a retention purge, if the chain has one


def _names_anchor(row: dict[str, object], anchor: str) -> bool:
    from practice.audit.retention import PURGE_OBJECT, PURGE_PURPOSE

    return (
        row["action"] == "delete"
        and row["object_type"] == PURGE_OBJECT
        and row["purpose"] == PURGE_PURPOSE
        and row["object_id"] == anchor
    )


async def verify_chain(batch: int = BATCH, key: bytes | None = None) -> ChainReport:
    """Walk the chain with ``key`` (default: this process's ``AUDIT_KEY``)."""
    # Imported here: the CLI imports this module before the engine is configured.
    from practice.audit.trail import chain_key
    from practice.tables import AuditEvent

    key = chain_key() if key is None else key

    first = (
        await AuditEvent.select(AuditEvent.id, AuditEvent.prev_hash).order_by(AuditEvent.id).first()
    )
    anchor = None
    if first is not None and first["prev_hash"] and first["prev_hash"] != GENESIS:
        anchor = str(first["prev_hash"])  # rows before it were purged, or cut off
    anchored = False
    prev_hash = anchor or GENESIS
    keyed = is_keyed(prev_hash)  # a keyed row seen (or purged): no plain row may follow
    last_id = 0
    count = 0
    while True:
        rows = (
            await AuditEvent.select()
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch)
        )
        if not rows:
            if anchor is not None and not anchored and first is not None:
                return ChainReport(
                    count,
                    prev_hash,
                    first["id"],
                    "does not start the chain and no retention purge names the rows before "
                    "it: rows were deleted",
                )
            if count and not keyed and first is not None:
                return ChainReport(
                    0,  # none of them is proven: a plain chain can be recomputed by anyone
                    prev_hash,
                    first["id"],
                    "starts a chain without any keyed row: it was recomputed without "
                    "AUDIT_KEY (or nothing was recorded since the upgrade to keyed links; "
                    "any audited action, e.g. a login, adds one)",
                )
            return ChainReport(rows=count, head=prev_hash, starts_after=anchor)
        for row in rows:
            anchored = anchored or (anchor is not None and _names_anchor(row, anchor))
            if row["prev_hash"] != prev_hash:
                return ChainReport(
                    count,
                    prev_hash,
                    row["id"],
                    "does not follow the row before it: a row was deleted or rows reordered",
                )
            if keyed and not is_keyed(str(row["row_hash"] or "")):
                return ChainReport(
                    count,
                    prev_hash,
                    row["id"],
                    "carries an unkeyed hash after keyed rows: it was rewritten without AUDIT_KEY",
                )
            if not link_matches(row, prev_hash, key):
                return ChainReport(
                    count,
                    prev_hash,
                    row["id"],
                    "was changed after it was written (or AUDIT_KEY is not the key it was "
                    "written with)",
                )
            keyed = keyed or is_keyed(str(row["row_hash"]))
            prev_hash = row["row_hash"]
            last_id = row["id"]
            count += 1


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command()
def verify() -> None:
    """Check the audit hash chain; exit code 1 names the first changed, deleted or reordered row."""
    from practice.audit.trail import chain_key
    from practice.platform.settings import SettingsError

    try:
        key = chain_key()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    report = asyncio.run(verify_chain(key=key))
    if report.broken_at is not None:
        click.echo(
            f"audit chain BROKEN at row {report.broken_at}: {report.problem} "
            f"(rows before it that verify: {report.rows})",
            err=True,
        )
        raise SystemExit(1)
    after = (
        f" (after a retention purge, anchor {report.starts_after})" if report.starts_after else ""
    )
    click.echo(f"audit chain intact: {report.rows} rows, head {report.head}{after}")


@audit.command()
@click.option("--dry-run", is_flag=True, help="Only count the rows that would be purged.")
def purge(dry_run: bool) -> None:
    """Delete audit rows older than AUDIT_RETENTION_YEARS (never younger ones)."""
    from datetime import UTC, datetime

    from practice.audit.retention import purge_expired
    from practice.platform.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    report = asyncio.run(
        purge_expired(datetime.now(UTC), settings.audit_retention_years, dry_run=dry_run)
    )
    verb = "would purge" if dry_run else "purged"
    click.echo(
        f"audit retention {settings.audit_retention_years} years: {verb} {report.purged} rows "
        f"older than {report.cutoff.isoformat()}"
    )
