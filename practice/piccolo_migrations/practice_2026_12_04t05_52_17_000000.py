"""What the consent gate cleared a message for, and its block: six nullable columns on
outbound_message (issue 18, consent as the only door out).

Written by hand in the form ``piccolo migrations new practice --auto`` gives, with only the
new columns (the tool also emits the self-referencing no-ops SQLite cannot run).
``practice.platform.outbox`` stores the sender, the client, the audience and the recipient's
account of every message the gate (``practice.services.disclosure``) cleared, and asks the
gate again when it sends; a message whose consent was withdrawn in between gets
``blocked_at`` and ``blocked_reason`` and is never sent. Rows queued before this migration
have no sender and are sent as they were queued.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T05:52:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbound_message: sender, client_id, audience, recipient_user_id, blocked_at/_reason"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)

    manager.add_column(
        table_class_name="OutboundMessage",
        tablename="outbound_message",
        column_name="sender",
        db_column_name="sender",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 48,
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
        table_class_name="OutboundMessage",
        tablename="outbound_message",
        column_name="client_id",
        db_column_name="client_id",
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

    manager.add_column(
        table_class_name="OutboundMessage",
        tablename="outbound_message",
        column_name="audience",
        db_column_name="audience",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
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
        table_class_name="OutboundMessage",
        tablename="outbound_message",
        column_name="recipient_user_id",
        db_column_name="recipient_user_id",
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

    manager.add_column(
        table_class_name="OutboundMessage",
        tablename="outbound_message",
        column_name="blocked_at",
        db_column_name="blocked_at",
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
        table_class_name="OutboundMessage",
        tablename="outbound_message",
        column_name="blocked_reason",
        db_column_name="blocked_reason",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 300,
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
