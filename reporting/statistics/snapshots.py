"""The employer's statistics (S15) as dated monthly snapshots, and the guard against
differencing (issue 18).

Live counts let an employer who reads every day subtract two reads: when n goes from 5 to 6
the difference of the two means is one person's figure. So an employer never reads live
counts. Per calendar month one snapshot is published, once, on or after the first day of
the next month, counted as of the month's last day (`month_end`) over the employees whose
consent to process updates for the employer is in force on that day; it is never changed
afterwards. Every read shows a published snapshot, so two reads on the same month are the
same, whatever happened in between.

Consecutive snapshots could still be subtracted, so each one passes `guard` before it is
published. Compared with the employer's previous published snapshot, a cell

* whose n changed by fewer than the employer's minimum cell size (at least the floor, 5), or
* whose value changed while its n did not (one person in, one out),

is carried forward unchanged from the previous snapshot, with the month it was counted for
(shown as "as of <month>"). Every other cell is published as counted. The comparison is
with the cell as *published* (which may itself have been carried), not with last month's
count, so a population that grows by one a month is shown again once it has grown by the
minimum since it was last shown. Hence two consecutive reads show a cell either unchanged
or counted over a population that differs by at least the minimum: |delta n| >= min_n, and
the people who differ number at least |delta n|. The same holds for suppressed cells:
"< 5" never turns into "–" (one person left) or back unless the n moved by the minimum.

Totals and complementary suppression: S15 is one column of figures for one employer,
each over its own population (employees; their episodes, which also carry the sessions
held and the share with agreements; per moment the absent episodes measured then). No
figure is shown beside parts that add up to it (nothing is split by department, diagnosis
or month), so `suppress_with_total` has nothing to protect, and each cell is suppressed on
its own (`shown`, "< min_n"). The one difference that two shown cells do give away is
episodes minus employees, the employees referred more than once: when that is between 1
and min_n - 1, the employee count is withheld ("x", `display`), so no figure, shown or
derived, rests on fewer than the minimum. A carried cell is shown at the minimum of the
snapshot that shows it, so raising an employer's minimum suppresses old figures too.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from reporting.statistics.suppression import WITHHELD_TEXT, Cell, Shown, shown

EMPLOYEES = "employees_referred"
EPISODES = "episodes"
SESSIONS = "sessions_held"
AGREEMENTS = "with_agreements"
VOLUME_CODES = ("volume_begin", "volume_end", "volume_follow_up")
CELL_CODES = (EMPLOYEES, EPISODES, SESSIONS, AGREEMENTS, *VOLUME_CODES)


# ---------------------------------------------------------------- months


def month_of(day: date) -> date:
    """The first day of `day`'s calendar month: the key of a snapshot."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(month: date) -> date:
    """The last day of `month`: the day a snapshot is counted as of."""
    return next_month(month) - timedelta(days=1)


def months_due(first_month: date, last_published: date | None, today: date) -> list[date]:
    """The months to publish, in order: from the month after the last published one (or
    from `first_month`, the month of the employer's first referral) through the month
    before today's. A month is due from the first day of the next month, never earlier:
    its figures are counted as of its last day."""
    month = first_month if last_published is None else next_month(month_of(last_published))
    due: list[date] = []
    while month < month_of(today):
        due.append(month)
        month = next_month(month)
    return due


# ---------------------------------------------------------------- the guard


@dataclass(frozen=True, slots=True)
class SnapshotCell:
    """A published figure, its n, and the last day of the month it was counted for
    (later than that month when it was carried forward)."""

    value: Decimal | int | None
    n: int
    as_of: date

    def __post_init__(self) -> None:
        Cell(self.value, self.n)  # the same checks as any counted cell

    @property
    def cell(self) -> Cell:
        return Cell(self.value, self.n)

    def to_json(self) -> dict[str, Any]:
        value = None if self.value is None else str(self.value)
        return {"value": value, "n": self.n, "as_of": self.as_of.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "SnapshotCell":
        raw = data["value"]
        value: Decimal | int | None = None
        if raw is not None:
            value = int(raw) if "." not in str(raw) else Decimal(str(raw))
        return cls(value, int(data["n"]), date.fromisoformat(str(data["as_of"])))


def cells_from_json(stored: Mapping[str, Any] | str) -> dict[str, SnapshotCell]:
    """The cells of a stored snapshot (its JSON column, parsed or, from some drivers, text)."""
    data: Mapping[str, Any] = json.loads(stored) if isinstance(stored, str) else stored
    return {code: SnapshotCell.from_json(cell) for code, cell in data.items()}


def may_publish(previous: Cell, current: Cell, min_n: int) -> bool:
    """Whether `current` may replace the published `previous` without isolating anyone:
    its n moved by at least `min_n`, or nothing about it changed."""
    if abs(current.n - previous.n) >= min_n:
        return True
    return current.n == previous.n and current.value == previous.value


def guard(
    counted: Mapping[str, Cell],
    previous: Mapping[str, SnapshotCell] | None,
    as_of: date,
    min_n: int,
) -> dict[str, SnapshotCell]:
    """The cells to publish for the month ending `as_of`: each counted cell, or the
    previous snapshot's cell where publishing the count would let the two be subtracted
    (see the module's docstring). The first snapshot has nothing to be compared with."""
    published: dict[str, SnapshotCell] = {}
    for code, cell in counted.items():
        before = None if previous is None else previous.get(code)
        if before is None or may_publish(before.cell, cell, min_n):
            published[code] = SnapshotCell(cell.value, cell.n, as_of)
        else:
            published[code] = before
    return published


# ---------------------------------------------------------------- what the employer sees


def display(cells: Mapping[str, SnapshotCell], min_n: int) -> dict[str, Shown]:
    """The published cells as the employer reads them: suppressed below `min_n`, and the
    employee count withheld when it and the episode count would give away fewer than
    `min_n` employees referred more than once."""
    result = {code: shown(cell.cell, min_n) for code, cell in cells.items()}
    employees, episodes = result.get(EMPLOYEES), result.get(EPISODES)
    if (
        employees is not None
        and episodes is not None
        and employees.n is not None
        and episodes.n is not None
        and 0 < episodes.n - employees.n < min_n
    ):
        result[EMPLOYEES] = Shown(None, None, WITHHELD_TEXT)
    return result
