"""The queue: after-commit enqueueing, the due-work sweep, and the worker running jobs once."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import pytest_asyncio
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from practice.accounts import Role
from practice.composition import worker
from practice.platform import redis_conn
from practice.platform.db import after_commit, write_tx
from practice.platform.queue import ArqQueue, DueJob, enqueue_after_commit
from practice.platform.settings import Settings
from practice.tables import User
from tests.cast import make_user
from tests.worker import run_burst

ran: list[int] = []


async def record_effect(ctx: dict[str, Any], item: int) -> None:
    ran.append(item)


@pytest_asyncio.fixture
async def pool(settings: Settings, redis: Any) -> AsyncIterator[ArqRedis]:
    connection = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
    yield connection
    await connection.aclose(close_connection_pool=True)


async def _run_burst(settings: Settings, pool: ArqRedis) -> None:
    await run_burst(settings, pool, functions=[record_effect])


async def test_the_sweep_enqueues_each_due_item_once_and_the_worker_runs_it(
    settings: Settings, pool: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran.clear()

    async def due(today: date, settings: Settings) -> list[DueJob]:
        return [DueJob("record_effect", (n,), f"record-effect:{n}") for n in (1, 2)]

    monkeypatch.setattr(worker, "SWEEPS", [due])
    ctx = {"settings": settings, "redis": pool}
    assert await worker.sweep_due_work(ctx) == {"record_effect": 2}
    assert await worker.sweep_due_work(ctx) == {"record_effect": 0}  # already waiting
    await _run_burst(settings, pool)
    assert sorted(ran) == [1, 2]


async def test_a_flushed_redis_loses_nothing_because_the_sweep_refills_it(
    settings: Settings, pool: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran.clear()

    async def due(today: date, settings: Settings) -> list[DueJob]:
        return [DueJob("record_effect", (7,), "record-effect:7")]

    monkeypatch.setattr(worker, "SWEEPS", [due])
    ctx = {"settings": settings, "redis": pool}
    await worker.sweep_due_work(ctx)
    await pool.flushdb()
    await _run_burst(settings, pool)
    assert ran == []
    await worker.sweep_due_work(ctx)
    await _run_burst(settings, pool)
    assert ran == [7]


async def test_one_broken_finder_does_not_stop_the_others(
    settings: Settings, pool: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(today: date, settings: Settings) -> list[DueJob]:
        raise RuntimeError("boom")

    async def fine(today: date, settings: Settings) -> list[DueJob]:
        return [DueJob("record_effect", (3,), "record-effect:3")]

    monkeypatch.setattr(worker, "SWEEPS", [broken, fine])
    assert await worker.sweep_due_work({"settings": settings, "redis": pool}) == {
        "record_effect": 1
    }


async def test_a_finder_past_its_time_is_cut_short_alone_and_the_others_still_queue_their_work(
    settings: Settings, pool: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran.clear()

    async def slow(today: date, settings: Settings) -> list[DueJob]:
        await asyncio.sleep(5)  # past the job timeout below: cancelled
        return [DueJob("record_effect", (4,), "record-effect:4")]

    async def quick(today: date, settings: Settings) -> list[DueJob]:
        return [DueJob("record_effect", (5,), "record-effect:5")]

    monkeypatch.setattr(worker, "SWEEPS", [slow, quick])
    # The crons run at start-up only here: a run that crossed a five-minute mark at a
    # finder's second ran it twice (ran == [5, 5], once in CI).
    far_minute = (datetime.now(UTC).minute + 30) % 60
    monkeypatch.setattr(worker, "SWEEP_MINUTES", {far_minute})
    crons = worker.finder_crons()
    assert [c.name for c in crons] == ["sweep:slow", "sweep:quick"]  # one cron job per finder
    runner = await run_burst(
        settings,
        pool,
        functions=[record_effect],
        cron_jobs=crons,  # each runs at once at start-up
        job_timeout=1,
    )
    assert ran == [5]
    assert runner.jobs_failed == 1  # the slow finder, alone


def test_the_worker_starts_a_cron_job_per_finder_at_its_own_second(settings: Settings) -> None:
    crons = worker.worker_options(settings)["cron_jobs"]
    assert [c.name for c in crons] == [f"sweep:{worker.finder_name(s)}" for s in worker.SWEEPS]
    assert len({c.second for c in crons}) == len(crons)
    assert all(c.run_at_startup and c.minute == worker.SWEEP_MINUTES for c in crons)


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[DueJob] = []

    async def enqueue(self, job: DueJob) -> bool:
        self.jobs.append(job)
        return True


@pytest.mark.commits
async def test_jobs_are_enqueued_only_after_the_transaction_commits(db) -> None:
    queue = RecordingQueue()
    seen_after_commit: list[int] = []

    async def look() -> None:
        seen_after_commit.append(await User.count())

    async with write_tx():
        await make_user(Role.THERAPIST)
        enqueue_after_commit(queue, DueJob("record_effect", (1,), "record-effect:1"))
        after_commit(look)
        async with write_tx():  # a second service inside the same operation
            enqueue_after_commit(queue, DueJob("record_effect", (2,), "record-effect:2"))
        assert queue.jobs == []  # nothing leaves before the commit
    assert [job.args for job in queue.jobs] == [(1,), (2,)]
    assert seen_after_commit == [1]  # the job would see the committed row


@pytest.mark.commits
async def test_a_rolled_back_operation_enqueues_nothing(db) -> None:
    queue = RecordingQueue()

    async def failing_operation() -> None:
        async with write_tx():
            enqueue_after_commit(queue, DueJob("record_effect", (1,), "record-effect:1"))
            raise RuntimeError("the operation fails")

    with pytest.raises(RuntimeError):
        await failing_operation()
    assert queue.jobs == []


async def test_the_arq_queue_refuses_a_duplicate_while_the_first_waits(pool: ArqRedis) -> None:
    queue = ArqQueue(pool)
    job = DueJob("record_effect", (9,), "record-effect:9")
    assert await queue.enqueue(job) is True
    assert await queue.enqueue(job) is False


def test_after_commit_outside_a_transaction_is_a_programming_error() -> None:
    async def nothing() -> None:
        return None

    with pytest.raises(RuntimeError, match="write_tx"):
        after_commit(nothing)
