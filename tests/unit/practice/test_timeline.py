"""The episode's own timeline: dates that cannot be true are refused with a message id."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from practice import timeline
from practice.errors import Message

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 3, 16)
REFERRED = date(2026, 3, 2)


def test_a_screening_before_the_referral_is_refused_naming_the_referral_day() -> None:
    problems = timeline.after_referral("screening", "planned_on", date(2026, 3, 1), REFERRED, TODAY)
    message = problems["planned_on"]
    assert isinstance(message, Message)
    assert message.id == "The screening cannot be before the referral (%(day)s)."
    assert message.params == {"day": REFERRED}
    assert message == "The screening cannot be before the referral (2026-03-02)."


def test_a_screening_on_the_referral_day_or_later_is_fine() -> None:
    assert timeline.after_referral("screening", "held_on", REFERRED, REFERRED, TODAY) == {}
    assert timeline.after_referral("screening", "held_on", TODAY, REFERRED, TODAY) == {}


@pytest.mark.parametrize("event", sorted(timeline.BEFORE_REFERRAL))
def test_no_event_of_the_episode_lies_before_the_referral(event: str) -> None:
    problems = timeline.after_referral(event, "on", date(1990, 1, 1), REFERRED, TODAY)
    assert problems["on"].id == timeline.BEFORE_REFERRAL[event]


def test_a_screening_planned_in_2090_is_too_far_ahead() -> None:
    problems = timeline.after_referral("screening", "planned_on", date(2090, 1, 1), REFERRED, TODAY)
    assert problems["planned_on"].id == timeline.TOO_FAR_AHEAD
    assert problems["planned_on"].params == {"day": date(2028, 3, 16)}


def test_a_date_two_years_ahead_is_still_plausible_one_day_more_is_not() -> None:
    assert timeline.not_too_far_ahead("on", date(2028, 3, 16), TODAY) == {}
    assert "on" in timeline.not_too_far_ahead("on", date(2028, 3, 17), TODAY)


def test_treatment_cannot_start_before_the_screening() -> None:
    problems = timeline.treatment_start_problems(
        "on", date(2026, 3, 5), REFERRED, date(2026, 3, 9), TODAY
    )
    assert problems["on"].id == timeline.START_BEFORE_SCREENING
    assert timeline.treatment_start_problems("on", date(2026, 3, 9), REFERRED, None, TODAY) == {}
    assert (
        timeline.treatment_start_problems("on", date(2026, 3, 9), REFERRED, date(2026, 3, 9), TODAY)
        == {}
    )


def test_a_follow_up_comes_after_the_closing() -> None:
    closed = date(2026, 3, 10)
    problems = timeline.follow_up_problems("held_on", date(2026, 3, 9), REFERRED, closed, TODAY)
    assert problems["held_on"].id == timeline.FOLLOW_UP_BEFORE_CLOSING
    assert timeline.follow_up_problems("held_on", closed, REFERRED, closed, TODAY) == {}


def test_a_screening_or_follow_up_held_after_today_is_refused_and_today_is_fine() -> None:
    ahead = timeline.held("screening", "held_on", date(2026, 3, 19), REFERRED, TODAY)
    assert ahead["held_on"].id == timeline.NOT_YET_HELD
    assert ahead["held_on"].params == {"day": TODAY}
    assert timeline.held("screening", "held_on", TODAY, REFERRED, TODAY) == {}
    closed = date(2026, 3, 10)
    problems = timeline.follow_up_problems("held_on", date(2027, 3, 9), REFERRED, closed, TODAY)
    assert problems["held_on"].id == timeline.NOT_YET_HELD


def test_a_birth_date_in_2030_is_in_the_future() -> None:
    problems = timeline.birth_date_problems("date_of_birth", date(2030, 1, 1), TODAY)
    assert problems["date_of_birth"].id == timeline.BIRTH_IN_FUTURE


@pytest.mark.parametrize(
    ("born_on", "age"), [(date(2012, 1, 1), 14), (date(1925, 3, 15), 101), (TODAY, 0)]
)
def test_a_client_younger_than_15_or_older_than_100_is_implausible(born_on: date, age: int) -> None:
    problems = timeline.birth_date_problems("date_of_birth", born_on, TODAY)
    assert problems["date_of_birth"].id == timeline.IMPLAUSIBLE_AGE
    assert problems["date_of_birth"].params["age"] == age


@pytest.mark.parametrize("born_on", [date(2011, 3, 16), date(1925, 3, 17), date(1980, 6, 1)])
def test_a_client_of_15_to_100_has_a_plausible_birth_date(born_on: date) -> None:
    assert timeline.birth_date_problems("date_of_birth", born_on, TODAY) == {}


def test_age_counts_whole_years_and_a_leap_day_birthday_comes_on_1_march() -> None:
    assert timeline.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert timeline.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def _session(starts_at: datetime, minutes: int = 45) -> dict[str, Message]:
    return timeline.session_problems(
        "starts_at", starts_at, minutes, referred_on=REFERRED, tz=AMS, today=TODAY
    )


def test_a_session_at_three_in_the_night_is_refused() -> None:
    problems = _session(datetime(2026, 3, 17, 3, 0, tzinfo=AMS))
    assert problems["starts_at"].id == timeline.SESSION_HOURS
    assert problems["starts_at"].params == {"earliest": "07:00", "latest": "22:00"}


def test_session_hours_are_judged_in_the_practice_zone_whatever_offset_was_sent() -> None:
    # 06:30 UTC is 07:30 in Amsterdam in winter: fine; 21:30 UTC is 22:30 there: too late.
    assert _session(datetime.fromisoformat("2026-03-17T06:30:00+00:00")) == {}
    assert "starts_at" in _session(datetime.fromisoformat("2026-03-17T21:30:00+00:00"))


def test_a_session_that_ends_after_22_00_is_refused_one_that_ends_at_22_00_is_fine() -> None:
    assert _session(datetime(2026, 3, 17, 21, 15, tzinfo=AMS), 45) == {}
    assert "starts_at" in _session(datetime(2026, 3, 17, 21, 30, tzinfo=AMS), 45)
    assert _session(datetime(2026, 3, 17, 7, 0, tzinfo=AMS)) == {}


def test_a_session_before_the_referral_is_refused() -> None:
    problems = _session(datetime(2026, 3, 1, 10, 0, tzinfo=AMS))
    assert problems["starts_at"].id == timeline.BEFORE_REFERRAL["session"]


def test_a_session_of_five_minutes_or_nine_hours_is_not_sane() -> None:
    assert _session(datetime(2026, 3, 17, 10, 0, tzinfo=AMS), 5)["duration_minutes"].id == (
        timeline.SESSION_LENGTH
    )
    assert "duration_minutes" in _session(datetime(2026, 3, 17, 8, 0, tzinfo=AMS), 540)


def test_a_session_years_ahead_is_refused() -> None:
    problems = _session(datetime(2090, 3, 17, 10, 0, tzinfo=AMS))
    assert problems["starts_at"].id == timeline.TOO_FAR_AHEAD


def test_hours_worked_within_the_contract_and_the_week_are_fine() -> None:
    assert timeline.hours_problems(Decimal(20), Decimal(10), Decimal(32)) == {}
    assert timeline.hours_problems(Decimal(48), Decimal(0), Decimal(32)) == {}  # 1.5 x 32
    assert timeline.hours_problems(Decimal(70), Decimal(0), None) == {}  # no contract that day


def test_hours_worked_far_over_the_contract_are_refused() -> None:
    problems = timeline.hours_problems(Decimal(40), Decimal(10), Decimal(20))
    assert problems["own_work_hours"].id == timeline.OVER_CONTRACT
    assert problems["own_work_hours"].params == {"factor": Decimal("1.5"), "hours": Decimal(20)}


def test_more_than_80_hours_a_week_is_refused_alone_or_together() -> None:
    assert timeline.hours_problems(Decimal(81), Decimal(0), None)["own_work_hours"].id == (
        timeline.TOO_MANY_HOURS
    )
    assert "adapted_work_hours" in timeline.hours_problems(Decimal(0), Decimal(90), None)
    assert "own_work_hours" in timeline.hours_problems(Decimal(50), Decimal(40), None)


def test_negative_hours_are_refused() -> None:
    problems = timeline.hours_problems(Decimal(-1), Decimal(-2), Decimal(38))
    assert problems["own_work_hours"].id == timeline.NEGATIVE_HOURS
    assert problems["adapted_work_hours"].id == timeline.NEGATIVE_HOURS


def test_contract_hours_are_at_most_80_a_week_and_not_negative() -> None:
    assert timeline.week_hours_problems("hours", Decimal(38)) == {}
    assert timeline.week_hours_problems("hours", Decimal(0)) == {}
    assert timeline.week_hours_problems("hours", Decimal(81))["hours"].id == timeline.TOO_MANY_HOURS
    assert timeline.week_hours_problems("hours", Decimal(-1))["hours"].id == timeline.NEGATIVE_HOURS
