"""``practice audit verify``: walk the audit hash chain and name the first broken row (AUD-4).

Rows are read in id order, in batches (keyset paging; constant memory at 25 M rows). For
each row: its ``prev_hash`` must be the previous row's ``row_hash`` (else a row before it
was deleted, or rows were reordered), and its ``row_hash`` must match its fields (else the
row was changed). The chain's head is printed: recorded elsewhere (e.g. with the backup), it
also reveals rows cut off the end or a chain rewritten from scratch, which the links alone
cannot.
"""

import asyncio
from dataclasses import dataclass

import click

from practice.audit_chain import GENESIS, link_hash

BATCH = 5000


@dataclass(frozen=True)
class ChainReport:
    rows: int
    head: str  # the last row's hash (GENESIS for an empty log)
    broken_at: int | None = None  # the id of the first row that does not verify
    problem: str | None = None


async def verify_chain(batch: int = BATCH) -> ChainReport:
    from practice.tables import AuditEvent  # the CLI imports this module before the engine

    prev_hash = GENESIS
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
            return ChainReport(rows=count, head=prev_hash)
        for row in rows:
            if row["prev_hash"] != prev_hash:
                return ChainReport(
                    count,
                    prev_hash,
                    row["id"],
                    "does not follow the row before it: a row was deleted or rows reordered",
                )
            if row["row_hash"] != link_hash(row, prev_hash):
                return ChainReport(count, prev_hash, row["id"], "was changed after it was written")
            prev_hash = row["row_hash"]
            last_id = row["id"]
            count += 1


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command()
def verify() -> None:
    """Check the audit hash chain; exit code 1 names the first changed, deleted or reordered row."""
    report = asyncio.run(verify_chain())
    if report.broken_at is not None:
        click.echo(
            f"audit chain BROKEN at row {report.broken_at}: {report.problem} "
            f"(rows before it that verify: {report.rows})",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"audit chain intact: {report.rows} rows, head {report.head}")
