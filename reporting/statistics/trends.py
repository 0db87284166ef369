"""Month by month: referrals received, screenings held within 10 days and treatments started
within 10 working days, over the last twelve months up to the reporting date.

What a practice manager looks at first (the dashboard's headline and its trend charts).
The waits mean exactly what S3/S4 and the task list mean by "within 10 days": the pairs of
dates come from SQL as a histogram and `reporting.statistics.waits.pair_durations` measures
them with the deadline rules of `practice.deadlines`. A wait is counted in the month its
clock started (the referral for the screening, the screening for the treatment start).
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from practice.deadlines import (
    DEFAULT_SCREENING_RULE,
    DEFAULT_TREATMENT_START_RULE,
    DEFAULT_WORKING_DAYS,
    DayUnit,
    DeadlineRule,
    add_calendar_months,
)
from practice.working_days import WorkingDays
from reporting.statistics.cells import figure_rows
from reporting.statistics.facts import Filters, as_date, as_int
from reporting.statistics.figures import Share
from reporting.statistics.waits import pair_durations, waits_figure

TREND_MONTHS = 12
RECENT_MONTHS = 3  # the headline's waits: this month and the two before it
# A treatment start is counted in the month of its screening: referrals from this long
# before the first month are read too, so the first month's screenings are all there.
LEAD_IN = timedelta(days=62)

Pairs = list[tuple[date | None, date | None, int]]
TRENDS = ("screening", "start")  # of the wait figure's pairs, those of the trend


@dataclass(frozen=True, slots=True)
class MonthTrend:
    month: date  # the first day of the month
    referrals: int
    screened_on_time: Share  # of the referrals of the month that were screened
    started_on_time: Share  # of the screenings of the month followed by a treatment start


@dataclass(frozen=True, slots=True)
class Trends:
    months: tuple[MonthTrend, ...]  # oldest first; the last one holds the reporting date
    recent_screened_on_time: Share  # the last RECENT_MONTHS months pooled
    recent_started_on_time: Share

    @property
    def this_month(self) -> MonthTrend:
        return self.months[-1]

    @property
    def last_month(self) -> MonthTrend | None:
        return self.months[-2] if len(self.months) > 1 else None

    @property
    def recent_months(self) -> tuple[MonthTrend, ...]:
        return self.months[-RECENT_MONTHS:]


def month_of(day: date) -> date:
    return day.replace(day=1)


def months_shown(filters: Filters, today: date) -> tuple[date, ...]:
    """The months of the trend: up to the month of the reporting date (the end of the
    period filtered on, else today), twelve at most, none before the period's start."""
    last = month_of(filters.referred_to or today)
    first = add_calendar_months(last, 1 - TREND_MONTHS)
    if filters.referred_from is not None and month_of(filters.referred_from) > first:
        # A period that starts after the reporting month shows that month alone (empty).
        first = min(month_of(filters.referred_from), last)
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = add_calendar_months(month, 1)
    return tuple(months)


async def trends(
    filters: Filters,
    today: date,
    *,
    screening_rule: DeadlineRule = DEFAULT_SCREENING_RULE,
    start_rule: DeadlineRule = DEFAULT_TREATMENT_START_RULE,
    days: WorkingDays = DEFAULT_WORKING_DAYS,
    tz: ZoneInfo,
) -> Trends:
    """The wait figure's pairs over the referrals of the months shown (and a lead-in for
    the starts)."""
    months = months_shown(filters, today)
    first, last = months[0], months[-1]
    end = add_calendar_months(last, 1) - timedelta(days=1)
    if filters.referred_to is not None:
        end = min(end, filters.referred_to)
    start = first - LEAD_IN
    if filters.referred_from is not None:
        start = max(start, filters.referred_from)
    end = max(end, start)  # a period after the months shown reads nothing that is shown
    window = replace(filters, referred_from=start, referred_to=end)
    # The pairs of dates the wait times count (S3, S4), over the window: the kept cells of
    # its whole months and the facts of its other days, as for the wait times themselves.
    rows = await figure_rows(waits_figure(start_rule.anchor_name), window, today, tz=tz)
    shown = set(months)
    referrals: dict[date, int] = defaultdict(int)
    pairs: dict[tuple[str, date], Pairs] = defaultdict(list)
    for row in rows:
        kind, began = str(row["k"]), as_date(row["a"])
        if kind not in TRENDS or began is None or month_of(began) not in shown:
            continue
        count = as_int(row["n"])
        if kind == "screening":
            referrals[month_of(began)] += count
        pairs[(kind, month_of(began))].append((began, as_date(row["b"]), count))
    # As S3's row in calendar days: the aanmelding's clock is counted in calendar days.
    screening = replace(screening_rule, unit=DayUnit.CALENDAR)

    def on_time(kind: str, chosen: tuple[date, ...]) -> Share:
        rule = screening if kind == "screening" else start_rule
        found = [pair for month in chosen for pair in pairs[(kind, month)]]
        within = pair_durations(found, 0, rule, days).within_target
        assert within is not None  # a rule was given
        return within

    recent = months[-RECENT_MONTHS:]
    return Trends(
        months=tuple(
            MonthTrend(
                month,
                referrals[month],
                on_time("screening", (month,)),
                on_time("start", (month,)),
            )
            for month in months
        ),
        recent_screened_on_time=on_time("screening", recent),
        recent_started_on_time=on_time("start", recent),
    )
