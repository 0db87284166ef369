"""Exactly once, enforced by the database: one report per (episode, kind, ordinal), one
document version per report, one delivery per (document, recipient, channel), and one
employer update per (episode, trigger). Works the same on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T04:43:03:726451"
VERSION = "1.38.0"
DESCRIPTION = "exactly once: unique report and delivery keys"

INDEXES = {
    "report_once": "report (episode, kind, ordinal)",
    "document_once": "document (report, version)",
    "delivery_once": "delivery (document, recipient, channel)",
    "employer_update_once": "employer_update (episode, trigger)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reporting", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        for name, target in INDEXES.items():
            await db.run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def run_backwards():
        db = engine_finder()
        for name in INDEXES:
            await db.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
