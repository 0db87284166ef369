"""Which whole months the kept cells answer for a filter (reporting.statistics.cells): pure."""

from datetime import date

from reporting.statistics.cells import _runs, _whole_months, month_end, month_of
from reporting.statistics.facts import Filters

MONTHS = [date(2025, m, 1) for m in range(1, 13)]


def test_a_month_ends_on_its_last_day_in_leap_years_too() -> None:
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert month_end(date(2025, 2, 1)) == date(2025, 2, 28)
    assert month_end(date(2025, 12, 1)) == date(2025, 12, 31)
    assert month_of(date(2025, 12, 31)) == date(2025, 12, 1)


def test_only_the_months_a_period_covers_whole_are_read_from_the_cells() -> None:
    period = Filters(referred_from=date(2025, 2, 3), referred_to=date(2025, 5, 31))
    assert _whole_months(period, MONTHS) == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
    assert _whole_months(Filters(), MONTHS) == MONTHS
    assert _whole_months(Filters(referred_to=date(2025, 1, 30)), MONTHS) == []
    one_day = Filters(referred_from=date(2025, 3, 1), referred_to=date(2025, 3, 1))
    assert _whole_months(one_day, MONTHS) == []


def test_consecutive_months_make_one_run_and_a_gap_starts_another() -> None:
    months = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 4, 1), date(2025, 12, 1)]
    assert _runs(months) == (
        (date(2025, 1, 1), date(2025, 2, 28)),
        (date(2025, 4, 1), date(2025, 4, 30)),
        (date(2025, 12, 1), date(2025, 12, 31)),
    )
    assert _runs([]) == ()
    assert _runs([date(2024, 12, 1), date(2025, 1, 1)]) == ((date(2024, 12, 1), date(2025, 1, 31)),)
