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

The kept placement of each episode's absence (``statistics_absence``,
`reporting.statistics.placement`) is settled with them, for every episode of the settled
episodes' clients (an absence's episodes are one client's), as known on the day of
settling. A kept placement the passing days have overtaken (today reached a record's day
after it) is marked pending again by the sweep (`mark_overtaken`); until then the figures
compute it, as they do a pending one.

Two settlers at once on PostgreSQL would insert the same episode twice (the unique index
refuses the second): an advisory lock lets one settle at a time. SQLite's writers are
serialised by its write lock.
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from practice.platform.clock import today_in
from practice.platform.db import engine, write_tx
from reporting.statistics import cell_table, placement
from reporting.statistics.facts import dialect, q, run, settle_sql
from reporting.tables import (
    StatisticsAbsence,
    StatisticsCell,
    StatisticsCellEpisode,
    StatisticsFact,
    StatisticsMonth,
    StatisticsPending,
)

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


async def any_overtaken(today: dt.date) -> bool:
    return bool(await StatisticsAbsence.exists().where(StatisticsAbsence.known_until <= today))


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
        now = dt.datetime.now(dt.UTC)
        await run(settle_sql(dialect(tz), episodes, now=now))
        await _settle_placement(tz, episodes, now)
        await cell_table.refresh(tz, today_in(tz), episodes)
        return len(episodes)


async def _settle_placement(tz: ZoneInfo, episodes: list[int], now: dt.datetime) -> None:
    """The kept placement of every episode of the clients these episodes touch, again."""
    clients = sorted(int(row["client"]) for row in await run(placement.clients_sql(episodes)))
    await StatisticsAbsence.delete().where(
        StatisticsAbsence.episode.is_in(episodes) | StatisticsAbsence.client_id.is_in(clients)
        if clients
        else StatisticsAbsence.episode.is_in(episodes)
    )
    if clients:
        await run(placement.settle_sql(dialect(tz), clients, today_in(tz), now))


async def mark_overtaken(today: dt.date) -> int:
    """Mark pending the episodes whose kept placement no longer holds on `today` (a record's
    day passed since it was settled); how many. (A figure asked for a day before the one
    settled on computes the placement; only the passing days need settling again.)"""
    rows = await StatisticsAbsence.select(StatisticsAbsence.episode).where(
        StatisticsAbsence.known_until <= today
    )
    if rows:
        async with write_tx():
            await StatisticsPending.insert(
                *(StatisticsPending(episode=int(row["episode"])) for row in rows)
            )
    return len(rows)


async def settle_pending(
    tz: ZoneInfo, *, budget: dt.timedelta = dt.timedelta(seconds=15)
) -> Settled:
    """Settle what is pending, batch after batch, until nothing is or the `budget` is spent
    (the rest is left for the next sweep: a job has a timeout)."""
    settled = 0
    today = today_in(tz)
    await mark_overtaken(today)
    deadline = time.monotonic() + budget.total_seconds()
    while time.monotonic() < deadline:
        done = await settle_batch(tz)
        if done == 0:
            break
        settled += done
    for month in await cell_table.stale_months(today):
        if time.monotonic() >= deadline:
            break
        async with write_tx():
            await _lock()
            await cell_table.compute_month(dialect(tz), today, month)
    return Settled(settled, await pending_count())


async def rebuild(tz: ZoneInfo, *, day: dt.date | None = None) -> Settled:
    """Every episode's facts again from the raw tables, in one transaction (`practice
    statistics rebuild`; after a bulk load). What was pending is settled by it: the marks
    are deleted first, so each was committed before the raw tables are read (see above).
    The placements as known on `day` (default: today; the tests choose it)."""
    async with write_tx():
        await _lock()
        await StatisticsPending.delete(force=True)
        await StatisticsFact.delete(force=True)
        await StatisticsAbsence.delete(force=True)
        for kept in (StatisticsCell, StatisticsCellEpisode, StatisticsMonth):
            await kept.delete(force=True)
        now = dt.datetime.now(dt.UTC)
        await run(settle_sql(dialect(tz), None, now=now))
        await run(placement.settle_sql(dialect(tz), None, day or today_in(tz), now))
        await cell_table.refresh(tz, day or today_in(tz))
        episodes = int(await StatisticsFact.count())
    log.info("statistics facts rebuilt: %d episodes", episodes)
    return Settled(episodes, await pending_count())


async def cells_current(today: dt.date) -> bool:
    """Whether the kept cells are computed, and for `today` (the bench's check after a
    data set was loaded on another day)."""
    return bool(await StatisticsMonth.exists()) and not await StatisticsMonth.exists().where(
        StatisticsMonth.day != today
    )


async def refresh_cells(tz: ZoneInfo) -> int:
    """Every month's kept cells again for today, in one transaction; how many months."""
    async with write_tx():
        await _lock()
        return await cell_table.refresh(tz, today_in(tz))


async def vacuum() -> None:
    """PostgreSQL: VACUUM ANALYZE the kept tables after a rebuild (outside a transaction).
    A rebuild after a bulk load leaves a dead row in ``statistics_pending`` for every row
    loaded (1.5 million on M), which every figure's read of the pending episodes then scans
    until autovacuum comes by; and fresh statistics for the planner."""
    if engine().engine_type == "postgres":
        await run(
            q(
                "VACUUM ANALYZE statistics_pending, statistics_fact, statistics_absence, "
                "statistics_cell, statistics_cell_episode, statistics_month"
            )
        )
