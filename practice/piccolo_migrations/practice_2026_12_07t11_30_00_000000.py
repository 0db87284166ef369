"""One contract period per employment and day: a unique index on contract_hours
(employment, valid_from).

Written by hand. A new contract period is refused when one already starts on that day
(``practice.services.parties.change_contract_hours``), but the check and the insert are two
statements: two requests at once on PostgreSQL (a double click), where neither transaction
sees the other's row yet, could both insert, and the volume % of that day would then read
either period. The index holds that line; the service answers its violation with the same
conflict as its check.

A database that already holds two periods of one employment starting on the same day keeps
the later written (the one the therapist entered last); their audit rows stay.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contract_hours: one period per employment and day"

DEDUPLICATE = (
    "DELETE FROM contract_hours WHERE id NOT IN "
    "(SELECT MAX(id) FROM contract_hours GROUP BY employment, valid_from)"
)
FORWARDS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS contract_hours_once "
    "ON contract_hours (employment, valid_from)"
)
BACKWARDS = "DROP INDEX IF EXISTS contract_hours_once"


async def _forwards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(DEDUPLICATE)
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
