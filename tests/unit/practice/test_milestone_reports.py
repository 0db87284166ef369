"""Interim reports on the Poortwachter clock: which report moments are due on a day, and the
tasks that ask for them, against worked examples.

The client is sick from Wednesday 1 April 2026 (day 1). Week 14 ends on Tuesday 7 July 2026;
ten working days before it is Tuesday 23 June. The first-year evaluation is due by the end of
week 52, Tuesday 30 March 2027: Easter Monday (29 March) and Good Friday (26 March) are not
working days, so ten working days before it is Friday 12 March 2027.
"""

from dataclasses import replace
from datetime import date

import pytest

from practice.deadlines import DayUnit, DeadlineRule
from practice.episodes import EpisodeStatus, Offer
from practice.milestone_reports import ReportMoment, moments_due, working_days_before
from practice.poortwachter import MilestoneKind
from practice.tasks import EpisodeFacts, Task, TaskKind, TaskRules, derive_tasks
from practice.work_participation import AbsenceEpisode, AbsenceType
from practice.working_days import WorkingDays

DAYS = WorkingDays()
SICK = date(2026, 4, 1)
SCREENED = date(2026, 5, 4)


def due(
    today: date, days_before: int | None = 10, since: date | None = SCREENED
) -> list[ReportMoment]:
    return moments_due(SICK, days_before=days_before, since=since, today=today, days=DAYS)


def test_no_report_moment_is_due_when_the_contract_does_not_ask_for_them() -> None:
    assert due(date(2028, 6, 1), days_before=None) == []


def test_the_report_before_the_first_evaluation_is_due_ten_working_days_before_week_14_ends() -> (
    None
):
    assert due(date(2026, 6, 22)) == []
    (moment,) = due(date(2026, 6, 23))
    assert (moment.milestone, moment.week) == (MilestoneKind.EVALUATION, 14)
    assert (moment.milestone_on, moment.moment_on) == (date(2026, 7, 7), date(2026, 6, 23))


def test_holidays_are_not_counted_as_working_days_before_the_first_year_evaluation() -> None:
    found = {m.week: m for m in due(date(2027, 3, 12))}
    assert found[52].milestone is MilestoneKind.FIRST_YEAR_EVALUATION
    assert (found[52].milestone_on, found[52].moment_on) == (date(2027, 3, 30), date(2027, 3, 12))
    assert 56 not in found
    assert 52 not in {m.week for m in due(date(2027, 3, 11))}


def test_every_evaluation_the_first_year_evaluation_and_the_wia_application_get_a_moment() -> None:
    found = due(date(2029, 1, 1))
    weeks = [m.week for m in found]
    assert weeks == [14, 20, 26, 32, 38, 44, 50, 52, 56, 62, 68, 74, 80, 86, 92, 93, 98, 104]
    wia = next(m for m in found if m.week == 93)
    assert wia.milestone is MilestoneKind.WIA_APPLICATION
    assert [m.moment_on for m in found] == sorted(m.moment_on for m in found)


def test_milestones_before_the_screening_are_not_the_practices_to_report_on() -> None:
    weeks = [m.week for m in due(date(2026, 9, 1), since=date(2026, 7, 8))]
    assert weeks == [20]  # week 14 ended on 7 July, before the screening
    assert due(date(2026, 9, 1), since=None) == []


def test_zero_days_before_puts_the_moment_on_the_milestone_itself() -> None:
    (moment,) = due(date(2026, 7, 7), days_before=0)
    assert moment.moment_on == moment.milestone_on == date(2026, 7, 7)


def test_counting_back_skips_weekends() -> None:
    assert working_days_before(date(2026, 7, 6), 1, DAYS) == date(2026, 7, 3)  # Mon → Fri
    with pytest.raises(ValueError, match="zero or positive"):
        working_days_before(date(2026, 7, 6), -1, DAYS)


def test_more_than_sixty_working_days_before_is_refused_as_configuration() -> None:
    with pytest.raises(ValueError, match="0 to 60"):
        due(date(2026, 7, 7), days_before=61)


# ---------------------------------------------------------------- on the task list


def treating(**changes: object) -> EpisodeFacts:
    facts = EpisodeFacts(
        referred_on=date(2026, 4, 27),
        status=EpisodeStatus.IN_TREATMENT,
        offer=Offer.BASIC,
        screening_held_on=SCREENED,
        manager_consultation_on=SCREENED,
        briefing_sent_on=SCREENED,
        treatment_started_on=date(2026, 5, 11),
        held_session_dates=(date(2026, 5, 11), date(2026, 5, 18)),
        interim_reports_done={},
        alignment_meeting_held_on=None,
        employer_update_sent_on=(),
        relapse_plan_done_on=None,
        closed_on=None,
        follow_up_conversation_held_on=None,
        follow_up_measurement_done_on=None,
        sessions_authorised=None,
        absences=(AbsenceEpisode(SICK, None, AbsenceType.SICKNESS),),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


ON = TaskRules(milestone_report_days_before=10)


def milestone_tasks(facts: EpisodeFacts, today: date, rules: TaskRules = ON) -> list[Task]:
    return [t for t in derive_tasks(facts, today, rules) if t.kind is TaskKind.MILESTONE_REPORT]


def test_the_task_list_asks_for_the_report_before_the_evaluation_with_its_reason() -> None:
    (task,) = milestone_tasks(treating(), date(2026, 6, 24))
    assert task.key == "milestone_report:14" and task.ordinal == 14
    # The usual writing time after the moment: five working days after 23 June.
    assert task.due_on == date(2026, 6, 30) and task.is_open
    assert "before the Poortwachter evaluation of 2026-07-07" in task.reason
    assert "10 working days before it" in task.reason


def test_a_sent_report_before_the_evaluation_closes_its_task() -> None:
    facts = treating(milestone_reports_done={14: date(2026, 6, 29)})
    (task,) = milestone_tasks(facts, date(2026, 7, 1))
    assert task.done_on == date(2026, 6, 29) and not task.is_overdue


def test_off_by_default_the_task_list_has_no_report_before_a_milestone() -> None:
    assert milestone_tasks(treating(), date(2027, 6, 1), TaskRules()) == []


def test_full_recovery_ends_the_period_and_its_report_moments() -> None:
    recovered = treating(absences=(AbsenceEpisode(SICK, date(2026, 6, 1), AbsenceType.SICKNESS),))
    assert milestone_tasks(recovered, date(2026, 6, 24)) == []


def test_a_closed_episode_owes_no_report_for_a_moment_after_it_ended() -> None:
    closed = treating(status=EpisodeStatus.CLOSED, closed_on=date(2026, 6, 1))
    assert milestone_tasks(closed, date(2026, 8, 1)) == []


def test_the_writing_time_follows_the_contracts_interim_report_rule() -> None:
    rules = TaskRules(
        milestone_report_days_before=10,
        interim_report_within=DeadlineRule(3, DayUnit.CALENDAR, "held session"),
    )
    (task,) = milestone_tasks(treating(), date(2026, 6, 24), rules)
    assert task.due_on == date(2026, 6, 26)
