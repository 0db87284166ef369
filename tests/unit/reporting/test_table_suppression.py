"""A dashboard table with a total row hides enough that no hidden cell can be recomputed."""

from decimal import Decimal

from practice.platform.i18n import N_
from reporting.statistics.definitions import Unit
from reporting.statistics.model import TOTAL_ROW, RawRow, RawTable, suppress
from reporting.statistics.suppression import Cell


def _table(rows: dict[str, int]) -> RawTable:
    cells = {key: (Cell(Decimal(50), n),) for key, n in rows.items()}
    total = sum(rows.values())
    return RawTable(
        key="volume",
        codes=("S2",),
        title=N_("Volume"),
        unit=Unit.PERCENT,
        columns=("end",),
        rows=(
            *(RawRow(key, key, cell) for key, cell in cells.items()),
            RawRow(TOTAL_ROW, "all", (Cell(Decimal(50), total),)),
        ),
    )


def test_a_lone_small_diagnosis_beside_a_shown_total_takes_its_smallest_neighbour_with_it() -> None:
    table = suppress(_table({"angststoornis": 12, "depressie": 8, "burn_out": 3}), 5)
    hidden = [row.key for row in table.rows if row.cells[0].value is None]
    # the total minus the two shown cells would otherwise give the small one away
    assert hidden == ["depressie", "burn_out"]
    total = next(row for row in table.rows if row.key == TOTAL_ROW)
    assert total.cells[0].n == 23


def test_a_table_whose_cells_all_reach_the_minimum_shows_every_cell() -> None:
    table = suppress(_table({"angststoornis": 12, "depressie": 8, "burn_out": 6}), 5)
    assert all(row.cells[0].value is not None for row in table.rows)
