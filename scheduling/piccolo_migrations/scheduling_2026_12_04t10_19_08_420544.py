"""A practice cancellation the client was already told of by phone (issue 19): who told
them and when, on the appointment.

Made with ``piccolo migrations new scheduling --auto``, then trimmed by hand: the tool also
emitted a no-op ``alter_column`` for the self-referencing ``rebooked_as``, which SQLite
cannot run. Only the two new columns remain.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Appointment(Table, tablename="appointment", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class User(Table, tablename="app_user", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-04T10:19:08:420544"
VERSION = "1.38.0"
DESCRIPTION = "client told by phone of a practice cancellation"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="scheduling", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Appointment",
        tablename="appointment",
        column_name="client_told_at",
        db_column_name="client_told_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
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

    manager.add_column(
        table_class_name="Appointment",
        tablename="appointment",
        column_name="client_told_by",
        db_column_name="client_told_by",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": User,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
