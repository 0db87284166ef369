"""No double booking, enforced by PostgreSQL itself.

An exclusion constraint refuses two live appointments of one therapist (or in one room)
whose [starts_at, ends_at) ranges overlap, whatever the application does. Cancelled
appointments free their slot. SQLite has no exclusion constraints: there the booking
service checks and inserts inside one IMMEDIATE transaction, which SQLite serialises.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T04:23:39:904331"
VERSION = "1.38.0"
DESCRIPTION = "no double booking"

LIVE = "attendance NOT IN ('cancelled_by_client', 'cancelled_by_practice')"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scheduling", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        if db.engine_type != "postgres":
            return
        await db.run_ddl("CREATE EXTENSION IF NOT EXISTS btree_gist")
        await db.run_ddl(
            "ALTER TABLE appointment ADD CONSTRAINT appointment_therapist_no_overlap "
            "EXCLUDE USING gist (therapist WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE ({LIVE})"
        )
        await db.run_ddl(
            "ALTER TABLE appointment ADD CONSTRAINT appointment_room_no_overlap "
            "EXCLUDE USING gist (room WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (room IS NOT NULL AND {LIVE})"
        )

    async def run_backwards():
        db = engine_finder()
        if db.engine_type != "postgres":
            return
        await db.run_ddl("ALTER TABLE appointment DROP CONSTRAINT appointment_room_no_overlap")
        await db.run_ddl("ALTER TABLE appointment DROP CONSTRAINT appointment_therapist_no_overlap")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
