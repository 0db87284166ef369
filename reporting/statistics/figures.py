"""The arithmetic of published figures: rounding, mean, percentiles, shares, censored medians.

One place, so every statistic rounds and interpolates the same way and the SQL that will
replace the reference implementations has a single rule to match: half-up to one decimal
(PostgreSQL's round(numeric, 1)) and percentile_cont's linear interpolation.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from reporting.statistics.suppression import Cell

_ONE_DECIMAL = Decimal("0.1")


def round_one(value: Decimal) -> Decimal:
    """Half-up to one decimal, the rounding of every published figure."""
    return value.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


def mean(values: Sequence[Decimal | int]) -> Decimal | None:
    """Arithmetic mean rounded to 0.1; None (not 0) for no values."""
    if not values:
        return None
    return round_one(sum((Decimal(v) for v in values), Decimal(0)) / len(values))


def percentile(values: Sequence[Decimal | int], fraction: Decimal) -> Decimal | None:
    """Linear interpolation between closest ranks, rounded to 0.1; None for no values.

    The method of PostgreSQL's percentile_cont, so the SQL can compute the same number;
    fraction 0.5 is the ordinary median (the mean of the middle two for an even count).
    """
    if not values:
        return None
    if not Decimal(0) <= fraction <= Decimal(1):
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    ordered = sorted(Decimal(v) for v in values)
    position = fraction * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return round_one(ordered[below] + (ordered[above] - ordered[below]) * (position - below))


@dataclass(frozen=True, slots=True)
class Share:
    """`count` of `n` records; `n` is the denominator, so it is the n shown with the figure."""

    count: int
    n: int

    @property
    def percent(self) -> Decimal | None:
        """count / n x 100 rounded to 0.1; None for n = 0, never a made-up 0%."""
        return None if self.n == 0 else round_one(Decimal(self.count) * 100 / self.n)

    @property
    def cell(self) -> Cell:
        """The percentage with its n, ready for suppression."""
        return Cell(self.percent, self.n)


@dataclass(frozen=True, slots=True)
class Observation:
    """Days until the event, or until the last day observed when `event` is False."""

    days: int
    event: bool


def censored_median(observations: Sequence[Observation]) -> Decimal | None:
    """Kaplan-Meier median: the first event time at which survival drops to 0.5 or below.

    Censored cases count as at risk up to and including their last observed day, then leave;
    dropping them instead would bias the median downward (domain brief §5). When survival
    is exactly 0.5 between two event times, the midpoint is taken (as R's survfit does), so
    without censoring this is the ordinary median. None when survival never reaches 0.5:
    the median is "not reached", which is not the same as long.

    Exact fractions, because "exactly 0.5" must not depend on float rounding.
    """
    event_days = sorted({o.days for o in observations if o.event})
    survival = Fraction(1)
    half = Fraction(1, 2)
    for index, day in enumerate(event_days):
        at_risk = sum(1 for o in observations if o.days >= day)
        events = sum(1 for o in observations if o.event and o.days == day)
        survival *= 1 - Fraction(events, at_risk)
        if survival < half or (survival == half and index + 1 == len(event_days)):
            return Decimal(day)
        if survival == half:
            return round_one((Decimal(day) + Decimal(event_days[index + 1])) / 2)
    return None


@dataclass(frozen=True, slots=True)
class Survival:
    """A censored time-to-event summary in calendar days; `median_days` None = not reached."""

    n: int
    n_events: int
    n_censored: int
    median_days: Decimal | None


def summarise_survival(observations: Sequence[Observation]) -> Survival:
    """Counts of events and censored cases with the censored median."""
    events = sum(1 for o in observations if o.event)
    return Survival(
        len(observations), events, len(observations) - events, censored_median(observations)
    )
