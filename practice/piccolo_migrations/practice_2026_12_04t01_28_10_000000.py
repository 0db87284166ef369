"""An employer can be deactivated: employer.active (true for every existing employer).

Written by hand in the shape ``piccolo migrations new practice --auto`` gives (issue 17). A
deactivated employer takes no new referrals; its existing episodes stay as they are.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T01:28:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "employer.active: a deactivated employer takes no new referrals"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Employer",
        tablename="employer",
        column_name="active",
        db_column_name="active",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": True,
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
