"""Working-day arithmetic on the Dutch public-holiday calendar.

The brochure promises treatment "binnen tien werkdagen" (domain brief §1.5), so "working day"
must mean what a Dutch practice means by it: Monday to Friday, minus the public holidays of the
`holidays` package's NL calendar, minus the practice's own closing days.

Choices that follow the package rather than fighting it (stack-notes: layer practice settings
on top instead of forking the calendar):

* Bevrijdingsdag (5 May) is a holiday only in lustrum years (2025, 2030, ...), as the package
  has it because most CAOs grant it only then. A practice that closes every 5 May lists those
  dates in `extra_closing_days`.
* Koningsdag moves to Saturday 26 April when 27 April is a Sunday (2025, 2031), so in those
  years it costs no working day. That is the law, not a bug.
* The package lists Goede Vrijdag. Many Dutch employers work that day, so `extra_working_days`
  can reopen it (or any other listed holiday) without editing the package's calendar.
"""

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays

_SATURDAY = 5  # date.weekday(): Monday is 0, so 5 and 6 are the weekend


@functools.lru_cache(maxsize=256)
def _public_holidays(year: int) -> frozenset[date]:
    """The NL public holidays of one year, computed once per process.

    Cached per single year (not per span) so a deadline that crosses New Year just asks for
    the next year, and building a `WorkingDays` costs nothing: the lookups live here, not on
    the instance.
    """
    calendar = holidays.country_holidays("NL", years=year)
    return frozenset(day for day in calendar if day.year == year)


@dataclass(frozen=True, slots=True)
class WorkingDays:
    """Monday-Friday minus NL public holidays, adjusted by the practice's own calendar.

    `extra_closing_days` closes the practice on days the package calls working days (every
    5 May, a team day). `extra_working_days` opens it on days the package calls holidays
    (Goede Vrijdag). A day cannot be in both: that would be a configuration error that
    silently picks a winner.
    """

    extra_closing_days: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        both = self.extra_closing_days & self.extra_working_days
        if both:
            listed = ", ".join(day.isoformat() for day in sorted(both))
            raise ValueError(f"days both closed and opened by the practice: {listed}")

    def is_public_holiday(self, day: date) -> bool:
        """True when the NL calendar of the `holidays` package lists the day."""
        return day in _public_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        """A weekday that is not a public holiday nor a practice closing day.

        An explicitly opened day is a working day even on a weekend: the practice said so.
        """
        if day in self.extra_working_days:
            return True
        if day in self.extra_closing_days or day.weekday() >= _SATURDAY:
            return False
        return not self.is_public_holiday(day)

    # Pure and keyed by value (the calendar is a frozen value), so results are cached per
    # process: a caseload asks the same few dates for every episode on every page view.
    @functools.lru_cache(maxsize=8192)  # noqa: B019 - instances are small immutable values
    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start`; n = 0 gives `start` itself.

        `start` need not be a working day: a referral received on a Saturday still starts
        the clock, and the first working day after it is the Monday.
        """
        if n < 0:
            raise ValueError(f"n must be zero or positive, got {n}")
        day = start
        remaining = n
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - see add_working_days
    def working_days_between(self, start: date, end: date) -> int:
        """Count of working days in (start, end]; negative when `end` lies before `start`.

        Half-open so that `working_days_between(a, add_working_days(a, n)) == n`, and the
        sign mirrors `(end - start).days`, so a screening recorded before its referral (a data
        error) shows up as a negative lead time instead of a misleading zero.

        Counted arithmetically (weekdays, then a correction for each holiday or practice day
        in range) rather than day by day, because the statistics call this once per episode
        over large cohorts (S3, S4).
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = _weekdays_through(end) - _weekdays_through(start)
        for day in self._exceptions_between(start, end):
            count += int(self.is_working_day(day)) - int(day.weekday() < _SATURDAY)
        return count

    def _exceptions_between(self, start: date, end: date) -> set[date]:
        """Days in (start, end] whose status might differ from "working iff weekday"."""
        practice_days = self.extra_closing_days | self.extra_working_days
        found = {day for day in practice_days if start < day <= end}
        for year in range(start.year, end.year + 1):
            found.update(day for day in _public_holidays(year) if start < day <= end)
        return found


def _weekdays_through(day: date) -> int:
    """Mondays-to-Fridays from 1 January of year 1 (a Monday) up to and including `day`."""
    full_weeks, extra_days = divmod(day.toordinal(), 7)
    return full_weeks * 5 + min(extra_days, 5)
