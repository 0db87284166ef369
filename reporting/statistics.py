"""The outcome statistics in SQL: one query per figure group, the same results as the
reference implementations (`reporting.outcomes`, `reporting.outcome_times`).

How the work is split between the database and Python (target P-4: 100k episodes, 1M
sessions):

* Every query starts from one common table expression, ``facts``: one row per episode that
  matches the `Filters`, with only the columns that figure group needs (each a correlated
  subquery on an indexed foreign key). It is ``MATERIALIZED`` (SQLite >= 3.35, PostgreSQL
  >= 12): otherwise SQLite's flattener copies a subquery into every place that uses the
  column, and the volume subqueries ran four times per episode instead of once.
* Counts, sums and group-bys happen in SQL. Volume percentages are computed in SQL as
  integer tenths of a percent with exact integer arithmetic, rounded half-up like
  `practice.work_participation.volume_percent`, so sums and means are exact on SQLite and
  PostgreSQL alike (no float AVG, no NUMERIC-vs-REAL differences).
* Medians and 90th percentiles: PostgreSQL has ``percentile_cont`` but SQLite has not. The
  query therefore returns a *histogram* (value, count) per group, grouped in SQL, and Python
  interpolates the percentile over the cumulative counts exactly as `reporting.figures`
  does. The histogram has one row per distinct day count (a few hundred at most), not one per
  episode. The Kaplan-Meier median is computed from the same kind of histogram.
* Working days need the Dutch holiday calendar, which the database does not hold. Waits in
  working days come back as a histogram of distinct (start date, end date) pairs, and each
  distinct pair is counted once with `practice.working_days` and the deadline rule of
  `practice.deadlines`, so "within 10 days" means exactly what the task list means by it.

Placeholders are Piccolo's ``{}``: values are always bound parameters, never formatted into
the SQL; only fixed fragments of this module (table and column names) are SQL text.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from practice.db import engine
from practice.deadlines import (
    DEFAULT_SCREENING_RULE,
    DEFAULT_TREATMENT_START_RULE,
    DEFAULT_WORKING_DAYS,
    FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS,
    FOLLOW_UP_MEASUREMENT_OPENS_MONTHS,
    DayUnit,
    DeadlineRule,
    add_calendar_months,
    due_on,
)
from practice.episodes import EpisodeStatus, Offer
from practice.tables import TreatmentEpisode
from practice.working_days import WorkingDays
from reporting.figures import Share, Survival, round_one
from reporting.outcome_definitions import Benchmark, Moment, Unit
from reporting.outcome_times import AbsenceDurations, Durations, ResumptionTimes, WaitTimes
from reporting.outcomes import (
    FollowUpCoverage,
    RelapseRate,
    ResumptionShares,
    SessionsTable,
    VolumeTable,
)
from reporting.suppression import Cell
from scheduling.appointments import DEFAULT_COUNTING_KINDS, Attendance

_HALF = Decimal("0.5")
_P90 = Decimal("0.9")
_FULL_TENTHS = 1000  # 100.0 % in tenths of a percent
_MOMENTS = (Moment.BEGIN, Moment.END, Moment.FOLLOW_UP)
_VOLUME_COLUMN = {Moment.BEGIN: "vb", Moment.END: "ve", Moment.FOLLOW_UP: "vf"}
ACTIVE_STATUSES = (
    EpisodeStatus.REFERRED,
    EpisodeStatus.SCREENING_PLANNED,
    EpisodeStatus.SCREENED,
    EpisodeStatus.IN_TREATMENT,
    EpisodeStatus.PAUSED,
)
DEFAULT_TZ = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True, slots=True)
class Filters:
    """Which episodes a figure covers; None means "all". The period is on the referral date
    (the local date the aanmelding was received), both ends included."""

    referred_from: date | None = None
    referred_to: date | None = None
    offer: Offer | None = None
    employer_id: int | None = None
    therapist_user_id: int | None = None
    diagnosis: str | None = None

    def __post_init__(self) -> None:
        if (
            self.referred_from is not None
            and self.referred_to is not None
            and self.referred_to < self.referred_from
        ):
            raise ValueError("the period ends before it starts")


# ---------------------------------------------------------------- SQL building blocks


def _q(template: str, *args: Any) -> QueryString:
    return QueryString(template, *args)


def _join(parts: Sequence[QueryString], separator: str) -> QueryString:
    if not parts:
        return _q("")
    template = separator.join("{}" for _ in parts)
    return QueryString(template, *parts)


@dataclass(frozen=True, slots=True)
class _Dialect:
    """The few places where SQLite and PostgreSQL differ: date parameters, day arithmetic
    and the local date of a timestamp."""

    postgres: bool
    tz: ZoneInfo

    def day(self, value: date) -> QueryString:
        # SQLite stores dates as ISO text and compares them as text; CAST(... AS DATE) would
        # turn '2026-06-01' into the number 2026 there. PostgreSQL needs the type named.
        return _q("CAST({} AS DATE)", value) if self.postgres else _q("{}", value.isoformat())

    def days_between(self, start: str, end: str) -> str:
        """Calendar days from `start` to `end` (SQL expressions over date columns)."""
        if self.postgres:
            return f"({end} - {start})"
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"

    def local_date(self, column: str) -> QueryString:
        """The calendar date in the practice's time zone of a timestamptz column.

        PostgreSQL converts with its own zone data. SQLite stores UTC text and has no zone
        data, so the offset is chosen with the EU summer-time rule (last Sunday of March to
        last Sunday of October, 01:00 UTC), with the zone's own winter and summer offsets:
        exact for Europe/Amsterdam since 1996.
        """
        if self.postgres:
            return _q(f"CAST(({column} AT TIME ZONE {{}}) AS DATE)", self.tz.key)
        winter = dt.datetime(2001, 1, 15, tzinfo=self.tz).utcoffset() or timedelta(0)
        summer = dt.datetime(2001, 7, 15, tzinfo=self.tz).utcoffset() or timedelta(0)

        def modifier(offset: timedelta) -> str:
            return f"{int(offset.total_seconds() // 60):+d} minutes"

        year = f"strftime('%Y', {column})"
        starts = f"date({year} || '-04-01', '-7 days', 'weekday 0') || ' 01:00:00'"
        ends = f"date({year} || '-10-25', 'weekday 0') || ' 01:00:00'"
        return _q(
            f"date({column}, CASE WHEN {column} >= {starts} AND {column} < {ends} "
            "THEN {} ELSE {} END)",
            modifier(summer),
            modifier(winter),
        )

    def instant(self, day: date) -> dt.datetime:
        """Midnight at the start of `day` in the practice's zone, as an aware UTC datetime."""
        return dt.datetime.combine(day, dt.time(0), self.tz).astimezone(dt.UTC)


def _dialect(tz: ZoneInfo) -> _Dialect:
    return _Dialect(postgres=engine().engine_type in ("postgres", "cockroach"), tz=tz)


def _counted_kinds() -> QueryString:
    kinds = sorted(kind.value for kind in DEFAULT_COUNTING_KINDS)
    return _q("(" + ", ".join("{}" for _ in kinds) + ")", *kinds)


def _volume(moment: Moment) -> QueryString:
    """Volume % in integer tenths, uncapped, of the episode's latest measurement at `moment`,
    against the contract valid on the measurement date; NULL without a (non-zero) contract.

    round_half_up(1000 * counted / contract) = (2000 * counted + contract) div (2 * contract)
    for non-negative integers: the same rounding as `work_participation.volume_percent`.
    Counted minutes are own, adapted and other productive work; therapeutic (AT) hours not.
    """
    return _q(
        "(SELECT CASE WHEN ch.minutes_per_week > 0 THEN "
        "(2000 * (wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes) "
        "+ ch.minutes_per_week) / (2 * ch.minutes_per_week) END "
        "FROM work_participation wp "
        "LEFT JOIN contract_hours ch ON ch.employment = wp.employment AND ch.valid_from = "
        "(SELECT MAX(c2.valid_from) FROM contract_hours c2 "
        "WHERE c2.employment = wp.employment AND c2.valid_from <= wp.measured_on) "
        "WHERE wp.episode = e.id AND wp.moment = {} "
        "ORDER BY wp.measured_on DESC, wp.id DESC LIMIT 1)",
        moment.value,
    )


def _columns(sql: _Dialect) -> dict[str, QueryString]:
    """Every per-episode fact a figure can ask for, as a SQL expression over e, r and s."""
    return {
        "episode_id": _q("e.id"),
        "client_id": _q("e.client"),
        "status": _q("e.status"),
        "offer": _q("e.offer"),
        "employer_id": _q("r.employer"),
        "diagnosis": _q("s.diagnosis_category"),
        "absent": _q("CASE WHEN r.absence_status = {} THEN 0 ELSE 1 END", "not_absent"),
        "referred_on": sql.local_date("r.received_at"),
        "screened_on": _q("e.screening_held_on"),
        "started_on": _q("e.started_on"),
        "closed_on": _q("e.closed_on"),
        "first_sick_day": _q("r.first_sick_day"),
        "vb": _volume(Moment.BEGIN),
        "ve": _volume(Moment.END),
        "vf": _volume(Moment.FOLLOW_UP),
        "partial_on": _q(
            "(SELECT MIN(wp.measured_on) FROM work_participation wp WHERE wp.episode = e.id "
            "AND wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes > 0)"
        ),
        "full_on": _q(
            "(SELECT a.full_recovery_on FROM absence_episode a "
            "WHERE a.employment = e.employment AND a.first_sick_day = r.first_sick_day "
            "ORDER BY a.id LIMIT 1)"
        ),
        "held": _q(
            "(SELECT COUNT(*) FROM appointment ap WHERE ap.episode = e.id "
            "AND ap.attendance = {} AND ap.kind IN {})",
            Attendance.HELD.value,
            _counted_kinds(),
        ),
        # The therapist's assessment at a follow-up, or a new sickness absence after the end.
        "relapse_flag": _q(
            "CASE WHEN EXISTS (SELECT 1 FROM follow_up fu WHERE fu.episode = e.id "
            "AND fu.relapse = {}) "
            "OR EXISTS (SELECT 1 FROM absence_episode a2 WHERE a2.employment = e.employment "
            "AND a2.absence_type = {} AND a2.first_sick_day > e.closed_on) THEN 1 "
            "WHEN EXISTS (SELECT 1 FROM follow_up fu WHERE fu.episode = e.id "
            "AND fu.relapse = {}) THEN 0 END",
            True,
            "sickness",
            False,
        ),
        "fu_response": _q(
            "(SELECT fu.response FROM follow_up fu WHERE fu.episode = e.id AND fu.kind = {} "
            "ORDER BY fu.held_on DESC, fu.id DESC LIMIT 1)",
            "measurement",
        ),
        "agreement": _q(
            "CASE WHEN EXISTS (SELECT 1 FROM work_resumption_agreement wa "
            "WHERE wa.episode = e.id) THEN 1 ELSE 0 END"
        ),
        "cost_cents": _q(
            "(SELECT em.cost_per_absence_day_cents FROM employer em WHERE em.id = r.employer)"
        ),
        "employer_name": _q("(SELECT em.name FROM employer em WHERE em.id = r.employer)"),
    }


def _where(sql: _Dialect, filters: Filters, *, screened_only: bool) -> QueryString:
    parts: list[QueryString] = []
    if screened_only:
        parts.append(_q("s.id IS NOT NULL"))
    if filters.referred_from is not None:
        parts.append(_q("r.received_at >= {}", sql.instant(filters.referred_from)))
    if filters.referred_to is not None:
        parts.append(_q("r.received_at < {}", sql.instant(filters.referred_to + timedelta(1))))
    if filters.offer is not None:
        parts.append(_q("e.offer = {}", Offer(filters.offer).value))
    if filters.employer_id is not None:
        parts.append(_q("r.employer = {}", filters.employer_id))
    if filters.therapist_user_id is not None:
        parts.append(
            _q(
                "EXISTS (SELECT 1 FROM case_assignment ca WHERE ca.episode = e.id "
                'AND ca."user" = {} AND ca.team_role = {})',
                filters.therapist_user_id,
                "therapist",
            )
        )
    if filters.diagnosis is not None:
        parts.append(_q("s.diagnosis_category = {}", filters.diagnosis))
    if not parts:
        return _q("")
    return _q(" WHERE {}", _join(parts, " AND "))


def _facts(
    sql: _Dialect, filters: Filters, names: Sequence[str], *, screened_only: bool = True
) -> QueryString:
    """``facts AS MATERIALIZED (...)``: one row per matching episode with the named columns.

    Outcome figures cover screened episodes (an outcome needs a diagnosis category and a
    start); the wait-time figures cover every referral (`screened_only=False`).
    """
    available = _columns(sql)
    selected = [_q(f"{{}} AS {name}", available[name]) for name in names]
    return _q(
        "facts AS MATERIALIZED (SELECT {} FROM treatment_episode e "
        "JOIN referral r ON r.id = e.referral "
        "LEFT JOIN screening s ON s.episode = e.id{})",
        _join(selected, ", "),
        _where(sql, filters, screened_only=screened_only),
    )


async def _run(query: QueryString) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await TreatmentEpisode.raw("{}", query)
    return rows


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------- histograms


Histogram = Sequence[tuple[int, int]]  # (value, how many records have it)


def histogram_mean(histogram: Histogram) -> Decimal | None:
    """`figures.mean` over the values a histogram stands for."""
    n = sum(count for _, count in histogram)
    if n == 0:
        return None
    return round_one(Decimal(sum(value * count for value, count in histogram)) / n)


def histogram_percentile(histogram: Histogram, fraction: Decimal) -> Decimal | None:
    """`figures.percentile` (percentile_cont's interpolation) over a histogram, without
    expanding it: the ranks below and above the position are found in the cumulative counts."""
    ordered = sorted((value, count) for value, count in histogram if count > 0)
    n = sum(count for _, count in ordered)
    if n == 0:
        return None
    if not Decimal(0) <= fraction <= Decimal(1):
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    position = fraction * (n - 1)
    below = int(position)
    above = min(below + 1, n - 1)

    def at(rank: int) -> Decimal:
        seen = 0
        for value, count in ordered:
            seen += count
            if rank < seen:
                return Decimal(value)
        raise AssertionError("rank outside the histogram")  # pragma: no cover

    low = at(below)
    return round_one(low + (at(above) - low) * (position - below))


def histogram_survival(events: Histogram, censored: Histogram) -> Survival:
    """`figures.summarise_survival` from histograms of event days and censoring days.

    Kaplan-Meier as in `figures.censored_median`: a case is at risk on every day up to and
    including its own; survival exactly 0.5 between two event days takes their midpoint.
    """
    event_counts: dict[int, int] = defaultdict(int)
    censored_counts: dict[int, int] = defaultdict(int)
    for day, count in events:
        event_counts[day] += count
    for day, count in censored:
        censored_counts[day] += count
    n_events = sum(event_counts.values())
    n = n_events + sum(censored_counts.values())
    days = sorted(set(event_counts) | set(censored_counts))
    at_risk_from: dict[int, int] = {}
    remaining = n
    for day in days:
        at_risk_from[day] = remaining
        remaining -= event_counts[day] + censored_counts[day]
    event_days = [day for day in days if event_counts[day]]
    survival = Fraction(1)
    half = Fraction(1, 2)
    median: Decimal | None = None
    for index, day in enumerate(event_days):
        survival *= 1 - Fraction(event_counts[day], at_risk_from[day])
        if survival < half or (survival == half and index + 1 == len(event_days)):
            median = Decimal(day)
            break
        if survival == half:
            median = round_one((Decimal(day) + Decimal(event_days[index + 1])) / 2)
            break
    return Survival(n, n_events, n - n_events, median)


# ---------------------------------------------------------------- S1, S2 and resumption shares


@dataclass(frozen=True, slots=True)
class VolumeResult:
    """S2 by diagnosis, S1 over all diagnoses, and the shares fully/partly resumed."""

    by_diagnosis: VolumeTable
    overall: dict[Moment, Cell]
    overall_missing: dict[Moment, int]
    shares: dict[Moment, ResumptionShares]


async def volumes(filters: Filters, *, tz: ZoneInfo = DEFAULT_TZ) -> VolumeResult:
    """S1/S2 (`outcomes.volume_by_diagnosis`) and `outcomes.share_resumed` in one query."""
    sql = _dialect(tz)
    sums: list[str] = []
    for moment in _MOMENTS:
        v = _VOLUME_COLUMN[moment]
        sums.append(
            f"SUM(CASE WHEN {v} IS NULL THEN 0 ELSE 1 END) AS n_{v}, "
            f"SUM(CASE WHEN {v} > {_FULL_TENTHS} THEN {_FULL_TENTHS} ELSE {v} END) AS sum_{v}, "
            f"SUM(CASE WHEN {v} >= {_FULL_TENTHS} THEN 1 ELSE 0 END) AS full_{v}, "
            f"SUM(CASE WHEN {v} > 0 AND {v} < {_FULL_TENTHS} THEN 1 ELSE 0 END) AS part_{v}"
        )
    rows = await _run(
        _q(
            "WITH {} SELECT diagnosis, absent, COUNT(*) AS n, "  # noqa: S608 - fixed fragments; values are bound
            + ", ".join(sums)
            + " FROM facts GROUP BY diagnosis, absent",
            _facts(sql, filters, ["diagnosis", "absent", "vb", "ve", "vf"]),
        )
    )
    excluded = sum(_int(row["n"]) for row in rows if not _int(row["absent"]))
    absent_rows = [row for row in rows if _int(row["absent"])]
    cells: dict[str, dict[Moment, Cell]] = {}
    missing: dict[str, dict[Moment, int]] = {}
    for row in sorted(absent_rows, key=lambda r: str(r["diagnosis"])):
        category = str(row["diagnosis"])
        cells[category] = {}
        missing[category] = {}
        for moment in _MOMENTS:
            v = _VOLUME_COLUMN[moment]
            known = _int(row[f"n_{v}"])
            cells[category][moment] = Cell(_tenths_mean(_int(row[f"sum_{v}"]), known), known)
            missing[category][moment] = _int(row["n"]) - known
    overall: dict[Moment, Cell] = {}
    overall_missing: dict[Moment, int] = {}
    shares: dict[Moment, ResumptionShares] = {}
    absent_total = sum(_int(row["n"]) for row in absent_rows)
    for moment in _MOMENTS:
        v = _VOLUME_COLUMN[moment]
        known = sum(_int(row[f"n_{v}"]) for row in absent_rows)
        total = sum(_int(row[f"sum_{v}"]) for row in absent_rows)
        overall[moment] = Cell(_tenths_mean(total, known), known)
        overall_missing[moment] = absent_total - known
        if moment is not Moment.BEGIN:
            shares[moment] = ResumptionShares(
                full=Share(sum(_int(row[f"full_{v}"]) for row in absent_rows), known),
                partial=Share(sum(_int(row[f"part_{v}"]) for row in absent_rows), known),
                missing=absent_total - known,
                excluded_not_absent=excluded,
            )
    return VolumeResult(VolumeTable(cells, missing, excluded), overall, overall_missing, shares)


def _tenths_mean(total_tenths: int, n: int) -> Decimal | None:
    if n == 0:
        return None
    return round_one(Decimal(total_tenths) / 10 / n)


# ---------------------------------------------------------------- S10 and S11


@dataclass(frozen=True, slots=True)
class AfterTreatment:
    relapse: RelapseRate
    follow_up: FollowUpCoverage


def _last_day_window_open(today: date, months: int) -> date:
    """The latest last-session date whose window (+`months`) has opened by `today`."""
    day = add_calendar_months(today, -months) + timedelta(days=4)
    while add_calendar_months(day, months) > today:
        day -= timedelta(days=1)
    while add_calendar_months(day + timedelta(days=1), months) <= today:
        day += timedelta(days=1)
    return day


def _first_day_window_not_closed(today: date, months: int) -> date:
    """The earliest last-session date whose window (+`months`) still includes `today`."""
    day = add_calendar_months(today, -months) - timedelta(days=4)
    while add_calendar_months(day, months) < today:
        day += timedelta(days=1)
    while add_calendar_months(day - timedelta(days=1), months) >= today:
        day -= timedelta(days=1)
    return day


async def after_treatment(
    filters: Filters,
    today: date,
    *,
    opens_after_months: int = FOLLOW_UP_MEASUREMENT_OPENS_MONTHS,
    closes_after_months: int = FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS,
    tz: ZoneInfo = DEFAULT_TZ,
) -> AfterTreatment:
    """S10 (`outcomes.relapse_rate`) and S11 (`outcomes.follow_up_response_rate`) as of
    `today`, in one query grouped by the two classifications.

    The 6-12 month window is calendar months after the last session; because adding
    months is monotone, "opened by today" is "last session on or before a date" computed
    here once, so SQL compares plain dates.
    """
    sql = _dialect(tz)
    opened_by = _last_day_window_open(today, opens_after_months)
    still_open_from = _first_day_window_not_closed(today, closes_after_months)
    capped = {
        v: f"(CASE WHEN {v} > {_FULL_TENTHS} THEN {_FULL_TENTHS} ELSE {v} END)"
        for v in ("ve", "vf")
    }
    classified = _q(
        "states AS (SELECT "  # noqa: S608 - fixed fragments; values are bound
        "CASE WHEN closed_on IS NULL THEN 'open' "
        "WHEN relapse_flag = 1 THEN 'relapsed' "
        f"WHEN ve IS NOT NULL AND vf IS NOT NULL AND {capped['vf']} < {capped['ve']} "
        "THEN 'relapsed' "
        "WHEN relapse_flag = 0 OR (ve IS NOT NULL AND vf IS NOT NULL) THEN 'no_relapse' "
        "ELSE 'not_assessed' END AS relapse_state, "
        "CASE WHEN closed_on IS NULL OR closed_on > {} THEN 'not_yet' "
        "WHEN fu_response IS NOT NULL THEN fu_response "
        "WHEN closed_on >= {} THEN 'pending' ELSE 'missed' END AS follow_up_state "
        "FROM facts)",
        sql.day(opened_by),
        sql.day(still_open_from),
    )
    rows = await _run(
        _q(
            "WITH {}, {} SELECT relapse_state, follow_up_state, COUNT(*) AS n FROM states "
            "GROUP BY relapse_state, follow_up_state",
            _facts(sql, filters, ["closed_on", "ve", "vf", "relapse_flag", "fu_response"]),
            classified,
        )
    )
    relapse: dict[str, int] = defaultdict(int)
    follow: dict[str, int] = defaultdict(int)
    for row in rows:
        relapse[str(row["relapse_state"])] += _int(row["n"])
        follow[str(row["follow_up_state"])] += _int(row["n"])
    assessed = relapse["relapsed"] + relapse["no_relapse"]
    eligible = sum(n for state, n in follow.items() if state != "not_yet")
    return AfterTreatment(
        relapse=RelapseRate(
            Share(relapse["relapsed"], assessed), relapse["not_assessed"], relapse["open"]
        ),
        follow_up=FollowUpCoverage(
            Share(follow["done"], eligible),
            follow["unreachable"],
            follow["declined"],
            follow["pending"],
            follow["missed"],
            follow["not_yet"],
        ),
    )


# ---------------------------------------------------------------- S9


async def sessions(filters: Filters, *, tz: ZoneInfo = DEFAULT_TZ) -> SessionsTable:
    """S9 (`outcomes.sessions_per_episode`): a histogram of held sessions per closed episode
    by diagnosis and offer; mean and median from it."""
    sql = _dialect(tz)
    rows = await _run(
        _q(
            "WITH {} SELECT diagnosis, offer, "
            "CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END AS still_open, held, COUNT(*) AS n "
            "FROM facts GROUP BY diagnosis, offer, "
            "CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END, held",
            _facts(sql, filters, ["diagnosis", "offer", "closed_on", "held"]),
        )
    )
    still_open = 0
    histograms: dict[str, dict[Offer, list[tuple[int, int]]]] = {}
    for row in rows:
        if _int(row["still_open"]):
            still_open += _int(row["n"])
            continue
        by_offer = histograms.setdefault(str(row["diagnosis"]), {})
        by_offer.setdefault(Offer(row["offer"]), []).append((_int(row["held"]), _int(row["n"])))
    ordered = sorted(histograms.items())

    def n(histogram: Histogram) -> int:
        return sum(count for _, count in histogram)

    return SessionsTable(
        mean={d: {o: Cell(histogram_mean(h), n(h)) for o, h in by.items()} for d, by in ordered},
        median={
            d: {o: Cell(histogram_percentile(h, _HALF), n(h)) for o, h in by.items()}
            for d, by in ordered
        },
        open_episodes=still_open,
    )


# ---------------------------------------------------------------- S3, S4, S5


async def wait_times(
    filters: Filters,
    *,
    screening_rule: DeadlineRule = DEFAULT_SCREENING_RULE,
    start_rule: DeadlineRule = DEFAULT_TREATMENT_START_RULE,
    days: WorkingDays = DEFAULT_WORKING_DAYS,
    tz: ZoneInfo = DEFAULT_TZ,
) -> WaitTimes:
    """S3-S5 (`outcome_times.wait_times`) over every referral matching the filters.

    One query returns, per wait, the distinct (start, end) date pairs with their counts;
    each pair is measured once in Python in calendar or working days.
    """
    sql = _dialect(tz)
    anchors = {"aanmelding": "referred_on", "screening": "screened_on"}
    if start_rule.anchor_name not in anchors:
        raise ValueError(f"no episode date for the anchor {start_rule.anchor_name!r}")
    start_anchor = anchors[start_rule.anchor_name]
    rows = await _run(
        _q(
            "WITH {} "  # noqa: S608 - fixed fragments; values are bound
            "SELECT 'screening' AS k, referred_on AS a, screened_on AS b, COUNT(*) AS n "
            "FROM facts GROUP BY referred_on, screened_on "
            f"UNION ALL SELECT 'start', {start_anchor}, started_on, COUNT(*) "
            f"FROM facts GROUP BY {start_anchor}, started_on "
            "UNION ALL SELECT 'sick', first_sick_day, screened_on, COUNT(*) "
            "FROM facts WHERE absent = 1 GROUP BY first_sick_day, screened_on "
            "UNION ALL SELECT 'not_absent', NULL, NULL, COUNT(*) FROM facts WHERE absent = 0",
            _facts(
                sql,
                filters,
                ["absent", "referred_on", "screened_on", "started_on", "first_sick_day"],
                screened_only=False,
            ),
        )
    )
    pairs: dict[str, list[tuple[date | None, date | None, int]]] = defaultdict(list)
    for row in rows:
        pairs[str(row["k"])].append((_as_date(row["a"]), _as_date(row["b"]), _int(row["n"])))
    not_absent = sum(n for _, _, n in pairs["not_absent"])
    working_rule = replace(screening_rule, unit=DayUnit.WORKING)
    calendar_rule = replace(screening_rule, unit=DayUnit.CALENDAR)
    return WaitTimes(
        referral_to_screening=_durations(pairs["screening"], 0, calendar_rule, days),
        referral_to_screening_working=_durations(pairs["screening"], 0, working_rule, days),
        to_treatment_start=_durations(pairs["start"], 0, start_rule, days),
        sick_to_intervention=_durations(pairs["sick"], not_absent, None, days, DayUnit.CALENDAR),
    )


def _durations(
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
        median=histogram_percentile(lengths, _HALF),
        p90=histogram_percentile(lengths, _P90),
        within_target=None if rule is None else Share(on_time, n),
        missing=missing,
        excluded=excluded,
    )


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


async def durations(
    filters: Filters, today: date, benchmark: Benchmark, *, tz: ZoneInfo = DEFAULT_TZ
) -> DurationResult:
    """S6 (`outcome_times.time_to_resumption`), S7 (`absence_duration`) and S8
    (`cost_avoided`) from one query of per-class day histograms."""
    if benchmark.unit is not Unit.CALENDAR_DAYS:
        raise ValueError(f"the benchmark must be in calendar days, not {benchmark.unit}")
    sql = _dialect(tz)
    since_start = {name: sql.days_between("started_on", name) for name in ("partial_on", "full_on")}
    seen = sql.days_between("started_on", "last_seen")
    classified = _q(
        "classes AS (SELECT "  # noqa: S608 - fixed fragments; values are bound
        # S6 partial
        "CASE WHEN absent = 0 THEN 'not_absent' "
        "WHEN started_on IS NULL OR started_on > today THEN 'not_started' "
        "WHEN vb > 0 OR partial_on <= started_on THEN 'already' "
        "WHEN partial_on IS NOT NULL AND partial_on <= today THEN 'event' "
        "ELSE 'censored' END AS partial_class, "
        # S6 full
        "CASE WHEN absent = 0 THEN 'not_absent' "
        "WHEN started_on IS NULL OR started_on > today THEN 'not_started' "
        f"WHEN vb >= {_FULL_TENTHS} OR full_on <= started_on THEN 'already' "
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
    dated = _q(
        "dated AS (SELECT facts.*, {} AS today, "
        "CASE WHEN closed_on IS NULL OR closed_on > {} THEN {} ELSE closed_on END AS last_seen "
        "FROM facts)",
        sql.day(today),
        sql.day(today),
        sql.day(today),
    )
    rows = await _run(
        _q(
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
            _facts(
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
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    histograms: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    costs: list[tuple[int, int, int]] = []  # (days, cost per day, count)
    for row in rows:
        key = (str(row["k"]), str(row["c"]))
        counts[key] += _int(row["n"])
        if row["d"] is not None:
            histograms[key].append((_int(row["d"]), _int(row["n"])))
        if key == ("absence", "ended"):
            costs.append((_int(row["d"]), _int(row["cost"]), _int(row["n"])))
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
        median=histogram_percentile(ended, _HALF),
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


# ---------------------------------------------------------------- caseload, questionnaires


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    therapist_user_id: int
    therapist: str
    active: Cell


async def caseload(
    filters: Filters, today: date, *, tz: ZoneInfo = DEFAULT_TZ
) -> list[CaseloadRow]:
    """Active episodes (referred to paused) per therapist currently on the case."""
    sql = _dialect(tz)
    statuses = [status.value for status in ACTIVE_STATUSES]
    rows = await _run(
        _q(
            "WITH {} SELECT u.id AS user_id, u.display_name AS name, COUNT(*) AS n FROM facts "  # noqa: S608 - fixed fragments; values are bound
            "JOIN case_assignment ca ON ca.episode = facts.episode_id AND ca.team_role = {} "
            "AND ca.valid_from <= {} AND (ca.valid_to IS NULL OR ca.valid_to >= {}) "
            'JOIN app_user u ON u.id = ca."user" '
            "WHERE facts.status IN (" + ", ".join("{}" for _ in statuses) + ") "
            "GROUP BY u.id, u.display_name ORDER BY u.display_name, u.id",
            _facts(sql, filters, ["episode_id", "status"], screened_only=False),
            "therapist",
            sql.day(today),
            sql.day(today),
            *statuses,
        )
    )
    return [
        CaseloadRow(_int(row["user_id"]), str(row["name"]), Cell(_int(row["n"]), _int(row["n"])))
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ScoreCell:
    instrument: str
    moment: str
    mean: Cell


async def questionnaire_scores(filters: Filters, *, tz: ZoneInfo = DEFAULT_TZ) -> list[ScoreCell]:
    """Mean total score per instrument and moment over complete questionnaires."""
    sql = _dialect(tz)
    rows = await _run(
        _q(
            "WITH {} SELECT q.instrument AS instrument, q.moment AS moment, COUNT(*) AS n, "
            "SUM(q.total) AS total FROM questionnaire_response q "
            "JOIN facts ON facts.episode_id = q.episode WHERE q.complete = {} "
            "GROUP BY q.instrument, q.moment ORDER BY q.instrument, q.moment",
            _facts(sql, filters, ["episode_id"]),
            True,
        )
    )
    result = []
    for row in rows:
        n = _int(row["n"])
        mean = round_one(Decimal(_int(row["total"])) / n) if n else None
        result.append(ScoreCell(str(row["instrument"]), str(row["moment"]), Cell(mean, n)))
    return result


# ---------------------------------------------------------------- drill-down


@dataclass(frozen=True, slots=True)
class EpisodeLine:
    episode_id: int
    referred_on: date | None
    employer: str
    status: str
    offer: str | None
    diagnosis: str | None
    held_sessions: int


async def episode_list(
    filters: Filters, *, limit: int = 100, offset: int = 0, tz: ZoneInfo = DEFAULT_TZ
) -> tuple[int, list[EpisodeLine]]:
    """The episodes behind the figures (every referral matching the filters), newest
    referral first; returns the total and one page."""
    sql = _dialect(tz)
    names = ["episode_id", "referred_on", "employer_name", "status", "offer", "diagnosis", "held"]
    facts = _facts(sql, filters, names, screened_only=False)
    total_rows = await _run(_q("WITH {} SELECT COUNT(*) AS n FROM facts", facts))
    rows = await _run(
        _q(
            "WITH {} SELECT * FROM facts ORDER BY referred_on DESC, episode_id DESC "
            "LIMIT {} OFFSET {}",
            _facts(sql, filters, names, screened_only=False),
            limit,
            offset,
        )
    )
    lines = [
        EpisodeLine(
            episode_id=_int(row["episode_id"]),
            referred_on=_as_date(row["referred_on"]),
            employer=str(row["employer_name"]),
            status=str(row["status"]),
            offer=row["offer"],
            diagnosis=row["diagnosis"],
            held_sessions=_int(row["held"]),
        )
        for row in rows
    ]
    return _int(total_rows[0]["n"]) if total_rows else 0, lines


# ---------------------------------------------------------------- S15 (employers)


@dataclass(frozen=True, slots=True)
class EmployerSummary:
    """S15: non-medical aggregates of one employer; nothing here is split by diagnosis."""

    employees_referred: Cell
    episodes: Cell
    sessions_held: Cell
    with_agreements: Share
    volume: dict[Moment, Cell] = field(default_factory=dict)


async def employer_summary(
    employer_id: int, filters: Filters | None = None, *, tz: ZoneInfo = DEFAULT_TZ
) -> EmployerSummary:
    """S15 for one employer (the employer filter is forced to `employer_id`; a diagnosis
    filter is refused rather than ignored)."""
    base = filters or Filters()
    if base.diagnosis is not None:
        raise ValueError("employer figures are never split by diagnosis")
    scoped = replace(base, employer_id=employer_id)
    sql = _dialect(tz)
    sums = ", ".join(
        f"SUM(CASE WHEN absent = 1 AND {v} IS NOT NULL THEN 1 ELSE 0 END) AS n_{v}, "
        f"SUM(CASE WHEN absent = 1 THEN "
        f"(CASE WHEN {v} > {_FULL_TENTHS} THEN {_FULL_TENTHS} ELSE {v} END) END) AS sum_{v}"
        for v in ("vb", "ve", "vf")
    )
    rows = await _run(
        _q(
            "WITH {} SELECT COUNT(*) AS n, COUNT(DISTINCT client_id) AS clients, "  # noqa: S608 - fixed fragments; values are bound
            "SUM(held) AS held, SUM(agreement) AS agreements, " + sums + " FROM facts",
            _facts(
                sql,
                scoped,
                ["client_id", "absent", "held", "agreement", "vb", "ve", "vf"],
                screened_only=False,
            ),
        )
    )
    row = rows[0] if rows else {}
    episodes = _int(row.get("n"))
    clients = _int(row.get("clients"))
    volume = {
        moment: Cell(
            _tenths_mean(_int(row.get(f"sum_{v}")), _int(row.get(f"n_{v}"))),
            _int(row.get(f"n_{v}")),
        )
        for moment, v in _VOLUME_COLUMN.items()
    }
    return EmployerSummary(
        employees_referred=Cell(clients, clients),
        episodes=Cell(episodes, episodes),
        sessions_held=Cell(_int(row.get("held")), episodes),
        with_agreements=Share(_int(row.get("agreements")), episodes),
        volume=volume,
    )


# ---------------------------------------------------------------- one client's series


@dataclass(frozen=True, slots=True)
class ClientSeries:
    """One episode's questionnaire totals and volume % over time (for its line chart)."""

    scores: dict[str, list[tuple[date, int]]]
    participation: list[tuple[date, Decimal | None]]


async def client_series(episode_id: int) -> ClientSeries:
    """Questionnaire totals per instrument and volume % (against the contract of the day)."""
    scores_rows = await _run(
        _q(
            "SELECT instrument, administered_on, total FROM questionnaire_response "
            "WHERE episode = {} AND complete = {} ORDER BY administered_on, id",
            episode_id,
            True,
        )
    )
    volume_rows = await _run(
        _q(
            "SELECT wp.measured_on AS measured_on, CASE WHEN ch.minutes_per_week > 0 THEN "
            "(2000 * (wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes) "
            "+ ch.minutes_per_week) / (2 * ch.minutes_per_week) END AS tenths "
            "FROM work_participation wp "
            "LEFT JOIN contract_hours ch ON ch.employment = wp.employment AND ch.valid_from = "
            "(SELECT MAX(c2.valid_from) FROM contract_hours c2 "
            "WHERE c2.employment = wp.employment AND c2.valid_from <= wp.measured_on) "
            "WHERE wp.episode = {} ORDER BY wp.measured_on, wp.id",
            episode_id,
        )
    )
    scores: dict[str, list[tuple[date, int]]] = {}
    for row in scores_rows:
        day = _as_date(row["administered_on"])
        if day is not None:  # a NOT NULL column: never skipped in practice
            scores.setdefault(str(row["instrument"]), []).append((day, _int(row["total"])))
    participation: list[tuple[date, Decimal | None]] = []
    for row in volume_rows:
        day = _as_date(row["measured_on"])
        tenths = row["tenths"]
        if day is not None:
            participation.append((day, None if tenths is None else Decimal(int(tenths)) / 10))
    return ClientSeries(scores, participation)


def volume_percent_mapping(result: VolumeResult) -> Mapping[str, Mapping[Moment, Cell]]:
    """The S2 cells plus an "all" row (S1), in the shape `suppress_table` takes."""
    return {**result.by_diagnosis.cells, "all": result.overall}
