"""Tables of the clinical core.

Medical columns are also marked ``secret=True`` as a second fence: Piccolo leaves them out
of ``select(exclude_secrets=True)``. Foreign keys to clinical records restrict deletes
(Piccolo's default is CASCADE). Nullable columns pass ``default=None``: Piccolo would
otherwise default a nullable Varchar to '' and a nullable Date to today (stack-notes §1.6).
"""

from piccolo.columns import Boolean, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class User(Table, tablename="app_user"):
    """A person who logs in. ``user`` is reserved in PostgreSQL, hence the table name."""

    id: Serial
    email = Varchar(length=254, unique=True, index=True)
    display_name = Varchar(length=200)
    role = Varchar(length=32)  # practice.accounts.Role
    password_hash = Varchar(length=200, secret=True)
    active = Boolean(default=True)
    locale = Varchar(length=5, default="nl")
    created_at = Timestamptz(default=TimestamptzNow())


class AuditEvent(Table):
    """NEN 7513 access log: one append-only row per access to client data or account event.

    Holds identifiers and categories only, never medical content. ``actor_id`` and
    ``client_id`` are plain integers, not foreign keys: the log outlives what it names.
    """

    id: Serial
    occurred_at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_id = Integer(null=True, default=None, index=True)
    actor_role = Varchar(length=32, null=True, default=None)
    action = Varchar(length=16)
    object_type = Varchar(length=48)
    object_id = Varchar(length=64, null=True, default=None)
    client_id = Integer(null=True, default=None, index=True)
    purpose = Varchar(length=48)
    source = Varchar(length=64, null=True, default=None)
    channel = Varchar(length=16)
    outcome = Varchar(length=16)


ALL: list[type[Table]] = [User, AuditEvent]
