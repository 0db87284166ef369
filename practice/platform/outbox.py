"""E-mail as data first: a message row per key, written with the event that causes it.

The row is the truth about what must be and what was sent. ``queue_message`` runs inside
the caller's transaction, so a rolled-back operation leaves no message; its unique key makes
a second creation a no-op. ``send_message`` (a job) sends a row once and stamps it; the
sweep re-drives rows a lost or crashed job left unsent. SMTP itself is at-least-once: a
crash after the server accepted a message but before the stamp can repeat that one e-mail.
"""

import logging
from datetime import UTC, datetime

from practice.platform.mail import build, send
from practice.platform.queue import DueJob
from practice.platform.settings import Settings
from practice.tables import OutboundMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


async def queue_message(
    *,
    key: str,
    to_address: str,
    subject: str,
    body_text: str,
    ics: str | None = None,
    send_after: datetime | None = None,
) -> int | None:
    """Create the message unless one with this key exists; returns its id when created."""
    rows = (
        await OutboundMessage.insert(
            OutboundMessage(
                key=key,
                to_address=to_address,
                subject=subject,
                body_text=body_text,
                ics=ics,
                send_after=send_after or datetime.now(UTC),
            )
        )
        .on_conflict(target=OutboundMessage.key, action="DO NOTHING")
        .returning(OutboundMessage.id)
    )
    return int(rows[0]["id"]) if rows else None


def send_job_id(message_id: int) -> str:
    """The queue job id of sending one message (erasure removes it with the message)."""
    return f"message:{message_id}"


def send_job(message_id: int) -> DueJob:
    return DueJob("send_message", (message_id,), send_job_id(message_id))


async def send_message(settings: Settings, message_id: int) -> bool:
    """Send one message if it is still unsent and due; True when this call sent it."""
    row = (
        await OutboundMessage.select()
        .where((OutboundMessage.id == message_id) & OutboundMessage.sent_at.is_null())
        .first()
    )
    if row is None or row["send_after"] > datetime.now(UTC):
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


async def due_messages(today: object = None, settings: object = None) -> list[DueJob]:
    """Every unsent, due message that has not failed too often (the sweep's finder)."""
    rows = (
        await OutboundMessage.select(OutboundMessage.id)
        .where(
            OutboundMessage.sent_at.is_null()
            & (OutboundMessage.send_after <= datetime.now(UTC))
            & (OutboundMessage.attempts < MAX_ATTEMPTS)
        )
        .order_by(OutboundMessage.id)
        .limit(500)
    )
    return [send_job(int(r["id"])) for r in rows]
