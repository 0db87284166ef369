"""The dashboard's caseloads at a glance: the fullest first, a withheld count last and
never ordered by what it withholds, at most `AT_A_GLANCE` of them."""

from reporting.statistics.headline import AT_A_GLANCE, Headline, TherapistLoad
from reporting.statistics.suppression import Cell, shown

MIN_N = 5


def _load(name: str, active: int, capacity: int | None) -> TherapistLoad:
    return TherapistLoad(name, shown(Cell(active, active), MIN_N), capacity)


def _headline(loads: list[TherapistLoad]) -> Headline:
    never = shown(Cell(0, 0), MIN_N)
    return Headline("dec 2026", None, never, None, "dec 2026", never, never, tuple(loads), ())


def test_the_caseloads_over_capacity_come_first_then_the_fullest_share() -> None:
    headline = _headline(
        [
            _load("Anna", 10, 20),  # 50 %
            _load("Bram", 12, 10),  # over capacity
            _load("Carla", 9, 10),  # 90 %
            _load("Daan", 30, None),  # no capacity: after every share
            _load("Eva", 11, 10),  # over capacity
        ]
    )
    assert [load.therapist for load in headline.fullest] == [
        "Bram",
        "Eva",
        "Carla",
        "Anna",
        "Daan",
    ]
    assert headline.over_capacity_count == 2


def test_a_withheld_count_comes_last_by_name_whatever_it_withholds() -> None:
    headline = _headline([_load("Zoë", 4, 5), _load("Bas", 1, 5), _load("Mila", 6, 8)])
    assert [load.therapist for load in headline.fullest] == ["Mila", "Bas", "Zoë"]


def test_at_most_the_fullest_few_are_shown_at_a_glance() -> None:
    loads = [_load(f"Therapeut {k:03}", 5 + k % 20, 25) for k in range(500)]
    fullest = _headline(loads).fullest
    assert len(fullest) == AT_A_GLANCE
    assert {load.active.value for load in fullest} == {24}
