"""The worker as the tests run it: arq in burst mode on the test's Redis (it runs what is
queued and stops), without the crons, the start-up's pool or signal handlers."""

from typing import Any

from arq.connections import ArqRedis
from arq.worker import Worker

from practice.composition import worker
from practice.platform.settings import Settings


def burst_worker(settings: Settings, pool: ArqRedis, **overrides: Any) -> Worker:
    """A worker that runs the queued jobs and stops; ``overrides`` as `make_worker` takes
    them (``functions``; ``max_jobs=1`` where every job shares the test's rolled-back
    connection)."""
    options: dict[str, Any] = {
        "burst": True,
        "handle_signals": False,
        "poll_delay": 0.05,
        "cron_jobs": [],
        "on_startup": None,
        "on_shutdown": None,
    }
    return worker.make_worker(settings, pool, **(options | overrides))


async def run_burst(settings: Settings, pool: ArqRedis, **overrides: Any) -> Worker:
    """`burst_worker` run once and closed; returned for its counts of jobs."""
    runner = burst_worker(settings, pool, **overrides)
    try:
        await runner.main()
    finally:
        await runner.close()
    return runner
