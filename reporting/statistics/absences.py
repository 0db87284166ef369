"""The per-absence figures in SQL: one statement, one pass over the absence record, and
histograms back (target P-4: 100k episodes), the same figures as the pure reference
`reporting.statistics.per_absence` (the tests hold the two equal on random practices).

How the statement is built, CTE by CTE:

* ``facts``: the matching episodes (the shared CTE of `reporting.statistics.facts`), every
  referral, screened or not: the screening lateness needs the unscreened ones;
* ``ab_kept``: from the kept facts, each episode with its kept placement
  (`reporting.statistics.placement`). An episode whose kept placement holds today, alone on
  its absence and without interruptions, is its absence's unit as it stands: its outcome
  is computed once, in ``ab_settled``. The others (``ab_computed``) go through the CTEs of
  `reporting.statistics.placement.placement_ctes`: the records read once, the law's
  periods, each episode placed on its absence (``ab_classed``). From the raw tables every
  episode goes through them;
* ``ab_episodes``: the first referral's dates and the first begin and last end and
  follow-up volumes of each absence (window functions over the absence);
* ``ab_computed_units``: one row per absence placed here, ``ab_gaps`` the interruptions
  before its events, ``ab_final`` its outcome;
* the final UNION ALL: histograms of days (duration, first paid and first hours), distinct
  pairs of referral and screening dates, and the sums and counts (``ab_sums``), each
  counted over the two halves of the units (``ab_final``, ``ab_settled``) on their own and
  the few rows added up.
"""

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from practice.deadlines import DEFAULT_SCREENING_RULE, DEFAULT_WORKING_DAYS, due_on
from reporting.statistics.cells import Figure, figure_rows, needs_today
from reporting.statistics.definitions import DEFAULT_VOLUME_VARIANT, Benchmark, VolumeVariant
from reporting.statistics.durations import CostSummary
from reporting.statistics.facts import (
    FULL_TENTHS,
    HALF,
    MOMENTS,
    VOLUME_COLUMN,
    Dialect,
    Filters,
    Source,
    as_date,
    as_int,
    current_source,
    facts_cte,
    q,
    tenths_mean,
)
from reporting.statistics.figures import Share
from reporting.statistics.histograms import Histogram, histogram_mean, histogram_percentile
from reporting.statistics.kaplan_meier import curve_of
from reporting.statistics.per_absence import AbsenceOutcomes, Lateness, cost_avoided
from reporting.statistics.placement import kind_of, placement_ctes

_EPISODE_FACTS = (
    "episode_id",
    "client_id",
    "employment_id",
    "absence_id",
    "absent",
    "first_sick_day",
    "referred_on",
    "screened_on",
    "started_on",
    "partial_on",
    "any_on",
    "vb",
    "ve",
    "vf",
    "cost_cents",
)


def _least(sql: Dialect, a: str, b: str) -> str:
    """The earlier of two nullable dates. PostgreSQL's LEAST skips NULLs; SQLite's MIN
    does not, so there a CASE (which names each argument thrice)."""
    if sql.postgres:
        return f"LEAST({a}, {b})"
    return f"(CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL OR {a} <= {b} THEN {a} ELSE {b} END)"


def _outcomes(
    sql: Dialect, gaps: str, paid_gaps: str, any_gaps: str, paid_on: str, any_on: str
) -> str:
    """A unit's outcome columns from its ``first_day``, ``recovered``, first paid and first
    hours and interruptions (SQL over the named columns): whether each happened by today,
    and after how many days absent (the days absent so far when not)."""
    days = sql.days_between
    running = f"{days('first_day', 'today')} + 1 - {gaps}"
    return (
        "CASE WHEN recovered IS NOT NULL THEN 1 ELSE 0 END AS ended, "
        f"CASE WHEN recovered IS NOT NULL THEN {days('first_day', 'recovered')} - {gaps} "
        f"ELSE {running} END AS duration, "
        f"CASE WHEN {paid_on} <= today THEN 1 ELSE 0 END AS paid, "
        f"CASE WHEN {paid_on} <= today THEN {days('first_day', paid_on)} - {paid_gaps} "
        f"ELSE {running} END AS paid_days, "
        f"CASE WHEN {any_on} <= today THEN 1 ELSE 0 END AS worked, "
        f"CASE WHEN {any_on} <= today THEN {days('first_day', any_on)} - {any_gaps} "
        f"ELSE {running} END AS any_days"
    )


async def _statement(
    sql: Dialect, filters: Filters, today: date, variant: VolumeVariant
) -> QueryString:
    kept = current_source() is Source.KEPT
    unit = "u_emp, u_pno, u_client, u_first"
    by_referral = f"PARTITION BY {unit} ORDER BY referred_on, episode_id"
    whole = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"

    def first_measured(column: str, descending: str = "") -> str:
        return (
            f"FIRST_VALUE({column}) OVER (PARTITION BY {unit} ORDER BY "
            f"CASE WHEN {column} IS NULL THEN 1 ELSE 0 END, referred_on{descending}, "
            f"episode_id{descending} {whole})"
        )

    def paid_and_any(partial: str, paid_ep: str, recovered: str, any_ep: str, prefix: str) -> str:
        paid_on = _least(sql, _least(sql, partial, paid_ep), recovered)
        return f"{paid_on} AS {prefix}paid_on, {_least(sql, paid_on, any_ep)} AS {prefix}any_on"

    ctes = [
        await facts_cte(sql, filters, _EPISODE_FACTS, screened_only=False, variant=variant),
        q("ab_today AS (SELECT {} AS today)", sql.day(today)),
    ]
    computed = "facts"
    if kept:
        # The episodes whose kept placement holds today and whose absence is theirs alone
        # (`reporting.statistics.placement`) are each their absence's unit as it stands:
        # their outcome is computed here, in the one pass that joins them to their
        # placement (``ab_settled``). The rest (``ab_computed``) go through the CTEs below.
        unit_first = "COALESCE(sa.period_first, f.first_sick_day)"
        ctes += [
            q(
                "ab_kept AS MATERIALIZED (SELECT f.*, t.today, sa.unit_employment AS u_emp, "  # noqa: S608 - fixed fragments
                "sa.period_recovered AS recovered, "
                f"{kind_of('sa.unit_employment', 'f.absent', 'f.first_sick_day', 't.today')} "
                f"AS kind, {unit_first} AS first_day, "
                + paid_and_any(
                    "sa.period_partial",
                    f"CASE WHEN f.partial_on >= {unit_first} THEN f.partial_on END",
                    "sa.period_recovered",
                    f"CASE WHEN f.any_on >= {unit_first} THEN f.any_on END",
                    "unit_",  # the episode's own any_on is a fact of its own
                )
                + ", CASE WHEN sa.episode IS NULL OR sa.known_from > t.today "
                "OR sa.known_until <= t.today OR sa.unit_episodes > 1 OR sa.period_gaps > 0 "
                # Linked to another employment's record: its absence is shared.
                "OR (sa.unit_employment IS NOT NULL AND (f.employment_id IS NULL "
                "OR sa.unit_employment <> f.employment_id)) "
                # A pending episode of the client, or one linked to a record here.
                "OR f.client_id IN (SELECT e.client FROM statistics_pending p "
                "JOIN treatment_episode e ON e.id = p.episode) "
                "OR f.employment_id IN (SELECT a.employment FROM statistics_pending p "
                "JOIN treatment_episode e ON e.id = p.episode "
                "JOIN absence_episode a ON a.id = e.absence) THEN 1 ELSE 0 END AS computed "
                "FROM facts f CROSS JOIN ab_today t "
                "LEFT JOIN statistics_absence sa ON sa.episode = f.episode_id)"
            ),
            q(
                "ab_computed AS MATERIALIZED (SELECT "  # noqa: S608 - fixed names
                f"{', '.join(_EPISODE_FACTS)} FROM ab_kept WHERE computed = 1)"
            ),
            # One episode on an absence of its own, without interruptions: its outcome
            # computed once (the figures below read it five times).
            q(
                "ab_settled AS MATERIALIZED (SELECT client_id, kind, "  # noqa: S608 - fixed fragments
                "1 AS n_episodes, CASE WHEN started_on <= today THEN 1 ELSE 0 END AS begun, "
                "referred_on AS first_referred, screened_on AS first_screened, "
                "cost_cents AS cost, vb, ve, vf, "
                f"{_outcomes(sql, '0', '0', '0', 'unit_paid_on', 'unit_any_on')} "
                # Not "= 0": PostgreSQL guesses an equality on a computed column keeps 0.5 %
                # of the rows and then sorts where it should hash (90,000 rows on M).
                "FROM ab_kept WHERE computed <> 1)"
            ),
        ]
        computed = "ab_computed"
    ctes += [
        *placement_ctes(sql, computed, "SELECT employment_id FROM ab_kept" if kept else None),
        q(
            "ab_episodes AS (SELECT ab_classed.*, "  # noqa: S608 - fixed fragments
            f"FIRST_VALUE(referred_on) OVER ({by_referral} {whole}) AS first_referred, "
            f"FIRST_VALUE(screened_on) OVER ({by_referral} {whole}) AS first_screened, "
            f"FIRST_VALUE(cost_cents) OVER ({by_referral} {whole}) AS first_cost, "
            f"{first_measured('vb')} AS u_vb, {first_measured('ve', ' DESC')} AS u_ve, "
            f"{first_measured('vf', ' DESC')} AS u_vf "
            "FROM ab_classed WHERE kind IN ('record', 'own'))"
        ),
        # The measurements before the first sick day say nothing about this absence.
        q(
            "ab_grouped AS (SELECT "  # noqa: S608 - fixed fragments
            f"{unit}, MAX(today) AS today, MAX(unit_first) AS first_day, "
            "COUNT(*) AS n_episodes, "
            "MAX(CASE WHEN started_on <= today THEN 1 ELSE 0 END) AS begun, "
            "MAX(first_referred) AS first_referred, MAX(first_screened) AS first_screened, "
            "MAX(first_cost) AS cost, MAX(u_vb) AS vb, MAX(u_ve) AS ve, MAX(u_vf) AS vf, "
            "MIN(CASE WHEN partial_on >= unit_first THEN partial_on END) AS paid_ep, "
            "MIN(CASE WHEN any_on >= unit_first THEN any_on END) AS any_ep, "
            "MAX(p_recovered) AS recovered, "
            "COALESCE(MAX(p_gaps), 0) AS gaps, MAX(p_partial) AS partial "
            f"FROM ab_episodes GROUP BY {unit})"
        ),
        q(
            "ab_computed_units AS (SELECT ab_grouped.*, "  # noqa: S608 - fixed fragments
            f"{paid_and_any('partial', 'paid_ep', 'recovered', 'any_ep', '')} FROM ab_grouped)"
        ),
        # The interruptions before each event: those of the parts that started before it.
        q(
            "ab_gaps AS (SELECT u.u_emp, u.u_pno, "
            "SUM(CASE WHEN p.fd < u.paid_on THEN p.gap ELSE 0 END) AS paid_gaps, "
            "SUM(CASE WHEN p.fd < u.any_on THEN p.gap ELSE 0 END) AS any_gaps "
            "FROM ab_computed_units u JOIN ab_parts p "
            "ON p.employment = u.u_emp AND p.pno = u.u_pno "
            "WHERE u.gaps > 0 GROUP BY u.u_emp, u.u_pno)"
        ),
        q(
            "ab_final AS (SELECT u.*, "
            + _outcomes(
                sql,
                "gaps",
                "COALESCE(g.paid_gaps, 0)",
                "COALESCE(g.any_gaps, 0)",
                "paid_on",
                "any_on",
            )
            + " "
            "FROM ab_computed_units u "
            "LEFT JOIN ab_gaps g ON g.u_emp = u.u_emp AND g.u_pno = u.u_pno)"
        ),
    ]
    # The episodes' kinds and clients, from both halves (``ab_all``); and the units of both
    # halves: each figure is counted over each half on its own and the few rows added up
    # (a union of the halves would carry 90,000 rows through two more layers per figure).
    classed, halves = "ab_classed", [("ab_final", "")]
    if kept:
        # The units: kind 'record' or 'own' (said the long way round for the planner, as
        # ``computed <> 1`` above).
        halves.append(("ab_settled", " WHERE kind NOT IN ('not_absent', 'no_first_day')"))
        ctes.append(
            q(
                "ab_all AS NOT MATERIALIZED (SELECT client_id, kind FROM ab_classed "
                "UNION ALL SELECT client_id, kind FROM ab_settled)"
            )
        )
        classed = "ab_all"
    none_date = "CAST(NULL AS DATE)"
    none_int = "CAST(NULL AS INTEGER)"

    def capped(column: str) -> str:
        return f"CASE WHEN {column} > {FULL_TENTHS} THEN {FULL_TENTHS} ELSE {column} END"

    def each_half(columns: str, group_by: str = "") -> str:
        return " UNION ALL ".join(
            f"SELECT {columns} FROM {source}{where}{group_by}"  # noqa: S608 - fixed fragments
            for source, where in halves
        )

    def histogram(kind: str, columns: str, group_by: str) -> str:
        """One row per distinct value of the figure, its count over both halves."""
        return (
            f"SELECT '{kind}' AS k, c, d, x, referred, screened, SUM(n) AS n, "  # noqa: S608
            "0 AS s1, 0 AS s2 FROM ("
            f"{each_half(f'{columns}, COUNT(*) AS n', f' GROUP BY {group_by}')}) h "
            "GROUP BY c, d, x, referred, screened"
        )

    # The sums and counts in one pass over each half, each then a row of its own.
    sums = ["SUM(n_episodes)", "SUM(CASE WHEN n_episodes > 1 THEN 1 ELSE 0 END)"]
    sums += ["COUNT(*)", "SUM(begun)"]
    names = ["episodes", "several", "units", "begun"]
    for column in ("vb", "ve", "vf"):
        sums += [f"SUM({capped(column)})", f"COUNT({column})"]
        names += [f"{column}_sum", f"{column}_n"]
    half_sums = ", ".join(f"{total} AS {name}" for total, name in zip(sums, names, strict=True))
    ctes.append(
        q(
            f"ab_sums AS (SELECT {', '.join(f'SUM({name}) AS {name}' for name in names)} "  # noqa: S608 - fixed fragments
            f"FROM ({each_half(half_sums)}) h)"
        )
    )
    volumes = " ".join(
        f"UNION ALL SELECT '{column}', NULL, {none_int}, {none_int}, "  # noqa: S608
        f"{none_date}, {none_date}, 0, {column}_sum, {column}_n FROM ab_sums"
        for column in ("vb", "ve", "vf")
    )
    nothing = f"{none_date} AS referred, {none_date} AS screened"
    ended_cost = "CASE WHEN ended = 1 THEN cost END"
    select = " UNION ALL ".join(  # noqa: S608 - fixed fragments
        [
            histogram(
                "duration",
                f"ended AS c, duration AS d, {ended_cost} AS x, {nothing}",
                f"ended, duration, {ended_cost}",
            ),
            histogram(
                "paid", f"paid AS c, paid_days AS d, {none_int} AS x, {nothing}", "paid, paid_days"
            ),
            histogram(
                "any", f"worked AS c, any_days AS d, {none_int} AS x, {nothing}", "worked, any_days"
            ),
            histogram(
                "screening",
                f"{none_int} AS c, {none_int} AS d, {none_int} AS x, "
                "first_referred AS referred, first_screened AS screened",
                "first_referred, first_screened",
            ),
        ]
    ) + (
        f" {volumes} "  # noqa: S608 - fixed fragments
        f"UNION ALL SELECT 'units', NULL, {none_int}, {none_int}, "
        f"{none_date}, {none_date}, units, episodes, several FROM ab_sums "
        f"UNION ALL SELECT 'begun', NULL, {none_int}, {none_int}, {none_date}, {none_date}, "
        "begun, 0, 0 FROM ab_sums "
        f"UNION ALL SELECT 'clients', NULL, {none_int}, {none_int}, {none_date}, {none_date}, "
        f"COUNT(DISTINCT client_id), 0, 0 FROM {classed} WHERE kind IN ('record', 'own') "
        f"UNION ALL SELECT 'class', NULL, {none_int}, {none_int}, {none_date}, {none_date}, "
        f"COUNT(*), 0, 0 FROM {classed} WHERE kind = 'not_absent' "
        f"UNION ALL SELECT 'no_first_day', NULL, {none_int}, {none_int}, {none_date}, "
        f"{none_date}, COUNT(*), 0, 0 FROM {classed} WHERE kind = 'no_first_day'"
    )
    template = "WITH " + ", ".join("{}" for _ in ctes) + " " + select
    return q(template, *ctes)


async def _absences_statement(
    sql: Dialect, filters: Filters, today: date | None, variant: VolumeVariant
) -> QueryString:
    return await _statement(sql, filters, needs_today(today), variant)


# The sums (s1, s2) of a kind's row: the volumes' sum and count ('vb', 've', 'vf'); the
# episodes and the absences treated in several ('units').
ABSENCES = Figure(
    "absences",
    ("k", "c", "d", "x", "referred", "screened"),
    ("n", "s1", "s2"),
    _absences_statement,
    by_variant=True,
)


async def absence_outcomes(
    filters: Filters,
    today: date,
    *,
    tz: ZoneInfo,
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT,
) -> AbsenceOutcomes:
    """`per_absence.per_absence` over the episodes matching `filters` (volumes computed as
    `variant` says), from one statement that returns histograms."""
    rows = await figure_rows(ABSENCES, filters, today, tz=tz, variant=variant)
    histograms: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    ended_costs: list[tuple[int, int, int]] = []
    volume_sums: dict[str, tuple[int, int]] = {}
    pairs: list[tuple[date | None, date | None, int]] = []
    counts: dict[str, int] = {}
    units = episodes = several = 0
    for row in rows:
        kind, n = str(row["k"]), as_int(row["n"])
        if kind in ("duration", "paid", "any"):
            histograms[(kind, as_int(row["c"]))].append((as_int(row["d"]), n))
            if kind == "duration" and row["c"] and row["x"] is not None:
                ended_costs.append((as_int(row["d"]), as_int(row["x"]), n))
        elif kind in ("vb", "ve", "vf"):
            volume_sums[kind] = (as_int(row["s1"]), as_int(row["s2"]))
        elif kind == "screening":
            pairs.append((as_date(row["referred"]), as_date(row["screened"]), n))
        elif kind == "units":
            units, episodes, several = n, as_int(row["s1"]), as_int(row["s2"])
        else:
            counts[kind] = n
    ended = histograms[("duration", 1)]
    calendar, working, overdue, in_time = _lateness(pairs, today)
    return AbsenceOutcomes(
        absences=units,
        clients=counts.get("clients", 0),
        episodes=episodes,
        absences_with_several_episodes=several,
        treatment_begun=counts.get("begun", 0),
        duration=curve_of(ended, histograms[("duration", 0)]),
        ended_n=sum(count for _, count in ended),
        ended_median=histogram_percentile(ended, HALF),
        ended_mean=histogram_mean(ended),
        ended_costs=tuple(sorted(ended_costs)),
        first_any=curve_of(histograms[("any", 1)], histograms[("any", 0)]),
        first_paid=curve_of(histograms[("paid", 1)], histograms[("paid", 0)]),
        volume_mean={
            moment: tenths_mean(*volume_sums.get(VOLUME_COLUMN[moment], (0, 0)))
            for moment in MOMENTS
        },
        volume_n={moment: volume_sums.get(VOLUME_COLUMN[moment], (0, 0))[1] for moment in MOMENTS},
        lateness_calendar=calendar,
        lateness_working=working,
        not_screened_overdue=overdue,
        not_screened_in_time=in_time,
        not_absent=counts.get("class", 0),
        no_first_sick_day=counts.get("no_first_day", 0),
    )


def _lateness(
    pairs: list[tuple[date | None, date | None, int]], today: date
) -> tuple[Lateness, Lateness, int, int]:
    """Screening lateness from distinct (first referral, its screening) pairs, each pair's
    working days counted once, as `per_absence` counts them."""
    calendar: list[tuple[int, int]] = []
    working: list[tuple[int, int]] = []
    screened = overdue = in_time = 0
    rule, days = DEFAULT_SCREENING_RULE, DEFAULT_WORKING_DAYS
    for referred, screened_on, n in pairs:
        if referred is None:
            continue
        due = due_on(referred, rule, days)
        if screened_on is None:
            if today > due:
                overdue += n
            else:
                in_time += n
            continue
        screened += n
        if screened_on > due:
            calendar.append(((screened_on - due).days, n))
            late_working = days.working_days_between(due, screened_on)
            if late_working > 0:
                working.append((late_working, n))
    return (
        _late(calendar, screened),
        _late(working, screened),
        overdue,
        in_time,
    )


def _late(histogram: Histogram, screened: int) -> Lateness:
    late = sum(count for _, count in histogram)
    return Lateness(
        Share(late, screened), histogram_percentile(histogram, HALF), histogram_mean(histogram)
    )


def cost_summary(found: AbsenceOutcomes, benchmark: Benchmark) -> CostSummary:
    """S8 per absence (`per_absence.cost_avoided`) in the dashboard's shape."""
    cost = cost_avoided(found, benchmark)
    return CostSummary(
        benchmark=benchmark,
        cost_per_day_cents=cost.cost_per_day_cents,
        total_cents=cost.total_cents,
        n=cost.n,
        open=found.duration.n_censored,
        excluded=found.not_absent + found.no_first_sick_day + found.ended_n - cost.n,
    )
