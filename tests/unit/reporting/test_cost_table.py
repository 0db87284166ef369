"""The avoided-cost table's notes read as sentences, in either case of the cost per day
(Dutch, the default language)."""

from reporting.statistics.definitions import ABSENCE_BENCHMARKS
from reporting.statistics.durations import CostSummary
from reporting.statistics.presentation import _cost_table

BENCHMARK = next(iter(ABSENCE_BENCHMARKS.values()))


def _sources(per_day: int | None, total: int) -> tuple[str, ...]:
    cost = CostSummary(BENCHMARK, per_day, total, n=30, open=2, excluded=1)
    return tuple(_cost_table(cost).sources)


def test_one_amount_is_named_in_euros_and_employers_of_their_own_are_said_so() -> None:
    assert "Kosten per verzuimdag: 250,00 euro" in _sources(25000, 100)
    mixed = _sources(None, 100)
    assert "Kosten per verzuimdag: het eigen bedrag van elke werkgever" in mixed
    assert not any("bedrag euro" in line for line in mixed)


def test_a_total_below_zero_says_the_absences_outlasted_the_benchmark() -> None:
    below = _sources(25000, -61678500)
    assert "Onder nul: de verzuimgevallen duurden langer dan de benchmark aangeeft." in below
    assert not any(line.startswith("Onder nul") for line in _sources(25000, 100))
