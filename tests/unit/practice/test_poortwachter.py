"""The Poortwachter milestones against worked examples (issue 19).

Day 1 is the (aggregated) first sick day; week n is days 7(n-1)+1 to 7n.
"""

from datetime import date, timedelta

import msgspec
import pytest

from practice.absences import aggregated_first_sick_day, period_on
from practice.poortwachter import (
    DUE_SOON_DAYS,
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    evaluation_weeks,
    milestones,
    next_milestone,
    status_on,
    week_ends_on,
    week_of,
    week_starts_on,
)
from practice.privacy import EmployerView, MilestoneView, assert_employer_safe
from practice.work_participation import AbsenceEpisode, AbsenceType
from reporting.employer_updates import milestone_views

K = MilestoneKind
S = MilestoneStatus
MONDAY = date(2026, 1, 5)


def by_kind(found: list[Milestone]) -> dict[MilestoneKind, Milestone]:
    return {m.kind: m for m in found}


def test_week_one_is_the_first_sick_day_and_the_six_days_after_it() -> None:
    assert week_of(MONDAY, MONDAY) == 1
    assert week_of(MONDAY, MONDAY + timedelta(days=6)) == 1
    assert week_of(MONDAY, MONDAY + timedelta(days=7)) == 2
    assert week_of(MONDAY, MONDAY - timedelta(days=1)) is None
    assert week_starts_on(MONDAY, 6) == date(2026, 2, 9)  # day 36
    assert week_ends_on(MONDAY, 6) == date(2026, 2, 15)  # day 42
    assert week_ends_on(MONDAY, 104) == MONDAY + timedelta(days=727)  # day 728


def test_a_monday_first_sick_day_gives_each_milestone_its_legal_week() -> None:
    # Worked example: sick from Monday 5 January 2026, looked at on day 1.
    m = by_kind(milestones(MONDAY, MONDAY))
    assert (m[K.PROBLEM_ANALYSIS].opens_on, m[K.PROBLEM_ANALYSIS].due_on) == (
        date(2026, 2, 9),
        date(2026, 2, 15),
    )
    # Within two weeks of the problem analysis: weeks 7 and 8.
    assert (m[K.PLAN_OF_APPROACH].opens_on, m[K.PLAN_OF_APPROACH].due_on) == (
        date(2026, 2, 16),
        date(2026, 3, 1),
    )
    # The first evaluation: six weeks after the latest day of the plan, the end of week 14.
    assert (m[K.EVALUATION].week, m[K.EVALUATION].due_on) == (14, date(2026, 4, 12))
    # UWV: "uiterlijk de eerste werkdag na de 42e ziekteweek": day 295.
    assert m[K.UWV_NOTIFICATION].opens_on == date(2026, 10, 19)
    assert m[K.UWV_NOTIFICATION].due_on == date(2026, 10, 26)
    # Weeks 46-52.
    assert (m[K.FIRST_YEAR_EVALUATION].opens_on, m[K.FIRST_YEAR_EVALUATION].due_on) == (
        date(2026, 11, 16),
        date(2027, 1, 3),
    )
    # UWV writes "na 88 weken ziekte": expected on day 617; apply by the end of week 93.
    assert m[K.WIA_LETTER].due_on == date(2027, 9, 13) == MONDAY + timedelta(weeks=88)
    assert (m[K.WIA_APPLICATION].opens_on, m[K.WIA_APPLICATION].due_on) == (
        date(2027, 9, 13),
        date(2027, 10, 17),
    )
    assert m[K.END_OF_WAITING_TIME].due_on == date(2028, 1, 2)
    assert all(x.status is S.UPCOMING for x in m.values())


def test_the_statuses_on_day_40_are_due_due_soon_and_upcoming() -> None:
    day_40 = MONDAY + timedelta(days=39)  # Friday 13 February, week 6
    found = milestones(MONDAY, day_40)
    m = by_kind(found)
    assert m[K.PROBLEM_ANALYSIS].status is S.DUE
    assert m[K.PROBLEM_ANALYSIS].days_left == 2
    assert m[K.PLAN_OF_APPROACH].status is S.DUE_SOON  # opens in 3 days
    assert m[K.EVALUATION].status is S.UPCOMING
    assert next_milestone(found) == m[K.PROBLEM_ANALYSIS]
    # In date order, each with a reason to show.
    assert [x.due_on for x in found] == sorted(x.due_on for x in found)
    assert all(x.reason for x in found)


def test_a_milestone_is_due_soon_two_weeks_before_it_opens_and_passed_after_its_day() -> None:
    opens, due = date(2026, 3, 2), date(2026, 3, 8)
    assert status_on(opens, due, opens - timedelta(days=DUE_SOON_DAYS + 1)) is S.UPCOMING
    assert status_on(opens, due, opens - timedelta(days=DUE_SOON_DAYS)) is S.DUE_SOON
    assert status_on(opens, due, opens) is S.DUE
    assert status_on(opens, due, due) is S.DUE
    assert status_on(opens, due, due + timedelta(days=1)) is S.PASSED


def test_only_the_next_six_weekly_evaluation_is_listed() -> None:
    assert evaluation_weeks()[:3] == (14, 20, 26)
    assert evaluation_weeks()[-1] == 104
    day_100 = MONDAY + timedelta(days=99)  # week 15
    m = by_kind(milestones(MONDAY, day_100))
    assert m[K.EVALUATION].week == 20
    assert m[K.EVALUATION].due_on == week_ends_on(MONDAY, 20)
    assert m[K.PROBLEM_ANALYSIS].status is S.PASSED
    assert m[K.PROBLEM_ANALYSIS].days_left < 0


def test_an_aggregated_period_counts_from_the_first_sick_day_moved_on_by_the_interruption() -> None:
    # Worked example (rviregister.nl, "Samenstellen van ziekteperiodes"): sick 3 January to
    # 3 July 2022, fit 4 to 24 July (21 days), sick again from 25 July 2022: less than four
    # weeks apart, so one period, and the 104 weeks end 21 days later than they would have.
    # The source names 22 January 2024, the first day after the 104 weeks; their last day
    # is the day before. The aggregated first sick day is built by hand here (3 January +
    # 21 days); practice.absences computes it from the absences (see the last test).
    aggregated_first = date(2022, 1, 3) + timedelta(days=21)
    on = date(2022, 8, 1)  # a week into the second absence: week 28 of the period
    assert week_of(aggregated_first, on) == 28
    m = by_kind(milestones(aggregated_first, on))
    assert m[K.END_OF_WAITING_TIME].due_on == date(2024, 1, 21)
    assert m[K.END_OF_WAITING_TIME].due_on + timedelta(days=1) == date(2024, 1, 22)
    assert m[K.PROBLEM_ANALYSIS].status is S.PASSED
    assert m[K.UWV_NOTIFICATION].due_on == date(2022, 11, 14)
    assert (m[K.EVALUATION].week, m[K.EVALUATION].status) == (32, S.UPCOMING)


def test_a_relapse_after_more_than_four_weeks_starts_the_clock_again() -> None:
    # Sick from 5 January 2026, fully back on 2 March, sick again on 6 April: 35 days fit,
    # four weeks or more, so a new period with its own week 1 (art. 7:629 lid 10 BW). The
    # new period's first sick day is built by hand here.
    new_first = date(2026, 4, 6)
    on = date(2026, 4, 20)
    m = by_kind(milestones(new_first, on))
    assert m[K.PROBLEM_ANALYSIS].due_on == date(2026, 5, 17)
    assert m[K.PROBLEM_ANALYSIS].status is S.UPCOMING
    assert m[K.PLAN_OF_APPROACH].status is S.UPCOMING
    assert m[K.END_OF_WAITING_TIME].due_on == new_first + timedelta(weeks=104, days=-1)
    # Counted from the old first sick day, the problem analysis would have passed long ago.
    old = by_kind(milestones(MONDAY, on))
    assert old[K.PROBLEM_ANALYSIS].status is S.PASSED


def test_without_a_running_period_there_are_no_milestones() -> None:
    assert milestones(None, MONDAY) == []
    assert milestones(MONDAY + timedelta(days=1), MONDAY) == []


def test_after_week_104_every_milestone_has_passed() -> None:
    found = milestones(MONDAY, MONDAY + timedelta(weeks=105))
    assert {m.status for m in found} == {S.PASSED}
    assert next_milestone(found) is None
    assert by_kind(found)[K.EVALUATION].week == 104


def sickness(first: date, recovered: date | None = None) -> AbsenceEpisode:
    return AbsenceEpisode(first, recovered, AbsenceType.SICKNESS)


def test_practice_absences_gives_the_worked_examples_their_first_sick_day() -> None:
    # The same two cases as above, counted by the legal aggregation rule itself.
    chained = [sickness(date(2022, 1, 3), date(2022, 7, 4)), sickness(date(2022, 7, 25))]
    on = date(2022, 8, 1)
    first = aggregated_first_sick_day(chained, on)
    assert first == date(2022, 1, 24)
    end = by_kind(milestones(first, on))[K.END_OF_WAITING_TIME].due_on
    period = period_on(chained, on)
    assert period is not None and end == period.wage_period_ends_on == date(2024, 1, 21)

    relapse = [sickness(MONDAY, date(2026, 3, 2)), sickness(date(2026, 4, 6))]
    assert aggregated_first_sick_day(relapse, date(2026, 4, 20)) == date(2026, 4, 6)
    # Fit between the two absences: no running period, so no milestones.
    assert aggregated_first_sick_day(relapse, date(2026, 3, 20)) is None


def test_the_employer_sees_a_milestone_as_a_name_a_week_and_dates_only() -> None:
    assert set(MilestoneView.__struct_fields__) == {"kind", "week", "opens_on", "due_on", "status"}
    assert_employer_safe(MilestoneView)
    views = milestone_views(milestones(MONDAY, MONDAY + timedelta(days=39)))
    assert views[0] == MilestoneView(
        kind=K.PROBLEM_ANALYSIS,
        week=6,
        opens_on=date(2026, 2, 9),
        due_on=date(2026, 2, 15),
        status=S.DUE,
    )
    with pytest.raises(TypeError):
        MilestoneView(**msgspec.structs.asdict(views[0]), cause="burn-out")  # type: ignore[call-arg]
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({**msgspec.to_builtins(views[0]), "cause": "burn-out"}, MilestoneView)
    # An update sent before milestones existed still reads.
    stored = b'{"episode_id": 1, "employee_name": "A", "employer_id": 2, "sessions_held": 0}'
    assert msgspec.json.decode(stored, type=EmployerView).milestones == ()
