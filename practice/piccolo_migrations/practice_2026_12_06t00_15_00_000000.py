"""One override per task of an episode: a unique index on task_override (episode, task_key).

Written by hand (issue 21). Silencing a task's warning again replaces the earlier reason
(``practice.services.treatment_plan.override_task``). Before this index the service did that
as a delete and an insert, and two requests at once (a double click on PostgreSQL, where
neither transaction sees the other's row yet) could both insert: the task then had two
overrides. The index holds that line, and the service's insert now updates the row it
meets (``ON CONFLICT … DO UPDATE``) along it. Before, the delete found its row along the
index on ``episode`` alone: P-10's writes, thousands of overrides on one episode, spent
2.5 ms of PostgreSQL each scanning that episode's rows.

A database that already holds two overrides of one task keeps the newer (the one the
service meant to keep); their audit rows stay.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T00:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "task_override: one override per episode and task"

DEDUPLICATE = (
    "DELETE FROM task_override WHERE id NOT IN "
    "(SELECT MAX(id) FROM task_override GROUP BY episode, task_key)"
)
FORWARDS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS task_override_once ON task_override (episode, task_key)"
)
BACKWARDS = "DROP INDEX IF EXISTS task_override_once"


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
