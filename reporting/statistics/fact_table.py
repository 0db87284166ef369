"""Settling the kept statistics facts (``statistics_fact``): the pending episodes' rows are
computed again from the raw tables; `rebuild` computes every one.

Triggers put every episode a write touches on ``statistics_pending`` (migration
reporting_2026_12_05t03_01_00), and a figure computes a pending episode from the raw tables
(`reporting.statistics.facts.Source.KEPT`), so figures are exact at every moment; settling
only keeps them fast. The worker's sweep settles what is pending (`settle_pending`), in
batches, each in its own transaction:

1. read a batch of pending rows (their ids and episodes) and delete exactly those rows;
2. delete those episodes' kept rows and insert them again from the raw tables.

Every pending row deleted in 1 was committed before 1 began, so the raw tables read in 2
(a later snapshot) hold the change it marks. A write that commits later marks its episode
again with a new row, which 1 did not see and leaves: the episode stays pending, its
figures are computed from the raw tables, and the next batch settles it.

Two settlers at once on PostgreSQL would insert the same episode twice (the unique index
refuses the second): an advisory lock lets one settle at a time. SQLite's writers are
serialised by its write lock.
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from practice.platform.db import engine, write_tx
from reporting.statistics.facts import dialect, q, run, settle_sql
from reporting.tables import StatisticsFact, StatisticsPending

log = logging.getLogger(__name__)

BATCH = 2000  # episodes per transaction: a short lock, and few bound parameters on SQLite
SETTLE_LOCK = 0x5747_4143_5453  # "STATS" for pg_advisory_xact_lock: one settler at a time


@dataclass(frozen=True, slots=True)
class Settled:
    episodes: int  # the distinct episodes settled
    left: int  # pending rows left (written while settling, or beyond the batches run)


async def pending_count() -> int:
    return int(await StatisticsPending.count())


async def any_pending() -> bool:
    return bool(await StatisticsPending.exists())


async def _lock() -> None:
    if engine().engine_type == "postgres":
        await run(q("SELECT pg_advisory_xact_lock({})", SETTLE_LOCK))


async def settle_batch(tz: ZoneInfo, limit: int = BATCH) -> int:
    """Settle up to `limit` pending rows; the number of distinct episodes settled."""
    async with write_tx():
        await _lock()
        rows = await (
            StatisticsPending.select(StatisticsPending.id, StatisticsPending.episode)
            .order_by(StatisticsPending.id)
            .limit(limit)
        )
        if not rows:
            return 0
        episodes = sorted({int(row["episode"]) for row in rows})
        await StatisticsPending.delete().where(
            StatisticsPending.id.is_in([int(row["id"]) for row in rows])
        )
        await StatisticsFact.delete().where(StatisticsFact.episode.is_in(episodes))
        await run(settle_sql(dialect(tz), episodes, now=dt.datetime.now(dt.UTC)))
        return len(episodes)


async def settle_pending(
    tz: ZoneInfo, *, budget: dt.timedelta = dt.timedelta(seconds=15)
) -> Settled:
    """Settle what is pending, batch after batch, until nothing is or the `budget` is spent
    (the rest is left for the next sweep: a job has a timeout)."""
    settled = 0
    deadline = time.monotonic() + budget.total_seconds()
    while time.monotonic() < deadline:
        done = await settle_batch(tz)
        if done == 0:
            break
        settled += done
    return Settled(settled, await pending_count())


async def rebuild(tz: ZoneInfo) -> Settled:
    """Every episode's facts again from the raw tables, in one transaction (`practice
    statistics rebuild`; after a bulk load). What was pending is settled by it: the marks
    are deleted first, so each was committed before the raw tables are read (see above)."""
    async with write_tx():
        await _lock()
        await StatisticsPending.delete(force=True)
        await StatisticsFact.delete(force=True)
        await run(settle_sql(dialect(tz), None, now=dt.datetime.now(dt.UTC)))
        episodes = int(await StatisticsFact.count())
    log.info("statistics facts rebuilt: %d episodes", episodes)
    return Settled(episodes, await pending_count())
