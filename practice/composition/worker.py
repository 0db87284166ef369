"""Every background job and schedule, in flow order: the one place to read what runs when.

Jobs are at-least-once (arq reruns a job after a crash or restart); their effects are
exactly-once because each job checks and records its effect in the database. Every five
minutes a cron job per finder (``finder_crons``) asks a package what is due *according to
the database* and enqueues one job per item under a deterministic id, so a flushed or
restarted Redis loses nothing: the next sweep puts the work back.
"""

import asyncio
import contextlib
import faulthandler
import logging
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime
from typing import Any

from arq import cron
from arq.connections import ArqRedis, RedisSettings
from arq.constants import default_queue_name
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Worker, func

from practice import jobs as practice_jobs
from practice.composition import wiring as composition
from practice.platform import metrics, outbox
from practice.platform.db import close_pool, engine, open_pool
from practice.platform.logs import pin_library_loggers
from practice.platform.metrics import timed_job
from practice.platform.queue import SWEEP_EPISODE, ArqQueue, DueJob
from practice.platform.settings import Settings
from reporting import jobs as reporting_jobs
from reporting.documents import shutdown_render_pool
from scheduling import jobs as scheduling_jobs

log = logging.getLogger(__name__)

Sweep = Callable[[date, Settings], Awaitable[list[DueJob]]]

# What each package finds due, in flow order. Finders that create rows (reminders) come
# before the outbox finder that sends what is unsent.
SWEEPS: list[Sweep] = [
    scheduling_jobs.due_alignment_meetings,
    scheduling_jobs.due_reminders,
    # A meeting's participants whom the client's consent came to allow after they were added.
    scheduling_jobs.due_invitations,
    reporting_jobs.due_reports,
    reporting_jobs.due_employer_updates,
    reporting_jobs.due_follow_up_invitations,
    # Outcome monitoring: the client's secure link to the questionnaires of a due moment.
    reporting_jobs.due_questionnaire_invitations,
    reporting_jobs.due_employer_statistics,
    # The kept statistics facts of the episodes written since the last sweep.
    reporting_jobs.due_statistics_facts,
    # Invoices the employers' billing terms make due, each once; sending and reminders.
    reporting_jobs.due_invoices,
    # One digest per person a day of the screening and treatment-start deadlines that are
    # due on the next working day or lapsed (practice.escalation).
    practice_jobs.due_escalation_digests,
    outbox.due_messages,
    # Last: records whose 20-year retention (WGBO 7:454) ended are destroyed by a job.
    practice_jobs.due_expired_records,
]

EpisodeSweep = Callable[[int, date, Settings], Awaitable[list[DueJob]]]

# What a write may make due on its own episode, found at once by `sweep_episode` rather than
# at the next sweep of every episode (a held session: its interim report's draft; a recorded
# screening: the company doctor's briefing).
EPISODE_SWEEPS: list[EpisodeSweep] = [reporting_jobs.due_reports_of_episode]

# Job functions, in flow order (besides the sweeps themselves).
# Each is timed and its failures counted under its name (practice.platform.metrics).
JOBS: list[Any] = [
    # A short timeout: after a crash arq blocks the job id for timeout + 10 s (no heartbeat).
    func(timed_job(reporting_jobs.deliver_report), max_tries=8, timeout=10),
    # A block of the report sweep that its finder had no time for (reporting.jobs).
    func(
        timed_job(reporting_jobs.draft_reports),
        name=reporting_jobs.DRAFT_REPORTS,
        max_tries=8,
        timeout=25,
    ),
    func(timed_job(practice_jobs.send_message), max_tries=8),
    func(timed_job(reporting_jobs.publish_employer_statistics), max_tries=8),
    func(timed_job(reporting_jobs.settle_statistics), max_tries=8, timeout=25),
    func(timed_job(reporting_jobs.send_invoice), max_tries=8, timeout=25),
    func(timed_job(practice_jobs.erase_expired_record), max_tries=3),
]

SWEEP_MINUTES = set(range(0, 60, 5))
# Seconds between the finders' starts (13 finders: within the first minute of each five).
FINDER_SECONDS_APART = 4
# What each finder found due on its last run in this process, by job kind: the backlog
# gauges add them up (a kind such as send_message comes from several finders).
_found: dict[str, dict[str, int]] = {}


def finder_name(sweep: Sweep) -> str:
    return getattr(sweep, "__name__", str(sweep))


async def find_due_work(ctx: dict[str, Any], sweep: Sweep) -> dict[str, int]:
    """Run one finder and enqueue what it found (each job under its deterministic id);
    how many of each kind were queued now."""
    settings: Settings = ctx["settings"]
    today = datetime.now(settings.time_zone).date()
    queue = ArqQueue(ctx["redis"])
    name = finder_name(sweep)
    with metrics.SWEEP_FINDER_SECONDS.labels(name).time():
        due = await sweep(today, settings)
    counts: dict[str, int] = {}
    found: dict[str, int] = {}
    for job in due:
        found[job.name] = found.get(job.name, 0) + 1
        queued = await queue.enqueue(job)
        counts[job.name] = counts.get(job.name, 0) + int(queued)
    _found[name] = found
    await _gauge_the_backlog(ctx["redis"])
    return counts


def finder_crons() -> list[CronJob]:
    """One cron job per finder, every five minutes, a few seconds apart: each runs within
    its own job timeout, so a finder slowed by the size of the practice is cut short alone
    and the others still run (one sweep of them all took 564 s on bench M once, and arq
    cancelled it every time, with every finder after the slow one). Kept apart by the
    second they start at, so they do not all reach for the database at once; at start-up
    each runs at once (the worker may have been down)."""

    def job(sweep: Sweep) -> WorkerCoroutine:
        async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> dict[str, int]:
            return await find_due_work(ctx, sweep)

        run.__name__ = run.__qualname__ = f"sweep:{finder_name(sweep)}"
        return timed_job(run)

    return [
        cron(
            job(sweep),
            name=f"sweep:{finder_name(sweep)}",
            minute=SWEEP_MINUTES,
            second=(FINDER_SECONDS_APART * index) % 60,
            run_at_startup=True,
            keep_result=0,
        )
        for index, sweep in enumerate(SWEEPS)
    ]


@timed_job
async def sweep_due_work(ctx: dict[str, Any]) -> dict[str, int]:
    """Every finder in turn, in flow order: what the crons (`finder_crons`) do within five
    minutes, in one call (the tests sweep so)."""
    counts: dict[str, int] = {}
    for sweep in SWEEPS:
        try:
            queued = await find_due_work(ctx, sweep)
        except Exception:  # one broken finder must not stop the others
            log.exception("sweep %s failed", finder_name(sweep))
            continue
        for name, count in queued.items():
            counts[name] = counts.get(name, 0) + count
    return counts


@timed_job
async def sweep_episode(ctx: dict[str, Any], episode_id: int) -> dict[str, int]:
    """Enqueue what the database says is due on one episode (`EPISODE_SWEEPS`): what a
    sweep of every episode would find there, at the cost of that one episode."""
    settings: Settings = ctx["settings"]
    today = datetime.now(settings.time_zone).date()
    queue = ArqQueue(ctx["redis"])
    counts: dict[str, int] = {}
    for sweep in EPISODE_SWEEPS:
        for job in await sweep(episode_id, today, settings):
            counts[job.name] = counts.get(job.name, 0) + int(await queue.enqueue(job))
    return counts


async def _gauge_the_backlog(redis: ArqRedis) -> None:
    """The metrics of what is due (per job kind, 0 for a kind with nothing) and queued."""
    for job in JOBS:
        due = sum(found.get(job.name, 0) for found in _found.values())
        metrics.DUE_WORK.labels(job.name).set(due)
    try:
        metrics.QUEUE_DEPTH.set(await redis.zcard(default_queue_name))
    except Exception:  # a metric must never fail the sweep
        log.warning("could not read the queue's depth", exc_info=True)


async def _startup(ctx: dict[str, Any]) -> None:
    pin_library_loggers()
    composition.connect()
    await open_pool(engine(), max_size=5)


async def _shutdown(ctx: dict[str, Any]) -> None:
    # The render processes stop with the worker, not at interpreter exit (OPS-1).
    shutdown_render_pool()
    await close_pool(engine())


def worker_options(settings: Settings) -> dict[str, Any]:
    return {
        "functions": [
            func(sweep_due_work, keep_result=0),
            func(sweep_episode, name=SWEEP_EPISODE, keep_result=0),
            *JOBS,
        ],
        "cron_jobs": finder_crons(),
        "ctx": {"settings": settings},
        "keep_result": 0,  # dedupe by job id only while waiting; the DB records results
        # arq blocks a crashed job's id for (the longest timeout of any function) + 10 s, as
        # it has no heartbeat: keep every timeout short so recovery after a crash is quick.
        "job_timeout": 30,
        "max_tries": 5,
        "timezone": settings.time_zone,
        "health_check_interval": 30,
        "allow_abort_jobs": True,
    }


def make_worker(settings: Settings, pool: ArqRedis, **overrides: Any) -> Worker:
    options = worker_options(settings) | {"on_startup": _startup, "on_shutdown": _shutdown}
    options.update(overrides)
    return Worker(redis_pool=pool, **options)


# How long a stop on SIGTERM may take before the process ends itself. arq cancels the jobs
# in flight and closes its pool; a job cut short is harmless (the next sweep re-enqueues it,
# its effect is recorded once), but a close that waits on a Redis that is itself stopping, or
# a library thread that never ends, must not keep the process alive (OPS-1).
STOP_GRACE_SECONDS = 10.0


def _bound_the_stop(signum: signal.Signals) -> None:
    timer = threading.Timer(STOP_GRACE_SECONDS, _stop_now, args=(signum,))
    timer.daemon = True  # runs on while the interpreter waits for other threads at exit
    timer.start()


def _stop_now(signum: signal.Signals) -> None:
    log.warning("the worker did not stop within %.0f s; stopping it now", STOP_GRACE_SECONDS)
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)  # what held it up
    shutdown_render_pool()
    logging.shutdown()
    os._exit(128 + int(signum))


def run(settings: Settings, redis_url: str) -> None:
    """``practice worker``: a separate worker process (scale out by starting more)."""
    from arq.worker import create_worker

    class WorkerSettings:
        redis_settings = RedisSettings.from_dsn(redis_url)
        on_startup = _startup
        on_shutdown = _shutdown

    for key, value in worker_options(settings).items():
        setattr(WorkerSettings, key, value)
    worker = create_worker(WorkerSettings)  # type: ignore[arg-type]
    worker.on_stop = _bound_the_stop
    if settings.metrics_port is not None:
        # Each worker process on its own port (a second one needs another METRICS_PORT).
        metrics.serve_on(settings.metrics_port)
    worker.run()


@contextlib.asynccontextmanager
async def embedded(settings: Settings, pool: ArqRedis) -> AsyncIterator[None]:
    """The worker inside the web process, for the single-command quick start."""
    worker = make_worker(
        settings, pool, handle_signals=False, poll_delay=0.5, on_startup=None, on_shutdown=None
    )
    task = asyncio.create_task(worker.async_run())
    task.add_done_callback(_report_death)
    try:
        yield
    finally:
        task.remove_done_callback(_report_death)
        await worker.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _report_death(task: "asyncio.Task[None]") -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("embedded worker stopped: %s", type(task.exception()).__name__)
