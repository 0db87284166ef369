"""One questionnaire invitation per (episode, moment, ordinal) (issue 20): a unique index,
the key that makes the sweep's invitations exactly-once under concurrent workers.

Written by hand, the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T17:41:56:000000"
VERSION = "1.38.0"
DESCRIPTION = "questionnaire invitations: one per episode, moment and ordinal"

FORWARDS = (
    "CREATE UNIQUE INDEX questionnaire_invitation_once"
    " ON questionnaire_invitation (episode, moment, ordinal)"
)
BACKWARDS = "DROP INDEX IF EXISTS questionnaire_invitation_once"


async def _forwards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(FORWARDS)


async def _backwards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(BACKWARDS)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reporting", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
