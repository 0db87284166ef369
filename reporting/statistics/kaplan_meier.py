"""The Kaplan-Meier (product-limit) estimator as a curve: its steps, its median and the n at
risk there. Pure, exact fractions, no I/O.

`reporting.statistics.figures.censored_median` and `histograms.histogram_survival` give the
median alone; the per-absence figures also show the curve (a table of its steps and a small
SVG), so this module keeps every step. It is a few dozen lines on purpose: lifelines (or
scikit-survival) would pull pandas, numpy and scipy into the web process for one product
over a sorted list (README, "Why these libraries"); the tests check it against worked
examples and against `censored_median`, so the two never disagree on a median.

Conventions, the same as `censored_median`:

* a case is at risk on every day up to and including its own day (event or censoring), so
  on a day with both, the censored cases still count in the denominator (the usual
  convention: censoring is taken to happen just after the events of that day);
* the median is the first event day on which survival drops to 0.5 or below; when it is
  exactly 0.5 between two event days, the midpoint of those two days (as R's survfit);
  None when survival never reaches 0.5 ("not reached", which is not the same as long).
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from reporting.statistics.figures import Observation, round_one


@dataclass(frozen=True, slots=True)
class Step:
    """The curve on one day with an event: `at_risk` before the day's events, `events` on
    it, the cases censored on it, and the survival after it (an exact fraction)."""

    day: int
    at_risk: int
    events: int
    censored: int
    survival: Fraction

    @property
    def percent(self) -> Decimal:
        """Survival as a percentage rounded half-up to 0.1."""
        return round_one(Decimal(self.survival.numerator) * 100 / self.survival.denominator)


@dataclass(frozen=True, slots=True)
class Curve:
    """A Kaplan-Meier curve with its summary: n cases, events, censored, the median in
    days (None: not reached) and the n at risk on the median's day (None with no median)."""

    n: int
    n_events: int
    n_censored: int
    steps: tuple[Step, ...]
    median_days: Decimal | None
    at_risk_at_median: int | None

    def survival_on(self, day: int) -> Fraction:
        """The estimated share still without the event after `day` (1 before any event)."""
        survival = Fraction(1)
        for step in self.steps:
            if step.day > day:
                break
            survival = step.survival
        return survival

    def at_risk_on(self, day: int) -> int:
        """Cases still observed on `day`: neither their event nor their censoring before it."""
        return sum(count for last_day, count in self.last_days if last_day >= day)

    # (day, how many cases end on it): the n at risk between steps, which the table of the
    # curve asks for on fixed days.
    last_days: tuple[tuple[int, int], ...] = ()


def curve(observations: Sequence[Observation]) -> Curve:
    """The product-limit estimate over `observations` (days to the event, or to censoring)."""
    return curve_of(
        Counter(o.days for o in observations if o.event).items(),
        Counter(o.days for o in observations if not o.event).items(),
    )


def curve_of(events: Iterable[tuple[int, int]], censored: Iterable[tuple[int, int]]) -> Curve:
    """`curve` from histograms of (day, how many): event days and censoring days, as the
    statistics' SQL returns them (`reporting.statistics.histograms`)."""
    event_counts: Counter[int] = Counter()
    censored_counts: Counter[int] = Counter()
    for day, count in events:
        event_counts[day] += count
    for day, count in censored:
        censored_counts[day] += count
    last_days = event_counts + censored_counts
    remaining = n = sum(last_days.values())
    survival = Fraction(1)
    steps: list[Step] = []
    for day in sorted(last_days):
        if event_counts[day]:
            survival *= 1 - Fraction(event_counts[day], remaining)
            steps.append(Step(day, remaining, event_counts[day], censored_counts[day], survival))
        remaining -= last_days[day]
    median, at_risk = _median(steps)
    n_events = sum(event_counts.values())
    return Curve(
        n=n,
        n_events=n_events,
        n_censored=n - n_events,
        steps=tuple(steps),
        median_days=median,
        at_risk_at_median=at_risk,
        last_days=tuple(sorted(last_days.items())),
    )


def _median(steps: Sequence[Step]) -> tuple[Decimal | None, int | None]:
    """The median by `censored_median`'s rule, read off the steps (one pass, not one count
    of the cases per event day), and the n at risk on the step where the curve reaches 0.5:
    the median's own day, or the lower of the two days whose midpoint it is."""
    half = Fraction(1, 2)
    for index, step in enumerate(steps):
        if step.survival < half or (step.survival == half and index + 1 == len(steps)):
            return Decimal(step.day), step.at_risk
        if step.survival == half:
            following = steps[index + 1].day
            return round_one((Decimal(step.day) + Decimal(following)) / 2), step.at_risk
    return None, None
