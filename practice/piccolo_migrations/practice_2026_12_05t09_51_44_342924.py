from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import SmallInt
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T09:51:44:342924"
VERSION = "1.38.0"
DESCRIPTION = "AuditEvent.chain: the audit hash chain a row links into (issue 21, P-10: several chains on PostgreSQL, so audited writes need not queue behind one lock); every existing row is chain 0. The index on (chain, id) follows in the next migration (Piccolo runs raw steps before column changes). The no-op alter_column steps Piccolo emits for self-referencing keys were removed (SQLite cannot run them)."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)

    manager.add_column(
        table_class_name="AuditEvent",
        tablename="audit_event",
        column_name="chain",
        db_column_name="chain",
        column_class_name="SmallInt",
        column_class=SmallInt,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
