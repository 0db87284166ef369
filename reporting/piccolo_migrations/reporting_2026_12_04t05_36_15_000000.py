"""Employer statistics are published once and then frozen (issue 18): a unique index on
(employer, month) and a trigger that refuses any UPDATE of a published snapshot.

Written by hand, the same on SQLite and PostgreSQL. The SQL is frozen here on purpose: a
later change to the rules needs a new migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T05:36:15:000000"
VERSION = "1.38.0"
DESCRIPTION = "employer statistics: one snapshot per employer and month, frozen once published"

UNIQUE = "CREATE UNIQUE INDEX employer_statistics_once ON employer_statistics (employer, month)"
POSTGRES_FORWARDS = [
    UNIQUE,
    """
    CREATE OR REPLACE FUNCTION employer_statistics_frozen() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'employer_statistics is frozen once published: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER employer_statistics_frozen
    BEFORE UPDATE ON employer_statistics
    FOR EACH ROW EXECUTE FUNCTION employer_statistics_frozen()
    """,
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS employer_statistics_frozen ON employer_statistics",
    "DROP FUNCTION IF EXISTS employer_statistics_frozen()",
    "DROP INDEX IF EXISTS employer_statistics_once",
]
SQLITE_FORWARDS = [
    UNIQUE,
    """
    CREATE TRIGGER employer_statistics_frozen BEFORE UPDATE ON employer_statistics
    BEGIN SELECT RAISE(ABORT, 'employer_statistics is frozen once published: UPDATE refused');
    END
    """,
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS employer_statistics_frozen",
    "DROP INDEX IF EXISTS employer_statistics_once",
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
    manager = MigrationManager(migration_id=ID, app_name="reporting", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
