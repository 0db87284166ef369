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

Any row change made while suspended breaks the hash chain unless it is a purge of the
oldest rows, which the verifier is told about; ``practice audit verify`` reports the rest.
"""

import contextlib
from collections.abc import AsyncIterator

from practice.platform.db import engine


@contextlib.asynccontextmanager
async def append_only_suspended() -> AsyncIterator[None]:
    """Allow UPDATE and DELETE on the audit table until the block ends (one transaction)."""
    db = engine()
    async with db.transaction():
        if db.engine_type == "postgres":
            await db.run_ddl("ALTER TABLE audit_event DISABLE TRIGGER USER")
            yield
            await db.run_ddl("ALTER TABLE audit_event ENABLE TRIGGER USER")
            return
        triggers = await db.run_ddl(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'audit_event' ORDER BY name"
        )
        for trigger in triggers:
            await db.run_ddl(f'DROP TRIGGER "{trigger["name"]}"')
        yield
        for trigger in triggers:
            await db.run_ddl(trigger["sql"])


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
