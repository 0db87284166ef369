"""When the client is asked, by a secure link, to fill in the questionnaires."""

from dataclasses import replace
from datetime import date, timedelta

from practice.episodes import EpisodeStatus
from reporting.monitoring import RECENT_DAYS, Moment, due_moments
from tests.unit.practice.test_tasks import SCREENED, in_treatment, weekly

S = EpisodeStatus


def test_the_screening_is_due_on_its_day_and_for_two_weeks_after() -> None:
    screened = replace(in_treatment(0), status=S.SCREENED)

    assert due_moments(screened, SCREENED, every=5) == [Moment("screening", 0, SCREENED)]
    late = SCREENED + timedelta(days=RECENT_DAYS + 1)
    assert due_moments(screened, late, every=5) == []


def test_every_fifth_held_session_is_a_moment_of_its_own() -> None:
    held = weekly(10)

    moments = due_moments(in_treatment(10), held[-1] + timedelta(days=1), every=5)

    assert Moment("interim", 10, held[9]) in moments
    assert Moment("interim", 5, held[4]) not in moments  # five weeks ago: history


def test_the_end_of_treatment_is_a_moment_and_an_ended_referral_is_not_asked() -> None:
    closed_on = date(2026, 4, 1)
    closed = replace(in_treatment(8), status=S.CLOSED, closed_on=closed_on)
    declined = replace(in_treatment(0), status=S.DECLINED)

    assert Moment("end", 0, closed_on) in due_moments(closed, closed_on, every=5)
    assert due_moments(declined, SCREENED, every=5) == []


def test_a_questionnaire_recorded_around_the_moment_answers_it() -> None:
    held = weekly(5)
    recorded = [("interim", held[4] + timedelta(days=2))]

    moments = due_moments(in_treatment(5), held[4], every=5, answered=recorded)

    assert [m.moment for m in moments] == []
