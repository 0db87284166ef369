from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practice.working_days import WorkingDays

NL = WorkingDays()

# The property tests run without Hypothesis's example database: unit tests do no file I/O.
PROPERTY = settings(database=None, deadline=None, max_examples=300)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


def test_weekdays_are_working_days_and_weekends_are_not() -> None:
    assert NL.is_working_day(date(2026, 3, 6))  # Friday
    assert not NL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not NL.is_working_day(date(2026, 3, 8))  # Sunday
    assert NL.is_working_day(date(2026, 3, 9))  # Monday


def test_ten_working_days_from_a_friday_skip_two_weekends() -> None:
    assert NL.add_working_days(date(2026, 3, 6), 10) == date(2026, 3, 20)


def test_a_saturday_start_counts_from_the_monday_after() -> None:
    assert NL.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_koningsdag_on_a_monday_costs_a_working_day() -> None:
    # 27 Apr 2026 is a Monday; 5 May 2026 is not a lustrum year, so it is worked.
    assert not NL.is_working_day(date(2026, 4, 27))
    assert NL.add_working_days(date(2026, 4, 22), 10) == date(2026, 5, 7)


def test_koningsdag_moves_to_saturday_when_27_april_is_a_sunday_and_costs_nothing() -> None:
    assert NL.is_public_holiday(date(2025, 4, 26))
    assert not NL.is_public_holiday(date(2025, 4, 27))
    assert NL.is_working_day(date(2025, 4, 28))  # no Monday substitute
    assert NL.working_days_between(date(2025, 4, 24), date(2025, 4, 28)) == 2


def test_bevrijdingsdag_is_a_holiday_in_lustrum_year_2025() -> None:
    assert not NL.is_working_day(date(2025, 5, 5))  # a Monday
    # Tue 22 Apr 2025: the Saturday Koningsdag costs nothing, Monday 5 May costs one day.
    assert NL.add_working_days(date(2025, 4, 22), 10) == date(2025, 5, 7)


def test_bevrijdingsdag_is_a_holiday_in_lustrum_year_2030_even_on_a_sunday() -> None:
    assert NL.is_public_holiday(date(2030, 5, 5))
    assert NL.add_working_days(date(2030, 4, 26), 10) == date(2030, 5, 10)


def test_bevrijdingsdag_is_a_working_day_in_non_lustrum_year_2026() -> None:
    assert not NL.is_public_holiday(date(2026, 5, 5))
    assert NL.is_working_day(date(2026, 5, 5))  # a Tuesday


def test_a_practice_can_close_every_fifth_of_may() -> None:
    closed = WorkingDays(extra_closing_days=frozenset({date(2026, 5, 5)}))
    assert not closed.is_working_day(date(2026, 5, 5))
    assert closed.add_working_days(date(2026, 4, 22), 10) == date(2026, 5, 8)


def test_goede_vrijdag_follows_the_package_and_a_practice_can_reopen_it() -> None:
    good_friday = date(2026, 4, 3)
    listed = good_friday in holidays.country_holidays("NL", years=2026)
    assert NL.is_working_day(good_friday) is not listed
    reopened = WorkingDays(extra_working_days=frozenset({good_friday}))
    assert reopened.is_working_day(good_friday)


def test_a_day_cannot_be_both_closed_and_opened_by_the_practice() -> None:
    day = frozenset({date(2026, 4, 3)})
    with pytest.raises(ValueError, match="2026-04-03"):
        WorkingDays(extra_closing_days=day, extra_working_days=day)


def test_hemelvaart_and_pinkstermaandag_both_cost_a_working_day() -> None:
    assert not NL.is_working_day(date(2026, 5, 14))  # Hemelvaartsdag, Thursday
    assert not NL.is_working_day(date(2026, 5, 25))  # Tweede pinksterdag, Monday
    assert NL.add_working_days(date(2026, 5, 8), 10) == date(2026, 5, 26)


def test_tweede_paasdag_is_not_a_working_day() -> None:
    assert not NL.is_working_day(date(2026, 4, 6))


def test_ten_working_days_from_christmas_eve_cross_new_year_correctly() -> None:
    # Fri 25 Dec 2026 and Fri 1 Jan 2027 are holidays; 26 Dec is a Saturday anyway.
    assert NL.add_working_days(date(2026, 12, 24), 10) == date(2027, 1, 11)
    assert NL.working_days_between(date(2026, 12, 24), date(2027, 1, 11)) == 10


def test_zero_working_days_is_the_start_itself() -> None:
    assert NL.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)


def test_a_negative_number_of_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="-1"):
        NL.add_working_days(date(2026, 3, 6), -1)


def test_working_days_between_excludes_the_start_and_includes_the_end() -> None:
    monday, tuesday = date(2026, 3, 9), date(2026, 3, 10)
    assert NL.working_days_between(monday, monday) == 0
    assert NL.working_days_between(monday, tuesday) == 1
    assert NL.working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0  # Fri -> Sun


def test_working_days_between_is_negative_when_the_end_lies_before_the_start() -> None:
    assert NL.working_days_between(date(2026, 3, 20), date(2026, 3, 6)) == -10


def test_constructing_working_days_repeatedly_is_cheap_and_equal() -> None:
    # The holiday lookups are cached per year at module level, not on the instance.
    calendars = [WorkingDays() for _ in range(1000)]
    assert all(calendar == NL for calendar in calendars)
    assert all(calendar.add_working_days(date(2026, 12, 24), 10) for calendar in calendars)


@PROPERTY
@given(start=dates, n=st.integers(min_value=1, max_value=300))
def test_adding_working_days_lands_on_a_working_day_and_counts_back_to_n(
    start: date, n: int
) -> None:
    end = NL.add_working_days(start, n)
    assert NL.is_working_day(end)
    assert end > start
    assert NL.working_days_between(start, end) == n
    # Nothing in between was skipped: the day before `end` holds n - 1 working days.
    assert NL.working_days_between(start, end - timedelta(days=1)) == n - 1


@PROPERTY
@given(a=dates, b=dates)
def test_working_days_between_is_antisymmetric(a: date, b: date) -> None:
    assert NL.working_days_between(a, b) == -NL.working_days_between(b, a)


@PROPERTY
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31)),
    span=st.integers(min_value=0, max_value=800),
    closed=st.frozensets(st.dates(min_value=date(2024, 1, 1), max_value=date(2033, 12, 31))),
    opened=st.frozensets(st.dates(min_value=date(2024, 1, 1), max_value=date(2033, 12, 31))),
)
def test_working_days_between_agrees_with_counting_day_by_day(
    start: date, span: int, closed: frozenset[date], opened: frozenset[date]
) -> None:
    calendar = WorkingDays(extra_closing_days=closed - opened, extra_working_days=opened)
    end = start + timedelta(days=span)
    by_hand = sum(
        calendar.is_working_day(start + timedelta(days=offset)) for offset in range(1, span + 1)
    )
    assert calendar.working_days_between(start, end) == by_hand
