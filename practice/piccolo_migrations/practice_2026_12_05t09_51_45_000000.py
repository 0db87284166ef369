"""The index the audit chains are walked along: ``audit_event (chain, id)``.

Written by hand (issue 21, P-10). A separate migration because Piccolo runs raw steps before
the column changes of the same migration, and Piccolo's column ``index`` covers one column.
``record`` reads a chain's head with ``WHERE chain = k ORDER BY id DESC LIMIT 1`` inside
every audited write, ``practice audit verify`` pages through each chain in id order and
finds the chains themselves by skipping along it, and the retention purge reads each
chain's start: all of that is one index range each, at any table size.

Adding the column and the index changes no row, so the append-only triggers on the table
(``practice_2026_11_23t07_00_00``) do not fire; they refuse an UPDATE of ``chain`` as of
any other column.

Going back past the previous migration drops ``chain``: the rows of the other chains then
interleave with chain 0's along the id and ``practice audit verify`` reports a break. Only
a database whose audit rows are all in chain 0 (SQLite, or PostgreSQL before its first
audited write since) goes back cleanly.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T09:51:45:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_event (chain, id) index: each audit chain's head and walk"

FORWARDS = "CREATE INDEX audit_event_chain_id ON audit_event (chain, id)"
BACKWARDS = "DROP INDEX IF EXISTS audit_event_chain_id"


async def _run(statement: str) -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(statement)


async def _forwards() -> None:
    await _run(FORWARDS)


async def _backwards() -> None:
    await _run(BACKWARDS)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
