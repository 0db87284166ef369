"""Bulk loading of a benchmark data set: COPY on PostgreSQL, executemany on SQLite.

The rows go straight to the driver, in chunks, never through the ORM row by row. On
PostgreSQL the appointment table's exclusion constraints (no double booking) are dropped
for the load and added again afterwards: one index build instead of a million GiST
inserts; adding them back also proves the generated calendar has no overlap.
"""

import sqlite3
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from practice.composition.bench.datasets import Plan
from practice.composition.bench.rows import COLUMNS, EPISODE_TABLES, Row, episode_chunks, parties
from practice.platform.settings import Settings

CHUNK = 5_000  # episodes per chunk: about 50,000 appointment rows


@dataclass
class Progress:
    """One line, rewritten in place on a terminal while the episodes stream in."""

    out: TextIO = sys.stderr

    def update(self, episodes: int, total: int, rows: int, started: float) -> None:
        done = episodes == total
        # A log file gets the finished line only.
        if not done and not self.out.isatty():
            return
        elapsed = time.monotonic() - started
        end = "\n" if done else ""
        self.out.write(
            f"\r  episodes {episodes:>9,} / {total:,}  rows {rows:>11,}  {elapsed:7.1f} s{end}"
        )
        self.out.flush()


def _all_tables() -> list[str]:
    """Every table a reset empties; not the audit log, which is append-only (AUD-4)."""
    from practice.tables import ALL as PRACTICE
    from reporting.tables import ALL as REPORTING
    from scheduling.tables import ALL as SCHEDULING

    names = [t._meta.tablename for t in (*PRACTICE, *SCHEDULING, *REPORTING)]
    return [name for name in names if name != "audit_event"]


@dataclass(frozen=True)
class Existing:
    episodes: int
    users: int
    bench_user: bool


class Loader:
    """The driver-level connection a data set is written through."""

    async def existing(self, plan: Plan) -> Existing:
        raise NotImplementedError

    async def reset(self) -> None:
        raise NotImplementedError

    async def begin(self) -> None:
        """Before the first row."""

    async def write(self, table: str, rows: list[Row]) -> None:
        raise NotImplementedError

    async def finish(self) -> None:
        """After the last row."""

    async def close(self) -> None:
        raise NotImplementedError


class PostgresLoader(Loader):
    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.dropped: list[tuple[str, str]] = []

    async def existing(self, plan: Plan) -> Existing:
        c = self.connection
        return Existing(
            episodes=int(await c.fetchval("SELECT count(*) FROM treatment_episode")),
            users=int(await c.fetchval("SELECT count(*) FROM app_user")),
            bench_user=bool(
                await c.fetchval(
                    "SELECT count(*) FROM app_user WHERE email = $1",
                    plan.email(plan.bench_therapist),
                )
            ),
        )

    async def reset(self) -> None:
        """Empty a bench data set. The invoices' triggers refuse a TRUNCATE (reporting keeps
        invoices as issued), even of empty tables: on a data set of the bench's own they are
        off for this one transaction."""
        from reporting.tables import KEPT_AS_ISSUED

        names = ", ".join(f'"{t}"' for t in _all_tables())
        async with self.connection.transaction():
            for table in KEPT_AS_ISSUED:
                await self.connection.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            await self.connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table in KEPT_AS_ISSUED:
                await self.connection.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')

    async def begin(self) -> None:
        await self._drop_exclusions()

    async def write(self, table: str, rows: list[Row]) -> None:
        await self.connection.copy_records_to_table(table, records=rows, columns=COLUMNS[table])

    async def _drop_exclusions(self) -> None:
        rows = await self.connection.fetch(
            "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
            "WHERE conrelid = 'appointment'::regclass AND contype = 'x'"
        )
        self.dropped = [(r["conname"], r["definition"]) for r in rows]
        for name, _ in self.dropped:
            await self.connection.execute(f'ALTER TABLE appointment DROP CONSTRAINT "{name}"')

    async def _restore_exclusions(self) -> None:
        for name, definition in self.dropped:
            await self.connection.execute(
                f'ALTER TABLE appointment ADD CONSTRAINT "{name}" {definition}'
            )
        self.dropped = []

    async def finish(self) -> None:
        await self._restore_exclusions()
        for table in COLUMNS:
            # Explicit ids were loaded: move the sequence past them for rows the app adds.
            sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
            highest = f'SELECT max(id) FROM "{table}"'  # noqa: S608 - our own table names
            await self.connection.execute(f"SELECT setval({sequence}, GREATEST(({highest}), 1))")
        await self.connection.execute("ANALYZE")

    async def close(self) -> None:
        await self.connection.close()


class SqliteLoader(Loader):
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def _count(self, sql: str, *args: Any) -> int:
        return int(self.connection.execute(sql, args).fetchone()[0])

    async def existing(self, plan: Plan) -> Existing:
        return Existing(
            episodes=self._count("SELECT count(*) FROM treatment_episode"),
            users=self._count("SELECT count(*) FROM app_user"),
            bench_user=bool(
                self._count(
                    "SELECT count(*) FROM app_user WHERE email = ?",
                    plan.email(plan.bench_therapist),
                )
            ),
        )

    async def reset(self) -> None:
        with self.connection:
            for name in reversed(_all_tables()):
                self.connection.execute(f'DELETE FROM "{name}"')  # noqa: S608 - our table names

    async def write(self, table: str, rows: list[Row]) -> None:
        columns = ", ".join(f'"{c}"' for c in COLUMNS[table])
        marks = ", ".join("?" for _ in COLUMNS[table])
        sql = f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'  # noqa: S608 - ours
        with self.connection:
            self.connection.executemany(sql, rows)

    async def finish(self) -> None:
        self.connection.execute("ANALYZE")

    async def close(self) -> None:
        self.connection.close()


async def open_loader(settings: Settings) -> Loader:
    if settings.is_postgres:
        import asyncpg

        return PostgresLoader(await asyncpg.connect(settings.database_url))
    # Piccolo registers its sqlite3 adapters on import: dates and instants are then stored
    # exactly as the app stores them (ISO text, instants in UTC).
    import piccolo.engine.sqlite  # noqa: F401

    connection = sqlite3.connect(settings.sqlite_path, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    return SqliteLoader(connection)


class DatasetConflict(Exception):
    """The database holds other data: the bench refuses to mix with it or wipe it silently."""


async def ensure_dataset(
    settings: Settings, plan: Plan, password_hash: str, *, reset: bool, progress: Progress
) -> dict[str, int]:
    """Load the data set unless it is already there; returns rows per table (empty: reused)."""
    loader = await open_loader(settings)
    try:
        found = await loader.existing(plan)
        if found.bench_user and found.episodes == plan.episodes and not reset:
            return {}
        if (found.episodes or found.users) and not reset:
            raise DatasetConflict(
                f"the database holds {found.episodes} episodes and {found.users} users that "
                f"are not bench data set {plan.name} ({plan.episodes} episodes); use an empty "
                "database, or --reset to empty this one first"
            )
        await loader.reset()
        counts: dict[str, int] = {}
        await loader.begin()
        started = time.monotonic()
        for table, rows in parties(plan, password_hash).items():
            await loader.write(table, rows)
            counts[table] = len(rows)
        for episodes, chunk in episode_chunks(plan, CHUNK):
            for table in EPISODE_TABLES:
                await loader.write(table, chunk[table])
                counts[table] = counts.get(table, 0) + len(chunk[table])
            progress.update(episodes, plan.episodes, sum(counts.values()), started)
        await loader.finish()
        return counts
    finally:
        await loader.close()
