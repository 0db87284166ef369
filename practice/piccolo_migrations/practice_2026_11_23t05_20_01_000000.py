"""Link the audit rows written before the hash chain existed into it, in id order.

Written by hand. A separate migration because Piccolo runs raw steps before the column
changes of the same migration. Rows that already carry a hash are left alone.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.table import Table

ID = "2026-11-23T05:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit hash chain: link the existing rows"

BATCH = 1000


class AuditEvent(Table, tablename="audit_event", schema=None):
    occurred_at = Timestamptz()
    actor_id = Integer(null=True)
    actor_role = Varchar(length=32, null=True)
    action = Varchar(length=16)
    object_type = Varchar(length=48)
    object_id = Varchar(length=64, null=True)
    client_id = Integer(null=True)
    purpose = Varchar(length=48)
    source = Varchar(length=64, null=True)
    channel = Varchar(length=16)
    outcome = Varchar(length=16)
    prev_hash = Varchar(length=64, null=True)
    row_hash = Varchar(length=64, null=True)


async def _link_existing_rows():
    from practice.audit.chain import GENESIS, link_hash

    if await AuditEvent.exists().where(AuditEvent.row_hash.is_not_null()):
        return  # the chain exists already: nothing to backfill
    prev_hash = GENESIS
    last_id = 0
    while True:
        batch = (
            await AuditEvent.select()
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(BATCH)
        )
        if not batch:
            return
        for row in batch:
            row_hash = link_hash(row, prev_hash)
            await AuditEvent.update(
                {AuditEvent.prev_hash: prev_hash, AuditEvent.row_hash: row_hash}
            ).where(AuditEvent.id == row["id"])
            prev_hash = row_hash
            last_id = row["id"]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="practice", description=DESCRIPTION
    )
    manager.add_raw(_link_existing_rows)
    return manager
