"""S6-S8 in SQL: time to work resumption (Kaplan-Meier), absence duration, and absence cost
avoided against a named benchmark.

Grouped because all three are durations of the absence that run on after treatment and
need censoring or a benchmark, unlike the counts and means elsewhere.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from reporting.statistics.cells import Figure, figure_rows, needs_today
from reporting.statistics.definitions import Benchmark, Unit, VolumeVariant
from reporting.statistics.facts import (
    FULL_TENTHS,
    HALF,
    Dialect,
    Filters,
    as_int,
    facts_cte,
    q,
)
from reporting.statistics.histograms import histogram_mean, histogram_percentile, histogram_survival
from reporting.statistics.reference_times import AbsenceDurations, ResumptionTimes

# ---------------------------------------------------------------- S6, S7, S8


@dataclass(frozen=True, slots=True)
class CostSummary:
    """S8 in integer euro cents against a named benchmark (`outcome_times.cost_avoided`,
    summed): each ended absence at its employer's cost per day. `cost_per_day_cents` is that
    cost when all counted episodes share it, None when employers differ."""

    benchmark: Benchmark
    cost_per_day_cents: int | None
    total_cents: int
    n: int
    open: int
    excluded: int


@dataclass(frozen=True, slots=True)
class DurationResult:
    resumption: ResumptionTimes
    absence: AbsenceDurations
    cost: CostSummary


async def _durations_statement(
    sql: Dialect, filters: Filters, today: date | None, variant: VolumeVariant
) -> QueryString:
    today = needs_today(today)
    since_start = {name: sql.days_between("started_on", name) for name in ("partial_on", "full_on")}
    seen = sql.days_between("started_on", "last_seen")
    # Not materialised: each of the three histograms below computes only its own classes
    # while it reads the facts (PostgreSQL on M: 77 ms instead of 127 for storing 100,000
    # rows of all of them and reading them thrice).
    classified = q(
        "classes AS NOT MATERIALIZED (SELECT "  # noqa: S608 - fixed fragments; values are bound
        # S6 partial
        "CASE WHEN absent = 0 THEN 'not_absent' "
        "WHEN started_on IS NULL OR started_on > today THEN 'not_started' "
        "WHEN vb > 0 OR partial_on <= started_on THEN 'already' "
        "WHEN partial_on IS NOT NULL AND partial_on <= today THEN 'event' "
        "ELSE 'censored' END AS partial_class, "
        # S6 full
        "CASE WHEN absent = 0 THEN 'not_absent' "
        "WHEN started_on IS NULL OR started_on > today THEN 'not_started' "
        f"WHEN vb >= {FULL_TENTHS} OR full_on <= started_on THEN 'already' "
        "WHEN full_on IS NOT NULL AND full_on <= today THEN 'event' "
        "ELSE 'censored' END AS full_class, "
        f"{since_start['partial_on']} AS partial_days, {since_start['full_on']} AS full_days, "
        f"{seen} AS seen_days, "
        # S7 / S8
        "CASE WHEN absent = 0 THEN 'not_absent' WHEN first_sick_day IS NULL THEN 'no_first_day' "
        "WHEN full_on IS NULL THEN 'open' ELSE 'ended' END AS absence_class, "
        f"{sql.days_between('first_sick_day', 'full_on')} AS absence_days, cost_cents "
        "FROM dated)"
    )
    dated = q(
        "dated AS (SELECT facts.*, {} AS today, "
        "CASE WHEN closed_on IS NULL OR closed_on > {} THEN {} ELSE closed_on END AS last_seen "
        "FROM facts)",
        sql.day(today),
        sql.day(today),
        sql.day(today),
    )
    return q(
        "WITH {}, {}, {} "
        "SELECT 'partial' AS k, partial_class AS c, "
        "CASE WHEN partial_class = 'event' THEN partial_days "
        "WHEN partial_class = 'censored' THEN seen_days END AS d, "
        "CAST(NULL AS INTEGER) AS cost, COUNT(*) AS n FROM classes "
        "GROUP BY partial_class, CASE WHEN partial_class = 'event' THEN partial_days "
        "WHEN partial_class = 'censored' THEN seen_days END "
        "UNION ALL SELECT 'full', full_class, "
        "CASE WHEN full_class = 'event' THEN full_days "
        "WHEN full_class = 'censored' THEN seen_days END, "
        "CAST(NULL AS INTEGER), COUNT(*) FROM classes "
        "GROUP BY full_class, CASE WHEN full_class = 'event' THEN full_days "
        "WHEN full_class = 'censored' THEN seen_days END "
        "UNION ALL SELECT 'absence', absence_class, "
        "CASE WHEN absence_class = 'ended' THEN absence_days END, "
        "CASE WHEN absence_class = 'ended' THEN cost_cents END, COUNT(*) FROM classes "
        "GROUP BY absence_class, CASE WHEN absence_class = 'ended' THEN absence_days END, "
        "CASE WHEN absence_class = 'ended' THEN cost_cents END",
        await facts_cte(
            sql,
            filters,
            [
                "absent",
                "started_on",
                "closed_on",
                "first_sick_day",
                "vb",
                "partial_on",
                "full_on",
                "cost_cents",
            ],
        ),
        dated,
        classified,
    )


DURATIONS = Figure("durations", ("k", "c", "d", "cost"), ("n",), _durations_statement)


async def durations(
    filters: Filters, today: date, benchmark: Benchmark, *, tz: ZoneInfo
) -> DurationResult:
    """S6 (`outcome_times.time_to_resumption`), S7 (`absence_duration`) and S8
    (`cost_avoided`) from one query of per-class day histograms."""
    if benchmark.unit is not Unit.CALENDAR_DAYS:
        raise ValueError(f"the benchmark must be in calendar days, not {benchmark.unit}")
    rows = await figure_rows(DURATIONS, filters, today, tz=tz)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    histograms: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    costs: list[tuple[int, int, int]] = []  # (days, cost per day, count)
    for row in rows:
        key = (str(row["k"]), str(row["c"]))
        counts[key] += as_int(row["n"])
        if row["d"] is not None:
            histograms[key].append((as_int(row["d"]), as_int(row["n"])))
        if key == ("absence", "ended"):
            costs.append((as_int(row["d"]), as_int(row["cost"]), as_int(row["n"])))
    resumption = ResumptionTimes(
        partial=histogram_survival(
            histograms[("partial", "event")], histograms[("partial", "censored")]
        ),
        full=histogram_survival(histograms[("full", "event")], histograms[("full", "censored")]),
        already_partial_at_start=counts[("partial", "already")],
        already_full_at_start=counts[("full", "already")],
        not_started=counts[("partial", "not_started")],
        excluded_not_absent=counts[("partial", "not_absent")],
    )
    ended = histograms[("absence", "ended")]
    absence = AbsenceDurations(
        n=sum(count for _, count in ended),
        median=histogram_percentile(ended, HALF),
        mean=histogram_mean(ended),
        open=counts[("absence", "open")],
        no_first_sick_day=counts[("absence", "no_first_day")],
        excluded_not_absent=counts[("absence", "not_absent")],
    )
    per_day = {cost for _, cost, _ in costs}
    total = sum(
        int(((benchmark.value - days) * cost).quantize(Decimal(1), ROUND_HALF_UP)) * count
        for days, cost, count in costs
    )
    cost = CostSummary(
        benchmark=benchmark,
        cost_per_day_cents=per_day.pop() if len(per_day) == 1 else None,
        total_cents=total,
        n=absence.n,
        open=absence.open,
        excluded=absence.no_first_sick_day + absence.excluded_not_absent,
    )
    return DurationResult(resumption, absence, cost)
