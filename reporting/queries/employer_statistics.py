"""Reading the employer's published statistics: the snapshots of the employers a contact
belongs to, newest month first. Never a live count (`reporting.statistics.snapshots`)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from practice.tables import Employer, EmployerContact
from reporting.statistics.facts import as_date
from reporting.statistics.snapshots import SnapshotCell, cells_from_json
from reporting.tables import EmployerStatistics


@dataclass(frozen=True, slots=True)
class PublishedSnapshot:
    """One month's snapshot as published: counted as of `as_of`, shown at `min_n`."""

    month: date
    as_of: date
    min_n: int
    contract_basis: str
    cells: dict[str, SnapshotCell]
    published_at: datetime


@dataclass(frozen=True, slots=True)
class EmployerSnapshots:
    """An employer the contact belongs to and its published months, newest first."""

    employer_id: int
    name: str
    snapshots: list[PublishedSnapshot]


async def contact_snapshots(user_id: int) -> list[EmployerSnapshots] | None:
    """The snapshots of every employer the contact ``user_id`` belongs to (by employer
    name); None when the account is no employer's contact."""
    contacts = await EmployerContact.select(EmployerContact.employer).where(
        EmployerContact.user == user_id
    )
    ids = sorted({int(c["employer"]) for c in contacts})
    if not ids:
        return None
    employers = await Employer.select(Employer.id, Employer.name).where(Employer.id.is_in(ids))
    rows = (
        await EmployerStatistics.select(
            EmployerStatistics.employer,
            EmployerStatistics.month,
            EmployerStatistics.as_of,
            EmployerStatistics.min_n,
            EmployerStatistics.contract_basis,
            EmployerStatistics.cells,
            EmployerStatistics.published_at,
        )
        .where(EmployerStatistics.employer.is_in(ids))
        .order_by(EmployerStatistics.month, ascending=False)
    )
    by_employer: dict[int, list[PublishedSnapshot]] = {int(e["id"]): [] for e in employers}
    for row in rows:
        by_employer[int(row["employer"])].append(_snapshot(row))
    return [
        EmployerSnapshots(int(e["id"]), str(e["name"]), by_employer[int(e["id"])])
        for e in sorted(employers, key=lambda e: str(e["name"]))
    ]


def _snapshot(row: dict[str, Any]) -> PublishedSnapshot:
    month, as_of = as_date(row["month"]), as_date(row["as_of"])
    assert month is not None and as_of is not None
    return PublishedSnapshot(
        month=month,
        as_of=as_of,
        min_n=int(row["min_n"]),
        contract_basis=str(row["contract_basis"]),
        cells=cells_from_json(row["cells"]),
        published_at=row["published_at"],
    )
