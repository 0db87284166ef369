"""``practice audit verify``: walk each audit hash chain and name its first broken row (AUD-4).

The table holds several chains (``practice.audit.trail``: one per advisory lock on
PostgreSQL, chain 0 only on SQLite and before issue 21); each is walked on its own, in id
order, in batches (keyset paging along the index on (chain, id); constant memory at 25 M
rows), and the chains themselves are found by skipping along that index. For each row: its
``prev_hash`` must be the previous row's ``row_hash`` in its chain (else a row before it was
deleted, rows were reordered, or moved between chains), and its ``row_hash`` must match its
fields under ``AUDIT_KEY`` (else the row was changed, AUD-8: recomputing a chain needs the
key, which is not in the database). Every chain's head and row count is printed: recorded
elsewhere (e.g. with the backup), the heads also reveal rows cut off the end of a chain or
the whole table emptied, which the links alone cannot.

Rows written before keyed links (plain SHA-256, ``practice.audit.chain``) are accepted only
before the first keyed row of their chain, and a chain with rows but no keyed row at all is
refused: otherwise a superuser would rewrite the chain from the changed row on in the plain
scheme.

After a retention purge (``practice.audit.retention``) a chain's first kept row points at a
purged row. The walk then starts from that row's ``prev_hash``, but only if a purge row
names it as its anchor. The purge writes its rows to whichever chain its transaction holds,
so that row may be in any chain; it counts once it verified. Rows cut off the start of a
chain any other way are still reported.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import click

from practice.audit.chain import GENESIS, is_keyed, link_matches

BATCH = 5000

CUT_OFF = (
    "does not start the chain and no retention purge names the rows before it: rows were deleted"
)


@dataclass(frozen=True)
class ChainReport:
    """One chain's walk."""

    chain: int
    rows: int  # the rows that verify (up to the first broken one)
    head: str  # the last verified row's hash (GENESIS for an empty chain)
    broken_at: int | None = None  # the id of the first row that does not verify
    problem: str | None = None
    starts_after: str | None = None  # the anchor of a retention purge, if the chain has one


@dataclass(frozen=True)
class AuditReport:
    """Every chain's walk, by chain number; intact when every chain is."""

    chains: Sequence[ChainReport] = field(default_factory=tuple)

    @property
    def rows(self) -> int:
        return sum(chain.rows for chain in self.chains)

    @property
    def broken(self) -> list[ChainReport]:
        return [chain for chain in self.chains if chain.broken_at is not None]

    @property
    def broken_at(self) -> int | None:
        """The first broken row of the first broken chain (None: intact)."""
        return self.broken[0].broken_at if self.broken else None

    @property
    def problem(self) -> str | None:
        return self.broken[0].problem if self.broken else None

    def chain(self, number: int) -> ChainReport:
        """The report of chain ``number`` (an empty one when the table holds none of it)."""
        return next((c for c in self.chains if c.chain == number), ChainReport(number, 0, GENESIS))


def _purge_anchor(row: dict[str, object]) -> str | None:
    """The anchor a retention purge row names, or None for any other row."""
    from practice.audit.retention import PURGE_OBJECT, PURGE_PURPOSE

    if (
        row["action"] == "delete"
        and row["object_type"] == PURGE_OBJECT
        and row["purpose"] == PURGE_PURPOSE
    ):
        return str(row["object_id"])
    return None


async def chain_numbers() -> list[int]:
    """The chains the table holds, ascending: one index probe each (the next chain number
    after the last one found), not a scan of the table."""
    from practice.tables import AuditEvent

    numbers: list[int] = []
    while True:
        query = AuditEvent.select(AuditEvent.chain).order_by(AuditEvent.chain)
        if numbers:
            query = query.where(AuditEvent.chain > numbers[-1])
        found = await query.first()
        if found is None:
            return numbers
        numbers.append(int(found["chain"]))


@dataclass
class _Walk:
    """One chain's walk so far."""

    chain: int
    first_id: int
    anchor: str | None  # the first row's non-genesis prev_hash: rows before it are gone
    prev_hash: str
    keyed: bool  # a keyed row seen (or purged): no plain row may follow
    rows: int = 0
    last_id: int = 0
    report: ChainReport | None = None  # set when the walk ended at a broken row

    def broken(self, row_id: int, problem: str) -> ChainReport:
        return ChainReport(self.chain, self.rows, self.prev_hash, row_id, problem, self.anchor)


async def _walk(walk: _Walk, batch: int, key: bytes, named: set[str]) -> None:
    """Walk one chain to its head or its first broken row; the anchors that verified purge
    rows name go into ``named``."""
    from practice.audit.trail import in_chain
    from practice.tables import AuditEvent

    while True:
        rows = (
            await AuditEvent.select()
            .where(in_chain(walk.chain) & (AuditEvent.id > walk.last_id))
            .order_by(AuditEvent.chain, AuditEvent.id)
            .limit(batch)
        )
        if not rows:
            return
        for row in rows:
            if row["prev_hash"] != walk.prev_hash:
                walk.report = walk.broken(
                    row["id"],
                    "does not follow the row before it in its chain: a row was deleted, rows "
                    "reordered or moved between chains",
                )
                return
            if walk.keyed and not is_keyed(str(row["row_hash"] or "")):
                walk.report = walk.broken(
                    row["id"],
                    "carries an unkeyed hash after keyed rows: it was rewritten without AUDIT_KEY",
                )
                return
            if not link_matches(row, walk.prev_hash, key):
                walk.report = walk.broken(
                    row["id"],
                    "was changed after it was written (or AUDIT_KEY is not the key it was "
                    "written with)",
                )
                return
            if (anchor := _purge_anchor(row)) is not None:
                named.add(anchor)
            walk.keyed = walk.keyed or is_keyed(str(row["row_hash"]))
            walk.prev_hash = row["row_hash"]
            walk.last_id = row["id"]
            walk.rows += 1


async def verify_chain(batch: int = BATCH, key: bytes | None = None) -> AuditReport:
    """Walk every chain with ``key`` (default: this process's ``AUDIT_KEY``)."""
    # Imported here: the CLI imports this module before the engine is configured.
    from practice.audit.trail import chain_key, in_chain
    from practice.tables import AuditEvent

    key = chain_key() if key is None else key

    walks: list[_Walk] = []
    for number in await chain_numbers():
        first = (
            await AuditEvent.select(AuditEvent.id, AuditEvent.prev_hash)
            .where(in_chain(number))
            .order_by(AuditEvent.chain, AuditEvent.id)
            .first()
        )
        if first is None:  # emptied since the chains were listed
            continue
        anchor = None
        if first["prev_hash"] and first["prev_hash"] != GENESIS:
            anchor = str(first["prev_hash"])  # rows before it were purged, or cut off
        start = anchor or GENESIS
        walks.append(_Walk(number, int(first["id"]), anchor, start, is_keyed(start)))

    # The anchors named by verified purge rows of any chain: a chain's anchor is checked
    # once every chain was walked. At most one per purged chain and purge kept in the log.
    named: set[str] = set()
    for walk in walks:
        await _walk(walk, batch, key, named)

    reports: list[ChainReport] = []
    for walk in walks:
        if walk.report is not None:
            reports.append(walk.report)
        elif walk.anchor is not None and walk.anchor not in named:
            reports.append(walk.broken(walk.first_id, CUT_OFF))
        elif walk.rows and not walk.keyed:
            reports.append(
                ChainReport(
                    walk.chain,
                    0,  # none of them is proven: a plain chain can be recomputed by anyone
                    walk.prev_hash,
                    walk.first_id,
                    "starts a chain without any keyed row: it was recomputed without "
                    "AUDIT_KEY (or nothing was recorded since the upgrade to keyed links; "
                    "any audited action, e.g. a login, adds one)",
                )
            )
        else:
            reports.append(
                ChainReport(walk.chain, walk.rows, walk.prev_hash, None, None, walk.anchor)
            )
    return AuditReport(tuple(reports))


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
    for chain in report.chains:
        if chain.broken_at is not None:
            click.echo(
                f"audit chain {chain.chain} BROKEN at row {chain.broken_at}: {chain.problem} "
                f"(rows before it that verify: {chain.rows})",
                err=True,
            )
            continue
        after = (
            f" (after a retention purge, anchor {chain.starts_after})" if chain.starts_after else ""
        )
        click.echo(f"audit chain {chain.chain} intact: {chain.rows} rows, head {chain.head}{after}")
    if report.broken:
        raise SystemExit(1)
    click.echo(
        f"audit log intact: {report.rows} rows in {len(report.chains)} "
        f"chain{'' if len(report.chains) == 1 else 's'}"
    )


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
    chains = ", ".join(str(chain) for chain in report.anchors) or "none"
    click.echo(
        f"audit retention {settings.audit_retention_years} years: {verb} {report.purged} rows "
        f"older than {report.cutoff.isoformat()} (chains {chains})"
    )
