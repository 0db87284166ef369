"""S3-S5 wait times in SQL: referral to screening (calendar and working days), to treatment
start, and first sick day to first intervention.

Apart from the other figures because waits cover every referral (not only screened ones)
and need the Dutch working-day calendar, which only Python has.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from practice.deadlines import (
    DEFAULT_SCREENING_RULE,
    DEFAULT_TREATMENT_START_RULE,
    DEFAULT_WORKING_DAYS,
    DayUnit,
    DeadlineRule,
    due_on,
)
from practice.working_days import WorkingDays
from reporting.statistics.cells import Figure, figure_rows
from reporting.statistics.definitions import Unit, VolumeVariant
from reporting.statistics.facts import (
    HALF,
    P90,
    Dialect,
    Filters,
    as_date,
    as_int,
    facts_cte,
    q,
)
from reporting.statistics.figures import Share
from reporting.statistics.histograms import histogram_percentile
from reporting.statistics.one_pass import Count, counts_sql
from reporting.statistics.reference_times import Durations, WaitTimes

# ---------------------------------------------------------------- S3, S4, S5


_ANCHORS = {"aanmelding": "referred_on", "screening": "screened_on"}


async def _waits_statement(
    sql: Dialect,
    filters: Filters,
    today: date | None,
    variant: VolumeVariant,
    *,
    start_anchor: str = _ANCHORS[DEFAULT_TREATMENT_START_RULE.anchor_name],
) -> QueryString:
    counts = [
        Count("screening", (("a", "referred_on"), ("b", "screened_on"))),
        Count("start", (("a", start_anchor), ("b", "started_on"))),
        Count("sick", (("a", "first_sick_day"), ("b", "screened_on")), where="absent = 1"),
        Count("not_absent", where="absent = 0"),
    ]
    facts = await facts_cte(
        sql,
        filters,
        ["absent", "referred_on", "screened_on", "started_on", "first_sick_day"],
        screened_only=False,
    )
    return q(f"WITH {{}} {counts_sql(sql, 'facts', ('a', 'b'), counts)}", facts)


WAITS = Figure("waits", ("k", "a", "b"), ("n",), _waits_statement)


def waits_figure(anchor_name: str) -> Figure:
    """The kept figure for the practice's start rule; another anchor is computed (no cells)."""
    if anchor_name not in _ANCHORS:
        raise ValueError(f"no episode date for the anchor {anchor_name!r}")
    if anchor_name == DEFAULT_TREATMENT_START_RULE.anchor_name:
        return WAITS
    return replace(
        WAITS,
        name=f"waits_{anchor_name}",
        kept=False,
        statement=partial(_waits_statement, start_anchor=_ANCHORS[anchor_name]),
    )


async def wait_times(
    filters: Filters,
    *,
    screening_rule: DeadlineRule = DEFAULT_SCREENING_RULE,
    start_rule: DeadlineRule = DEFAULT_TREATMENT_START_RULE,
    days: WorkingDays = DEFAULT_WORKING_DAYS,
    tz: ZoneInfo,
    today: date | None = None,
) -> WaitTimes:
    """S3-S5 (`outcome_times.wait_times`) over every referral matching the filters.

    One query returns, per wait, the distinct (start, end) date pairs with their counts;
    each pair is measured once in Python in calendar or working days.
    """
    rows = await figure_rows(waits_figure(start_rule.anchor_name), filters, today, tz=tz)
    pairs: dict[str, list[tuple[date | None, date | None, int]]] = defaultdict(list)
    for row in rows:
        pairs[str(row["k"])].append((as_date(row["a"]), as_date(row["b"]), as_int(row["n"])))
    not_absent = sum(n for _, _, n in pairs["not_absent"])
    working_rule = replace(screening_rule, unit=DayUnit.WORKING)
    calendar_rule = replace(screening_rule, unit=DayUnit.CALENDAR)
    return WaitTimes(
        referral_to_screening=pair_durations(pairs["screening"], 0, calendar_rule, days),
        referral_to_screening_working=pair_durations(pairs["screening"], 0, working_rule, days),
        to_treatment_start=pair_durations(pairs["start"], 0, start_rule, days),
        sick_to_intervention=pair_durations(
            pairs["sick"], not_absent, None, days, DayUnit.CALENDAR
        ),
    )


def pair_durations(
    pairs: Sequence[tuple[date | None, date | None, int]],
    excluded: int,
    rule: DeadlineRule | None,
    days: WorkingDays,
    unit: DayUnit | None = None,
) -> Durations:
    """A wait's distribution from its histogram of distinct (start, end) date pairs.

    Working days are the difference of a per-date index (working days since the earliest
    date seen, built in date order), so each distinct *date* meets the calendar once, not
    each pair; the due date depends only on the start and is computed once per start.
    """
    unit = rule.unit if rule is not None else (unit or DayUnit.CALENDAR)
    complete = [(s, e, count) for s, e, count in pairs if s is not None and e is not None]
    missing = sum(count for s, e, count in pairs if s is None or e is None)
    index: dict[date, int] = {}
    due: dict[date, date] = {}
    if complete and unit is DayUnit.WORKING:
        ordered = sorted({d for s, e, _ in complete for d in (s, e)})
        running, previous = 0, ordered[0]
        for day in ordered:  # consecutive dates: each step spans few holidays
            running += days.working_days_between(previous, day)
            index[day], previous = running, day
    lengths: list[tuple[int, int]] = []
    on_time = 0
    for start, end, count in complete:
        length = index[end] - index[start] if unit is DayUnit.WORKING else (end - start).days
        lengths.append((length, count))
        if rule is not None:
            if start not in due:
                due[start] = due_on(start, rule, days)
            if end <= due[start]:
                on_time += count
    n = sum(count for _, count in lengths)
    return Durations(
        unit=Unit.WORKING_DAYS if unit is DayUnit.WORKING else Unit.CALENDAR_DAYS,
        n=n,
        median=histogram_percentile(lengths, HALF),
        p90=histogram_percentile(lengths, P90),
        within_target=None if rule is None else Share(on_time, n),
        missing=missing,
        excluded=excluded,
    )
