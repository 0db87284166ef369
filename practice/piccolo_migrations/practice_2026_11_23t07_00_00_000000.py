"""The audit table becomes append-only in the database itself (AUD-4).

Written by hand. Triggers refuse every UPDATE and DELETE of an audit row (and TRUNCATE on
PostgreSQL), whoever sends it: a bug, a hand-typed statement or an injected one. The hash
chain *detects* tampering afterwards; these triggers *prevent* the easy kind. The table
owner can still switch them off (``practice.audit_guard.append_only_suspended``), which is
what the retention purge and the tamper tests do, and what the verifier catches.

The SQL is frozen here on purpose: a later change to the rules needs a new migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_event is append-only: triggers refuse UPDATE and DELETE"

POSTGRES_FORWARDS = [
    """
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """,
    # Row triggers do not fire on TRUNCATE; a statement trigger does.
    """
    CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]
# SQLite has no TRUNCATE (its "DELETE FROM t" fires the delete trigger).
SQLITE_FORWARDS = [
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END
    """,
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


async def _run(postgres: list[str], sqlite: list[str]) -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in postgres if engine.engine_type == "postgres" else sqlite:
        await engine.run_ddl(statement)


async def _forwards() -> None:
    await _run(POSTGRES_FORWARDS, SQLITE_FORWARDS)


async def _backwards() -> None:
    await _run(POSTGRES_BACKWARDS, SQLITE_BACKWARDS)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="practice", description=DESCRIPTION
    )
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
