"""The shared ground of every outcome statistic: the `Filters`, and the one common table
expression (``facts``) each figure group's query starts from.

One place for the per-episode SQL facts, the SQLite/PostgreSQL differences and the filter
clause, so every figure covers exactly the same episodes for the same filters. See
`reporting.statistics.sql` for how the work is split between the database and Python.
"""

import asyncio
import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from practice.episodes import Offer
from practice.platform.db import engine
from practice.tables import TreatmentEpisode
from practice.work_participation import CountedHours
from reporting.statistics.definitions import (
    DEFAULT_VOLUME_VARIANT,
    ContractBasis,
    Moment,
    VolumeVariant,
)
from reporting.statistics.figures import round_one
from scheduling.appointments import DEFAULT_COUNTING_KINDS, Attendance

HALF = Decimal("0.5")
P90 = Decimal("0.9")
FULL_TENTHS = 1000  # 100.0 % in tenths of a percent
MOMENTS = (Moment.BEGIN, Moment.END, Moment.FOLLOW_UP)
VOLUME_COLUMN = {Moment.BEGIN: "vb", Moment.END: "ve", Moment.FOLLOW_UP: "vf"}
_BASIS_KEY = {ContractBasis.MEASUREMENT_DATE: "m", ContractBasis.REFERRAL: "r"}
_HOURS_KEY = {CountedHours.WAGE_VALUE: "w", CountedHours.WITH_THERAPEUTIC: "t"}
VARIANTS = tuple(VolumeVariant(basis, hours) for basis in ContractBasis for hours in CountedHours)


def variant_key(variant: VolumeVariant) -> str:
    """The two letters that name a volume variant's facts: ``vb_mw`` is the volume % at
    begin against the contract on the measurement date (m, or r: at referral), counting
    wage-value hours (w, or t: with the therapeutic hours)."""
    return _BASIS_KEY[variant.basis] + _HOURS_KEY[variant.hours]


_VARIANT_OF_KEY = {variant_key(variant): variant for variant in VARIANTS}


class Source(Enum):
    """Where the facts come from: the kept table (`reporting.statistics.fact_table`), with
    the pending episodes computed from the raw tables; or the raw tables alone (what the
    kept rows are settled from, and the reference they are tested against)."""

    KEPT = "kept"
    RAW = "raw"


_SOURCE: ContextVar[Source] = ContextVar("statistics_facts_source", default=Source.KEPT)


@contextlib.contextmanager
def facts_from(source: Source) -> Iterator[None]:
    """Every figure computed in the block reads its facts from `source`: the benchmark's
    second control (the figures' SQL over the raw tables, P-4) and the tests' oracle."""
    token = _SOURCE.set(source)
    try:
        yield
    finally:
        _SOURCE.reset(token)


def current_source() -> Source:
    """Where the figures computed now read their facts (`facts_from`; default: kept)."""
    return _SOURCE.get()


T = TypeVar("T")

# What the figures of one view read alike (`one_view`): the pending episodes, the plan of
# the cells they add up. Each figure's statement holds whatever was read for it (pending
# episodes are computed from the raw tables and their kept rows left out; a plan checks it
# still holds), so the figures of a view may share one reading.
_VIEW: ContextVar[dict[Hashable, "asyncio.Future[Any]"] | None] = ContextVar(
    "statistics_view", default=None
)


@contextlib.contextmanager
def one_view() -> Iterator[None]:
    """The figures computed in the block share what they read alike (a dashboard's nine
    figure groups asked the same questions nine times each). A reading still running when
    the block ends (a figure failed first, and the view with it) is cancelled: nothing
    awaits it any more, and it would hold a connection for nothing."""
    shared: dict[Hashable, asyncio.Future[Any]] = {}
    token = _VIEW.set(shared)
    try:
        yield
    finally:
        _VIEW.reset(token)
        for made in shared.values():
            made.cancel()  # a no-op for one that finished


async def once_per_view(key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """`read()`, or inside `one_view` the reading another figure made under the same key."""
    shared = _VIEW.get()
    if shared is None:
        return await read()
    made = shared.get(key)
    if made is None:
        made = shared[key] = asyncio.ensure_future(read())
    found: T = await asyncio.shield(made)
    return found


@dataclass(frozen=True, slots=True)
class InCell:
    """The episodes of one kept cell (`reporting.statistics.cells`) of the month the
    filters give: those with this offer and diagnosis category (None: without one), not
    kept apart."""

    offer: str | None
    diagnosis: str | None


@dataclass(frozen=True, slots=True)
class BesideCells:
    """The matching episodes the kept cells do not count: those referred outside the
    `runs` of whole months the cells cover (first and last day of each run), and those
    kept apart (`apart`; None: too many to name, read from their table)."""

    runs: tuple[tuple[date, date], ...]
    apart: tuple[int, ...] | None = None


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
    # Internal (reporting.statistics.cells), never from a request: which part of the
    # matching episodes a statement counts.
    cells: InCell | BesideCells | None = None

    def __post_init__(self) -> None:
        if (
            self.referred_from is not None
            and self.referred_to is not None
            and self.referred_to < self.referred_from
        ):
            raise ValueError("the period ends before it starts")


# ---------------------------------------------------------------- SQL building blocks


def q(template: str, *args: Any) -> QueryString:
    return QueryString(template, *args)


def join_sql(parts: Sequence[QueryString], separator: str) -> QueryString:
    if not parts:
        return q("")
    template = separator.join("{}" for _ in parts)
    return QueryString(template, *parts)


@dataclass(frozen=True, slots=True)
class Dialect:
    """The few places where SQLite and PostgreSQL differ: date parameters, day arithmetic
    and the local date of a timestamp."""

    postgres: bool
    tz: ZoneInfo

    def day(self, value: date) -> QueryString:
        # SQLite stores dates as ISO text and compares them as text; CAST(... AS DATE) would
        # turn '2026-06-01' into the number 2026 there. PostgreSQL needs the type named.
        return q("CAST({} AS DATE)", value) if self.postgres else q("{}", value.isoformat())

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
        exact for the European Union's zones (CET/CEST) since 1996.
        """
        if self.postgres:
            return q(f"CAST(({column} AT TIME ZONE {{}}) AS DATE)", self.tz.key)
        winter = dt.datetime(2001, 1, 15, tzinfo=self.tz).utcoffset() or timedelta(0)
        summer = dt.datetime(2001, 7, 15, tzinfo=self.tz).utcoffset() or timedelta(0)

        def modifier(offset: timedelta) -> str:
            return f"{int(offset.total_seconds() // 60):+d} minutes"

        year = f"strftime('%Y', {column})"
        starts = f"date({year} || '-04-01', '-7 days', 'weekday 0') || ' 01:00:00'"
        ends = f"date({year} || '-10-25', 'weekday 0') || ' 01:00:00'"
        return q(
            f"date({column}, CASE WHEN {column} >= {starts} AND {column} < {ends} "
            "THEN {} ELSE {} END)",
            modifier(summer),
            modifier(winter),
        )

    def instant(self, day: date) -> dt.datetime:
        """Midnight at the start of `day` in the practice's zone, as an aware UTC datetime."""
        return dt.datetime.combine(day, dt.time(0), self.tz).astimezone(dt.UTC)


def dialect(tz: ZoneInfo) -> Dialect:
    return Dialect(postgres=engine().engine_type in ("postgres", "cockroach"), tz=tz)


def _counted_kinds() -> QueryString:
    kinds = sorted(kind.value for kind in DEFAULT_COUNTING_KINDS)
    return q("(" + ", ".join("{}" for _ in kinds) + ")", *kinds)


# ---------------------------------------------------------------- the facts CTE
#
# Every per-episode fact that lives in another table (measurements, appointments, follow-ups,
# absences) is computed once for all episodes by a derived table grouped per episode (or
# per employment) and LEFT JOINed to the episode, never as a subquery per episode: on 100k
# episodes the per-episode subqueries cost seconds per figure group (each one an index
# probe per episode), and their plans were costly enough for PostgreSQL to JIT-compile them.
#
# The derived tables join straight to the episode's own columns (e.id, e.employment, ...),
# not to a materialised CTE of the episodes, so that PostgreSQL sees the statistics of
# those columns (a CTE's columns have none: its row estimates for the joins then grew a
# thousandfold, and so did the plan's cost, past `jit_above_cost`). With these plans the
# figure groups on the M data set cost about half of `jit_above_cost`, so PostgreSQL does
# not JIT-compile them and JIT need not be switched off here.
#
# When the filters select few episodes (`_selective`), ``facts_scope`` holds the keys of
# the matching episodes and each derived table is restricted to them, so that one
# employer's or one therapist's figures read a few rows by index instead of aggregating
# whole tables. That restriction never changes a value: the LEFT JOIN on the episode
# already decides which rows count. It is not used for broad filters (an offer, a
# diagnosis, a long period): PostgreSQL has no statistics on a CTE, plans the restriction
# as if it kept 200 episodes, and probes an index tens of thousands of times, which made a
# dashboard filtered on a common offer slower than the unfiltered one.

# A referral period up to this long counts as selective (a year of a multi-year history).
SELECTIVE_PERIOD = timedelta(days=366)

SCOPE = "facts_scope"
VOLUMES = "facts_volume"


@dataclass(frozen=True, slots=True)
class _Fact:
    """One per-episode fact: a SQL expression over e, r, s (and em when `employer`) and
    the derived tables it needs, by name (see `_join`)."""

    expression: QueryString
    joins: tuple[str, ...] = ()
    employer: bool = False


def _plain_facts(sql: Dialect) -> dict[str, _Fact]:
    return {
        "episode_id": _Fact(q("e.id")),
        "client_id": _Fact(q("e.client")),
        "status": _Fact(q("e.status")),
        "offer": _Fact(q("e.offer")),
        "employer_id": _Fact(q("r.employer")),
        "diagnosis": _Fact(q("s.diagnosis_category")),
        "screened": _Fact(q("CASE WHEN s.id IS NULL THEN 0 ELSE 1 END")),
        "absent": _Fact(q("CASE WHEN r.absence_status = {} THEN 0 ELSE 1 END", "not_absent")),
        "referred_on": _Fact(sql.local_date("r.received_at")),
        "screened_on": _Fact(q("e.screening_held_on")),
        "started_on": _Fact(q("e.started_on")),
        "closed_on": _Fact(q("e.closed_on")),
        "employment_id": _Fact(q("e.employment")),
        "absence_id": _Fact(q("e.absence")),  # the absence record the episode treats
        "first_sick_day": _Fact(q("r.first_sick_day")),
        # em.id is the employer's primary key: the LEFT JOIN adds at most one row.
        "cost_cents": _Fact(q("em.cost_per_absence_day_cents"), employer=True),
        "employer_name": _Fact(q("em.name"), employer=True),
    }


def _joined_facts(variant: VolumeVariant) -> dict[str, _Fact]:
    volumes = {
        f"{VOLUME_COLUMN[moment]}_{key}": _Fact(
            q(f"{VOLUME_COLUMN[moment]}_{key}.tenths"), (f"{moment.value}_{key}",)
        )
        for key in _VARIANT_OF_KEY
        for moment in MOMENTS
    }
    chosen = variant_key(variant)
    return {
        **volumes,
        # vb, ve and vf: the variant the figure asks for.
        **{
            VOLUME_COLUMN[moment]: volumes[f"{VOLUME_COLUMN[moment]}_{chosen}"]
            for moment in MOMENTS
        },
        "partial_on": _Fact(q("partial.measured_on"), ("partial",)),
        # The first measurement with any hours at work, therapeutic (AT) hours included.
        "any_on": _Fact(q("any_work.measured_on"), ("any_work",)),
        "full_on": _Fact(q("recovery.full_recovery_on"), ("recovery",)),
        "held": _Fact(q("COALESCE(held.n, 0)"), ("held",)),
        # The therapist's assessment at a follow-up, or a new sickness absence after the end.
        "relapse_flag": _Fact(
            q(
                "CASE WHEN assessed.relapsed = 1 OR sickness.last_first_day > e.closed_on "
                "THEN 1 WHEN assessed.not_relapsed = 1 THEN 0 END"
            ),
            ("assessed", "sickness"),
        ),
        "fu_response": _Fact(q("response.response"), ("response",)),
        "agreement": _Fact(q("CASE WHEN agreed.episode IS NULL THEN 0 ELSE 1 END"), ("agreement",)),
    }


def _selective(filters: Filters) -> bool:
    """Whether the filters keep few enough episodes to restrict the derived tables to them."""
    if filters.employer_id is not None or filters.therapist_user_id is not None:
        return True
    if filters.referred_from is None or filters.referred_to is None:
        return False
    return filters.referred_to - filters.referred_from <= SELECTIVE_PERIOD


@dataclass(frozen=True, slots=True)
class _Scope:
    """The derived tables are restricted to the scope's episodes: to these `ids` when they
    are known (named in the query, so the planner reads them by index: it has no
    statistics on a CTE), else to the keys of the scope CTE."""

    ids: tuple[int, ...] | None = None


def _ids(ids: Sequence[int]) -> QueryString:
    return q("(" + ", ".join("{}" for _ in ids) + ")", *ids)


def _in_scope(scope: _Scope | None, column: str, key: str) -> QueryString:
    """`` AND <column> IN (the scope's keys)`` when the episodes are narrowed."""
    if scope is None:
        return q("")
    if key == "k_episode" and scope.ids is not None:
        return q(f" AND {column} IN {{}}", _ids(scope.ids))
    return q(f" AND {column} IN (SELECT {key} FROM {SCOPE})")  # noqa: S608 - fixed names


def _volumes(
    sql: Dialect, moments: Sequence[Moment], narrowed: _Scope | None, variant: VolumeVariant
) -> QueryString:
    """``facts_volume_<variant key>``: per episode and moment, the volume % in integer
    tenths, uncapped, of the latest measurement at that moment (latest `measured_on`, then
    highest id), against the contract of the `variant`'s basis; NULL without a (non-zero)
    contract.

    The basis day is the measurement date, or the referral's local date (the contract at
    referral, pitfall 7). The contract valid on a day is the one with the latest
    `valid_from` on or before it: each contract is valid from its `valid_from` up to the
    next one's (LEAD), so at most one matches and each (episode, moment) has one row. (Of
    two contracts from the same day the later one counts; the per-episode subquery this
    replaced left that choice open.) The referral is joined after the latest measurement
    is chosen, so it is read once per (episode, moment), not per measurement.

    round_half_up(1000 * counted / contract) = (2000 * counted + contract) div (2 * contract)
    for non-negative integers: the same rounding as `work_participation.volume_percent`.
    Counted minutes are own, adapted and other productive work; therapeutic (AT) hours only
    in the variant that counts them.
    """
    counted = "wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes"
    if variant.hours.count_therapeutic:
        counted += " + wp.therapeutic_minutes"
    if variant.basis is ContractBasis.REFERRAL:
        basis_join = q(
            " JOIN treatment_episode te ON te.id = w.episode "
            "JOIN referral rr ON rr.id = te.referral"
        )
        basis_day = sql.local_date("rr.received_at")
    else:
        basis_join, basis_day = q(""), q("w.measured_on")
    return q(
        f"{VOLUMES}_{variant_key(variant)} AS MATERIALIZED "  # noqa: S608 - fixed names; values are bound
        "(SELECT w.episode AS episode, w.moment AS moment, "
        "CASE WHEN ch.minutes_per_week > 0 THEN "
        "(2000 * w.counted + ch.minutes_per_week) / (2 * ch.minutes_per_week) END AS tenths "
        "FROM (SELECT wp.episode, wp.moment, wp.employment, wp.measured_on, "
        f"{counted} AS counted, "
        "ROW_NUMBER() OVER (PARTITION BY wp.episode, wp.moment "
        "ORDER BY wp.measured_on DESC, wp.id DESC) AS rn "
        "FROM work_participation wp WHERE wp.moment IN {}{}) w{} "
        "LEFT JOIN (SELECT c.employment, c.valid_from, c.minutes_per_week, "
        "LEAD(c.valid_from) OVER (PARTITION BY c.employment ORDER BY c.valid_from, c.id) "
        "AS valid_to FROM contract_hours c{}) ch ON ch.employment = w.employment "
        "AND ch.valid_from <= {} "
        "AND (ch.valid_to IS NULL OR ch.valid_to > {}) "
        "WHERE w.rn = 1)",
        q("(" + ", ".join("{}" for _ in moments) + ")", *(moment.value for moment in moments)),
        _in_scope(narrowed, "wp.episode", "k_episode"),
        basis_join,
        # Whole employments only, so that LEAD still sees each one's every contract.
        q(
            " WHERE c.employment IN (SELECT wp2.employment FROM work_participation wp2 "
            "WHERE wp2.episode IS NOT NULL{})",
            _in_scope(narrowed, "wp2.episode", "k_episode"),
        )
        if narrowed is not None
        else q(""),
        basis_day,
        basis_day,
    )


def _join(name: str, narrowed: _Scope | None) -> QueryString:
    """The LEFT JOIN of one derived table to the episode (see `_joined_facts`)."""

    def episodes(alias: str) -> QueryString:
        return _in_scope(narrowed, f"{alias}.episode", "k_episode")

    def employments(alias: str) -> QueryString:
        return _in_scope(narrowed, f"{alias}.employment", "k_employment")

    moment_value, _, key = name.rpartition("_")
    moments = {moment.value: moment for moment in MOMENTS}
    if moment_value in moments and key in _VARIANT_OF_KEY:
        alias = f"{VOLUME_COLUMN[moments[moment_value]]}_{key}"
        return q(
            f" LEFT JOIN {VOLUMES}_{key} {alias} ON {alias}.episode = e.id "
            f"AND {alias}.moment = {{}}",
            moment_value,
        )
    if name == "partial":
        return q(
            " LEFT JOIN (SELECT wp.episode, MIN(wp.measured_on) AS measured_on "
            "FROM work_participation wp "
            "WHERE wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes > 0"
            "{} GROUP BY wp.episode) partial ON partial.episode = e.id",
            episodes("wp"),
        )
    if name == "any_work":
        return q(
            " LEFT JOIN (SELECT wp.episode, MIN(wp.measured_on) AS measured_on "
            "FROM work_participation wp "
            "WHERE wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes "
            "+ wp.therapeutic_minutes > 0{} GROUP BY wp.episode) any_work "
            "ON any_work.episode = e.id",
            episodes("wp"),
        )
    if name == "recovery":
        # The first absence (lowest id) of the employment that starts on the referral's
        # first sick day.
        return q(
            " LEFT JOIN (SELECT ranked.employment, ranked.first_sick_day, "
            "ranked.full_recovery_on FROM (SELECT a.employment, a.first_sick_day, "
            "a.full_recovery_on, ROW_NUMBER() OVER (PARTITION BY a.employment, "
            "a.first_sick_day ORDER BY a.id) AS rn FROM absence_episode a "
            "WHERE a.first_sick_day IS NOT NULL{}) ranked "
            "WHERE ranked.rn = 1) recovery ON recovery.employment = e.employment "
            "AND recovery.first_sick_day = r.first_sick_day",
            employments("a"),
        )
    if name == "held":
        return q(
            " LEFT JOIN (SELECT ap.episode, COUNT(*) AS n FROM appointment ap "
            "WHERE ap.attendance = {} AND ap.kind IN {}{} "
            "GROUP BY ap.episode) held ON held.episode = e.id",
            Attendance.HELD.value,
            _counted_kinds(),
            episodes("ap"),
        )
    if name == "assessed":
        return q(
            " LEFT JOIN (SELECT fu.episode, "
            "MAX(CASE WHEN fu.relapse = {} THEN 1 ELSE 0 END) AS relapsed, "
            "MAX(CASE WHEN fu.relapse = {} THEN 1 ELSE 0 END) AS not_relapsed "
            "FROM follow_up fu WHERE fu.relapse IS NOT NULL{} "
            "GROUP BY fu.episode) assessed ON assessed.episode = e.id",
            True,
            False,
            episodes("fu"),
        )
    if name == "sickness":
        # "A sickness absence starts after the end" is "the latest one starts after it".
        return q(
            " LEFT JOIN (SELECT a2.employment, MAX(a2.first_sick_day) AS last_first_day "
            "FROM absence_episode a2 WHERE a2.absence_type = {}{} "
            "GROUP BY a2.employment) sickness ON sickness.employment = e.employment",
            "sickness",
            employments("a2"),
        )
    if name == "response":
        return q(
            " LEFT JOIN (SELECT ranked.episode, ranked.response FROM (SELECT fu.episode, "
            "fu.response, ROW_NUMBER() OVER (PARTITION BY fu.episode "
            "ORDER BY fu.held_on DESC, fu.id DESC) AS rn FROM follow_up fu "
            "WHERE fu.kind = {}{}) ranked WHERE ranked.rn = 1) "
            "response ON response.episode = e.id",
            "measurement",
            episodes("fu"),
        )
    if name == "agreement":
        return q(
            " LEFT JOIN (SELECT DISTINCT wa.episode FROM work_resumption_agreement wa "
            "WHERE wa.episode IS NOT NULL{}) agreed ON agreed.episode = e.id",
            episodes("wa"),
        )
    raise ValueError(f"no derived table {name!r}")  # pragma: no cover - fixed names


def _of_therapist(episode: str, user_id: int) -> QueryString:
    """The episode (an SQL column) is one the therapist is assigned to (the filter is read
    live from the case team, on the raw and the kept facts alike)."""
    return q(
        f"EXISTS (SELECT 1 FROM case_assignment ca WHERE ca.episode = {episode} "  # noqa: S608 - a fixed column name
        'AND ca."user" = {} AND ca.team_role = {})',
        user_id,
        "therapist",
    )


def _of_cells(
    sql: Dialect,
    cells: InCell | BesideCells,
    episode: str,
    offer: str,
    diagnosis: str,
    *,
    raw: bool = False,
    within: tuple[date | None, date | None] = (None, None),
) -> QueryString:
    """The condition on an episode (its SQL columns) of being in a kept cell, or beside
    them (reporting.statistics.cells); from the kept facts or (`raw`) the raw tables.
    `within`: the filters' first and last day of referral, if any."""
    # IN, not a correlated EXISTS: the engines read the episodes kept apart once instead of
    # looking each episode up (PostgreSQL on M: 100,000 probes).
    every_apart = (
        f"{episode} IN (SELECT c.episode FROM statistics_cell_episode c "  # noqa: S608 - a fixed column
        "WHERE c.apart = 1)"
    )
    if isinstance(cells, InCell):
        parts = [q(f"NOT {every_apart}")]
        for column, value in ((offer, cells.offer), (diagnosis, cells.diagnosis)):
            parts.append(q(f"{column} IS NULL") if value is None else q(f"{column} = {{}}", value))
        return join_sql(parts, " AND ")
    if not cells.runs:
        return q("1 = 1")

    # Referred before a run's first day or after its last: on the referral's local date
    # (kept) or its instant (raw: from midnight in the practice's zone).
    def before(first: date) -> QueryString:
        if raw:
            return q("r.received_at < {}", sql.instant(first))
        return q("f.referred_on < {}", sql.day(first))

    def after(last: date) -> QueryString:
        if raw:
            return q("r.received_at >= {}", sql.instant(last + timedelta(1)))
        return q("f.referred_on > {}", sql.day(last))

    # The days before the first run and after the last, bounded by the filters' own days in
    # the same arm: so PostgreSQL reads each arm's few days from the index on the referral
    # day, not the filters' whole period with the arms as a filter (M: 39,000 rows read for
    # 2,000).
    def since(start: date | None, arm: QueryString) -> QueryString:
        if start is None:
            return arm
        return q("({} AND NOT {})", arm, before(start))

    def until(end: date | None, arm: QueryString) -> QueryString:
        if end is None:
            return arm
        return q("({} AND NOT {})", arm, after(end))

    # Named, the episodes kept apart are found by their index, as the days outside the runs
    # are by theirs: the statement reads those few rows, not every episode.
    outside = [
        since(within[0], before(cells.runs[0][0])),
        *(
            q("({} AND {})", after(last), before(first))
            for (_, last), (first, _) in zip(cells.runs, cells.runs[1:], strict=False)
        ),
        until(within[1], after(cells.runs[-1][1])),
    ]
    if cells.apart is None:
        outside.append(until(within[1], since(within[0], q(every_apart))))
    elif cells.apart:
        apart = q(f"{episode} IN {{}}", _ids(cells.apart))
        outside.append(until(within[1], since(within[0], apart)))
    return q("({})", join_sql(outside, " OR "))


def _bounded_by_cells(filters: Filters) -> bool:
    """Whether the condition beside the kept cells bounds the filters' period itself (each
    of its arms within it): then the period's own conditions are left out, or PostgreSQL
    reads the whole period from the index with the arms as a filter."""
    return isinstance(filters.cells, BesideCells) and bool(filters.cells.runs)


def _where(sql: Dialect, filters: Filters, *, screened_only: bool) -> QueryString:
    parts: list[QueryString] = []
    if screened_only:
        parts.append(q("s.id IS NOT NULL"))
    if filters.referred_from is not None and not _bounded_by_cells(filters):
        parts.append(q("r.received_at >= {}", sql.instant(filters.referred_from)))
    if filters.referred_to is not None and not _bounded_by_cells(filters):
        parts.append(q("r.received_at < {}", sql.instant(filters.referred_to + timedelta(1))))
    if filters.offer is not None:
        parts.append(q("e.offer = {}", Offer(filters.offer).value))
    if filters.employer_id is not None:
        parts.append(q("r.employer = {}", filters.employer_id))
    if filters.therapist_user_id is not None:
        parts.append(_of_therapist("e.id", filters.therapist_user_id))
    if filters.diagnosis is not None:
        parts.append(q("s.diagnosis_category = {}", filters.diagnosis))
    if filters.cells is not None:
        parts.append(
            _of_cells(
                sql,
                filters.cells,
                "e.id",
                "e.offer",
                "s.diagnosis_category",
                raw=True,
                within=(filters.referred_from, filters.referred_to),
            )
        )
    if not parts:
        return q("")
    return q(" WHERE {}", join_sql(parts, " AND "))


async def facts_cte(
    sql: Dialect,
    filters: Filters,
    names: Sequence[str],
    *,
    screened_only: bool = True,
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT,
    source: Source | None = None,
) -> QueryString:
    """``facts AS (...)``, with the CTEs it is built from before it: one row
    per matching episode with the named columns (and only those). The volume columns
    (vb, ve, vf) are computed as the `variant` says (contract basis, AT hours or not).

    Outcome figures cover screened episodes (an outcome needs a diagnosis category and a
    start); the wait-time figures cover every referral (`screened_only=False`).

    From the kept facts (`Source.KEPT`, the default), a settled episode's row is read from
    ``statistics_fact`` and a pending one's is computed from the raw tables, so the result
    is the raw one (`Source.RAW`) whenever it is asked, however long settling takes. None:
    the source `facts_from` chose (default: kept). Async: the pending episodes are read
    first, and named in the query.
    """
    facts = _facts(sql, variant)
    unknown = [name for name in names if name not in facts]
    if unknown:
        raise ValueError(f"no episode facts {unknown!r}")
    if (source or _SOURCE.get()) is Source.RAW:
        ctes, select = _raw(sql, filters, names, screened_only, variant, only=None)
        return join_sql([*ctes, q("facts AS MATERIALIZED ({})", select)], ", ")
    pending = await pending_episodes()
    if pending == ():
        # All settled: the kept rows alone. Plain columns, nothing for SQLite's flattener
        # to copy; not MATERIALIZED, so a statement that reads them once reads the table
        # itself (PostgreSQL: 25-40 ms less per figure group on M) and one that reads them
        # twice has them materialised by the engine.
        return q("facts AS ({})", _kept(sql, filters, names, screened_only, variant))
    # The kept rows of exactly the episodes computed (an episode that turns pending after
    # `pending_episodes` read them keeps its kept row: it is neither lost nor counted twice).
    scope = _Scope(pending)
    kept = _kept(sql, filters, names, screened_only, variant, instead=scope)
    ctes, computed = _raw(sql, filters, names, screened_only, variant, only=scope)
    return join_sql([*ctes, q("facts AS MATERIALIZED ({} UNION ALL {})", kept, computed)], ", ")


# Up to this many pending episodes are named in the query; beyond it (after a bulk load,
# until the worker has settled it) the pending table is read whole: exact, but slower.
PENDING_NAMED = 2000


async def pending_episodes() -> tuple[int, ...] | None:
    """The pending episodes, or None when there are more than `PENDING_NAMED` (one reading
    per view, `one_view`)."""
    return await once_per_view("pending", _pending_episodes)


async def _pending_episodes() -> tuple[int, ...] | None:
    rows = await run(
        q("SELECT DISTINCT p.episode FROM statistics_pending p LIMIT {}", PENDING_NAMED + 1)
    )
    ids = tuple(sorted(int(row["episode"]) for row in rows))
    return None if len(ids) > PENDING_NAMED else ids


def _facts(sql: Dialect, variant: VolumeVariant) -> dict[str, _Fact]:
    return {**_plain_facts(sql), **_joined_facts(variant)}


# The episodes whose kept facts are out of date (the triggers' table).
PENDING = q("e.id IN (SELECT p.episode FROM statistics_pending p)")


def _only(scope: _Scope) -> QueryString:
    """The condition on the episode ``e`` of a scope of named episodes (or all pending)."""
    return PENDING if scope.ids is None else q("e.id IN {}", _ids(scope.ids))


def _raw(
    sql: Dialect,
    filters: Filters,
    names: Sequence[str],
    screened_only: bool,
    variant: VolumeVariant,
    *,
    only: _Scope | None,
) -> tuple[list[QueryString], QueryString]:
    """The CTEs and the SELECT of the named facts from the raw tables; `only` restricts
    them to those episodes (its ids, or every pending one when it names none)."""
    facts = _facts(sql, variant)
    employer = any(facts[name].employer for name in names)
    where = _where(sql, filters, screened_only=screened_only)
    episodes = q(
        "FROM treatment_episode e JOIN referral r ON r.id = e.referral "
        "LEFT JOIN screening s ON s.episode = e.id"
    )
    joins = list(dict.fromkeys(j for name in names for j in facts[name].joins))
    narrowed = only if only is not None else (_Scope() if joins and _selective(filters) else None)
    ctes: list[QueryString] = []
    if narrowed is not None:
        scope_where = where
        if only is not None:
            scope_where = q("{} {} {}", where, q("AND" if where.template else "WHERE"), _only(only))
        ctes.append(
            q(
                f"{SCOPE} AS MATERIALIZED (SELECT e.id AS k_episode, "
                "e.employment AS k_employment {}{})",
                episodes,
                scope_where,
            )
        )
    for key in _VARIANT_OF_KEY:
        moments = [moment for moment in MOMENTS if f"{moment.value}_{key}" in joins]
        if moments:
            ctes.append(_volumes(sql, moments, narrowed, _VARIANT_OF_KEY[key]))
    selected = [q(f"{{}} AS {name}", facts[name].expression) for name in names]
    select = q(
        "SELECT {} {}{}{}{}",
        join_sql(selected, ", "),
        # Narrowed, the episodes are found from the scope (by primary key), else the
        # planner joins every episode to the derived tables before it filters.
        q(
            f"FROM {SCOPE} fs JOIN treatment_episode e ON e.id = fs.k_episode "
            "JOIN referral r ON r.id = e.referral LEFT JOIN screening s ON s.episode = e.id"
        )
        if narrowed is not None
        else episodes,
        q(" LEFT JOIN employer em ON em.id = r.employer") if employer else q(""),
        join_sql([_join(name, narrowed) for name in joins], ""),
        where,
    )
    return ctes, select


# The kept column of each fact whose name is not its column's.
_KEPT_COLUMN = {
    "episode_id": "f.episode",
    "cost_cents": "em.cost_per_absence_day_cents",
    "employer_name": "em.name",
}


def kept_columns() -> tuple[str, ...]:
    """The facts ``statistics_fact`` keeps, by name (its columns but `episode`)."""
    return (
        "episode_id",
        *(
            name
            for name in _plain_facts(_ANY_DIALECT)
            if name not in _LIVE and name != "episode_id"
        ),
        *(
            name
            for name in _joined_facts(DEFAULT_VOLUME_VARIANT)
            if name not in VOLUME_COLUMN.values()
        ),
    )


def _kept(
    sql: Dialect,
    filters: Filters,
    names: Sequence[str],
    screened_only: bool,
    variant: VolumeVariant,
    *,
    instead: _Scope | None = None,
) -> QueryString:
    """The SELECT of the named facts of the settled episodes from ``statistics_fact``,
    leaving out those computed from the raw tables `instead` (its ids, or every pending
    episode when it names none)."""
    key = variant_key(variant)

    def column(name: str) -> str:
        if name in VOLUME_COLUMN.values():
            return f"f.{name}_{key}"
        return _KEPT_COLUMN.get(name, f"f.{name}")

    employer = any(name in _LIVE for name in names)
    parts: list[QueryString] = []
    if instead is not None and instead.ids is not None:
        parts.append(q("f.episode NOT IN {}", _ids(instead.ids)))
    elif instead is not None:
        parts.append(
            q("NOT EXISTS (SELECT 1 FROM statistics_pending p WHERE p.episode = f.episode)")
        )
    if screened_only:
        parts.append(q("f.screened = 1"))
    if filters.referred_from is not None and not _bounded_by_cells(filters):
        parts.append(q("f.referred_on >= {}", sql.day(filters.referred_from)))
    if filters.referred_to is not None and not _bounded_by_cells(filters):
        parts.append(q("f.referred_on <= {}", sql.day(filters.referred_to)))
    if filters.offer is not None:
        parts.append(q("f.offer = {}", Offer(filters.offer).value))
    if filters.employer_id is not None:
        parts.append(q("f.employer_id = {}", filters.employer_id))
    if filters.therapist_user_id is not None:
        parts.append(_of_therapist("f.episode", filters.therapist_user_id))
    if filters.diagnosis is not None:
        parts.append(q("f.diagnosis = {}", filters.diagnosis))
    if filters.cells is not None:
        within = (filters.referred_from, filters.referred_to)
        parts.append(
            _of_cells(sql, filters.cells, "f.episode", "f.offer", "f.diagnosis", within=within)
        )
    return q(
        "SELECT {} FROM statistics_fact f{}{}",
        join_sql([q(f"{column(name)} AS {name}") for name in names], ", "),
        q(" LEFT JOIN employer em ON em.id = f.employer_id") if employer else q(""),
        q(" WHERE {}", join_sql(parts, " AND ")) if parts else q(""),
    )


# Facts read from the employer at the time of the figure, never kept: a changed cost or
# name shows at once.
_LIVE = ("cost_cents", "employer_name")
_ANY_DIALECT = Dialect(postgres=True, tz=ZoneInfo("UTC"))


def settle_sql(sql: Dialect, episodes: Sequence[int] | None, *, now: dt.datetime) -> QueryString:
    """The INSERT of the kept facts of these episodes (every episode: None), computed from
    the raw tables (reporting.statistics.fact_table deletes their old rows first)."""
    names = kept_columns()
    only = None if episodes is None else _Scope(tuple(episodes))
    ctes, select = _raw(sql, Filters(), names, False, DEFAULT_VOLUME_VARIANT, only=only)
    columns = ", ".join("episode" if name == "episode_id" else name for name in names)
    with_ctes = q("WITH {} ", join_sql(ctes, ", ")) if ctes else q("")
    return q(
        f"INSERT INTO statistics_fact ({columns}, settled_at) {{}}"  # noqa: S608 - fixed names
        "SELECT settling.*, {} FROM ({}) settling",
        with_ctes,
        now,
        select,
    )


async def run(query: QueryString) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await TreatmentEpisode.raw("{}", query)
    return rows


def as_int(value: Any) -> int:
    return 0 if value is None else int(value)


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def tenths_mean(total_tenths: int, n: int) -> Decimal | None:
    if n == 0:
        return None
    return round_one(Decimal(total_tenths) / 10 / n)
