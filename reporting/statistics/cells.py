"""The kept cells: each figure's rows over the settled episodes of one month of referral,
offer and diagnosis category, kept (``statistics_cell``) so that the dashboard adds up the
cells its filters cover whole instead of counting their episodes again (target P-4).

A figure's statement returns rows of grouping columns (`Figure.keys`) and counts and sums
(`Figure.measures`): over two sets of episodes that do not overlap, its rows are those of
each set added up, key by key. `figure_rows` therefore asks one statement for

* the kept rows of every cell in the whole months the filters cover, but those months a
  pending episode may change (`stale_sql`) and those not computed for today, and
* the figure's own statement over the rest of the matching episodes (`BesideCells`): the
  days of the months at either end, the stale months, and the episodes kept apart,

added up by key, in one statement, so that both halves are read in one snapshot. The same
statement checks that what the halves were chosen by still holds (no pending episode in a
kept month, each kept month computed for today); where it no longer does, the figure is
computed from the facts alone. An employer or therapist filter is answered from the facts
alone (few episodes).

Per client and per absence the figures count a client once: the cells hold the episodes of
a *component* (the episodes linked by client, employment or the employment of the absence
they treat) only where all of them lie in one cell; the others are **kept apart** and
always counted from the facts. A pending episode makes stale the months of every episode
of its component and of the components it may join (its client, its employment).

The cells are computed by `reporting.statistics.cell_table` (settling, rebuilding and the
nightly refresh for the new day).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.querystring import QueryString

from reporting.statistics.definitions import DEFAULT_VOLUME_VARIANT, VolumeVariant
from reporting.statistics.facts import (
    PENDING_NAMED,
    VARIANTS,
    BesideCells,
    Dialect,
    Filters,
    Source,
    as_date,
    as_int,
    current_source,
    dialect,
    join_sql,
    once_per_view,
    pending_episodes,
    q,
    run,
    variant_key,
)

MEASURES = 14  # statistics_cell's m0..m13: the most counts and sums one figure returns
# The offer or diagnosis of a cell that adds up those of every offer or diagnosis (a filter
# on neither reads a month's rows once, not once per offer and diagnosis).
EVERY = "*"
_decode_keys = msgspec.json.Decoder(list[list[Any]]).decode

# A figure's statement over the matching episodes, as of a day (None: for a figure whose
# rows do not depend on the day), with the volumes in a variant.
Statement = Callable[[Dialect, Filters, date | None, VolumeVariant], Awaitable[QueryString]]


def needs_today(today: date | None) -> date:
    """The day a statement that depends on it was given."""
    if today is None:
        raise ValueError("this figure is computed as of a day")
    return today


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure's statement and the shape of its rows."""

    name: str
    keys: tuple[str, ...]
    measures: tuple[str, ...]
    statement: Statement
    by_variant: bool = False  # its rows differ by volume variant (else kept once, as '')
    kept: bool = True  # its cells are computed (a one-off variant of a figure has none)

    def __post_init__(self) -> None:
        if len(self.measures) > MEASURES:
            raise ValueError(f"{self.name}: {len(self.measures)} measures, {MEASURES} kept")

    def variant_of(self, variant: VolumeVariant) -> str:
        return variant_key(variant) if self.by_variant else ""

    @property
    def variants(self) -> tuple[VolumeVariant, ...]:
        """The variants its cells are computed in: every one for a figure whose rows differ
        by variant (a volume figure in another basis took 0.5-0.7 s on M from the facts),
        else one."""
        return VARIANTS if self.by_variant else (DEFAULT_VOLUME_VARIANT,)


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def key_sql(sql: Dialect, columns: Sequence[str], row: str) -> str:
    """The grouping columns of a row as one JSON text, the same on building and reading."""
    values = ", ".join(f"{row}.{column}" for column in columns)
    if sql.postgres:
        return f"CAST(json_build_array({values}) AS TEXT)"
    return f"json_array({values})"


def stale_sql(sql: Dialect, episodes: QueryString) -> QueryString:
    """A day (``day``) of each month whose cells the `episodes` (an SQL set) may change:
    the months of their components and of the components they may join, and the month of
    their referral now."""
    joins = (
        "SELECT j.component FROM statistics_cell_episode j "
        "JOIN treatment_episode e ON e.client = j.client_id "
        "OR e.employment = j.employment_id OR e.employment = j.linked_employment "
        "WHERE e.id IN {} "
        "UNION SELECT j.component FROM statistics_cell_episode j "
        "JOIN absence_episode a ON a.employment = j.employment_id "
        "OR a.employment = j.linked_employment "
        "JOIN treatment_episode e ON e.absence = a.id WHERE e.id IN {}"
    )
    return q(
        "SELECT c.month AS day FROM statistics_cell_episode c WHERE c.component IN ("  # noqa: S608 - fixed fragments
        "SELECT o.component FROM statistics_cell_episode o WHERE o.episode IN {} "
        f"UNION {joins}) "
        "UNION SELECT {} AS day FROM treatment_episode e JOIN referral r ON r.id = e.referral "
        "WHERE e.id IN {}",
        episodes,
        episodes,
        episodes,
        sql.local_date("r.received_at"),
        episodes,
    )


def _in_runs(sql: Dialect, column: str, runs: Sequence[tuple[date, date]]) -> QueryString:
    return q(
        "({})",
        join_sql(
            [
                q(f"({column} >= {{}} AND {column} <= {{}})", sql.day(first), sql.day(last))
                for first, last in runs
            ],
            " OR ",
        ),
    )


def _whole_months(filters: Filters, months: Sequence[date]) -> list[date]:
    """The `months` the filters' period covers whole."""
    return [
        month
        for month in months
        if (filters.referred_from is None or filters.referred_from <= month)
        and (filters.referred_to is None or month_end(month) <= filters.referred_to)
    ]


def _runs(months: Sequence[date]) -> tuple[tuple[date, date], ...]:
    """Consecutive months as (first day, last day) runs."""
    runs: list[tuple[date, date]] = []
    for month in sorted(months):
        if runs and runs[-1][1] + timedelta(days=1) == month:
            runs[-1] = (runs[-1][0], month_end(month))
        else:
            runs.append((month, month_end(month)))
    return tuple(runs)


@dataclass(frozen=True, slots=True)
class Plan:
    """Which kept cells a figure adds up: those of the `runs` of months, as they stood when
    the months were last computed (`stamp`: the newest ``statistics_month`` row); the
    episodes kept apart are `apart` (None: more than can be named)."""

    runs: tuple[tuple[date, date], ...]
    apart: tuple[int, ...] | None
    stamp: int


async def _plan(sql: Dialect, filters: Filters, today: date) -> Plan | None:
    """Which kept cells the figure adds up (None: compute it all from the facts); inside
    `facts.one_view`, the plan another figure made for the same filters and day."""
    return await once_per_view(("plan", filters, today), lambda: _made_plan(sql, filters, today))


async def _made_plan(sql: Dialect, filters: Filters, today: date) -> Plan | None:
    if (
        filters.cells is not None
        or filters.employer_id is not None
        or filters.therapist_user_id is not None
        or current_source() is not Source.KEPT
    ):
        return None
    pending = await pending_episodes()
    if pending is None:
        return None
    built = await run(
        q("SELECT id, month, day FROM statistics_month ORDER BY id DESC")  # a row per month
    )
    months = {as_date(row["month"]) for row in built if as_date(row["day"]) == today} - {None}
    if pending and months:
        ids = q("(" + ", ".join("{}" for _ in pending) + ")", *pending)
        stale = await run(stale_sql(sql, ids))
        months -= {month_of(day) for day in (as_date(row["day"]) for row in stale) if day}
    runs = _runs(_whole_months(filters, sorted(m for m in months if m is not None)))
    if not runs:
        return None
    apart = await run(
        q(
            "SELECT episode FROM statistics_cell_episode WHERE apart = 1 LIMIT {}",
            PENDING_NAMED + 1,
        )
    )
    named = tuple(sorted(int(row["episode"]) for row in apart))
    return Plan(runs, None if len(named) > PENDING_NAMED else named, int(built[0]["id"]))


def _guard(sql: Dialect, plan: Plan) -> QueryString:
    """1 when the plan no longer holds in this statement's snapshot, else 0: a month was
    computed again since (its cells, the day or the episodes kept apart changed), or an
    episode written since may change a month of the runs."""
    pending = q("(SELECT p.episode FROM statistics_pending p)")
    return q(
        "CASE WHEN EXISTS (SELECT 1 FROM ({}) s WHERE {}) "
        "OR (SELECT MAX(cm.id) FROM statistics_month cm) <> {} "
        "THEN 1 ELSE 0 END",
        stale_sql(sql, pending),
        _in_runs(sql, "s.day", plan.runs),
        plan.stamp,
    )


def _added_sql(
    sql: Dialect,
    figure: Figure,
    beside: QueryString,
    filters: Filters,
    plan: Plan,
    today: date,
    variant: VolumeVariant,
) -> QueryString:
    count = len(figure.measures)
    measures = ", ".join(f"COALESCE(s.{m}, 0) AS m{i}" for i, m in enumerate(figure.measures))
    kept = ", ".join(f"c.m{i}" for i in range(count))
    zeros = ", ".join("0" for _ in range(count - 1))
    summed = ", ".join(f"SUM(u.m{i}) AS m{i}" for i in range(count))
    offer = filters.offer.value if filters.offer is not None else EVERY
    diagnosis = filters.diagnosis if filters.diagnosis is not None else EVERY
    return q(
        f"SELECT u.key AS key, {summed} FROM ("  # noqa: S608 - fixed fragments
        f"SELECT {key_sql(sql, figure.keys, 's')} AS key, {measures} FROM ({{}}) s "
        f"UNION ALL SELECT c.key, {kept} FROM statistics_cell c "
        "WHERE c.figure = {} AND c.variant = {} AND c.day = {} AND {} "
        "AND c.offer = {} AND c.diagnosis = {} "
        "UNION ALL SELECT NULL, {}" + (f", {zeros}" if zeros else "") + ") u GROUP BY u.key",
        beside,
        figure.name,
        figure.variant_of(variant),
        sql.day(today),
        _in_runs(sql, "c.month", plan.runs),
        offer,
        diagnosis,
        _guard(sql, plan),
    )


async def figure_rows(
    figure: Figure,
    filters: Filters,
    today: date | None,
    *,
    tz: ZoneInfo,
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT,
) -> list[dict[str, Any]]:
    """The figure's rows over the episodes matching `filters`: the kept cells the filters
    cover whole added to the statement over the rest, or the statement over them all.
    Without `today` (a caller that does not know the day) no cell is read."""
    sql = dialect(tz)
    plan = await _plan(sql, filters, today) if figure.kept and today is not None else None
    if plan is not None and today is not None:
        beside = replace(filters, cells=BesideCells(plan.runs, plan.apart))
        rows = await run(
            _added_sql(
                sql,
                figure,
                await figure.statement(sql, beside, today, variant),
                filters,
                plan,
                today,
                variant,
            )
        )
        if not any(row["key"] is None and as_int(row["m0"]) for row in rows):
            return _unpacked(figure, rows)
    return await run(await figure.statement(sql, filters, today, variant))


def _unpacked(figure: Figure, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the figure's statement returns them: its keys out of the JSON texts,
    decoded in one call (a figure of date pairs has thousands of rows; a json.loads per
    row took a quarter of the dashboard's Python on S), its measures by name."""
    live = [row for row in rows if row["key"] is not None]  # but the guard row
    keys = _decode_keys("[" + ",".join([row["key"] for row in live]) + "]")
    names = (*figure.keys, *figure.measures)
    columns = [f"m{i}" for i in range(len(figure.measures))]
    return [
        dict(zip(names, (*key, *[row[column] for column in columns]), strict=True))
        for key, row in zip(keys, live, strict=True)
    ]
