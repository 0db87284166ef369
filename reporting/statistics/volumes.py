"""Work resumption and what follows treatment in SQL: S1/S2 volume %, the shares fully and
partly back at work, S10 relapse, S11 follow-up response and S9 sessions per episode.

These figures read the episode's volume measurements and its end; they share the
``facts`` CTE of `reporting.statistics.facts`.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from practice.deadlines import (
    FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS,
    FOLLOW_UP_MEASUREMENT_OPENS_MONTHS,
    add_calendar_months,
)
from practice.episodes import Offer
from reporting.statistics.cells import Figure, figure_rows, needs_today
from reporting.statistics.definitions import DEFAULT_VOLUME_VARIANT, Moment, VolumeVariant
from reporting.statistics.facts import (
    FULL_TENTHS,
    HALF,
    MOMENTS,
    VOLUME_COLUMN,
    Dialect,
    Filters,
    as_int,
    facts_cte,
    q,
    tenths_mean,
)
from reporting.statistics.figures import Share
from reporting.statistics.histograms import Histogram, histogram_mean, histogram_percentile
from reporting.statistics.reference import (
    FollowUpCoverage,
    RelapseRate,
    ResumptionShares,
    SessionsTable,
    VolumeTable,
)
from reporting.statistics.suppression import Cell

# ---------------------------------------------------------------- S1, S2 and resumption shares


@dataclass(frozen=True, slots=True)
class VolumeResult:
    """S2 by diagnosis, S1 over all diagnoses, and the shares fully/partly resumed."""

    by_diagnosis: VolumeTable
    overall: dict[Moment, Cell]
    overall_missing: dict[Moment, int]
    shares: dict[Moment, ResumptionShares]


def _volume_sums() -> str:
    sums: list[str] = []
    for moment in MOMENTS:
        v = VOLUME_COLUMN[moment]
        sums.append(
            f"SUM(CASE WHEN {v} IS NULL THEN 0 ELSE 1 END) AS n_{v}, "
            f"SUM(CASE WHEN {v} > {FULL_TENTHS} THEN {FULL_TENTHS} ELSE {v} END) AS sum_{v}, "
            f"SUM(CASE WHEN {v} >= {FULL_TENTHS} THEN 1 ELSE 0 END) AS full_{v}, "
            f"SUM(CASE WHEN {v} > 0 AND {v} < {FULL_TENTHS} THEN 1 ELSE 0 END) AS part_{v}"
        )
    return ", ".join(sums)


async def _volumes_statement(
    sql: Dialect, filters: Filters, today: date | None, variant: VolumeVariant
) -> QueryString:
    return q(
        "WITH {} SELECT diagnosis, absent, COUNT(*) AS n, "  # noqa: S608 - fixed fragments; values are bound
        + _volume_sums()
        + " FROM facts GROUP BY diagnosis, absent",
        await facts_cte(sql, filters, ["diagnosis", "absent", "vb", "ve", "vf"], variant=variant),
    )


VOLUMES = Figure(
    "volumes",
    ("diagnosis", "absent"),
    (
        "n",
        *(
            f"{kind}_{VOLUME_COLUMN[moment]}"
            for moment in MOMENTS
            for kind in ("n", "sum", "full", "part")
        ),
    ),
    _volumes_statement,
    by_variant=True,
)


async def volumes(
    filters: Filters,
    *,
    tz: ZoneInfo,
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT,
    today: date | None = None,
) -> VolumeResult:
    """S1/S2 (`outcomes.volume_by_diagnosis`) and `outcomes.share_resumed` in one query,
    with volume % computed as the `variant` says (contract basis, AT hours or not). With
    `today`, the kept cells computed for it are added up where the filters cover them."""
    rows = await figure_rows(VOLUMES, filters, today, tz=tz, variant=variant)
    excluded = sum(as_int(row["n"]) for row in rows if not as_int(row["absent"]))
    absent_rows = [row for row in rows if as_int(row["absent"])]
    cells: dict[str, dict[Moment, Cell]] = {}
    missing: dict[str, dict[Moment, int]] = {}
    for row in sorted(absent_rows, key=lambda r: str(r["diagnosis"])):
        category = str(row["diagnosis"])
        cells[category] = {}
        missing[category] = {}
        for moment in MOMENTS:
            v = VOLUME_COLUMN[moment]
            known = as_int(row[f"n_{v}"])
            cells[category][moment] = Cell(tenths_mean(as_int(row[f"sum_{v}"]), known), known)
            missing[category][moment] = as_int(row["n"]) - known
    overall: dict[Moment, Cell] = {}
    overall_missing: dict[Moment, int] = {}
    shares: dict[Moment, ResumptionShares] = {}
    absent_total = sum(as_int(row["n"]) for row in absent_rows)
    for moment in MOMENTS:
        v = VOLUME_COLUMN[moment]
        known = sum(as_int(row[f"n_{v}"]) for row in absent_rows)
        total = sum(as_int(row[f"sum_{v}"]) for row in absent_rows)
        overall[moment] = Cell(tenths_mean(total, known), known)
        overall_missing[moment] = absent_total - known
        if moment is not Moment.BEGIN:
            shares[moment] = ResumptionShares(
                full=Share(sum(as_int(row[f"full_{v}"]) for row in absent_rows), known),
                partial=Share(sum(as_int(row[f"part_{v}"]) for row in absent_rows), known),
                missing=absent_total - known,
                excluded_not_absent=excluded,
            )
    return VolumeResult(VolumeTable(cells, missing, excluded), overall, overall_missing, shares)


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


async def _after_statement(
    sql: Dialect,
    filters: Filters,
    today: date | None,
    variant: VolumeVariant,
    *,
    opens_after_months: int = FOLLOW_UP_MEASUREMENT_OPENS_MONTHS,
    closes_after_months: int = FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS,
) -> QueryString:
    today = needs_today(today)
    opened_by = _last_day_window_open(today, opens_after_months)
    still_open_from = _first_day_window_not_closed(today, closes_after_months)
    capped = {
        v: f"(CASE WHEN {v} > {FULL_TENTHS} THEN {FULL_TENTHS} ELSE {v} END)" for v in ("ve", "vf")
    }
    classified = q(
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
    return q(
        "WITH {}, {} SELECT relapse_state, follow_up_state, COUNT(*) AS n FROM states "
        "GROUP BY relapse_state, follow_up_state",
        await facts_cte(
            sql,
            filters,
            ["closed_on", "ve", "vf", "relapse_flag", "fu_response"],
            variant=variant,
        ),
        classified,
    )


AFTER_TREATMENT = Figure(
    "after_treatment",
    ("relapse_state", "follow_up_state"),
    ("n",),
    _after_statement,
    by_variant=True,
)


def _after_figure(opens_after_months: int, closes_after_months: int) -> Figure:
    """The kept figure for the practice's windows; another window is computed (no cells)."""
    if (opens_after_months, closes_after_months) == (
        FOLLOW_UP_MEASUREMENT_OPENS_MONTHS,
        FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS,
    ):
        return AFTER_TREATMENT
    return replace(
        AFTER_TREATMENT,
        name="after_treatment_other",
        kept=False,
        statement=partial(
            _after_statement,
            opens_after_months=opens_after_months,
            closes_after_months=closes_after_months,
        ),
    )


async def after_treatment(
    filters: Filters,
    today: date,
    *,
    opens_after_months: int = FOLLOW_UP_MEASUREMENT_OPENS_MONTHS,
    closes_after_months: int = FOLLOW_UP_MEASUREMENT_CLOSES_MONTHS,
    tz: ZoneInfo,
    variant: VolumeVariant = DEFAULT_VOLUME_VARIANT,
) -> AfterTreatment:
    """S10 (`outcomes.relapse_rate`) and S11 (`outcomes.follow_up_response_rate`) as of
    `today`, in one query grouped by the two classifications.

    The 6-12 month window is calendar months after the last session; because adding
    months is monotone, "opened by today" is "last session on or before a date" computed
    here once, so SQL compares plain dates. A drop in volume % (S10) is read in the
    `variant`, as the volume table beside it.
    """
    rows = await figure_rows(
        _after_figure(opens_after_months, closes_after_months),
        filters,
        today,
        tz=tz,
        variant=variant,
    )
    relapse: dict[str, int] = defaultdict(int)
    follow: dict[str, int] = defaultdict(int)
    for row in rows:
        relapse[str(row["relapse_state"])] += as_int(row["n"])
        follow[str(row["follow_up_state"])] += as_int(row["n"])
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


async def _sessions_statement(
    sql: Dialect, filters: Filters, today: date | None, variant: VolumeVariant
) -> QueryString:
    return q(
        "WITH {} SELECT diagnosis, offer, "
        "CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END AS still_open, held, COUNT(*) AS n "
        "FROM facts GROUP BY diagnosis, offer, "
        "CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END, held",
        await facts_cte(sql, filters, ["diagnosis", "offer", "closed_on", "held"]),
    )


SESSIONS = Figure(
    "sessions", ("diagnosis", "offer", "still_open", "held"), ("n",), _sessions_statement
)


async def sessions(filters: Filters, *, tz: ZoneInfo, today: date | None = None) -> SessionsTable:
    """S9 (`outcomes.sessions_per_episode`): a histogram of held sessions per closed episode
    by diagnosis and offer; mean and median from it."""
    rows = await figure_rows(SESSIONS, filters, today, tz=tz)
    still_open = 0
    histograms: dict[str, dict[Offer, list[tuple[int, int]]]] = {}
    for row in rows:
        if as_int(row["still_open"]):
            still_open += as_int(row["n"])
            continue
        if row["offer"] is None:
            # Closed without an offer (screened, then declined or referred elsewhere):
            # no treatment sessions under an offer to count in a table by offer.
            continue
        by_offer = histograms.setdefault(str(row["diagnosis"]), {})
        by_offer.setdefault(Offer(row["offer"]), []).append((as_int(row["held"]), as_int(row["n"])))
    ordered = sorted(histograms.items())

    def n(histogram: Histogram) -> int:
        return sum(count for _, count in histogram)

    return SessionsTable(
        mean={d: {o: Cell(histogram_mean(h), n(h)) for o, h in by.items()} for d, by in ordered},
        median={
            d: {o: Cell(histogram_percentile(h, HALF), n(h)) for o, h in by.items()}
            for d, by in ordered
        },
        open_episodes=still_open,
    )


def volume_percent_mapping(result: VolumeResult) -> Mapping[str, Mapping[Moment, Cell]]:
    """The S2 cells plus an "all" row (S1), in the shape `suppress_table` takes."""
    return {**result.by_diagnosis.cells, "all": result.overall}
