"""The client's review of a report as pure rules: until the end of the n-th working day."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from practice.working_days import WorkingDays
from reporting.report_review import awaiting, review_until

TZ = ZoneInfo("Europe/Amsterdam")


def test_three_working_days_from_a_friday_end_on_wednesday_night() -> None:
    approved = datetime(2026, 6, 12, 14, 0, tzinfo=TZ)  # a Friday
    until = review_until(approved, 3, WorkingDays(), TZ)
    assert until is not None
    assert until.date() == date(2026, 6, 17) and (until.hour, until.minute) == (23, 59)


def test_a_closing_day_of_the_practice_does_not_count() -> None:
    approved = datetime(2026, 6, 12, 14, 0, tzinfo=TZ)
    calendar = WorkingDays(extra_closing_days=frozenset({date(2026, 6, 15)}))
    until = review_until(approved, 3, calendar, TZ)
    assert until is not None and until.date() == date(2026, 6, 18)


def test_zero_days_is_no_review() -> None:
    assert review_until(datetime(2026, 6, 12, tzinfo=UTC), 0, WorkingDays(), TZ) is None


def test_a_report_awaits_only_while_undecided_and_in_time() -> None:
    until = datetime(2026, 6, 17, 23, 59, tzinfo=TZ)
    before, after = datetime(2026, 6, 17, 12, tzinfo=TZ), datetime(2026, 6, 18, tzinfo=TZ)
    assert awaiting(until, None, before)
    assert not awaiting(until, None, after)
    assert not awaiting(until, "agreed", before)
    assert not awaiting(None, None, before)
