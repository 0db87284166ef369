"""The employer's monthly snapshots and the guard against differencing (issue 18), as pure
rules: which months are due, which cells may change from one snapshot to the next, and what
the employer is shown."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.statistics.snapshots import (
    EMPLOYEES,
    EPISODES,
    SnapshotCell,
    cells_from_json,
    display,
    guard,
    month_end,
    months_due,
)
from reporting.statistics.suppression import Cell

OCT, NOV, DEC = date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31)


def test_a_month_is_due_from_the_first_day_of_the_next_month_and_months_go_in_order() -> None:
    assert months_due(date(2026, 10, 1), None, date(2026, 10, 31)) == []
    assert months_due(date(2026, 10, 1), None, date(2026, 11, 1)) == [date(2026, 10, 1)]
    assert months_due(date(2026, 10, 1), None, date(2027, 1, 15)) == [
        date(2026, 10, 1),
        date(2026, 11, 1),
        date(2026, 12, 1),
    ]
    assert months_due(date(2026, 10, 1), date(2026, 11, 1), date(2027, 1, 15)) == [
        date(2026, 12, 1)
    ]
    assert months_due(date(2026, 10, 1), date(2026, 12, 1), date(2027, 1, 15)) == []
    assert month_end(date(2026, 2, 1)) == date(2026, 2, 28)
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    assert month_end(date(2026, 12, 1)) == DEC


def test_the_first_snapshot_publishes_what_was_counted() -> None:
    published = guard({"a": Cell(3, 3), "b": Cell(Decimal("40.0"), 7)}, None, OCT, 5)
    assert published == {"a": SnapshotCell(3, 3, OCT), "b": SnapshotCell(Decimal("40.0"), 7, OCT)}


def test_one_more_employee_carries_the_earlier_figure_forward_with_its_date() -> None:
    october = guard({"a": Cell(5, 5), "v": Cell(Decimal("50.0"), 5)}, None, OCT, 5)
    november = guard({"a": Cell(6, 6), "v": Cell(Decimal("42.0"), 6)}, october, NOV, 5)
    assert november == october  # n 5 -> 6 would give away the sixth person's figure


def test_a_population_that_moved_by_the_minimum_is_published() -> None:
    october = guard({"a": Cell(5, 5)}, None, OCT, 5)
    assert guard({"a": Cell(10, 10)}, october, NOV, 5) == {"a": SnapshotCell(10, 10, NOV)}
    assert guard({"a": Cell(0, 0)}, october, NOV, 5) == {"a": SnapshotCell(0, 0, NOV)}


def test_a_value_that_changed_while_n_did_not_is_carried_forward() -> None:
    october = guard({"v": Cell(Decimal("50.0"), 8)}, None, OCT, 5)
    assert guard({"v": Cell(Decimal("55.0"), 8)}, october, NOV, 5) == october
    unchanged = guard({"v": Cell(Decimal("50.0"), 8)}, october, NOV, 5)
    assert unchanged == {"v": SnapshotCell(Decimal("50.0"), 8, NOV)}


def test_slow_growth_is_compared_with_the_figure_last_shown_not_with_last_months_count() -> None:
    october = guard({"a": Cell(5, 5)}, None, OCT, 5)
    november = guard({"a": Cell(8, 8)}, october, NOV, 5)
    december = guard({"a": Cell(11, 11)}, november, DEC, 5)
    assert november == october
    assert december == {"a": SnapshotCell(11, 11, DEC)}  # 11 - 5 >= 5


def test_a_suppressed_cell_does_not_turn_into_nothing_when_one_person_leaves() -> None:
    october = guard({"a": Cell(1, 1)}, None, OCT, 5)
    assert guard({"a": Cell(0, 0)}, october, NOV, 5) == october
    assert display(october, 5)["a"].text == "< 5"


def test_the_employee_count_is_withheld_when_fewer_than_the_minimum_were_referred_twice() -> None:
    cells = {EMPLOYEES: SnapshotCell(10, 10, OCT), EPISODES: SnapshotCell(11, 11, OCT)}
    shown = display(cells, 5)
    assert shown[EMPLOYEES].text == "x" and shown[EMPLOYEES].n is None
    assert shown[EPISODES].value == 11
    apart = {EMPLOYEES: SnapshotCell(10, 10, OCT), EPISODES: SnapshotCell(15, 15, OCT)}
    assert display(apart, 5)[EMPLOYEES].value == 10
    same = {EMPLOYEES: SnapshotCell(10, 10, OCT), EPISODES: SnapshotCell(10, 10, OCT)}
    assert display(same, 5)[EMPLOYEES].value == 10


def test_a_carried_figure_is_shown_at_the_minimum_of_the_snapshot_that_shows_it() -> None:
    cells = {"a": SnapshotCell(6, 6, OCT)}
    assert display(cells, 5)["a"].value == 6
    assert display(cells, 10)["a"].text == "< 10"


def test_a_snapshot_cell_survives_its_json_round_trip() -> None:
    cells = {"a": SnapshotCell(6, 6, OCT), "v": SnapshotCell(Decimal("51.4"), 7, NOV)}
    stored = {code: cell.to_json() for code, cell in cells.items()}
    assert cells_from_json(stored) == cells
    assert cells_from_json('{"v": {"value": null, "n": 0, "as_of": "2026-10-31"}}') == {
        "v": SnapshotCell(None, 0, OCT)
    }


@settings(max_examples=300, deadline=None)
@given(
    min_n=st.integers(min_value=5, max_value=12),
    months=st.lists(
        st.tuples(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=3)),
        min_size=1,
        max_size=36,
    ),
)
def test_two_consecutive_snapshots_never_differ_by_fewer_than_the_minimum(
    min_n: int, months: list[tuple[int, int]]
) -> None:
    """Any history of counts: each published cell is a real count of its own month, and two
    consecutive snapshots show the same cell or cells whose n differ by at least min_n."""
    previous: dict[str, SnapshotCell] | None = None
    counted_on: dict[date, Cell] = {}
    for index, (n, mean) in enumerate(months):
        as_of = month_end(date(2024 + index // 12, index % 12 + 1, 1))
        cell = Cell(None if n == 0 else Decimal(10 * mean + n % 7), n)
        counted_on[as_of] = cell
        published = guard({"v": cell}, previous, as_of, min_n)
        shown = published["v"]
        assert counted_on[shown.as_of] == shown.cell  # never a made-up figure
        if previous is not None:
            before = previous["v"]
            assert shown.cell == before.cell or abs(shown.n - before.n) >= min_n
        previous = published
