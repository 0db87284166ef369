"""The one way around the audit table's append-only triggers (AUD-4), for its owner only.

The migration ``practice_2026_11_23t07_00_00`` installs triggers that refuse UPDATE and
DELETE on ``audit_event``. Deliberate removal still has two legitimate users: the retention
purge of rows older than the retention period, and tests that tamper with the chain on
purpose (or empty the tables after a committing test). Both go through
``append_only_suspended()``. It works inside one transaction, so the triggers are back on
when it commits or rolls back, and a crash in between cannot leave them off:

- PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER USER``. That needs the table owner's rights,
  so an application role without ownership cannot use it (nor the triggers' removal).
- SQLite: the triggers are dropped and re-created from their own stored SQL (SQLite cannot
  disable a trigger). DDL is transactional in SQLite too.

Any row change made while suspended breaks a hash chain unless it is a purge of a chain's
oldest rows, which the verifier is told about; ``practice audit verify`` reports the rest,
per chain. Moving a row to another chain (an UPDATE of ``chain``) is refused like any other
UPDATE, and breaks both chains when done with the triggers off.
"""

import contextlib
from collections.abc import AsyncIterator

from practice.platform.db import engine

AUDIT_TABLE = "audit_event"


@contextlib.asynccontextmanager
async def triggers_suspended(*tables: str) -> AsyncIterator[None]:
    """The user triggers of ``tables`` off until the block ends (one transaction): the
    audit table's here, and the invoices' (reporting's migration that keeps them as issued)
    for tests that empty every table."""
    db = engine()
    async with db.transaction():
        if db.engine_type == "postgres":
            for table in tables:
                await db.run_ddl(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            yield
            for table in tables:
                await db.run_ddl(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            return
        triggers = [
            trigger
            for table in tables
            for trigger in await db.run_ddl(
                "SELECT name, sql FROM sqlite_master "  # noqa: S608 - our own table names
                f"WHERE type = 'trigger' AND tbl_name = '{table}' ORDER BY name"
            )
        ]
        for trigger in triggers:
            await db.run_ddl(f'DROP TRIGGER "{trigger["name"]}"')
        yield
        for trigger in triggers:
            await db.run_ddl(trigger["sql"])


@contextlib.asynccontextmanager
async def append_only_suspended() -> AsyncIterator[None]:
    """Allow UPDATE and DELETE on the audit table until the block ends (one transaction)."""
    async with triggers_suspended(AUDIT_TABLE):
        yield


async def append_only_triggers() -> list[str]:
    """The names of the triggers that guard the audit table (for tests and checks)."""
    db = engine()
    if db.engine_type == "postgres":
        rows = await db.run_ddl(
            "SELECT tgname AS name FROM pg_trigger "
            "WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal AND tgenabled <> 'D' "
            "ORDER BY tgname"
        )
    else:
        rows = await db.run_ddl(
            "SELECT name FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'audit_event' ORDER BY name"
        )
    return [str(row["name"]) for row in rows]
