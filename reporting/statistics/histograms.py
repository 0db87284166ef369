"""Medians, percentiles and Kaplan-Meier medians over histograms of (value, count).

SQLite has no ``percentile_cont``, so the queries return histograms grouped in SQL and these
functions interpolate exactly as `reporting.statistics.figures` does; apart from the
queries, so they can be checked against the reference implementations without a database.
"""

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from reporting.statistics.figures import Survival, round_one

Histogram = Sequence[tuple[int, int]]  # (value, how many records have it)


def histogram_mean(histogram: Histogram) -> Decimal | None:
    """`figures.mean` over the values a histogram stands for."""
    n = sum(count for _, count in histogram)
    if n == 0:
        return None
    return round_one(Decimal(sum(value * count for value, count in histogram)) / n)


def histogram_percentile(histogram: Histogram, fraction: Decimal) -> Decimal | None:
    """`figures.percentile` (percentile_cont's interpolation) over a histogram, without
    expanding it: the ranks below and above the position are found in the cumulative counts."""
    ordered = sorted((value, count) for value, count in histogram if count > 0)
    n = sum(count for _, count in ordered)
    if n == 0:
        return None
    if not Decimal(0) <= fraction <= Decimal(1):
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    position = fraction * (n - 1)
    below = int(position)
    above = min(below + 1, n - 1)

    def at(rank: int) -> Decimal:
        seen = 0
        for value, count in ordered:
            seen += count
            if rank < seen:
                return Decimal(value)
        raise AssertionError("rank outside the histogram")  # pragma: no cover

    low = at(below)
    return round_one(low + (at(above) - low) * (position - below))


def histogram_survival(events: Histogram, censored: Histogram) -> Survival:
    """`figures.summarise_survival` from histograms of event days and censoring days.

    Kaplan-Meier as in `figures.censored_median`: a case is at risk on every day up to and
    including its own; survival exactly 0.5 between two event days takes their midpoint.
    """
    event_counts: dict[int, int] = defaultdict(int)
    censored_counts: dict[int, int] = defaultdict(int)
    for day, count in events:
        event_counts[day] += count
    for day, count in censored:
        censored_counts[day] += count
    n_events = sum(event_counts.values())
    n = n_events + sum(censored_counts.values())
    days = sorted(set(event_counts) | set(censored_counts))
    at_risk_from: dict[int, int] = {}
    remaining = n
    for day in days:
        at_risk_from[day] = remaining
        remaining -= event_counts[day] + censored_counts[day]
    event_days = [day for day in days if event_counts[day]]
    survival = Fraction(1)
    half = Fraction(1, 2)
    median: Decimal | None = None
    for index, day in enumerate(event_days):
        survival *= 1 - Fraction(event_counts[day], at_risk_from[day])
        if survival < half or (survival == half and index + 1 == len(event_days)):
            median = Decimal(day)
            break
        if survival == half:
            median = round_one((Decimal(day) + Decimal(event_days[index + 1])) / 2)
            break
    return Survival(n, n_events, n - n_events, median)
