"""Small-cell suppression: which figures a table may show, and what it shows instead.

A practice is small. A cell "2 clients with depression at employer X" identifies people, and
so does a mean over 2 clients. Any cell counted over fewer than `min_n` records is therefore
shown as "< 5" (for the default minimum), never as its value and never with its exact n.

The guarantee is structural: `shown` copies nothing of a suppressed cell into the `Shown` it
returns, so no attribute, str() or repr() can leak the value. The statistics themselves
(`reporting.statistics.reference`) keep exact numbers; suppression is the last step before
display, and SQL results pass through the same functions.

Markers follow the CBS "verklaring van tekens": "–" for nothing (n = 0) and "x" for a figure
withheld to protect another one (complementary suppression).

The minimum has a floor, `MIN_CELL_FLOOR` (5, `practice.privacy`): an employer's contract
may raise it, nothing may lower it, so every function here refuses a smaller `min_n`
rather than show a figure over fewer records.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from practice.privacy import MIN_CELL_FLOOR

MIN_CELL_DEFAULT = MIN_CELL_FLOOR
EMPTY_TEXT = "–"  # n = 0: there is nothing to show, and saying so discloses nobody
WITHHELD_TEXT = "x"  # n is large enough, but the figure would reveal a suppressed neighbour

R = TypeVar("R")
C = TypeVar("C")
K = TypeVar("K")


def _check_count(name: str, value: object, *, minimum: int) -> None:
    # bool is an int in Python; a True where a count belongs is a caller's bug.
    if type(value) is not int or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


@dataclass(frozen=True, slots=True)
class Cell:
    """One computed figure and the number of records it was computed over.

    `value` is None when the figure is undefined (a mean over no values); for a count, the
    value and n are the same number.
    """

    value: Decimal | int | None
    n: int

    def __post_init__(self) -> None:
        _check_count("n", self.n, minimum=0)


def suppressed_text(min_n: int) -> str:
    """The text shown instead of a figure counted over 1 to min_n - 1 records."""
    return f"< {min_n}"


@dataclass(frozen=True, slots=True)
class Shown:
    """What a table may display for one cell; built by `shown`, not by hand.

    * a figure: `value` and `n` as computed, `text` is str(value);
    * nothing to show: `value` None, `n` as counted (0, or the records of an undefined
      figure), `text` "–";
    * suppressed: `value` and `n` None, `text` "< min_n" (or "x" when withheld to protect a
      neighbour). Two suppressed cells with the same `min_n` are equal, whatever they hid.

    The UI formats `value` by locale (`practice.platform.i18n.format_number`) and always prints `n`.
    """

    value: Decimal | int | None
    n: int | None
    text: str

    def __post_init__(self) -> None:
        if self.value is not None and (self.n is None or self.text != str(self.value)):
            raise ValueError("a shown figure needs its n and its own text")

    @property
    def suppressed(self) -> bool:
        """True when the figure was withheld; then nothing about it is known here."""
        return self.n is None

    def __str__(self) -> str:
        return self.text


def _check_min_n(min_n: int) -> None:
    # The floor, not 1: a minimum below it is a caller's bug (or a row from before the
    # database's CHECK), never a reason to show a figure over fewer records.
    _check_count("min_n", min_n, minimum=MIN_CELL_FLOOR)


def shown(cell: Cell, min_n: int = MIN_CELL_DEFAULT) -> Shown:
    """The display form of `cell`: its figure, "–" for n = 0, or "< min_n" when 0 < n < min_n."""
    _check_min_n(min_n)
    if cell.n == 0:
        return Shown(None, 0, EMPTY_TEXT)
    if cell.n < min_n:
        return Shown(None, None, suppressed_text(min_n))
    if cell.value is None:
        return Shown(None, cell.n, EMPTY_TEXT)
    return Shown(cell.value, cell.n, str(cell.value))


def suppress_table(
    rows: Mapping[R, Mapping[C, Cell]], min_n: int = MIN_CELL_DEFAULT
) -> dict[R, dict[C, Shown]]:
    """`shown` applied to every cell of a table, keeping its row and column keys.

    Cell by cell only: enough for tables of means, whose cells do not add up to a shown
    total. A table of counts with totals also needs `complementary_suppression` per row.
    """
    _check_min_n(min_n)
    return {
        row: {column: shown(cell, min_n) for column, cell in cells.items()}
        for row, cells in rows.items()
    }


@dataclass(frozen=True, slots=True)
class ShownRow(Generic[K]):
    """A row of cells and its total, after primary and complementary suppression."""

    cells: Mapping[K, Shown]
    total: Shown


def complementary_suppression(
    cells: Mapping[K, Cell], total: Cell, min_n: int = MIN_CELL_DEFAULT
) -> ShownRow[K]:
    """Suppress one row of cells plus its total so no suppressed cell can be back-computed.

    With a shown total, a single suppressed cell is simply the total minus the shown cells
    (for counts: n; for means: mean x n as well). So when exactly one cell is suppressed and
    the total is shown, the cell with the next-smallest n is withheld too ("x"): the
    smallest, because it loses the least information; on a tie, the first in row order, so
    the result is deterministic. Cells shown as "–" (n = 0) protect nothing: subtracting
    zero reveals the same number. When no other cell has records, the total is withheld.

    Two or more suppressed cells are left as they are: their sum can be computed, but not
    how it splits, which is the usual standard. Columns are protected by calling this once
    per column; a full table needs an iterative pass (not needed for the current reports).
    """
    _check_min_n(min_n)
    shown_cells = {key: shown(cell, min_n) for key, cell in cells.items()}
    shown_total = shown(total, min_n)
    primary = [key for key, figure in shown_cells.items() if figure.suppressed]
    if len(primary) != 1 or shown_total.suppressed:
        return ShownRow(shown_cells, shown_total)
    candidates = [key for key, figure in shown_cells.items() if figure.n]
    withheld = Shown(None, None, WITHHELD_TEXT)
    if not candidates:
        return ShownRow(shown_cells, withheld)
    smallest = min(candidates, key=lambda key: cells[key].n)  # min keeps the first on a tie
    return ShownRow({**shown_cells, smallest: withheld}, shown_total)


def suppress_with_total(
    rows: Mapping[R, Sequence[Cell]], total: R, min_n: int = MIN_CELL_DEFAULT
) -> dict[R, tuple[Shown, ...]]:
    """A table whose row ``total`` sums up the others column by column (S2's "all
    diagnoses" over the diagnoses), suppressed so no hidden cell can be recomputed.

    Cell by cell, a single suppressed cell of a column beside a shown total gives itself
    away: its n is the total's n minus the others', its mean the total's mean x n minus
    theirs. So each column goes through `complementary_suppression` with the total row's
    cell as its total: the next-smallest cell is withheld ("x") too, or the total when
    no other cell has records. Rows other than the total are the column's cells.
    """
    _check_min_n(min_n)
    if total not in rows:
        return {key: tuple(shown(cell, min_n) for cell in cells) for key, cells in rows.items()}
    width = len(rows[total])
    if any(len(cells) != width for cells in rows.values()):
        raise ValueError("every row of a table with a total needs one cell per column")
    parts = [key for key in rows if key != total]
    columns = [
        complementary_suppression(
            {key: rows[key][column] for key in parts}, rows[total][column], min_n
        )
        for column in range(width)
    ]
    result = {key: tuple(column.cells[key] for column in columns) for key in parts}
    result[total] = tuple(column.total for column in columns)
    return {key: result[key] for key in rows}  # the rows in their own order
