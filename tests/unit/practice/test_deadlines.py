from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practice import deadlines
from practice.deadlines import (
    DEFAULT_SCREENING_RULE,
    DEFAULT_TREATMENT_START_RULE,
    DayUnit,
    DeadlineRule,
    MeasurementWindow,
    add_calendar_months,
    alignment_meeting_due,
    deadline_status,
    due_on,
    follow_up_conversation_due,
    follow_up_measurement_window,
    interim_reports_due,
    screening_due,
    treatment_start_due,
)
from practice.episodes import Offer
from practice.working_days import WorkingDays

FRIDAY_REFERRAL = date(2026, 3, 6)
TODAY = date(2026, 3, 12)


def test_screening_defaults_to_calendar_days_and_treatment_start_to_working_days() -> None:
    screening, start = DEFAULT_SCREENING_RULE, DEFAULT_TREATMENT_START_RULE
    assert (screening.amount, screening.unit, screening.anchor_name) == (
        10,
        DayUnit.CALENDAR,
        "aanmelding",
    )
    assert (start.amount, start.unit, start.anchor_name) == (10, DayUnit.WORKING, "screening")


def test_screening_on_day_ten_is_on_time_and_day_eleven_is_late() -> None:
    due = screening_due(FRIDAY_REFERRAL)
    assert due == date(2026, 3, 16)  # a Monday: two weekends lie inside the ten days
    assert not deadline_status(due, date(2026, 3, 16), TODAY).is_done_late
    assert deadline_status(due, date(2026, 3, 17), TODAY).is_done_late


def test_a_calendar_screening_deadline_on_a_sunday_stays_on_the_sunday() -> None:
    assert screening_due(date(2026, 3, 5)) == date(2026, 3, 15)


def test_screening_in_working_days_skips_both_weekends() -> None:
    rule = DeadlineRule(10, DayUnit.WORKING, "aanmelding")
    due = screening_due(FRIDAY_REFERRAL, rule=rule)
    assert due == date(2026, 3, 20)
    assert not deadline_status(due, date(2026, 3, 20), TODAY).is_done_late
    assert deadline_status(due, date(2026, 3, 23), TODAY).is_done_late


def test_treatment_start_is_due_ten_working_days_after_the_screening() -> None:
    # Screening Wed 22 Apr 2026; Koningsdag (Mon 27 Apr) is skipped.
    assert treatment_start_due(date(2026, 4, 22)) == date(2026, 5, 7)


def test_treatment_start_respects_practice_closing_days() -> None:
    closed_on_fifth_of_may = WorkingDays(extra_closing_days=frozenset({date(2026, 5, 5)}))
    due = treatment_start_due(date(2026, 4, 22), days=closed_on_fifth_of_may)
    assert due == date(2026, 5, 8)


def test_treatment_start_can_be_anchored_on_the_referral_instead() -> None:
    rule = DeadlineRule(10, DayUnit.WORKING, "aanmelding")
    assert treatment_start_due(FRIDAY_REFERRAL, rule=rule) == date(2026, 3, 20)
    assert rule.anchor_name == "aanmelding"


def test_a_zero_day_rule_is_due_on_the_anchor_itself() -> None:
    assert due_on(FRIDAY_REFERRAL, DeadlineRule(0, DayUnit.WORKING, "screening")) == (
        FRIDAY_REFERRAL
    )


def test_a_deadline_rule_refuses_a_negative_amount_or_a_blank_anchor() -> None:
    with pytest.raises(ValueError, match="negative"):
        DeadlineRule(-1, DayUnit.CALENDAR, "aanmelding")
    with pytest.raises(ValueError, match="anchor"):
        DeadlineRule(10, DayUnit.CALENDAR, " ")


def test_half_a_year_after_31_august_is_the_last_day_of_february() -> None:
    assert follow_up_conversation_due(date(2025, 8, 31)) == date(2026, 2, 28)
    assert follow_up_conversation_due(date(2023, 8, 31)) == date(2024, 2, 29)  # leap year


def test_half_a_year_is_six_calendar_months_not_182_days() -> None:
    assert follow_up_conversation_due(date(2026, 1, 15)) == date(2026, 7, 15)
    assert follow_up_conversation_due(date(2025, 10, 15)) == date(2026, 4, 15)
    assert follow_up_conversation_due(date(2026, 3, 31)) == date(2026, 9, 30)


def test_the_follow_up_conversation_term_is_configurable() -> None:
    assert follow_up_conversation_due(date(2026, 1, 31), months=1) == date(2026, 2, 28)


def test_the_follow_up_measurement_window_runs_from_six_to_twelve_months() -> None:
    window = follow_up_measurement_window(date(2025, 8, 31))
    assert window == MeasurementWindow(date(2026, 2, 28), date(2026, 8, 31))
    opens_on, closes_on = window
    assert window.contains(opens_on)
    assert window.contains(closes_on)
    assert not window.contains(date(2026, 2, 27))
    assert not window.contains(date(2026, 9, 1))


def test_a_measurement_window_that_closes_before_it_opens_is_refused() -> None:
    with pytest.raises(ValueError, match="closes before it opens"):
        follow_up_measurement_window(date(2026, 1, 1), 12, 6)


def test_an_open_deadline_counts_calendar_days_left_from_today() -> None:
    status = deadline_status(date(2026, 3, 16), None, TODAY)
    assert status.days_left == 4
    assert not status.is_overdue
    assert not status.is_done
    assert not status.is_done_late


def test_an_open_deadline_on_its_due_date_is_not_yet_overdue() -> None:
    status = deadline_status(TODAY, None, TODAY)
    assert status.days_left == 0
    assert not status.is_overdue


def test_an_open_deadline_past_its_due_date_is_overdue_with_negative_days_left() -> None:
    status = deadline_status(date(2026, 3, 10), None, TODAY)
    assert status.days_left == -2
    assert status.is_overdue


def test_a_late_task_stays_late_but_is_no_longer_overdue_once_done() -> None:
    status = deadline_status(date(2026, 3, 10), date(2026, 3, 11), today=date(2026, 6, 1))
    assert status.is_done
    assert status.is_done_late
    assert not status.is_overdue
    assert status.days_left == -1  # frozen at completion, not growing with today


def test_interim_reports_are_due_after_sessions_five_ten_and_fifteen() -> None:
    assert interim_reports_due(15) == [5, 10, 15]
    assert interim_reports_due(16) == [5, 10, 15]


def test_no_interim_report_is_due_at_four_sessions() -> None:
    assert interim_reports_due(0) == []
    assert interim_reports_due(4) == []


def test_a_treatment_ending_at_session_seven_gets_only_the_report_after_five() -> None:
    assert interim_reports_due(5) == [5]
    assert interim_reports_due(7) == [5]


def test_recounting_after_a_back_dated_edit_gives_the_same_report_ordinals() -> None:
    assert interim_reports_due(12) == interim_reports_due(12) == [5, 10]


def test_the_interim_report_cadence_is_configurable() -> None:
    assert interim_reports_due(9, every=3) == [3, 6, 9]


def test_interim_reports_refuse_a_zero_cadence_or_negative_count() -> None:
    with pytest.raises(ValueError, match="every"):
        interim_reports_due(5, every=0)
    with pytest.raises(ValueError, match="negative"):
        interim_reports_due(-1)


def test_the_alignment_meeting_is_due_after_the_fourth_session_for_compleet() -> None:
    assert not alignment_meeting_due(Offer.COMPLEET, 3)
    assert alignment_meeting_due(Offer.COMPLEET, 4)
    assert alignment_meeting_due(Offer.COMPLEET, 9)


@pytest.mark.parametrize("offer", [Offer.BASIC, Offer.PREVENTIVE, Offer.OTHER])
def test_the_alignment_meeting_is_never_due_outside_compleet(offer: Offer) -> None:
    assert not alignment_meeting_due(offer, 4)
    assert not alignment_meeting_due(offer, 20)


def test_an_upgrade_to_compleet_after_session_six_makes_the_meeting_due_at_once() -> None:
    assert not alignment_meeting_due(Offer.BASIC, 6)
    assert alignment_meeting_due(Offer.COMPLEET, 6)


def test_the_alignment_meeting_threshold_is_configurable() -> None:
    assert not alignment_meeting_due(Offer.COMPLEET, 5, after=6)
    assert alignment_meeting_due(Offer.COMPLEET, 6, after=6)


@settings(database=None, deadline=None)
@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 1, 1)),
    months=st.integers(min_value=0, max_value=240),
)
def test_adding_months_keeps_the_day_or_clamps_to_the_month_end(day: date, months: int) -> None:
    result = add_calendar_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and is_last_day_of_month(result))


def is_last_day_of_month(day: date) -> bool:
    return date.fromordinal(day.toordinal() + 1).day == 1


@settings(database=None, deadline=None)
@given(count=st.integers(min_value=0, max_value=500), every=st.integers(min_value=1, max_value=20))
def test_interim_report_ordinals_are_the_multiples_of_the_cadence(count: int, every: int) -> None:
    ordinals = interim_reports_due(count, every)
    assert len(ordinals) == count // every
    assert all(n % every == 0 and 0 < n <= count for n in ordinals)


def test_a_screening_booked_after_its_deadline_says_how_late_in_calendar_and_working_days() -> None:
    # Referred on Monday 2 March 2026: the screening is due ten calendar days later, on
    # Thursday 12 March; booked on Monday 16 March it is 4 days, 2 working days, late.
    late = deadlines.screening_booked_late(date(2026, 3, 2), date(2026, 3, 16))

    assert late == deadlines.Lateness(date(2026, 3, 12), date(2026, 3, 16), 4, 2)


def test_a_screening_booked_on_its_due_date_gives_no_warning() -> None:
    assert deadlines.screening_booked_late(date(2026, 3, 2), date(2026, 3, 12)) is None


def test_a_late_screening_counts_working_days_without_public_holidays() -> None:
    # Referred on 17 April 2025: due Sunday 27 April (Koningsdag moved to Saturday 26);
    # booked on Tuesday 6 May: 9 days, 6 working days (28 April to 6 May without
    # Bevrijdingsdag, a holiday in the lustrum year 2025).
    late = deadlines.screening_booked_late(date(2025, 4, 17), date(2025, 5, 6))

    assert late is not None and (late.days, late.working_days) == (9, 6)


def test_a_second_screening_appointment_after_one_already_held_is_not_the_deadlines() -> None:
    assert (
        deadlines.screening_booked_late(
            date(2026, 3, 2), date(2026, 3, 20), screened_on=date(2026, 3, 10)
        )
        is None
    )
