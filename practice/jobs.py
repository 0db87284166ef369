"""Jobs of the clinical core: thin doors that unpack ids and call one service."""

from datetime import UTC, date, datetime
from typing import Any

from practice.platform import outbox
from practice.platform.db import write_tx
from practice.platform.queue import DueJob
from practice.platform.settings import Settings
from practice.services import erasure, escalation


async def send_message(ctx: dict[str, Any], message_id: int) -> bool:
    return await outbox.send_message(ctx["settings"], message_id)


async def due_escalation_digests(today: date, settings: Settings) -> list[DueJob]:
    """Store today's escalation digests (one per person, once a day); they are sent like any
    message, and the outbox's finder sends again what a lost job left unsent."""
    async with write_tx():
        created = await escalation.queue_digests(today, datetime.now(UTC), settings)
    return [outbox.send_job(message_id) for message_id in created]


async def due_expired_records(today: date, settings: Settings) -> list[DueJob]:
    """Client records whose retention period (WGBO 7:454) has ended."""
    return [
        erasure.erase_expired_job(client_id)
        for client_id, _ in await erasure.expired_clients(today, settings)
    ]


async def erase_expired_record(ctx: dict[str, Any], client_id: int) -> bool:
    """Decides again before destroying anything: a job may run late, twice, or after a change."""
    settings: Settings = ctx["settings"]
    today = datetime.now(settings.time_zone).date()
    result = await erasure.erase_if_expired(settings, client_id, today, redis=ctx.get("redis"))
    if result is None:
        return False
    await erasure.flush_storage()
    return True
