"""Break the glass once a day: a unique index on break_glass (episode, user, opened_on).

Written by hand (issue 14). The grant lasts the calendar day, so a second break-glass by the
same therapist on the same episode that day grants nothing new; the service answers it with
the first row, and no second notice reaches the practice manager
(``practice.services.break_glass``). This index holds that line when two requests race
(a double click on PostgreSQL, where two transactions can both find no row yet).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T18:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "break_glass: one row per therapist, episode and day"

# "user" is a reserved word in PostgreSQL; quoted, the same SQL runs on SQLite. IF NOT
# EXISTS: this migration was first dated 2026-12-04T09:00, and a database that applied it
# under that id must not fail on the same index now.
FORWARDS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS break_glass_once_a_day "
    'ON break_glass (episode, "user", opened_on)'
)
BACKWARDS = "DROP INDEX IF EXISTS break_glass_once_a_day"


async def _forwards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(FORWARDS)


async def _backwards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(BACKWARDS)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
