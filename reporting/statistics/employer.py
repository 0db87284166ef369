"""S15: the employer's own summary, non-medical aggregates only, counted as of a day over
the employees who consented.

Kept apart so that what an employer contact may see is visible in one short module: never
split by diagnosis, and suppressed at the employer's own minimum cell size by its caller.
The employer reads these figures only as monthly snapshots (`reporting.statistics.snapshots`,
published by `reporting.services.employer_statistics`), so they are counted as of a day:
episodes referred by its end, sessions held by then, agreements made by then, the latest
volume measurement of each moment taken by then; and only over the employees whose consent
to process updates for the employer (Recipient.EMPLOYER, Purpose.PROCESS_UPDATES, for
whoever holds the role: the consent gate's `consenting_clients`) is in force at the end of
that day.
An employee without it is not counted at all: the statistics are a send to the employer.

The as-of query is this module's own rather than the dashboard's ``facts`` CTE, which
counts everything recorded up to now; an employer's episodes are few, so it reads them by
the employer's key and does the per-episode arithmetic here, with the dashboard's rules:
the volume % of a moment is the latest measurement's own, adapted and other productive
minutes against the contract valid on the measurement date (of two contracts from one day
the later one), rounded half-up to 0.1 %, capped at 100 % and averaged over the clients
who were absent at referral.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from practice.consent import Purpose, Recipient
from practice.services.disclosure import consenting_clients
from reporting.statistics.definitions import ContractBasis, Moment
from reporting.statistics.facts import (
    FULL_TENTHS,
    MOMENTS,
    as_date,
    as_int,
    dialect,
    q,
    run,
    tenths_mean,
)
from reporting.statistics.figures import Share
from reporting.statistics.snapshots import (
    AGREEMENTS,
    EMPLOYEES,
    EPISODES,
    SESSIONS,
    VOLUME_CODES,
)
from reporting.statistics.suppression import Cell
from scheduling.appointments import DEFAULT_COUNTING_KINDS, Attendance

# The basis every employer-visible volume % is computed against (named on the page).
CONTRACT_BASIS = ContractBasis.MEASUREMENT_DATE
VOLUME_CODE = dict(zip(MOMENTS, VOLUME_CODES, strict=True))
_CHUNK = 500  # ids per IN (...) list, well below SQLite's limit of bound parameters

# ---------------------------------------------------------------- S15 (employers)


@dataclass(frozen=True, slots=True)
class EmployerSummary:
    """S15: non-medical aggregates of one employer; nothing here is split by diagnosis."""

    employees_referred: Cell
    episodes: Cell
    sessions_held: Cell
    with_agreements: Share
    volume: dict[Moment, Cell] = field(default_factory=dict)

    def cells(self) -> dict[str, Cell]:
        """The figures by their snapshot codes (`reporting.statistics.snapshots.CELL_CODES`)."""
        return {
            EMPLOYEES: self.employees_referred,
            EPISODES: self.episodes,
            SESSIONS: self.sessions_held,
            AGREEMENTS: self.with_agreements.cell,
            **{VOLUME_CODE[moment]: self.volume[moment] for moment in MOMENTS},
        }


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """The last moment of `day` in the practice's zone: consent is judged then."""
    return dialect(tz).instant(day + timedelta(days=1)) - timedelta(microseconds=1)


async def employer_summary(employer_id: int, as_of: date, *, tz: ZoneInfo) -> EmployerSummary:
    """S15 for one employer as of the end of `as_of`, over its consenting employees."""
    sql = dialect(tz)
    until = sql.instant(as_of + timedelta(days=1))
    episodes_sql = q(
        "SELECT e.id AS episode, e.client AS client, e.employment AS employment, "
        "CASE WHEN r.absence_status = {} THEN 0 ELSE 1 END AS absent "
        "FROM treatment_episode e JOIN referral r ON r.id = e.referral "
        "WHERE r.employer = {} AND r.received_at < {}",
        "not_absent",
        employer_id,
        until,
    )
    episodes = await run(episodes_sql)
    consenting = await consenting_clients(
        (int(e["client"]) for e in episodes),
        Recipient.EMPLOYER,
        Purpose.PROCESS_UPDATES,
        end_of(as_of, tz),
    )
    counted = [e for e in episodes if int(e["client"]) in consenting]
    ids = sorted(int(e["episode"]) for e in counted)
    held = await _held(ids, until)
    agreed = await _agreed(ids, as_of)
    volumes = await _volumes(ids, as_of)
    absent = {int(e["episode"]) for e in counted if as_int(e["absent"]) == 1}
    volume: dict[Moment, Cell] = {}
    for moment in MOMENTS:
        tenths = [
            min(value, FULL_TENTHS)
            for (episode, at), value in volumes.items()
            if at is moment and episode in absent and value is not None
        ]
        volume[moment] = Cell(tenths_mean(sum(tenths), len(tenths)), len(tenths))
    clients = len({int(e["client"]) for e in counted})
    return EmployerSummary(
        employees_referred=Cell(clients, clients),
        episodes=Cell(len(ids), len(ids)),
        sessions_held=Cell(sum(held.get(i, 0) for i in ids), len(ids)),
        with_agreements=Share(len(agreed), len(ids)),
        volume=volume,
    )


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _in(ids: list[int]) -> Any:
    return q("(" + ", ".join("{}" for _ in ids) + ")", *ids)


async def _held(ids: list[int], until: datetime) -> dict[int, int]:
    """Held sessions of the counted kinds per episode, begun before `until`."""
    kinds = sorted(kind.value for kind in DEFAULT_COUNTING_KINDS)
    held: dict[int, int] = {}
    for part in _chunks(ids):
        rows = await run(
            q(
                "SELECT ap.episode AS episode, COUNT(*) AS n FROM appointment ap "
                "WHERE ap.episode IN {} AND ap.attendance = {} AND ap.kind IN {} "
                "AND ap.starts_at < {} GROUP BY ap.episode",
                _in(part),
                Attendance.HELD.value,
                _in_text(kinds),
                until,
            )
        )
        held.update({int(row["episode"]): as_int(row["n"]) for row in rows})
    return held


def _in_text(values: list[str]) -> Any:
    return q("(" + ", ".join("{}" for _ in values) + ")", *values)


async def _agreed(ids: list[int], as_of: date) -> set[int]:
    """The episodes with an agreement on work resumption made on or before `as_of`."""
    agreed: set[int] = set()
    for part in _chunks(ids):
        rows = await run(
            q(
                "SELECT DISTINCT wa.episode AS episode FROM work_resumption_agreement wa "
                "WHERE wa.episode IN {} AND wa.agreed_on <= {}",
                _in(part),
                _day(as_of),
            )
        )
        agreed.update(int(row["episode"]) for row in rows)
    return agreed


def _day(value: date) -> Any:
    # The dialect's date parameter; the zone does not matter for a plain date.
    return dialect(ZoneInfo("UTC")).day(value)


async def _volumes(ids: list[int], as_of: date) -> dict[tuple[int, Moment], int | None]:
    """Per episode and moment, the volume % in tenths (uncapped) of the latest measurement
    taken on or before `as_of`; None without a (non-zero) contract on its date."""
    moments = {moment.value: moment for moment in MOMENTS}
    latest: dict[tuple[int, Moment], dict[str, Any]] = {}
    employments: set[int] = set()
    for part in _chunks(ids):
        rows = await run(
            q(
                "SELECT wp.id AS id, wp.episode AS episode, wp.moment AS moment, "
                "wp.employment AS employment, wp.measured_on AS measured_on, "
                "wp.own_work_minutes + wp.adapted_work_minutes + wp.productive_minutes "
                "AS counted FROM work_participation wp "
                "WHERE wp.episode IN {} AND wp.moment IN {} AND wp.measured_on <= {}",
                _in(part),
                _in_text(sorted(moments)),
                _day(as_of),
            )
        )
        for row in rows:
            key = (int(row["episode"]), moments[str(row["moment"])])
            measured = (as_date(row["measured_on"]), int(row["id"]))
            kept = latest.get(key)
            if kept is None or measured > (as_date(kept["measured_on"]), int(kept["id"])):
                latest[key] = row
            employments.add(int(row["employment"]))
    contracts = await _contracts(sorted(employments))
    result: dict[tuple[int, Moment], int | None] = {}
    for key, row in latest.items():
        measured_on = as_date(row["measured_on"])
        assert measured_on is not None
        minutes = _contract_on(contracts.get(int(row["employment"]), []), measured_on)
        counted = as_int(row["counted"])
        # round_half_up(1000 * counted / contract), as work_participation.volume_percent
        result[key] = (2000 * counted + minutes) // (2 * minutes) if minutes else None
    return result


async def _contracts(employments: list[int]) -> dict[int, list[tuple[date, int, int]]]:
    """Per employment its contracts as (valid_from, id, minutes per week)."""
    found: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    for part in _chunks(employments):
        rows = await run(
            q(
                "SELECT c.id AS id, c.employment AS employment, c.valid_from AS valid_from, "
                "c.minutes_per_week AS minutes FROM contract_hours c WHERE c.employment IN {}",
                _in(part),
            )
        )
        for row in rows:
            valid_from = as_date(row["valid_from"])
            assert valid_from is not None
            found[int(row["employment"])].append(
                (valid_from, int(row["id"]), as_int(row["minutes"]))
            )
    return found


def _contract_on(contracts: list[tuple[date, int, int]], day: date) -> int | None:
    """Minutes per week of the contract valid on `day`: the latest `valid_from` on or before
    it, of two from one day the later one (the dashboard's rule); None before any."""
    valid = [contract for contract in contracts if contract[0] <= day]
    return max(valid)[2] if valid else None
