"""Periods of sickness added together as art. 7:629 lid 10 BW says: worked examples.

The calendar of 2026: Monday 5 January, Monday 2 February, Monday 2 March, Monday 30 March.
"""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from practice.absences import (
    AbsenceLink,
    aggregated_first_sick_day,
    counted_together,
    expected_link,
    interruption_days,
    link_refusal,
    period_on,
    sickness_periods,
)
from practice.work_participation import AbsenceEpisode, AbsenceType


def sick(first: date, recovered: date | None = None) -> AbsenceEpisode:
    return AbsenceEpisode(first, recovered, AbsenceType.SICKNESS)


def leave(first: date, until: date | None = None) -> AbsenceEpisode:
    return AbsenceEpisode(first, until, AbsenceType.LEAVE)


JAN_5 = date(2026, 1, 5)
FEB_2 = date(2026, 2, 2)
MAR_2 = date(2026, 3, 2)


def test_one_open_absence_is_one_period_counted_from_its_first_sick_day() -> None:
    absences = [sick(JAN_5)]
    assert aggregated_first_sick_day(absences, date(2026, 3, 2)) == JAN_5
    period = period_on(absences, date(2026, 3, 2))
    assert period is not None
    assert period.days_counted(date(2026, 3, 2)) == 57  # 5 Jan .. 2 Mar, both counted
    assert not period.is_chained


def test_a_sick_report_two_weeks_after_recovery_continues_the_period_moved_on_by_the_gap() -> None:
    # Sick four weeks (28 days), fit two weeks, sick again: the law adds the two up.
    absences = [sick(JAN_5, FEB_2), sick(date(2026, 2, 16))]
    [period] = sickness_periods(absences, as_of=date(2026, 4, 1))
    assert period.is_chained
    assert period.interruption_days == 14
    assert period.first_sick_day == JAN_5
    assert period.aggregated_first_sick_day == date(2026, 1, 19)
    # The first day of the second absence is the 29th sick day of the period.
    assert period.days_counted(date(2026, 2, 16)) == 29
    assert aggregated_first_sick_day(absences, date(2026, 2, 16)) == date(2026, 1, 19)


def test_on_a_day_fit_between_two_absences_there_is_no_running_period() -> None:
    absences = [sick(JAN_5, FEB_2), sick(date(2026, 2, 16))]
    assert period_on(absences, date(2026, 2, 10)) is None
    assert aggregated_first_sick_day(absences, date(2026, 2, 10)) is None


def test_twenty_seven_days_fit_is_less_than_four_weeks_and_twenty_eight_is_not() -> None:
    # Back on Monday 2 March: sick again on Sunday 29 March is 27 days later, on Monday
    # 30 March exactly four weeks, which is not "less than four weeks".
    earlier = sick(JAN_5, MAR_2)
    within = sick(date(2026, 3, 29))
    after = sick(date(2026, 3, 30))
    assert interruption_days(earlier, within) == 27
    assert counted_together(earlier, within)
    assert not counted_together(earlier, after)
    assert len(sickness_periods([earlier, within], as_of=date(2026, 4, 30))) == 1
    assert len(sickness_periods([earlier, after], as_of=date(2026, 4, 30))) == 2


def test_a_relapse_after_more_than_four_weeks_starts_a_new_period() -> None:
    # Fully back on 2 March, the same complaints return on 20 April (seven weeks later).
    earlier, relapse = sick(JAN_5, MAR_2), sick(date(2026, 4, 20))
    periods = sickness_periods([relapse, earlier], as_of=date(2026, 6, 1))
    assert [p.aggregated_first_sick_day for p in periods] == [JAN_5, date(2026, 4, 20)]
    assert periods[0].full_recovery_on == MAR_2
    assert periods[1].full_recovery_on is None
    assert aggregated_first_sick_day([earlier, relapse], date(2026, 6, 1)) == date(2026, 4, 20)
    assert expected_link(earlier, relapse) is AbsenceLink.RELAPSE
    assert link_refusal(AbsenceLink.RELAPSE, earlier, relapse) is None


def test_a_chain_link_after_four_weeks_is_refused_naming_the_last_day_it_could_start() -> None:
    earlier, later = sick(JAN_5, MAR_2), sick(date(2026, 4, 20))
    refusal = link_refusal(AbsenceLink.CHAIN, earlier, later)
    assert refusal is not None
    assert refusal.params == {"day": date(2026, 3, 30)}


def test_a_relapse_within_four_weeks_is_counted_together_like_any_chain() -> None:
    earlier, relapse = sick(JAN_5, FEB_2), sick(date(2026, 2, 9))
    assert expected_link(earlier, relapse) is AbsenceLink.CHAIN
    assert link_refusal(AbsenceLink.RELAPSE, earlier, relapse) is None
    assert link_refusal(AbsenceLink.CHAIN, earlier, relapse) is None
    assert aggregated_first_sick_day([earlier, relapse], date(2026, 2, 9)) == date(2026, 1, 12)


def test_an_unlinked_sick_report_within_four_weeks_is_still_added_whatever_its_cause() -> None:
    # The aggregation follows the dates only: the law adds periods up "whatever their cause".
    periods = sickness_periods([sick(JAN_5, FEB_2), sick(date(2026, 2, 20))], as_of=MAR_2)
    assert len(periods) == 1


def test_three_absences_each_within_four_weeks_add_up_their_interruptions() -> None:
    absences = [
        sick(JAN_5, FEB_2),  # 28 sick days
        sick(date(2026, 2, 9), date(2026, 3, 9)),  # 7 fit, 28 sick
        sick(date(2026, 3, 30)),  # 21 fit
    ]
    [period] = sickness_periods(absences, as_of=date(2026, 4, 6))
    assert period.interruption_days == 28
    assert period.aggregated_first_sick_day == date(2026, 2, 2)
    assert period.days_counted(date(2026, 3, 30)) == 57


def test_the_wage_period_of_104_weeks_moves_on_with_the_interruptions() -> None:
    [alone] = sickness_periods([sick(JAN_5)], as_of=FEB_2)
    assert alone.wage_period_ends_on == date(2028, 1, 2)
    [chained] = sickness_periods([sick(JAN_5, FEB_2), sick(date(2026, 2, 16))], as_of=MAR_2)
    assert chained.wage_period_ends_on == date(2028, 1, 16)


def test_leave_is_not_sickness_and_neither_starts_nor_joins_a_period() -> None:
    absences = [leave(date(2025, 12, 1), JAN_5), sick(JAN_5, FEB_2), leave(FEB_2, MAR_2)]
    [period] = sickness_periods(absences, as_of=date(2026, 4, 1))
    assert period.first_sick_day == JAN_5
    assert period.full_recovery_on == FEB_2
    assert period_on(absences, date(2026, 2, 10)) is None
    assert link_refusal(AbsenceLink.CHAIN, sick(JAN_5, FEB_2), leave(FEB_2)) is not None


def test_what_counts_on_a_day_is_what_was_known_on_that_day() -> None:
    absences = [sick(JAN_5, FEB_2), sick(date(2026, 2, 16))]
    # On 1 February the recovery of the next day is not known: the first absence is open.
    [period] = sickness_periods(absences, as_of=date(2026, 2, 1))
    assert period.full_recovery_on is None
    assert period.parts == (sick(JAN_5),)
    # The later absence is unknown before its first day.
    assert sickness_periods(absences, as_of=date(2026, 2, 15))[0].parts == (sick(JAN_5, FEB_2),)


def test_an_open_earlier_absence_and_an_overlap_cannot_be_linked() -> None:
    assert link_refusal(AbsenceLink.RELAPSE, sick(JAN_5), sick(MAR_2)) is not None
    overlap = link_refusal(AbsenceLink.CHAIN, sick(JAN_5, MAR_2), sick(FEB_2))
    assert overlap is not None
    assert overlap.params == {"day": MAR_2}


def test_the_same_days_entered_twice_are_counted_once() -> None:
    absences = [sick(JAN_5, MAR_2), sick(JAN_5, MAR_2)]
    [period] = sickness_periods(absences, as_of=date(2026, 4, 1))
    assert period.interruption_days == 0
    assert period.days_counted(date(2026, 4, 1)) == 56


@st.composite
def chains(draw: st.DrawFn) -> list[AbsenceEpisode]:
    """Absences one after another, each a few days to a few months, the last one open."""
    day = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 365)))
    absences: list[AbsenceEpisode] = []
    for _ in range(draw(st.integers(0, 4))):
        recovered = day + timedelta(days=draw(st.integers(1, 90)))
        absences.append(sick(day, recovered))
        day = recovered + timedelta(days=draw(st.integers(0, 60)))
    absences.append(sick(day))
    return absences


@given(chains(), st.integers(0, 400))
def test_on_every_sick_day_the_days_counted_are_the_days_since_the_aggregated_first_sick_day(
    absences: list[AbsenceEpisode], later: int
) -> None:
    last = absences[-1].first_sick_day
    assert last is not None
    day = last + timedelta(days=later)
    period = period_on(absences, day)
    assert period is not None
    assert period.days_counted(day) == (day - period.aggregated_first_sick_day).days + 1
    # Every period after the first starts four weeks or more after the one before it.
    periods = sickness_periods(absences, as_of=day)
    for before, after in pairwise(periods):
        assert before.full_recovery_on is not None
        assert (after.first_sick_day - before.full_recovery_on) >= timedelta(weeks=4)


def test_a_recovery_is_recorded_at_most_two_weeks_ahead() -> None:
    from practice.absences import recovery_ahead_problems

    today = date(2026, 12, 7)
    assert (
        recovery_ahead_problems(
            today, partial_recovery_on=date(2026, 12, 21), full_recovery_on=today
        )
        == {}
    )
    problems = recovery_ahead_problems(
        today, partial_recovery_on=None, full_recovery_on=date(2027, 5, 1)
    )
    assert list(problems) == ["full_recovery_on"]
    assert "at most 14 days ahead (until 2026-12-21)" in problems["full_recovery_on"]
