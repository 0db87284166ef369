"""Statistics about people rather than outcomes: caseload per therapist, questionnaire
scores, the drill-down list of episodes behind the figures, and one client's series.

The drill-down and the client series show individual episodes, so their callers audit the
read; the figures elsewhere are aggregates only.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice.episodes import OPEN_STATUSES
from reporting.statistics.facts import (
    Filters,
    as_date,
    as_int,
    dialect,
    facts_cte,
    q,
    run,
)
from reporting.statistics.figures import round_one
from reporting.statistics.suppression import Cell

# ---------------------------------------------------------------- caseload, questionnaires


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    therapist_user_id: int
    therapist: str
    active: Cell
    capacity: int | None = None  # active episodes the therapist can take (practice.tables)


async def caseload(filters: Filters, today: date, *, tz: ZoneInfo) -> list[CaseloadRow]:
    """Active episodes (referred to paused) per therapist currently on the case, with the
    therapist's capacity (None for an account without a therapist record)."""
    sql = dialect(tz)
    statuses = [status.value for status in OPEN_STATUSES]
    rows = await run(
        q(
            "WITH {} SELECT u.id AS user_id, u.display_name AS name, MAX(t.capacity) AS capacity, "  # noqa: S608 - fixed fragments; values are bound
            "COUNT(*) AS n FROM facts "
            "JOIN case_assignment ca ON ca.episode = facts.episode_id AND ca.team_role = {} "
            "AND ca.valid_from <= {} AND (ca.valid_to IS NULL OR ca.valid_to >= {}) "
            'JOIN app_user u ON u.id = ca."user" LEFT JOIN therapist t ON t."user" = u.id '
            "WHERE facts.status IN (" + ", ".join("{}" for _ in statuses) + ") "
            "GROUP BY u.id, u.display_name ORDER BY u.display_name, u.id",
            await facts_cte(sql, filters, ["episode_id", "status"], screened_only=False),
            "therapist",
            sql.day(today),
            sql.day(today),
            *statuses,
        )
    )
    return [
        CaseloadRow(
            as_int(row["user_id"]),
            str(row["name"]),
            Cell(as_int(row["n"]), as_int(row["n"])),
            None if row["capacity"] is None else as_int(row["capacity"]),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ScoreCell:
    instrument: str
    moment: str
    mean: Cell


async def questionnaire_scores(filters: Filters, *, tz: ZoneInfo) -> list[ScoreCell]:
    """Mean total score per instrument and moment over complete questionnaires."""
    sql = dialect(tz)
    rows = await run(
        q(
            "WITH {} SELECT q.instrument AS instrument, q.moment AS moment, COUNT(*) AS n, "
            "SUM(q.total) AS total FROM questionnaire_response q "
            "JOIN facts ON facts.episode_id = q.episode WHERE q.complete = {} "
            "GROUP BY q.instrument, q.moment ORDER BY q.instrument, q.moment",
            await facts_cte(sql, filters, ["episode_id"]),
            True,
        )
    )
    result = []
    for row in rows:
        n = as_int(row["n"])
        mean = round_one(Decimal(as_int(row["total"])) / n) if n else None
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
    filters: Filters, *, limit: int = 100, offset: int = 0, tz: ZoneInfo
) -> tuple[int, list[EpisodeLine]]:
    """The episodes behind the figures (every referral matching the filters), newest
    referral first; returns the total and one page."""
    sql = dialect(tz)
    names = ["episode_id", "referred_on", "employer_name", "status", "offer", "diagnosis", "held"]
    facts = await facts_cte(sql, filters, names, screened_only=False)
    total_rows = await run(q("WITH {} SELECT COUNT(*) AS n FROM facts", facts))
    rows = await run(
        q(
            "WITH {} SELECT * FROM facts ORDER BY referred_on DESC, episode_id DESC "
            "LIMIT {} OFFSET {}",
            await facts_cte(sql, filters, names, screened_only=False),
            limit,
            offset,
        )
    )
    lines = [
        EpisodeLine(
            episode_id=as_int(row["episode_id"]),
            referred_on=as_date(row["referred_on"]),
            employer=str(row["employer_name"]),
            status=str(row["status"]),
            offer=row["offer"],
            diagnosis=row["diagnosis"],
            held_sessions=as_int(row["held"]),
        )
        for row in rows
    ]
    return as_int(total_rows[0]["n"]) if total_rows else 0, lines


# ---------------------------------------------------------------- one client's series


@dataclass(frozen=True, slots=True)
class ClientSeries:
    """One episode's questionnaire totals and volume % over time (for its line chart)."""

    scores: dict[str, list[tuple[date, int]]]
    participation: list[tuple[date, Decimal | None]]


async def client_series(episode_id: int) -> ClientSeries:
    """Questionnaire totals per instrument and volume % (against the contract of the day)."""
    scores_rows = await run(
        q(
            "SELECT instrument, administered_on, total FROM questionnaire_response "
            "WHERE episode = {} AND complete = {} ORDER BY administered_on, id",
            episode_id,
            True,
        )
    )
    volume_rows = await run(
        q(
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
        day = as_date(row["administered_on"])
        if day is not None:  # a NOT NULL column: never skipped in practice
            scores.setdefault(str(row["instrument"]), []).append((day, as_int(row["total"])))
    participation: list[tuple[date, Decimal | None]] = []
    for row in volume_rows:
        day = as_date(row["measured_on"])
        tenths = row["tenths"]
        if day is not None:
            participation.append((day, None if tenths is None else Decimal(int(tenths)) / 10))
    return ClientSeries(scores, participation)
