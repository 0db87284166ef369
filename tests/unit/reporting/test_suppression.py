from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practice.privacy import MIN_CELL_FLOOR, cell_size_problem
from reporting.statistics.suppression import (
    EMPTY_TEXT,
    MIN_CELL_DEFAULT,
    WITHHELD_TEXT,
    Cell,
    Shown,
    complementary_suppression,
    shown,
    suppress_table,
    suppress_with_total,
)

D = Decimal


def count(n: int) -> Cell:
    return Cell(n, n)


def test_the_default_minimum_cell_size_is_five_and_so_is_the_floor() -> None:
    assert MIN_CELL_DEFAULT == MIN_CELL_FLOOR == 5


def test_an_employers_smallest_cell_may_be_raised_but_never_set_below_the_floor() -> None:
    assert cell_size_problem(5) is None and cell_size_problem(12) is None
    for small in (-1, 0, 1, 4):
        assert "at least 5" in str(cell_size_problem(small))


def test_a_cell_with_enough_records_shows_its_value_and_its_n() -> None:
    figure = shown(Cell(D("49.0"), 5))
    assert (figure.value, figure.n, str(figure)) == (D("49.0"), 5, "49.0")
    assert not figure.suppressed


def test_a_cell_with_one_record_fewer_than_the_minimum_shows_only_less_than_the_minimum() -> None:
    figure = shown(Cell(D("49.0"), 4))
    assert (figure.value, figure.n, str(figure)) == (None, None, "< 5")
    assert figure.suppressed


def test_the_minimum_may_be_raised_above_the_floor() -> None:
    assert str(shown(Cell(7, 9), min_n=10)) == "< 10"
    assert shown(Cell(7, 10), min_n=10).value == 7


def test_an_empty_cell_shows_a_dash_and_its_zero_n() -> None:
    figure = shown(Cell(None, 0))
    assert (figure.value, figure.n, str(figure)) == (None, 0, EMPTY_TEXT)
    assert not figure.suppressed


def test_an_undefined_figure_over_enough_records_shows_a_dash_with_its_n() -> None:
    figure = shown(Cell(None, 8))
    assert (figure.value, figure.n, str(figure)) == (None, 8, EMPTY_TEXT)


def test_suppressed_cells_are_indistinguishable_whatever_they_hid() -> None:
    first, second = shown(Cell(D("12.5"), 1)), shown(Cell(D("99.9"), 4))
    assert first == second and repr(first) == repr(second) and hash(first) == hash(second)


@pytest.mark.parametrize(("value", "n"), [(1, -1), (1, True), (1, 2.0)])
def test_a_cell_needs_a_whole_non_negative_n(value: int, n: object) -> None:
    with pytest.raises(ValueError, match="n must be a whole number"):
        Cell(value, n)  # type: ignore[arg-type]


@pytest.mark.parametrize("small", [0, 1, 2, 4])
def test_no_function_shows_a_figure_with_a_minimum_below_the_floor(small: int) -> None:
    with pytest.raises(ValueError, match="min_n"):
        shown(Cell(1, 1), min_n=small)
    with pytest.raises(ValueError, match="min_n"):
        suppress_table({"a": {"b": count(9)}}, small)
    with pytest.raises(ValueError, match="min_n"):
        complementary_suppression({"a": count(9)}, count(9), small)
    with pytest.raises(ValueError, match="min_n"):
        suppress_with_total({"a": (count(9),), "all": (count(9),)}, "all", small)


def test_a_shown_figure_cannot_be_built_without_its_n() -> None:
    with pytest.raises(ValueError, match="needs its n"):
        Shown(3, None, "3")


def test_suppressing_a_table_keeps_its_rows_and_columns() -> None:
    table = {"angst": {"begin": Cell(D(49), 5), "end": Cell(D(91), 3)}, "other": {}}
    assert suppress_table(table) == {
        "angst": {"begin": Shown(D(49), 5, "49"), "end": Shown(None, None, "< 5")},
        "other": {},
    }


values = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.decimals(allow_nan=False, allow_infinity=False, places=1, min_value=-1000, max_value=1000),
)
cells = st.builds(Cell, values, st.integers(0, 30))
tables = st.dictionaries(st.text(max_size=3), st.dictionaries(st.text(max_size=3), cells))


@given(tables, st.integers(MIN_CELL_FLOOR, 12))
def test_no_shown_cell_with_fewer_records_than_the_minimum_exposes_its_value(
    table: dict[str, dict[str, Cell]], min_n: int
) -> None:
    for row, columns in suppress_table(table, min_n).items():
        for column, figure in columns.items():
            cell = table[row][column]
            if not 0 < cell.n < min_n:
                continue
            # Everything public is constant: the same for every suppressed cell.
            assert (figure.value, figure.n, figure.text) == (None, None, f"< {min_n}")
            assert figure == shown(Cell(None, 1), min_n)
            if cell.value is not None and str(cell.value) not in f"< {min_n}":
                # (a value like 5 is "in" the text "< 5" by coincidence, not by leaking)
                assert str(cell.value) not in str(figure)
                assert str(cell.value) not in repr(figure)


def test_a_single_suppressed_cell_beside_a_shown_total_takes_the_next_smallest_with_it() -> None:
    row = {"a": count(3), "b": count(12), "c": count(7), "d": count(0)}
    result = complementary_suppression(row, count(22))
    assert {key: str(figure) for key, figure in result.cells.items()} == {
        "a": "< 5",
        "b": "12",
        "c": WITHHELD_TEXT,
        "d": EMPTY_TEXT,
    }
    assert result.total == Shown(22, 22, "22")


def test_between_equally_small_neighbours_the_first_is_withheld() -> None:
    result = complementary_suppression({"a": count(6), "b": count(2), "c": count(6)}, count(14))
    assert [str(f) for f in result.cells.values()] == [WITHHELD_TEXT, "< 5", "6"]


def test_when_only_empty_cells_remain_the_total_is_withheld_instead() -> None:
    result = complementary_suppression({"a": count(3), "b": count(0)}, count(3))
    assert str(result.cells["b"]) == EMPTY_TEXT
    assert str(result.total) == "< 5"  # the total itself is small here
    result = complementary_suppression({"a": count(3), "b": count(0)}, count(9))  # odd data
    assert str(result.total) == WITHHELD_TEXT


def test_two_suppressed_cells_or_a_suppressed_total_need_nothing_more() -> None:
    two = complementary_suppression({"a": count(2), "b": count(3), "c": count(9)}, count(14))
    assert [str(f) for f in two.cells.values()] == ["< 5", "< 5", "9"]
    small = complementary_suppression({"a": count(2), "b": count(1)}, count(3))
    assert [str(f) for f in small.cells.values()] == ["< 5", "< 5"]
    assert str(small.total) == "< 5"


def test_a_row_without_small_cells_is_shown_as_it_is() -> None:
    result = complementary_suppression({"a": count(5), "b": count(6)}, count(11))
    assert [f.value for f in result.cells.values()] == [5, 6] and result.total.value == 11


@given(st.lists(st.integers(0, 15), max_size=6), st.integers(MIN_CELL_FLOOR, 8))
def test_no_single_hidden_cell_can_be_recomputed_from_a_shown_total(
    counts: list[int], min_n: int
) -> None:
    row = {index: count(n) for index, n in enumerate(counts)}
    result = complementary_suppression(row, count(sum(counts)), min_n)
    hidden = [key for key, figure in result.cells.items() if figure.n is None]
    assert result.total.n is None or len(hidden) != 1


def mean(value: str, n: int) -> Cell:
    return Cell(D(value), n)


def test_a_table_with_a_total_row_withholds_a_neighbour_of_a_lone_small_cell_per_column() -> None:
    # S2's shape: volume % per diagnosis at two moments, and "all diagnoses" below.
    rows = {
        "angst": (mean("40.0", 3), mean("60.0", 6)),
        "depressie": (mean("50.0", 8), mean("70.0", 2)),
        "burnout": (mean("30.0", 6), mean("80.0", 1)),
        "all": (mean("42.9", 17), mean("68.9", 9)),
    }
    result = suppress_with_total(rows, "all")
    assert list(result) == ["angst", "depressie", "burnout", "all"]
    first = [str(result[key][0]) for key in result]
    assert first == ["< 5", "50.0", WITHHELD_TEXT, "42.9"]  # burnout (6) is the next smallest
    second = [str(result[key][1]) for key in result]
    assert second == ["60.0", "< 5", "< 5", "68.9"]  # two hidden: their sum, not each


def test_a_table_without_its_total_row_is_suppressed_cell_by_cell() -> None:
    result = suppress_with_total({"a": (count(3),), "b": (count(9),)}, "all")
    assert [str(result[key][0]) for key in result] == ["< 5", "9"]


@given(
    st.lists(st.lists(st.integers(0, 15), min_size=2, max_size=2), min_size=1, max_size=6),
    st.integers(MIN_CELL_FLOOR, 8),
)
def test_no_figure_of_a_table_with_a_total_rests_on_fewer_records_than_the_minimum(
    counts: list[list[int]], min_n: int
) -> None:
    """Every shown figure has n >= min_n; and per column, with the total shown, no hidden
    cell is alone (its n could otherwise be recomputed as total minus the shown cells)."""
    rows: dict[object, tuple[Cell, ...]] = {
        index: tuple(count(n) for n in row) for index, row in enumerate(counts)
    }
    rows["all"] = tuple(count(sum(row[c] for row in counts)) for c in range(2))
    result = suppress_with_total(rows, "all", min_n)
    for cells in result.values():
        for figure in cells:
            assert figure.value is None or (figure.n is not None and figure.n >= min_n)
    for column in range(2):
        hidden = [key for key in result if key != "all" and result[key][column].n is None]
        assert result["all"][column].n is None or len(hidden) != 1
