"""E-mail as data first: a message row per key, written with the event that causes it.

The row is the truth about what must be and what was sent. ``queue_message`` runs inside
the caller's transaction, so a rolled-back operation leaves no message; its unique key makes
a second creation a no-op. ``send_message`` (a job) sends a row once and stamps it; the
sweep re-drives rows a lost or crashed job left unsent. SMTP itself is at-least-once: a
crash after the server accepted a message but before the stamp can repeat that one e-mail.

Consent is the only door out (issue 18): a message is queued only with a ``Clearance`` from
``practice.services.disclosure.clear``, and the row keeps its sender, client and addressee so
that ``send_message`` asks the gate again on the day it sends. A message whose consent was
withdrawn in between is stamped blocked with the reason and never sent, nor retried.
"""

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from practice.disclosure import Audience, Sender
from practice.platform.mail import Attachment, build, send
from practice.platform.queue import DueJob
from practice.platform.settings import Settings
from practice.services import disclosure
from practice.services.disclosure import Clearance, ForgedClearance
from practice.tables import OutboundMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# Keys asked about in one statement (`existing_keys`): well under either engine's limit of
# bound parameters.
KEYS_AT_ONCE = 500


async def queue_message(
    clearance: Clearance,
    *,
    key: str,
    to_address: str,
    subject: str,
    body_text: str,
    ics: str | None = None,
    send_after: datetime | None = None,
    attachments: str | None = None,
    sent_at: datetime | None = None,
) -> int | None:
    """Create the message unless one with this key exists; returns its id when created.
    With `sent_at`: a message of a history loaded afterwards (the demo), recorded as sent
    then and never sent again, so that what it was sent to is shown as for any other.

    Refuses (``ForgedClearance``) anything but a clearance the gate made."""
    if not disclosure.genuine(clearance):
        raise ForgedClearance("queue_message needs a clearance from disclosure.clear")
    rows = (
        await OutboundMessage.insert(
            OutboundMessage(
                key=key,
                to_address=to_address,
                subject=subject,
                body_text=body_text,
                ics=ics,
                attachments=attachments,
                send_after=send_after or sent_at or datetime.now(UTC),
                sent_at=sent_at,
                sender=clearance.sender.value,
                client_id=clearance.client_id,
                audience=clearance.audience.value,
                recipient_user_id=clearance.user_id,
            )
        )
        .on_conflict(target=OutboundMessage.key, action="DO NOTHING")
        .returning(OutboundMessage.id)
    )
    return int(rows[0]["id"]) if rows else None


async def existing_keys(keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` name a message already made (a finder skips those before clearing
    and rendering them again; `queue_message` would make none of them anyway)."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for first in range(0, len(wanted), KEYS_AT_ONCE):
        part = wanted[first : first + KEYS_AT_ONCE]
        found.update(
            str(r["key"])
            for r in await OutboundMessage.select(OutboundMessage.key).where(
                OutboundMessage.key.is_in(part)
            )
        )
    return found


# "invoice:12" -> the files to attach, made at sending by the package that owns them.
AttachmentResolver = Callable[[Settings, int], Awaitable[list[Attachment]]]
_attachment_resolvers: dict[str, AttachmentResolver] = {}


def register_attachments(kind: str, resolver: AttachmentResolver) -> None:
    """Idempotent: a downstream package says how its references ("<kind>:<id>") become files."""
    _attachment_resolvers[kind] = resolver


async def _attachments(settings: Settings, reference: str | None) -> list[Attachment]:
    if not reference:
        return []
    kind, _, object_id = reference.partition(":")
    resolver = _attachment_resolvers.get(kind)
    if resolver is None:  # fail the attempt: a message must not leave without its files
        raise LookupError(f"no attachments registered for {kind!r}")
    return await resolver(settings, int(object_id))


def send_job_id(message_id: int) -> str:
    """The queue job id of sending one message (erasure removes it with the message)."""
    return f"message:{message_id}"


def send_job(message_id: int) -> DueJob:
    return DueJob("send_message", (message_id,), send_job_id(message_id))


async def send_message(settings: Settings, message_id: int) -> bool:
    """Send one message if it is still unsent and due; True when this call sent it."""
    row = (
        await OutboundMessage.select()
        .where(
            (OutboundMessage.id == message_id)
            & OutboundMessage.sent_at.is_null()
            & OutboundMessage.blocked_at.is_null()
        )
        .first()
    )
    now = datetime.now(UTC)
    if row is None or row["send_after"] > now:
        return False
    if (reason := await _consent_lost(row, now)) is not None:
        await OutboundMessage.update(
            {OutboundMessage.blocked_at: now, OutboundMessage.blocked_reason: reason[:300]}
        ).where((OutboundMessage.id == message_id) & OutboundMessage.sent_at.is_null())
        log.info("message %s blocked at sending: %s", message_id, reason)
        return False
    try:
        await send(
            settings,
            build(
                settings,
                to_address=row["to_address"],
                subject=row["subject"],
                body_text=row["body_text"],
                ics=row["ics"],
                attachments=await _attachments(settings, row["attachments"]),
            ),
        )
    except Exception as exc:
        await OutboundMessage.update(
            {
                OutboundMessage.attempts: OutboundMessage.attempts + 1,
                OutboundMessage.last_error: type(exc).__name__,
            }
        ).where(OutboundMessage.id == message_id)
        raise
    await OutboundMessage.update({OutboundMessage.sent_at: datetime.now(UTC)}).where(
        (OutboundMessage.id == message_id) & OutboundMessage.sent_at.is_null()
    )
    return True


async def _consent_lost(row: dict[str, Any], now: datetime) -> str | None:
    """Why the gate would no longer clear this message today, or None.

    A row without a sender was queued before the gate existed, under the rules of its day:
    it is sent as it was queued."""
    if row["sender"] is None:
        return None
    try:
        sender, audience = Sender(str(row["sender"])), Audience(str(row["audience"]))
    except ValueError:
        return f"sender {row['sender']} or audience {row['audience']} is no longer registered"
    client_id = None if row["client_id"] is None else int(row["client_id"])  # None: a digest
    return await disclosure.recheck(sender, client_id, audience, row["recipient_user_id"], now)


async def due_messages(today: object = None, settings: object = None) -> list[DueJob]:
    """Every unsent, unblocked, due message that has not failed too often (the sweep's
    finder)."""
    rows = (
        await OutboundMessage.select(OutboundMessage.id)
        .where(
            OutboundMessage.sent_at.is_null()
            & OutboundMessage.blocked_at.is_null()
            & (OutboundMessage.send_after <= datetime.now(UTC))
            & (OutboundMessage.attempts < MAX_ATTEMPTS)
        )
        .order_by(OutboundMessage.id)
        .limit(500)
    )
    return [send_job(int(r["id"])) for r in rows]
