"""An account's professional registration: app_user.registration (nullable).

Made with ``piccolo migrations new practice --auto`` (issue 16), then trimmed by hand: the
tool also emitted the no-op ``alter_column`` steps for the self-referencing foreign keys,
which SQLite cannot run. Only the new column remains. The briefing and the interim reports
name their author with this number (BIG, NIP or LVVP); existing accounts start without one.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T21:31:12:943373"
VERSION = "1.38.0"
DESCRIPTION = "app_user.registration: the BIG/NIP/LVVP number a document's author signs with"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)

    manager.add_column(
        table_class_name="User",
        tablename="app_user",
        column_name="registration",
        db_column_name="registration",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
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
