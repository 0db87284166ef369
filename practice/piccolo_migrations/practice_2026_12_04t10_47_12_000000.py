"""Work not on track (issue 19): the employer's contract gets a nullable work_behind_margin,
the percentage points behind the expected curve that raise a warning (empty: the default).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T10:47:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "True"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="practice", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Employer",
        tablename="employer",
        column_name="work_behind_margin",
        db_column_name="work_behind_margin",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
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
