"""The audit trail (NEN 7513): who did what to which record, when, why, from where, outcome.

Every service that creates, reads, updates, exports or sends client data calls ``record``
inside its own transaction, so the row and the effect commit together: if the audit row
cannot be written, the operation fails (fail closed). Rows hold identifiers and categories,
never medical content: callers pass an object type and id, not the object.
"""

import enum
from dataclasses import dataclass

from practice.tables import AuditEvent


class Action(enum.StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    SEARCH = "search"
    EXPORT = "export"
    PRINT = "print"
    SEND = "send"
    LOGIN = "login"
    LOGOUT = "logout"


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


class Channel(enum.StrEnum):
    WEB = "web"
    API = "api"
    CLI = "cli"
    WORKER = "worker"


@dataclass(frozen=True)
class Actor:
    """Who acts: a logged-in user, or the system itself (CLI, worker)."""

    user_id: int | None
    role: str | None
    source: str | None  # IP address, or the host name for CLI and worker
    channel: Channel

    @classmethod
    def system(cls, channel: Channel) -> "Actor":
        return cls(user_id=None, role="system", source=None, channel=channel)


async def record(
    actor: Actor,
    action: Action,
    object_type: str,
    object_id: int | str | None,
    *,
    purpose: str,
    outcome: Outcome = Outcome.SUCCESS,
    client_id: int | None = None,
) -> None:
    """Append one audit row. Raises if it cannot be written, which aborts the operation."""
    await AuditEvent.insert(
        AuditEvent(
            actor_id=actor.user_id,
            actor_role=actor.role,
            action=action.value,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            client_id=client_id,
            purpose=purpose,
            source=actor.source,
            channel=actor.channel.value,
            outcome=outcome.value,
        )
    )
