"""Jobs and due-work finders of `reporting`: thin doors around the services."""

import time
from datetime import date, datetime
from typing import Any

from practice.audit.trail import Actor, Channel
from practice.platform.outbox import send_job
from practice.platform.queue import ArqQueue, DueJob
from practice.platform.settings import Settings
from reporting.services import invoice_sending, invoices
from reporting.services import reports as services
from reporting.services.employer_statistics import employers_due, publish_due_snapshots
from reporting.services.employer_updates import send_due_employer_updates
from reporting.services.follow_ups import invite_due_follow_ups
from reporting.services.monitoring import invite_due_questionnaires, remind_open_invitations
from reporting.statistics import cell_table, fact_table


async def deliver_report(ctx: dict[str, Any], report_id: int) -> str:
    queue = ArqQueue(ctx["redis"]) if "redis" in ctx else None
    return await services.deliver_report(ctx["settings"], report_id, queue)


# The sweep drafts the reports of the episodes in blocks of this many (on bench M a block
# takes 0.3 s, at most 0.9), itself for up to DRAFT_SECONDS; a practice too large for that
# hands the rest to `draft_reports` jobs, which any worker process takes, each block well
# within a job's time. One pass over bench M's 89,000 episodes takes 10-14 s here: at four
# times the size a single pass would pass arq's 30 s and be cancelled every run, and the
# drafts after the cut would never be made.
DRAFT_BLOCK = 2_000
DRAFT_SECONDS = 10.0
DRAFT_REPORTS = "draft_reports"


def draft_reports_job(index: int, first_id: int, last_id: int) -> DueJob:
    """The drafting of one block of episodes; named by its place in the sweep, so a block
    still waiting is not queued twice (the ids are arguments: a block is no client's)."""
    return DueJob(DRAFT_REPORTS, (first_id, last_id), f"draft-reports:{index}")


async def due_reports(
    today: date, settings: Settings, *, seconds: float = DRAFT_SECONDS
) -> list[DueJob]:
    """Draft what became due, block by block for up to `seconds`, and hand the blocks left
    to `draft_reports` jobs; deliver what was approved and not yet sent (re-drives
    crashes)."""
    ids = await services.reporting_episode_ids()
    blocks = [ids[start : start + DRAFT_BLOCK] for start in range(0, len(ids), DRAFT_BLOCK)]
    left: list[DueJob] = []
    started = time.monotonic()
    for index, block in enumerate(blocks):
        if time.monotonic() - started < seconds:
            await services.draft_due_reports(
                today, settings.time_zone, between=(block[0], block[-1])
            )
        else:
            left.append(draft_reports_job(index, block[0], block[-1]))
    approved = await services.approved_undelivered()
    return left + [services.deliver_job(report_id) for report_id in approved]


async def draft_reports(ctx: dict[str, Any], first_id: int, last_id: int) -> int:
    """Draft what became due on the episodes with an id from `first_id` to `last_id` (one
    block of the sweep); how many drafts were made."""
    settings: Settings = ctx["settings"]
    today = datetime.now(settings.time_zone).date()
    made = await services.draft_due_reports(today, settings.time_zone, between=(first_id, last_id))
    return len(made)


async def due_reports_of_episode(episode_id: int, today: date, settings: Settings) -> list[DueJob]:
    """Draft what became due on one episode (a session was held, a screening recorded);
    delivery waits for the therapist's approval, as in the sweep."""
    await services.draft_due_reports(today, settings.time_zone, of=[episode_id])
    return []


async def due_employer_updates(today: date, settings: Settings) -> list[DueJob]:
    return [
        send_job(message_id)
        for message_id in await send_due_employer_updates(today, settings.time_zone)
    ]


async def due_follow_up_invitations(today: date, settings: Settings) -> list[DueJob]:
    """Invite clients whose follow-up measurement window opened."""
    return [send_job(message_id) for message_id in await invite_due_follow_ups(today, settings)]


async def due_questionnaire_invitations(today: date, settings: Settings) -> list[DueJob]:
    """Ask clients, by a secure link, to fill in the questionnaires of a due moment; remind
    once those who have not after a week."""
    invited = await invite_due_questionnaires(today, settings)
    reminded = await remind_open_invitations(today, settings)
    return [send_job(message_id) for message_id in (*invited, *reminded)]


def employer_statistics_job(employer_id: int) -> DueJob:
    """Publishing an employer's due months: one id per employer, so a waiting job is not
    queued twice; the next sweep queues it again should it be lost."""
    return DueJob(
        "publish_employer_statistics", (employer_id,), f"employer-statistics:{employer_id}"
    )


async def due_employer_statistics(today: date, settings: Settings) -> list[DueJob]:
    """Employers with a calendar month that ended and has no published statistics yet."""
    return [
        employer_statistics_job(employer_id)
        for employer_id in await employers_due(today, settings.time_zone)
    ]


async def publish_employer_statistics(ctx: dict[str, Any], employer_id: int) -> int:
    """Publish the employer's due monthly snapshots (each exactly once); how many now."""
    settings: Settings = ctx["settings"]
    today = datetime.now(settings.time_zone).date()
    return len(await publish_due_snapshots(employer_id, today, settings.time_zone))


# One id: a waiting settle job is not queued twice; the next sweep queues it again.
SETTLE_STATISTICS = DueJob("settle_statistics", (), "statistics-facts")


async def due_statistics_facts(today: date, settings: Settings) -> list[DueJob]:
    """Settle the statistics facts of the episodes written since, and compute the kept
    cells of a new day (the figures compute them from the raw tables and the facts
    meanwhile: settling keeps the dashboard fast, not correct)."""
    due = (
        await fact_table.any_pending()
        or await fact_table.any_overtaken(today)
        or await cell_table.any_stale(today)
    )
    return [SETTLE_STATISTICS] if due else []


async def settle_statistics(ctx: dict[str, Any]) -> int:
    """Settle what is pending, within the job's time; how many episodes."""
    settings: Settings = ctx["settings"]
    return (await fact_table.settle_pending(settings.time_zone)).episodes


# ---------------------------------------------------------------- invoices (issue 22)


async def due_invoices(today: date, settings: Settings) -> list[DueJob]:
    """Make the invoices the billing terms make due (each once); send those whose terms say
    so at once (again for any a lost job left unsent); remind the overdue ones."""
    await invoices.make_due_invoices(
        today, settings.time_zone, vat_exempt=settings.practice_vat_exempt
    )
    to_send = [invoice_sending.send_job(i) for i in await invoices.drafts_to_send_at_once()]
    reminders = await invoice_sending.remind_overdue(today, settings)
    return to_send + [send_job(message_id) for message_id in reminders]


async def send_invoice(ctx: dict[str, Any], invoice_id: int) -> bool:
    """Send an invoice its terms send at once; True when this call sent it."""
    queue = ArqQueue(ctx["redis"]) if "redis" in ctx else None
    sent = await invoice_sending.send(
        Actor.system(Channel.WORKER), invoice_id, ctx["settings"], queue
    )
    return sent is not None
