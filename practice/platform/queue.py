"""The thin queue interface: what services and sweeps hand to arq.

The database is the truth about what is due and what was done; the queue only makes it
happen sooner. A job is named by a deterministic id, so enqueueing the same work twice
while it waits is a no-op, and a lost queue is refilled by the next sweep.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from practice.platform.db import after_commit


@dataclass(frozen=True)
class DueJob:
    """One unit of work: the job function's name, its id arguments, and a stable id."""

    name: str
    args: tuple[Any, ...]
    job_id: str


# The job that sweeps one episode's due work at once (`practice.composition.worker`): a
# package whose write may make work due (a held session: an interim report) names it here,
# without knowing the packages downstream that find the work.
SWEEP_EPISODE = "sweep_episode"


def sweep_episode_job(episode_id: int, job_id: str) -> DueJob:
    return DueJob(SWEEP_EPISODE, (episode_id,), job_id)


class JobQueue(Protocol):
    async def enqueue(self, job: DueJob) -> bool:
        """True if queued now, False if the same job id was already waiting."""
        ...


class ArqQueue:
    def __init__(self, pool: Any) -> None:  # arq.connections.ArqRedis
        self._pool = pool

    async def enqueue(self, job: DueJob) -> bool:
        queued = await self._pool.enqueue_job(job.name, *job.args, _job_id=job.job_id)
        return queued is not None


def enqueue_after_commit(queue: JobQueue, job: DueJob) -> None:
    """Queue ``job`` once the current write transaction has committed."""

    async def push() -> None:
        await queue.enqueue(job)

    after_commit(push)
