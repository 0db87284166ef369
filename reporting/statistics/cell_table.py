"""Computing the kept cells (`reporting.statistics.cells`): each figure's rows over the
settled episodes of one month of referral, offer and diagnosis category, as of a day.

Where each episode is counted (``statistics_cell_episode``) is computed from the kept
facts: its month, and its component, found by joining the episodes that share a client,
an employment or the employment of the absence they treat; a component whose episodes lie
in more than one cell is kept apart. A month is computed again when one of its episodes
was settled, or moved, joined or left a component, or was kept apart or no longer; every
cell of the month, every figure and every volume variant its rows differ by, each one
statement (``INSERT ... SELECT`` over the figure's own statement, restricted to the cell).

`refresh` runs in the transaction that settles the episodes (`fact_table.settle_batch`) or
rebuilds them all (`fact_table.rebuild`), so the cells and the facts they are counted
from commit together. A running episode's figures depend on the day: a new day makes
every month's cells stale (`stale_months`), and the worker's sweep computes them again
month by month (`compute_month`, `fact_table.settle_pending`), each month in a
transaction of its own; meanwhile the figures count those months from the facts.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from practice.platform.db import insert_plain
from reporting.statistics.absences import ABSENCES
from reporting.statistics.cells import (
    EVERY,
    MEASURES,
    Figure,
    key_sql,
    month_end,
    month_of,
)
from reporting.statistics.definitions import VolumeVariant
from reporting.statistics.durations import DURATIONS
from reporting.statistics.facts import Dialect, Filters, InCell, as_date, dialect, q, run
from reporting.statistics.volumes import AFTER_TREATMENT, SESSIONS, VOLUMES
from reporting.statistics.waits import WAITS
from reporting.tables import StatisticsCell, StatisticsCellEpisode, StatisticsMonth

FIGURES: tuple[Figure, ...] = (VOLUMES, AFTER_TREATMENT, SESSIONS, WAITS, DURATIONS, ABSENCES)

NO_MONTH = date(1970, 1, 1)  # a kept fact without a referral date (kept apart)
CHUNK = 1000  # rows per INSERT: within both drivers' limits on bound parameters


@dataclass(frozen=True, slots=True)
class Member:
    """Where one settled episode is counted: its stored part, and its cell."""

    month: date
    client_id: int
    employment_id: int | None
    linked_employment: int | None
    component: int
    apart: int
    offer: str | None = None
    diagnosis: str | None = None

    def stored(self) -> tuple[object, ...]:
        return (
            self.month,
            self.client_id,
            self.employment_id,
            self.linked_employment,
            self.component,
            self.apart,
        )


class _Joined:
    """Union-find over clients and employments."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(self, node: tuple[str, int]) -> tuple[str, int]:
        self.parent.setdefault(node, node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, a: tuple[str, int], b: tuple[str, int]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


async def members() -> dict[int, Member]:
    """Where every settled episode is counted, from the kept facts."""
    rows = await run(
        q(
            "SELECT f.episode AS episode, f.client_id AS client_id, "
            "f.employment_id AS employment_id, a.employment AS linked, "
            "f.referred_on AS referred_on, f.offer AS offer, f.diagnosis AS diagnosis "
            "FROM statistics_fact f LEFT JOIN absence_episode a ON a.id = f.absence_id"
        )
    )
    joined = _Joined()
    for row in rows:
        client = ("c", int(row["client_id"]))
        for employment in (row["employment_id"], row["linked"]):
            if employment is not None:
                joined.join(client, ("e", int(employment)))
    first: dict[tuple[str, int], int] = {}
    # The cells of each component's episodes (None: an episode without a referral date,
    # in no cell); a component with more than one is kept apart.
    cells: dict[tuple[str, int], set[tuple[date, str | None, str | None] | None]] = {}
    for row in rows:
        root = joined.find(("c", int(row["client_id"])))
        first[root] = min(first.get(root, int(row["episode"])), int(row["episode"]))
        day = as_date(row["referred_on"])
        cell = (month_of(day), row["offer"], row["diagnosis"]) if day else None
        cells.setdefault(root, set()).add(cell)
    found: dict[int, Member] = {}
    for row in rows:
        root = joined.find(("c", int(row["client_id"])))
        day = as_date(row["referred_on"])
        found[int(row["episode"])] = Member(
            month=month_of(day) if day else NO_MONTH,
            client_id=int(row["client_id"]),
            employment_id=_int(row["employment_id"]),
            linked_employment=_int(row["linked"]),
            component=first[root],
            apart=1 if len(cells[root]) > 1 or None in cells[root] else 0,
            offer=row["offer"],
            diagnosis=row["diagnosis"],
        )
    return found


async def _stored() -> dict[int, tuple[object, ...]]:
    rows = await StatisticsCellEpisode.select(
        StatisticsCellEpisode.episode,
        StatisticsCellEpisode.month,
        StatisticsCellEpisode.client_id,
        StatisticsCellEpisode.employment_id,
        StatisticsCellEpisode.linked_employment,
        StatisticsCellEpisode.component,
        StatisticsCellEpisode.apart,
    )
    return {
        int(row["episode"]): (
            as_date(row["month"]),
            int(row["client_id"]),
            _int(row["employment_id"]),
            _int(row["linked_employment"]),
            int(row["component"]),
            int(row["apart"]),
        )
        for row in rows
    }


async def refresh(tz: ZoneInfo, today: date, episodes: Iterable[int] | None = None) -> int:
    """Count every settled episode where it belongs, and compute again the months of
    `episodes` (None: every month) and of every episode whose place changed; how many
    months. Inside the settling transaction."""
    sql = dialect(tz)
    found = await members()
    stored = await _stored()
    changed = [
        episode for episode, member in found.items() if stored.get(episode) != member.stored()
    ]
    gone = [episode for episode in stored if episode not in found]
    months = {found[episode].month for episode in changed}
    months |= {_month(stored[episode]) for episode in (*changed, *gone) if episode in stored}
    if episodes is None:
        months |= {member.month for member in found.values()}
        for row in await StatisticsMonth.select(StatisticsMonth.month):
            month = as_date(row["month"])
            if month is not None:  # a NOT NULL column
                months.add(month)
    else:
        for episode in episodes:
            if episode in found:
                months.add(found[episode].month)
            if episode in stored:
                months.add(_month(stored[episode]))
    for chunk in _chunks([*changed, *gone]):
        await StatisticsCellEpisode.delete().where(StatisticsCellEpisode.episode.is_in(chunk))
    await _insert_members(sql, [(episode, found[episode]) for episode in changed])
    for month in sorted(months):
        await compute_month(sql, today, month)
    return len(months)


def _month(stored: tuple[object, ...]) -> date:
    month = stored[0]
    assert isinstance(month, date)
    return month


def _chunks(items: Sequence[int]) -> list[list[int]]:
    return [list(items[i : i + CHUNK]) for i in range(0, len(items), CHUNK)]


async def _insert_members(sql: Dialect, rows: Sequence[tuple[int, Member]]) -> None:
    prefix = (
        "INSERT INTO statistics_cell_episode (episode, month, client_id, employment_id, "
        "linked_employment, component, apart) VALUES "
    )
    for i in range(0, len(rows), CHUNK):
        await insert_plain(
            prefix,
            [
                (
                    episode,
                    member.month if sql.postgres else member.month.isoformat(),
                    member.client_id,
                    member.employment_id,
                    member.linked_employment,
                    member.component,
                    member.apart,
                )
                for episode, member in rows[i : i + CHUNK]
            ],
        )


async def compute_month(sql: Dialect, today: date, month: date) -> None:
    """The cells of one month again, as of `today`, from the kept facts of its episodes
    counted in cells (``statistics_cell_episode``, written first)."""
    await StatisticsCell.delete().where(StatisticsCell.month == month)
    await StatisticsMonth.delete().where(StatisticsMonth.month == month)
    if month == NO_MONTH:
        return
    rows = await run(
        q(
            "SELECT DISTINCT f.offer AS offer, f.diagnosis AS diagnosis FROM statistics_fact f "
            "JOIN statistics_cell_episode c ON c.episode = f.episode "
            "WHERE c.month = {} AND c.apart = 0",
            sql.day(month),
        )
    )
    cells = sorted(
        ((row["offer"], row["diagnosis"]) for row in rows),
        key=lambda cell: (cell[0] or "", cell[1] or ""),
    )
    for offer, diagnosis in cells:
        filters = Filters(
            referred_from=month, referred_to=month_end(month), cells=InCell(offer, diagnosis)
        )
        for figure in FIGURES:
            for variant in figure.variants:
                statement = await figure.statement(sql, filters, today, variant)
                await run(
                    _insert_sql(sql, figure, statement, today, month, offer, diagnosis, variant)
                )
    await _add_up(sql, month)
    await StatisticsMonth.insert(StatisticsMonth(month=month, day=today))


def _insert_sql(
    sql: Dialect,
    figure: Figure,
    statement: QueryString,
    today: date,
    month: date,
    offer: str | None,
    diagnosis: str | None,
    variant: VolumeVariant,
) -> QueryString:
    count = len(figure.measures)
    columns = ", ".join(f"m{i}" for i in range(count))
    measures = ", ".join(f"COALESCE(s.{m}, 0)" for m in figure.measures)
    return q(
        "INSERT INTO statistics_cell (day, month, offer, diagnosis, figure, variant, key, "  # noqa: S608 - fixed fragments
        f"{columns}) SELECT {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, "
        f"{key_sql(sql, figure.keys, 's')}, {measures} FROM ({{}}) s",
        sql.day(today),
        sql.day(month),
        offer,
        diagnosis,
        figure.name,
        figure.variant_of(variant),
        statement,
    )


async def any_stale(today: date) -> bool:
    """Whether a month's cells were computed for a day before `today`."""
    return bool(await StatisticsMonth.exists().where(StatisticsMonth.day < today))


async def stale_months(today: date) -> list[date]:
    """The months whose cells were computed for another day."""
    rows = await StatisticsMonth.select(StatisticsMonth.month).where(StatisticsMonth.day != today)
    return sorted(day for day in (as_date(row["month"]) for row in rows) if day is not None)


async def _add_up(sql: Dialect, month: date) -> None:
    """The month's cells of every offer, of every diagnosis and of both (`EVERY`), added up
    from its cells by offer and diagnosis."""
    measures = ", ".join(f"m{i}" for i in range(MEASURES))
    summed = ", ".join(f"SUM(m{i})" for i in range(MEASURES))
    for by_offer, by_diagnosis in ((False, True), (True, False), (False, False)):
        offer = "offer" if by_offer else "{}"
        diagnosis = "diagnosis" if by_diagnosis else "{}"
        grouped = "".join(
            f", {column}" for column, by in (("offer", by_offer), ("diagnosis", by_diagnosis)) if by
        )
        await run(
            q(
                "INSERT INTO statistics_cell (day, month, offer, diagnosis, figure, variant, key, "  # noqa: S608 - fixed fragments
                f"{measures}) SELECT day, month, {offer}, {diagnosis}, figure, variant, key, "
                f"{summed} FROM statistics_cell WHERE month = {{}} "
                "AND COALESCE(offer, '') <> {} AND COALESCE(diagnosis, '') <> {} "
                f"GROUP BY day, month, figure, variant, key{grouped}",
                *[EVERY for by in (by_offer, by_diagnosis) if not by],
                sql.day(month),
                EVERY,
                EVERY,
            )
        )
