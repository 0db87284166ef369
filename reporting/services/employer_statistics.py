"""Publishing the employer's statistics: one snapshot per employer and calendar month, once.

The sweep (`reporting.jobs.due_employer_statistics`) finds the employers with a month that
ended and has no snapshot; the job (`publish_employer_statistics`) publishes each such month
in order, oldest first, because each is guarded against the one before it
(`reporting.statistics.snapshots`). Jobs run at least once; the effect happens once: a month
already published is left alone, a unique index on (employer, month) refuses a second row,
and a trigger refuses any change to a published one.
"""

from datetime import date
from zoneinfo import ZoneInfo

from practice.platform.db import write_tx
from practice.privacy import MIN_CELL_FLOOR
from practice.tables import Employer
from reporting.statistics.employer import CONTRACT_BASIS, employer_summary
from reporting.statistics.facts import as_date, dialect, q, run
from reporting.statistics.snapshots import (
    cells_from_json,
    guard,
    month_end,
    month_of,
    months_due,
)
from reporting.tables import EmployerStatistics


async def _first_months(tz: ZoneInfo, employer_id: int | None = None) -> dict[int, date]:
    """Per employer the month of its first referral (local date): where its months start."""
    sql = dialect(tz)
    where = q("") if employer_id is None else q(" WHERE r.employer = {}", employer_id)
    rows = await run(
        q(
            "SELECT r.employer AS employer, MIN({}) AS first_day FROM referral r{} "
            "GROUP BY r.employer",
            sql.local_date("r.received_at"),
            where,
        )
    )
    months: dict[int, date] = {}
    for row in rows:
        first = as_date(row["first_day"])
        if first is not None:
            months[int(row["employer"])] = month_of(first)
    return months


async def _last_published(employer_id: int | None = None) -> dict[int, date]:
    query = EmployerStatistics.select(
        EmployerStatistics.employer, EmployerStatistics.month
    ).order_by(EmployerStatistics.month)
    if employer_id is not None:
        query = query.where(EmployerStatistics.employer == employer_id)
    # Ordered by month, so the last row of each employer wins.
    return {int(row["employer"]): as_date(row["month"]) for row in await query}  # type: ignore[misc]


async def employers_due(today: date, tz: ZoneInfo) -> list[int]:
    """The employers with a month that ended before `today` and is not yet published."""
    firsts = await _first_months(tz)
    published = await _last_published()
    return sorted(
        employer
        for employer, first in firsts.items()
        if months_due(first, published.get(employer), today)
    )


async def publish_due_snapshots(employer_id: int, today: date, tz: ZoneInfo) -> list[date]:
    """Publish every month of the employer that is due on `today`, oldest first; the months
    published by this call (none when another run did them already)."""
    first = (await _first_months(tz, employer_id)).get(employer_id)
    if first is None:
        return []
    last = (await _last_published(employer_id)).get(employer_id)
    published: list[date] = []
    for month in months_due(first, last, today):
        if await publish_month(employer_id, month, tz):
            published.append(month)
    return published


async def publish_month(employer_id: int, month: date, tz: ZoneInfo) -> bool:
    """Count, guard and store one month's snapshot; False when it was already published."""
    month = month_of(month)
    async with write_tx():
        if await EmployerStatistics.exists().where(
            (EmployerStatistics.employer == employer_id) & (EmployerStatistics.month == month)
        ):
            return False
        employer = (
            await Employer.select(Employer.min_cell_size).where(Employer.id == employer_id).first()
        )
        if employer is None:
            return False
        min_n = max(MIN_CELL_FLOOR, int(employer["min_cell_size"]))
        previous = (
            await EmployerStatistics.select(EmployerStatistics.cells)
            .where(
                (EmployerStatistics.employer == employer_id) & (EmployerStatistics.month < month)
            )
            .order_by(EmployerStatistics.month, ascending=False)
            .first()
        )
        as_of = month_end(month)
        summary = await employer_summary(employer_id, as_of, tz=tz)
        before = None if previous is None else cells_from_json(previous["cells"])
        cells = guard(summary.cells(), before, as_of, min_n)
        rows = (
            await EmployerStatistics.insert(
                EmployerStatistics(
                    employer=employer_id,
                    month=month,
                    as_of=as_of,
                    min_n=min_n,
                    contract_basis=CONTRACT_BASIS.value,
                    cells={code: cell.to_json() for code, cell in cells.items()},
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(EmployerStatistics.id)
        )
    return bool(rows)
