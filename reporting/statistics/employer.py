"""S15: the employer's own summary, non-medical aggregates only.

Kept apart so that what an employer contact may see is visible in one short module: never
split by diagnosis, and suppressed at the employer's own minimum cell size by its caller.
"""

from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from reporting.statistics.definitions import Moment
from reporting.statistics.facts import (
    FULL_TENTHS,
    VOLUME_COLUMN,
    Filters,
    as_int,
    dialect,
    facts_cte,
    q,
    run,
    tenths_mean,
)
from reporting.statistics.figures import Share
from reporting.statistics.suppression import Cell

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
    employer_id: int, filters: Filters | None = None, *, tz: ZoneInfo
) -> EmployerSummary:
    """S15 for one employer (the employer filter is forced to `employer_id`; a diagnosis
    filter is refused rather than ignored)."""
    base = filters or Filters()
    if base.diagnosis is not None:
        raise ValueError("employer figures are never split by diagnosis")
    scoped = replace(base, employer_id=employer_id)
    sql = dialect(tz)
    sums = ", ".join(
        f"SUM(CASE WHEN absent = 1 AND {v} IS NOT NULL THEN 1 ELSE 0 END) AS n_{v}, "
        f"SUM(CASE WHEN absent = 1 THEN "
        f"(CASE WHEN {v} > {FULL_TENTHS} THEN {FULL_TENTHS} ELSE {v} END) END) AS sum_{v}"
        for v in ("vb", "ve", "vf")
    )
    rows = await run(
        q(
            "WITH {} SELECT COUNT(*) AS n, COUNT(DISTINCT client_id) AS clients, "  # noqa: S608 - fixed fragments; values are bound
            "SUM(held) AS held, SUM(agreement) AS agreements, " + sums + " FROM facts",
            facts_cte(
                sql,
                scoped,
                ["client_id", "absent", "held", "agreement", "vb", "ve", "vf"],
                screened_only=False,
            ),
        )
    )
    row = rows[0] if rows else {}
    episodes = as_int(row.get("n"))
    clients = as_int(row.get("clients"))
    volume = {
        moment: Cell(
            tenths_mean(as_int(row.get(f"sum_{v}")), as_int(row.get(f"n_{v}"))),
            as_int(row.get(f"n_{v}")),
        )
        for moment, v in VOLUME_COLUMN.items()
    }
    return EmployerSummary(
        employees_referred=Cell(clients, clients),
        episodes=Cell(episodes, episodes),
        sessions_held=Cell(as_int(row.get("held")), episodes),
        with_agreements=Share(as_int(row.get("agreements")), episodes),
        volume=volume,
    )
