"""A floor for small-cell suppression: employer.min_cell_size is never below 5 (issue 18).

Written by hand. ``POST /api/employers {"min_cell_size": 1}`` used to switch suppression
off for that employer's summary and the practice manager's employer filter. The service
refuses a value below the floor (``practice.privacy.MIN_CELL_FLOOR``, 400 naming the
field); the database holds the same line for every other writer. Existing rows below the
floor are raised to it first: a value may go up, never down.

PostgreSQL gets a CHECK constraint. SQLite cannot add one to an existing table without
rebuilding it (and the table is referenced by others), so two triggers refuse an INSERT or
UPDATE below the floor instead, with the constraint's name in the message. The SQL is
frozen here on purpose: a later change to the floor needs a new migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T01:38:35:000000"
VERSION = "1.38.0"
DESCRIPTION = "employer.min_cell_size is at least 5 (CHECK; triggers on SQLite)"

RAISE_EXISTING = "UPDATE employer SET min_cell_size = 5 WHERE min_cell_size < 5"
POSTGRES_FORWARDS = [
    RAISE_EXISTING,
    "ALTER TABLE employer ADD CONSTRAINT employer_min_cell_size_floor "
    "CHECK (min_cell_size >= 5)",
]
POSTGRES_BACKWARDS = [
    "ALTER TABLE employer DROP CONSTRAINT IF EXISTS employer_min_cell_size_floor",
]
SQLITE_FORWARDS = [
    RAISE_EXISTING,
    """
    CREATE TRIGGER employer_min_cell_size_floor_insert BEFORE INSERT ON employer
    WHEN NEW.min_cell_size IS NULL OR NEW.min_cell_size < 5
    BEGIN SELECT RAISE(ABORT, 'employer_min_cell_size_floor: min_cell_size >= 5'); END
    """,
    """
    CREATE TRIGGER employer_min_cell_size_floor_update BEFORE UPDATE OF min_cell_size
    ON employer WHEN NEW.min_cell_size IS NULL OR NEW.min_cell_size < 5
    BEGIN SELECT RAISE(ABORT, 'employer_min_cell_size_floor: min_cell_size >= 5'); END
    """,
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS employer_min_cell_size_floor_insert",
    "DROP TRIGGER IF EXISTS employer_min_cell_size_floor_update",
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
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
