"""Due-work finders of `scheduling`, run by the worker's sweep (practice/worker.py)."""

from datetime import UTC, date, datetime, timedelta

from practice.platform import outbox
from practice.platform.db import write_tx
from practice.platform.queue import DueJob
from practice.platform.settings import Settings
from scheduling.services import attendance, invitations, notices


async def due_reminders(today: date, settings: Settings) -> list[DueJob]:
    """Create the reminder messages that became due; they are sent like any message."""
    async with write_tx():
        created = await notices.queue_due_reminders(
            datetime.now(UTC), timedelta(hours=settings.reminder_hours), settings.time_zone
        )
    return [outbox.send_job(message_id) for message_id in created]


async def due_invitations(today: date, settings: Settings) -> list[DueJob]:
    """Invite the participants of a meeting ahead whom the client's consent now allows."""
    async with write_tx():
        created = await invitations.queue_due_invitations(datetime.now(UTC), settings.time_zone)
    return [outbox.send_job(message_id) for message_id in created]


async def due_alignment_meetings(today: date, settings: Settings) -> list[DueJob]:
    """Propose the afstemmingsoverleg where it became due (also after an upgrade)."""
    async with write_tx():
        await attendance.propose_alignment_meetings()
    return []
