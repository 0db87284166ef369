"""The employer's statistics as read: one published month per employer, its cells as the
employer may see them (`reporting.statistics.snapshots.display`), with their labels, the
month each was counted for, and the months to go to. The page and the JSON are both built
from `EmployerMonth`, so they show the same snapshot."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from practice.platform.i18n import N_, format_day
from practice.platform.i18n import gettext as _
from reporting.queries.employer_statistics import EmployerSnapshots, PublishedSnapshot
from reporting.statistics.definitions import ContractBasis, CountedHours, VolumeVariant
from reporting.statistics.export import cell_json
from reporting.statistics.presentation import volume_basis
from reporting.statistics.snapshots import (
    AGREEMENTS,
    CELL_CODES,
    EMPLOYEES,
    EPISODES,
    SESSIONS,
    display,
)
from reporting.statistics.suppression import Shown

CELL_LABELS: Mapping[str, str] = {
    EMPLOYEES: N_("Employees referred"),
    EPISODES: N_("Treatment episodes"),
    SESSIONS: N_("Sessions held"),
    AGREEMENTS: N_("Share with agreements on work resumption (%)"),
    "volume_begin": N_("Work resumption at the start of treatment (%)"),
    "volume_end": N_("Work resumption at the end of treatment (%)"),
    "volume_follow_up": N_("Work resumption at follow-up (%)"),
}
PERCENT_CODES = frozenset({AGREEMENTS, "volume_begin", "volume_end", "volume_follow_up"})

# The keys of the JSON, which kept its names from before the snapshots.
JSON_KEYS: Mapping[str, str] = {
    EMPLOYEES: "employees_referred",
    EPISODES: "episodes",
    SESSIONS: "sessions_held",
    AGREEMENTS: "with_resumption_agreements_percent",
}
VOLUME_JSON = {"volume_begin": "begin", "volume_end": "end", "volume_follow_up": "follow_up"}


def month_param(value: str | None) -> date | None:
    """``2026-11`` as the month's first day; None for no value; ValueError otherwise."""
    if value is None or value == "":
        return None
    year, _sep, month = value.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError(value)
    return date(int(year), int(month), 1)


def month_label(month: date) -> str:
    """ "november 2026" / "November 2026"."""
    return format_day(month, "LLLL y")


@dataclass(frozen=True, slots=True)
class Figure:
    code: str
    label: str
    shown: Shown
    as_of: date
    carried: bool  # counted for an earlier month than the snapshot's (the guard kept it)
    percent: bool


@dataclass(frozen=True, slots=True)
class EmployerMonth:
    """What one employer's contact reads for one month (or nothing published yet)."""

    employer_id: int
    name: str
    snapshot: PublishedSnapshot | None
    figures: list[Figure]
    months: list[date]  # every published month, newest first
    previous: date | None  # the month before the one shown, to go back to
    following: date | None  # the month after it, to go forward to

    @property
    def basis_text(self) -> str:
        """What the volume % is a share of, in the dashboard's words (`volume_basis`): the
        basis the snapshot was computed on, hours on wage value."""
        if self.snapshot is None:
            return ""
        return volume_basis(VolumeVariant(basis=ContractBasis(self.snapshot.contract_basis)))


def employer_month(employer: EmployerSnapshots, month: date | None) -> EmployerMonth:
    """The snapshot of `month` (the latest published when None; none when that month was
    not published) with its figures as the employer may see them."""
    months = [snapshot.month for snapshot in employer.snapshots]
    chosen = next(
        (s for s in employer.snapshots if month is None or s.month == month),
        None,
    )
    figures: list[Figure] = []
    previous = following = None
    if chosen is not None:
        shown = display(chosen.cells, chosen.min_n)
        figures = [
            Figure(
                code,
                _(CELL_LABELS[code]),
                shown[code],
                chosen.cells[code].as_of,
                chosen.cells[code].as_of < chosen.as_of,
                code in PERCENT_CODES,
            )
            for code in CELL_CODES
            if code in chosen.cells
        ]
        index = months.index(chosen.month)
        following = months[index - 1] if index > 0 else None
        previous = months[index + 1] if index + 1 < len(months) else None
    return EmployerMonth(
        employer.employer_id, employer.name, chosen, figures, months, previous, following
    )


def employer_month_json(view: EmployerMonth) -> dict[str, Any]:
    """The same snapshot as JSON: the earlier keys and cell shape, with each cell's date."""
    result: dict[str, Any] = {
        "employer_id": view.employer_id,
        "employer": view.name,
        "months": [m.isoformat()[:7] for m in view.months],
    }
    snapshot = view.snapshot
    if snapshot is None:
        return result | {"month": None, "as_of": None, "min_n": None, "published": False}
    figures = {
        figure.code: cell_json(figure.shown)
        | {"as_of": figure.as_of.isoformat(), "carried_forward": figure.carried}
        for figure in view.figures
    }
    return result | {
        "published": True,
        "month": snapshot.month.isoformat()[:7],
        "as_of": snapshot.as_of.isoformat(),
        "published_at": snapshot.published_at.isoformat(),
        "min_n": snapshot.min_n,
        "contract_basis": {"code": snapshot.contract_basis, "text": view.basis_text},
        "counted_hours": {"code": CountedHours.WAGE_VALUE.value},
        **{key: figures[code] for code, key in JSON_KEYS.items() if code in figures},
        "volume_percent": {
            key: figures[code] for code, key in VOLUME_JSON.items() if code in figures
        },
    }
