"""The shared ground of every outcome statistic: the `Filters`, and the one common table
expression (``facts``) each figure group's query starts from.

One place for the per-episode SQL facts, the SQLite/PostgreSQL differences and the filter
clause, so every figure covers exactly the same episodes for the same filters. See
`reporting.statistics` for how the work is split between the database and Python.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from practice.db import engine
from practice.episodes import EpisodeStatus, Offer
from practice.tables import TreatmentEpisode
from reporting.figures import round_one
from reporting.outcome_definitions import Moment
from scheduling.appointments import DEFAULT_COUNTING_KINDS, Attendance

HALF = Decimal("0.5")
P90 = Decimal("0.9")
FULL_TENTHS = 1000  # 100.0 % in tenths of a percent
MOMENTS = (Moment.BEGIN, Moment.END, Moment.FOLLOW_UP)
VOLUME_COLUMN = {Moment.BEGIN: "vb", Moment.END: "ve", Moment.FOLLOW_UP: "vf"}
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
        exact for Europe/Amsterdam since 1996.
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


def _volume(moment: Moment) -> QueryString:
    """Volume % in integer tenths, uncapped, of the episode's latest measurement at `moment`,
    against the contract valid on the measurement date; NULL without a (non-zero) contract.

    round_half_up(1000 * counted / contract) = (2000 * counted + contract) div (2 * contract)
    for non-negative integers: the same rounding as `work_participation.volume_percent`.
    Counted minutes are own, adapted and other productive work; therapeutic (AT) hours not.
    """
    return q(
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


def _columns(sql: Dialect) -> dict[str, QueryString]:
    """Every per-episode fact a figure can ask for, as a SQL expression over e, r and s."""
    return {
        "episode_id": q("e.id"),
        "client_id": q("e.client"),
        "status": q("e.status"),
        "offer": q("e.offer"),
        "employer_id": q("r.employer"),
        "diagnosis": q("s.diagnosis_category"),
        "absent": q("CASE WHEN r.absence_status = {} THEN 0 ELSE 1 END", "not_absent"),
        "referred_on": sql.local_date("r.received_at"),
        "screened_on": q("e.screening_held_on"),
        "started_on": q("e.started_on"),
        "closed_on": q("e.closed_on"),
        "first_sick_day": q("r.first_sick_day"),
        "vb": _volume(Moment.BEGIN),
        "ve": _volume(Moment.END),
        "vf": _volume(Moment.FOLLOW_UP),
        "partial_on": q(
            "(SELECT MIN(wp.measured_on) FROM work_participation wp WHERE wp.episode = e.id "
            "AND wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes > 0)"
        ),
        "full_on": q(
            "(SELECT a.full_recovery_on FROM absence_episode a "
            "WHERE a.employment = e.employment AND a.first_sick_day = r.first_sick_day "
            "ORDER BY a.id LIMIT 1)"
        ),
        "held": q(
            "(SELECT COUNT(*) FROM appointment ap WHERE ap.episode = e.id "
            "AND ap.attendance = {} AND ap.kind IN {})",
            Attendance.HELD.value,
            _counted_kinds(),
        ),
        # The therapist's assessment at a follow-up, or a new sickness absence after the end.
        "relapse_flag": q(
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
        "fu_response": q(
            "(SELECT fu.response FROM follow_up fu WHERE fu.episode = e.id AND fu.kind = {} "
            "ORDER BY fu.held_on DESC, fu.id DESC LIMIT 1)",
            "measurement",
        ),
        "agreement": q(
            "CASE WHEN EXISTS (SELECT 1 FROM work_resumption_agreement wa "
            "WHERE wa.episode = e.id) THEN 1 ELSE 0 END"
        ),
        "cost_cents": q(
            "(SELECT em.cost_per_absence_day_cents FROM employer em WHERE em.id = r.employer)"
        ),
        "employer_name": q("(SELECT em.name FROM employer em WHERE em.id = r.employer)"),
    }


def _where(sql: Dialect, filters: Filters, *, screened_only: bool) -> QueryString:
    parts: list[QueryString] = []
    if screened_only:
        parts.append(q("s.id IS NOT NULL"))
    if filters.referred_from is not None:
        parts.append(q("r.received_at >= {}", sql.instant(filters.referred_from)))
    if filters.referred_to is not None:
        parts.append(q("r.received_at < {}", sql.instant(filters.referred_to + timedelta(1))))
    if filters.offer is not None:
        parts.append(q("e.offer = {}", Offer(filters.offer).value))
    if filters.employer_id is not None:
        parts.append(q("r.employer = {}", filters.employer_id))
    if filters.therapist_user_id is not None:
        parts.append(
            q(
                "EXISTS (SELECT 1 FROM case_assignment ca WHERE ca.episode = e.id "
                'AND ca."user" = {} AND ca.team_role = {})',
                filters.therapist_user_id,
                "therapist",
            )
        )
    if filters.diagnosis is not None:
        parts.append(q("s.diagnosis_category = {}", filters.diagnosis))
    if not parts:
        return q("")
    return q(" WHERE {}", join_sql(parts, " AND "))


def facts_cte(
    sql: Dialect, filters: Filters, names: Sequence[str], *, screened_only: bool = True
) -> QueryString:
    """``facts AS MATERIALIZED (...)``: one row per matching episode with the named columns.

    Outcome figures cover screened episodes (an outcome needs a diagnosis category and a
    start); the wait-time figures cover every referral (`screened_only=False`).
    """
    available = _columns(sql)
    selected = [q(f"{{}} AS {name}", available[name]) for name in names]
    return q(
        "facts AS MATERIALIZED (SELECT {} FROM treatment_episode e "
        "JOIN referral r ON r.id = e.referral "
        "LEFT JOIN screening s ON s.episode = e.id{})",
        join_sql(selected, ", "),
        _where(sql, filters, screened_only=screened_only),
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
