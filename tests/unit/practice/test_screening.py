"""A follow-up's complaint score is read on the screening's instrument."""

from practice.screening import follow_up_score_problems


def test_a_follow_up_score_outside_the_screenings_instrument_is_refused_with_its_range() -> None:
    assert follow_up_score_problems(21, "GAD-7") == {}
    problem = follow_up_score_problems(22, "GAD-7")["complaint_score"]
    assert problem.params == {"low": 0, "high": 21}


def test_without_a_screening_instrument_a_score_must_fit_the_widest_of_them() -> None:
    assert follow_up_score_problems(32, None) == {}
    assert "complaint_score" in follow_up_score_problems(60, None)
    assert "complaint_score" in follow_up_score_problems(-1, None)
    assert follow_up_score_problems(None, None) == {}
