"""Jobs and due-work finders of `reporting`: thin doors around the services."""

from datetime import date
from typing import Any

from practice.platform.outbox import send_job
from practice.platform.queue import ArqQueue, DueJob
from practice.platform.settings import Settings
from reporting.services import reports as services
from reporting.services.employer_updates import send_due_employer_updates
from reporting.services.follow_ups import invite_due_follow_ups


async def deliver_report(ctx: dict[str, Any], report_id: int) -> str:
    queue = ArqQueue(ctx["redis"]) if "redis" in ctx else None
    return await services.deliver_report(ctx["settings"], report_id, queue)


async def due_reports(today: date, settings: Settings) -> list[DueJob]:
    """Draft what became due; deliver what was approved and not yet sent (re-drives crashes)."""
    await services.draft_due_reports(today, settings.time_zone)
    return [services.deliver_job(report_id) for report_id in await services.approved_undelivered()]


async def due_employer_updates(today: date, settings: Settings) -> list[DueJob]:
    return [
        send_job(message_id)
        for message_id in await send_due_employer_updates(today, settings.time_zone)
    ]


async def due_follow_up_invitations(today: date, settings: Settings) -> list[DueJob]:
    """Invite clients whose follow-up measurement window opened."""
    return [
        send_job(message_id)
        for message_id in await invite_due_follow_ups(today, settings.time_zone)
    ]
