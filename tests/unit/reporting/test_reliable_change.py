"""The reliable change index (Jacobson and Truax 1991) and the instruments' criteria."""

import pytest

from reporting.questionnaire_model import from_data, to_data
from reporting.questionnaires import GAD7, PHQ9, changes_since_first, safety_hits
from reporting.reliable_change import Change, Reliability, classify, rc_index

# A worked example with published norms: test-retest r = .95 and SD = 7.6 give
# SE = 7.6 * sqrt(.05) = 1.699, Sdiff = sqrt(2) * SE = 2.403, so a reliable change needs
# more than 1.96 * 2.403 = 4.71 points; a fall from 20 to 14 is RC = -6 / 2.403 = -2.50.
NORMS = Reliability(source="worked example", sd=7.6, r=0.95)


def test_the_standard_errors_follow_jacobson_and_truax() -> None:
    assert NORMS.standard_error == pytest.approx(1.6994, abs=1e-4)
    assert NORMS.s_diff == pytest.approx(2.4033, abs=1e-4)


def test_a_fall_from_20_to_14_is_a_reliable_improvement_with_rc_minus_2_50() -> None:
    assert rc_index(20, 14, NORMS) == pytest.approx(-2.50, abs=0.005)
    assert classify(20, 14, NORMS) is Change.IMPROVED


def test_four_points_is_within_the_measurement_error_and_five_is_not() -> None:
    assert NORMS.reliable_points == 5
    assert classify(20, 16, NORMS) is Change.NO_RELIABLE_CHANGE
    assert classify(20, 15, NORMS) is Change.IMPROVED
    assert classify(15, 20, NORMS) is Change.DETERIORATED


def test_on_an_instrument_where_higher_is_better_a_rise_is_the_improvement() -> None:
    assert classify(3, 9, NORMS, higher_is_better=True) is Change.IMPROVED
    assert classify(9, 3, NORMS, higher_is_better=True) is Change.DETERIORATED


def test_the_phq9_and_gad7_use_the_published_criteria_of_6_and_4_points() -> None:
    assert PHQ9.reliability is not None and PHQ9.reliability.reliable_points == 6
    assert GAD7.reliability is not None and GAD7.reliability.reliable_points == 4
    assert classify(15, 10, PHQ9.reliability) is Change.NO_RELIABLE_CHANGE
    assert classify(15, 9, PHQ9.reliability) is Change.IMPROVED
    assert classify(8, 12, GAD7.reliability) is Change.DETERIORATED


def test_every_built_in_instrument_records_its_licence_and_the_source_of_its_norms() -> None:
    for instrument in (PHQ9, GAD7):
        assert "No permission required" in instrument.licence
        assert instrument.reliability is not None and instrument.reliability.source


@pytest.mark.parametrize(
    "kwargs",
    [
        {"source": "x"},  # neither norms nor criterion
        {"source": "x", "sd": 5.0},  # sd without r
        {"source": "x", "sd": 5.0, "r": 0.9, "criterion_points": 6},  # both
        {"source": "x", "sd": 0.0, "r": 0.9},
        {"source": "x", "sd": 5.0, "r": 1.0},
        {"source": " ", "criterion_points": 6},
    ],
    ids=["nothing", "sd-only", "both", "zero-sd", "r-of-1", "no-source"],
)
def test_a_reliability_without_usable_norms_or_source_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"sd and r|standard deviation|reliability"):
        Reliability(**kwargs)  # type: ignore[arg-type]


def test_an_instrument_with_norms_survives_the_trip_through_data() -> None:
    data = to_data(PHQ9) | {"reliability": {"source": "a study", "sd": 5.5, "r": 0.89}}

    again = from_data(data)

    assert again.reliability == Reliability(source="a study", sd=5.5, r=0.89)
    assert to_data(again) == data
    assert from_data(to_data(PHQ9)) == PHQ9


def test_a_safety_item_that_is_not_an_item_of_the_instrument_is_refused() -> None:
    with pytest.raises(ValueError, match="safety items"):
        from_data(to_data(GAD7) | {"safety_items": ["phq9_9"]})


def test_phq9_item_9_above_0_is_a_safety_hit_and_other_items_are_not() -> None:
    calm = {f"phq9_{n}": 3 for n in range(1, 9)} | {"phq9_9": 0}
    assert safety_hits(PHQ9, calm) == ()
    assert safety_hits(PHQ9, calm | {"phq9_9": 1}) == ("phq9_9",)
    assert safety_hits(GAD7, {f"gad7_{n}": 3 for n in range(1, 8)}) == ()


def test_each_score_is_judged_against_the_first_on_its_own_instrument() -> None:
    scores = [("PHQ-9", 18), ("GAD-7", 12), ("PHQ-9", 13), ("GAD-7", 7), ("PHQ-9", 12)]

    changes = changes_since_first(scores)

    assert changes == [
        None,
        None,
        Change.NO_RELIABLE_CHANGE,  # 5 of the 6 points the PHQ-9 needs
        Change.IMPROVED,  # 5 points where the GAD-7 needs 4
        Change.IMPROVED,
    ]


def test_an_instrument_without_norms_is_never_judged() -> None:
    bare = from_data(to_data(PHQ9) | {"code": "BARE", "reliability": None})

    assert changes_since_first([("BARE", 20), ("BARE", 2)], {"BARE": bare}) == [None, None]
