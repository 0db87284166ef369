from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practice.deadlines import DayUnit, DeadlineRule
from practice.episodes import EpisodeStatus, Offer
from practice.task_rules import RULE_OF_KIND
from practice.tasks import (
    EpisodeFacts,
    SafetySignal,
    SymptomCheck,
    Task,
    TaskKind,
    TaskRules,
    derive_tasks,
)

S = EpisodeStatus
REFERRED = date(2026, 1, 5)  # a Monday
SCREENED = date(2026, 1, 12)
FIRST_SESSION = date(2026, 1, 19)


def weekly(count: int, first: date = FIRST_SESSION) -> tuple[date, ...]:
    return tuple(first + timedelta(weeks=week) for week in range(count))


def facts(**changes: Any) -> EpisodeFacts:
    fresh = EpisodeFacts(
        referred_on=REFERRED,
        status=S.REFERRED,
        offer=None,
        screening_held_on=None,
        manager_consultation_on=None,
        briefing_sent_on=None,
        treatment_started_on=None,
        held_session_dates=(),
        interim_reports_done={},
        alignment_meeting_held_on=None,
        employer_update_sent_on=(),
        relapse_plan_done_on=None,
        closed_on=None,
        follow_up_conversation_held_on=None,
        follow_up_measurement_done_on=None,
        sessions_authorised=None,
    )
    return replace(fresh, **changes)


def in_treatment(held: int, offer: Offer = Offer.BASIC, **changes: Any) -> EpisodeFacts:
    sessions = weekly(held)
    return facts(
        status=S.IN_TREATMENT,
        offer=offer,
        screening_held_on=SCREENED,
        manager_consultation_on=SCREENED,
        briefing_sent_on=SCREENED,
        treatment_started_on=sessions[0] if sessions else None,
        held_session_dates=sessions,
        **changes,
    )


def by_key(tasks: list[Task]) -> dict[str, Task]:
    return {task.key: task for task in tasks}


def open_keys(tasks: list[Task], kind: TaskKind) -> list[str]:
    return [task.key for task in tasks if task.kind is kind and task.is_open]


def test_a_fresh_referral_shows_the_screening_and_manager_consultation_with_days_left() -> None:
    tasks = derive_tasks(facts(referred_on=date(2026, 3, 2)), today=date(2026, 3, 5))

    assert [task.key for task in tasks] == ["screening", "manager_consultation"]
    screening = tasks[0]
    assert screening.due_on == date(2026, 3, 12)
    assert screening.status is not None and screening.status.days_left == 7
    assert not screening.is_overdue
    assert "10 calendar days after the referral (aanmelding) on 2026-03-02" in screening.reason
    assert tasks[1].due_on == screening.due_on


def test_a_screening_not_held_by_day_eleven_is_overdue_and_says_why() -> None:
    tasks = by_key(derive_tasks(facts(referred_on=date(2026, 3, 2)), today=date(2026, 3, 13)))

    screening = tasks["screening"]
    assert screening.is_overdue
    assert screening.status is not None and screening.status.days_left == -1
    assert screening.reason == (
        "Screening due 10 calendar days after the referral (aanmelding) on 2026-03-02"
    )


def test_a_screening_held_on_day_eleven_is_done_late_but_no_longer_overdue() -> None:
    episode = facts(referred_on=date(2026, 3, 2), screening_held_on=date(2026, 3, 13))
    screening = by_key(derive_tasks(episode, today=date(2026, 3, 20)))["screening"]

    assert screening.done_on == date(2026, 3, 13)
    assert screening.status is not None and screening.status.is_done_late
    assert not screening.is_overdue


def test_treatment_start_is_due_ten_working_days_after_a_screening_across_koningsdag() -> None:
    screened = date(2026, 4, 22)  # a Wednesday; Koningsdag is Monday 27 April 2026
    episode = facts(status=S.SCREENED, screening_held_on=screened)

    start = by_key(derive_tasks(episode, today=screened))["treatment_start"]

    assert start.due_on == date(2026, 5, 7)
    assert "10 working days after the Screening on 2026-04-22" in start.reason


def test_treatment_start_can_be_anchored_on_the_referral_by_configuration() -> None:
    rules = TaskRules(treatment_start_rule=DeadlineRule(10, DayUnit.WORKING, "aanmelding"))
    episode = facts(status=S.SCREENED, screening_held_on=SCREENED)

    start = by_key(derive_tasks(episode, today=SCREENED, rules=rules))["treatment_start"]

    assert start.due_on == date(2026, 1, 19)
    assert "after the referral (aanmelding) on 2026-01-05" in start.reason


def test_the_company_doctor_briefing_appears_only_once_the_screening_is_held() -> None:
    assert "company_doctor_briefing" not in by_key(derive_tasks(facts(), today=REFERRED))

    episode = facts(status=S.SCREENED, screening_held_on=SCREENED)
    briefing = by_key(derive_tasks(episode, today=SCREENED))["company_doctor_briefing"]

    assert briefing.due_on == date(2026, 1, 19)  # "spoedig" made explicit: 5 working days
    assert "spoedig" in briefing.reason


def test_a_client_who_declines_after_the_screening_gets_no_treatment_start() -> None:
    episode = facts(status=S.DECLINED, screening_held_on=SCREENED, closed_on=SCREENED)

    assert "treatment_start" not in by_key(derive_tasks(episode, today=date(2026, 2, 1)))


def test_ten_held_sessions_call_for_interim_reports_five_and_ten() -> None:
    episode = in_treatment(10)
    tasks = by_key(derive_tasks(episode, today=date(2026, 3, 24)))

    assert open_keys(list(tasks.values()), TaskKind.INTERIM_REPORT) == [
        "interim_report:5",
        "interim_report:10",
    ]
    assert tasks["interim_report:5"].due_on == date(2026, 2, 23)  # 5 working days after 16 Feb
    assert tasks["interim_report:10"].ordinal == 10
    assert "held session 10 on 2026-03-23" in tasks["interim_report:10"].reason


def test_once_report_ten_is_done_only_report_five_stays_open() -> None:
    episode = in_treatment(10, interim_reports_done={10: date(2026, 3, 25)})
    tasks = derive_tasks(episode, today=date(2026, 3, 26))

    assert open_keys(tasks, TaskKind.INTERIM_REPORT) == ["interim_report:5"]
    assert by_key(tasks)["interim_report:10"].done_on == date(2026, 3, 25)


def test_a_treatment_ending_at_seven_sessions_gets_only_report_five() -> None:
    tasks = derive_tasks(in_treatment(7), today=date(2026, 3, 2))

    reports = [task.key for task in tasks if task.kind is TaskKind.INTERIM_REPORT]
    assert reports == ["interim_report:5"]


def test_each_interim_report_brings_an_employer_update_due_with_it() -> None:
    tasks = by_key(derive_tasks(in_treatment(5), today=date(2026, 2, 17)))

    update = tasks["employer_update:5"]
    assert update.due_on == tasks["interim_report:5"].due_on
    assert "non-medical" in update.reason


def test_a_report_and_its_update_name_the_session_they_follow_and_other_tasks_none() -> None:
    tasks = by_key(derive_tasks(in_treatment(10), today=date(2026, 3, 24)))

    assert tasks["interim_report:10"].after_session == 10
    assert tasks["employer_update:5"].after_session == 5
    assert tasks["treatment_start"].after_session is None


def test_an_employer_update_owed_with_a_report_waits_for_that_report_until_it_is_sent() -> None:
    today = date(2026, 3, 24)
    waiting = by_key(derive_tasks(in_treatment(10), today=today))
    sent = by_key(
        derive_tasks(in_treatment(10, interim_reports_done={5: date(2026, 2, 17)}), today=today)
    )

    assert waiting["employer_update:5"].waits_for == (TaskKind.INTERIM_REPORT, 5)
    assert waiting["employer_update:10"].waits_for == (TaskKind.INTERIM_REPORT, 10)
    assert sent["employer_update:5"].waits_for is None  # sent: the update is the sweep's now
    assert sent["employer_update:10"].waits_for == (TaskKind.INTERIM_REPORT, 10)
    assert waiting["interim_report:5"].waits_for is None


def test_an_employer_update_sent_after_the_fifth_session_ticks_off_its_update() -> None:
    episode = in_treatment(5, employer_update_sent_on=(date(2026, 2, 2), date(2026, 2, 18)))
    update = by_key(derive_tasks(episode, today=date(2026, 2, 20)))["employer_update:5"]

    assert update.done_on == date(2026, 2, 18)  # the 2 February update came too early


def test_periodic_employer_updates_roll_on_from_the_last_one_sent() -> None:
    rules = TaskRules(employer_update_every_days=14)
    episode = in_treatment(4, employer_update_sent_on=(date(2026, 2, 4),))
    tasks = by_key(derive_tasks(episode, today=date(2026, 2, 10), rules=rules))

    first, second = tasks["employer_update:periodic:1"], tasks["employer_update:periodic:2"]
    assert (first.due_on, first.done_on) == (date(2026, 2, 2), date(2026, 2, 4))
    assert (second.due_on, second.done_on) == (date(2026, 2, 18), None)
    assert "employer_update:periodic:3" not in tasks


def test_compleet_with_four_held_sessions_calls_for_an_alignment_meeting() -> None:
    tasks = by_key(derive_tasks(in_treatment(4, Offer.COMPLEET), today=date(2026, 2, 10)))

    meeting = tasks["alignment_meeting"]
    assert meeting.due_on == date(2026, 2, 23)  # 10 working days after session 4 on 9 Feb
    assert not meeting.is_overdue
    assert "overdue at once" not in meeting.reason


def test_the_basic_offer_never_gets_an_alignment_meeting() -> None:
    tasks = by_key(derive_tasks(in_treatment(9, Offer.BASIC), today=date(2026, 3, 17)))

    assert "alignment_meeting" not in tasks


def test_an_upgrade_after_session_six_makes_the_meeting_overdue_at_once() -> None:
    upgraded = in_treatment(6, Offer.COMPLEET)  # basic until now; session 6 on 23 Feb
    meeting = by_key(derive_tasks(upgraded, today=date(2026, 2, 24)))["alignment_meeting"]

    assert meeting.due_on == date(2026, 2, 23)  # still anchored on session 4 (9 Feb)
    assert meeting.is_overdue
    assert "held session 4 on 2026-02-09" in meeting.reason
    assert "overdue at once" in meeting.reason


def test_a_downgrade_removes_the_meeting_unless_it_was_already_held() -> None:
    downgraded = in_treatment(6, Offer.BASIC)
    assert "alignment_meeting" not in by_key(derive_tasks(downgraded, today=date(2026, 3, 1)))

    held = replace(downgraded, alignment_meeting_held_on=date(2026, 2, 12))
    meeting = by_key(derive_tasks(held, today=date(2026, 3, 1)))["alignment_meeting"]
    assert meeting.done_on == date(2026, 2, 12)


def test_the_alignment_meeting_closes_with_the_episode_instead_of_staying_overdue() -> None:
    overdue = in_treatment(6, Offer.COMPLEET)  # session 4 on 9 Feb: due 23 Feb, not held
    assert by_key(derive_tasks(overdue, today=date(2026, 3, 10)))["alignment_meeting"].is_overdue

    closed = replace(overdue, status=S.CLOSED, closed_on=date(2026, 3, 2))
    tasks = derive_tasks(closed, today=date(2026, 3, 10))

    assert "alignment_meeting" not in by_key(tasks)
    assert not [
        task for task in tasks if task.is_overdue and task.kind is TaskKind.ALIGNMENT_MEETING
    ]


def test_a_held_alignment_meeting_stays_as_history_on_a_closed_episode() -> None:
    held = replace(
        in_treatment(6, Offer.COMPLEET, alignment_meeting_held_on=date(2026, 2, 20)),
        status=S.CLOSED,
        closed_on=date(2026, 3, 2),
    )
    meeting = by_key(derive_tasks(held, today=date(2026, 3, 10)))["alignment_meeting"]

    assert meeting.done_on == date(2026, 2, 20)
    assert not meeting.is_overdue


def test_the_relapse_plan_is_listed_without_a_due_date_during_treatment() -> None:
    plan = by_key(derive_tasks(in_treatment(3), today=date(2026, 2, 3)))["relapse_prevention_plan"]

    assert plan.due_on is None
    assert plan.status is None
    assert plan.is_open


def closed_episode(offer: Offer) -> EpisodeFacts:
    sessions = weekly(8, first=date(2025, 7, 11))  # the last one on Friday 29 August 2025
    return facts(
        referred_on=date(2025, 6, 23),
        status=S.CLOSED,
        offer=offer,
        screening_held_on=date(2025, 6, 30),
        manager_consultation_on=date(2025, 6, 30),
        briefing_sent_on=date(2025, 7, 1),
        treatment_started_on=sessions[0],
        held_session_dates=sessions,
        interim_reports_done={5: date(2025, 8, 12)},
        employer_update_sent_on=(date(2025, 8, 12),),
        alignment_meeting_held_on=date(2025, 8, 5),
        closed_on=date(2025, 8, 29),
    )


def test_closing_a_compleet_episode_schedules_the_relapse_plan_and_both_follow_ups() -> None:
    tasks = by_key(derive_tasks(closed_episode(Offer.COMPLEET), today=date(2025, 9, 1)))

    assert tasks["relapse_prevention_plan"].due_on == date(2025, 8, 29)
    conversation = tasks["follow_up_conversation"]
    assert conversation.due_on == date(2026, 2, 28)  # 29 Aug + 6 months, clamped to February
    assert "last held session on 2025-08-29" in conversation.reason
    measurement = tasks["follow_up_measurement"]
    assert measurement.due_on == date(2026, 8, 29)
    assert "opens on 2026-02-28" in measurement.reason


def test_closing_a_basic_episode_gives_a_follow_up_measurement_but_no_conversation() -> None:
    tasks = by_key(derive_tasks(closed_episode(Offer.BASIC), today=date(2025, 9, 1)))

    assert "follow_up_conversation" not in tasks
    assert tasks["follow_up_measurement"].due_on == date(2026, 8, 29)


def test_a_follow_up_measurement_taken_before_its_window_does_not_count() -> None:
    episode = replace(closed_episode(Offer.BASIC), follow_up_measurement_done_on=date(2025, 12, 1))
    measurement = by_key(derive_tasks(episode, today=date(2026, 1, 5)))["follow_up_measurement"]

    assert measurement.is_open
    assert "too early" in measurement.reason


def test_an_override_reason_takes_an_overdue_task_off_the_overdue_list() -> None:
    reason = "client on sick leave for surgery; screening agreed for next week"
    episode = facts(referred_on=date(2026, 3, 2), overrides={"screening": reason})

    screening = by_key(derive_tasks(episode, today=date(2026, 3, 16)))["screening"]

    assert not screening.is_overdue
    assert screening.status is not None and screening.status.days_left == -4  # still shown
    assert screening.override_reason == reason


def test_overdue_tasks_come_first_then_the_rest_by_due_date() -> None:
    episode = in_treatment(10, interim_reports_done={5: date(2026, 2, 20)})
    tasks = derive_tasks(episode, today=date(2026, 4, 1))

    overdue = [task for task in tasks if task.is_overdue]
    assert tasks[: len(overdue)] == overdue
    dated = [task.due_on for task in tasks[len(overdue) :] if task.due_on is not None]
    assert dated == sorted(dated)
    assert tasks[-1].due_on is None  # the relapse plan has no due date yet


def test_a_gap_of_twenty_two_days_raises_a_session_gap_alert() -> None:
    episode = in_treatment(10)  # last session on 23 March
    alert = by_key(derive_tasks(episode, today=date(2026, 4, 14)))["session_gap:2026-03-23"]

    assert alert.kind is TaskKind.SESSION_GAP
    assert alert.is_overdue
    assert "22 days" in alert.reason


def test_a_gap_of_twenty_one_days_raises_no_alert() -> None:
    tasks = derive_tasks(in_treatment(10), today=date(2026, 4, 13))

    assert not [task for task in tasks if task.kind is TaskKind.SESSION_GAP]


def test_a_paused_episode_raises_no_session_gap_alert() -> None:
    paused = replace(in_treatment(10), status=S.PAUSED)

    tasks = derive_tasks(paused, today=date(2026, 6, 1))

    assert not [task for task in tasks if task.kind is TaskKind.SESSION_GAP]


def test_the_session_budget_alert_comes_one_session_before_the_budget_runs_out() -> None:
    assert not [
        task
        for task in derive_tasks(in_treatment(7, sessions_authorised=9), today=date(2026, 3, 3))
        if task.kind is TaskKind.SESSION_BUDGET
    ]

    tasks = by_key(derive_tasks(in_treatment(8, sessions_authorised=9), today=date(2026, 3, 10)))

    alert = tasks["session_budget:9"]
    assert alert.due_on is None
    assert "8 of 9 authorised sessions" in alert.reason


CANCELLED = date(2026, 2, 5)  # a Thursday: two working days later is Monday 9 February


def test_a_practice_cancellation_opens_a_rebooking_task_due_two_working_days_later() -> None:
    episode = in_treatment(3, unrebooked_practice_cancellations=(CANCELLED,))

    rebooking = by_key(derive_tasks(episode, today=CANCELLED))["rebooking:2026-02-05"]

    assert rebooking.kind is TaskKind.REBOOKING
    assert rebooking.is_open
    assert rebooking.due_on == date(2026, 2, 9)  # across the weekend
    assert rebooking.status is not None and rebooking.status.days_left == 4
    assert not rebooking.is_overdue
    assert "the practice cancelled the appointment on 2026-02-05" in rebooking.reason
    assert "new date" in rebooking.reason
    assert "2 working days after the practice cancellation on 2026-02-05" in rebooking.reason


def test_an_unrebooked_cancellation_is_overdue_after_its_two_working_days() -> None:
    episode = in_treatment(3, unrebooked_practice_cancellations=(CANCELLED,))

    rebooking = by_key(derive_tasks(episode, today=date(2026, 2, 10)))["rebooking:2026-02-05"]

    assert rebooking.is_overdue


def test_a_cancelled_screening_is_rebooked_too_and_the_term_is_configurable() -> None:
    rules = TaskRules(rebooking_within=DeadlineRule(1, DayUnit.CALENDAR, "practice cancellation"))
    episode = facts(status=S.SCREENING_PLANNED, unrebooked_practice_cancellations=(CANCELLED,))

    rebooking = by_key(derive_tasks(episode, today=CANCELLED, rules=rules))["rebooking:2026-02-05"]

    assert rebooking.due_on == date(2026, 2, 6)
    assert "1 calendar days after" in rebooking.reason


@pytest.mark.parametrize("status", [S.CLOSED, S.DECLINED, S.DROPPED_OUT, S.REFERRED_ELSEWHERE])
def test_an_ended_episode_gets_no_rebooking_task(status: EpisodeStatus) -> None:
    episode = replace(
        in_treatment(3, unrebooked_practice_cancellations=(CANCELLED,)),
        status=status,
        closed_on=date(2026, 2, 12),
    )

    tasks = derive_tasks(episode, today=date(2026, 2, 20))

    assert not [task for task in tasks if task.kind is TaskKind.REBOOKING]


def test_a_paused_episode_still_gets_its_rebooking_task() -> None:
    episode = replace(
        in_treatment(3, unrebooked_practice_cancellations=(CANCELLED,)), status=S.PAUSED
    )

    assert open_keys(derive_tasks(episode, today=CANCELLED), TaskKind.REBOOKING) == [
        "rebooking:2026-02-05"
    ]


def test_rebooking_keys_are_one_per_cancelled_date_and_stable_across_days() -> None:
    later = date(2026, 2, 12)
    episode = in_treatment(3, unrebooked_practice_cancellations=(later, CANCELLED, later))

    first = open_keys(derive_tasks(episode, today=CANCELLED), TaskKind.REBOOKING)
    again = open_keys(derive_tasks(episode, today=date(2026, 3, 1)), TaskKind.REBOOKING)

    assert first == again == ["rebooking:2026-02-05", "rebooking:2026-02-12"]


def test_an_override_reason_takes_an_overdue_rebooking_off_the_overdue_list() -> None:
    key, reason = "rebooking:2026-02-05", "client abroad until March; rebooking agreed by phone"
    episode = in_treatment(
        3, unrebooked_practice_cancellations=(CANCELLED,), overrides={key: reason}
    )

    rebooking = by_key(derive_tasks(episode, today=date(2026, 2, 16)))[key]

    assert not rebooking.is_overdue
    assert rebooking.override_reason == reason
    assert rebooking.status is not None and rebooking.status.days_left == -7  # still shown


def test_a_dropped_out_episode_keeps_no_future_tasks() -> None:
    dropped = replace(in_treatment(7), status=S.DROPPED_OUT, closed_on=date(2026, 3, 4))

    tasks = derive_tasks(dropped, today=date(2026, 3, 10))

    open_tasks = [task for task in tasks if task.is_open]
    assert {task.key for task in open_tasks} == {"interim_report:5", "employer_update:5"}
    assert all(task.is_overdue for task in open_tasks)
    assert all(task.due_on is not None and task.due_on <= date(2026, 3, 4) for task in open_tasks)
    assert "screening" in by_key(tasks)  # done tasks stay as history


def test_a_report_that_fell_due_only_after_the_drop_out_is_dropped() -> None:
    # Session 5 on 16 Feb, the report due on 23 Feb, the client gone on 17 Feb.
    dropped = replace(in_treatment(5), status=S.DROPPED_OUT, closed_on=date(2026, 2, 17))

    tasks = derive_tasks(dropped, today=date(2026, 3, 10))

    assert not [task for task in tasks if task.is_open]


def test_keys_are_stable_across_calls_and_days() -> None:
    episode = in_treatment(10, Offer.COMPLEET, sessions_authorised=10)

    first = derive_tasks(episode, today=date(2026, 3, 24))
    again = derive_tasks(episode, today=date(2026, 3, 24))
    later = derive_tasks(episode, today=date(2026, 3, 30))

    assert first == again
    assert {task.key for task in first} == {task.key for task in later}


def test_held_sessions_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="sorted"):
        facts(held_session_dates=(date(2026, 2, 2), date(2026, 1, 26)))


def test_rules_refuse_an_unknown_treatment_start_anchor_and_a_zero_cadence() -> None:
    with pytest.raises(ValueError, match="anchored"):
        TaskRules(treatment_start_rule=DeadlineRule(10, DayUnit.WORKING, "first contact"))
    with pytest.raises(ValueError, match="1 or more"):
        TaskRules(report_every=0)
    with pytest.raises(ValueError, match="1 or more"):
        TaskRules(employer_update_every_days=0)
    with pytest.raises(ValueError, match="closes before it opens"):
        TaskRules(follow_up_measurement_opens_months=12, follow_up_measurement_closes_months=6)


@settings(database=None, deadline=None)
@given(
    held=st.integers(min_value=0, max_value=30),
    every=st.integers(min_value=1, max_value=7),
    status=st.sampled_from(list(EpisodeStatus)),
    offer=st.sampled_from([None, *Offer]),
    update_every=st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
    sent_offsets=st.lists(st.integers(min_value=0, max_value=300), max_size=8),
    done=st.sets(st.integers(min_value=1, max_value=30)),
    today_offset=st.integers(min_value=0, max_value=500),
)
def test_derived_tasks_have_unique_keys_and_report_ordinals_on_the_cadence(
    held: int,
    every: int,
    status: EpisodeStatus,
    offer: Offer | None,
    update_every: int | None,
    sent_offsets: list[int],
    done: set[int],
    today_offset: int,
) -> None:
    sessions = weekly(held)
    episode = facts(
        status=status,
        offer=offer,
        screening_held_on=SCREENED,
        treatment_started_on=sessions[0] if sessions else None,
        held_session_dates=sessions,
        interim_reports_done={n: FIRST_SESSION + timedelta(days=7 * n) for n in done},
        employer_update_sent_on=tuple(FIRST_SESSION + timedelta(days=d) for d in sent_offsets),
        closed_on=sessions[-1] if sessions else None,
    )
    rules = TaskRules(report_every=every, employer_update_every_days=update_every)
    today = REFERRED + timedelta(days=today_offset)

    tasks = derive_tasks(episode, today, rules)

    keys = [task.key for task in tasks]
    assert len(keys) == len(set(keys))
    ordinals = [task.ordinal for task in tasks if task.kind is TaskKind.INTERIM_REPORT]
    assert all(n is not None and n % every == 0 and n <= held for n in ordinals)
    assert [task.key for task in derive_tasks(episode, today, rules)] == keys
    # Asked for some kinds alone (the sweep's drafts), their rules give the same tasks.
    for kinds in ({TaskKind.INTERIM_REPORT}, set(RULE_OF_KIND)):
        alone = derive_tasks(episode, today, rules, kinds=kinds)
        assert alone == [task for task in tasks if task.kind in kinds]


def test_a_first_session_before_the_screening_does_not_count_as_a_timely_treatment_start() -> None:
    early = SCREENED - timedelta(days=3)
    episode = replace(in_treatment(0), treatment_started_on=early)
    start = by_key(derive_tasks(episode, today=date(2026, 2, 9)))["treatment_start"]
    assert start.done_on is None
    assert start.is_overdue
    assert "before the Screening" in start.reason


def test_after_an_early_session_the_first_session_after_the_screening_is_the_start() -> None:
    early = SCREENED - timedelta(days=3)
    episode = replace(
        in_treatment(0), treatment_started_on=early, held_session_dates=(early, FIRST_SESSION)
    )
    start = by_key(derive_tasks(episode, today=date(2026, 2, 9)))["treatment_start"]
    assert start.done_on == FIRST_SESSION
    assert start.status is not None and not start.status.is_done_late


def test_a_start_on_the_day_of_the_screening_counts() -> None:
    episode = replace(in_treatment(0), treatment_started_on=SCREENED)
    start = by_key(derive_tasks(episode, today=date(2026, 2, 9)))["treatment_start"]
    assert start.done_on == SCREENED


# ---------------------------------------------------------------- outcome monitoring


def _check(first: int, latest: int, *, improved: bool, latest_on: date) -> SymptomCheck:
    return SymptomCheck("PHQ-9", SCREENED, first, latest_on, latest, improved, 6)


def test_a_safety_answer_is_due_the_day_it_was_given_and_overdue_the_day_after() -> None:
    episode = in_treatment(3, safety_signals=(SafetySignal(41, "PHQ-9", date(2026, 2, 2)),))

    alert = by_key(derive_tasks(episode, today=date(2026, 2, 3)))["safety:41"]

    assert alert.kind is TaskKind.SAFETY
    assert alert.due_on == date(2026, 2, 2)
    assert alert.is_overdue
    assert "contact the client today" in alert.reason


def test_a_safety_answer_stays_on_the_list_after_the_episode_ended_until_noted() -> None:
    closed = replace(
        in_treatment(8),
        status=S.CLOSED,
        closed_on=date(2026, 3, 20),
        safety_signals=(
            SafetySignal(7, "PHQ-9", date(2026, 2, 2)),  # during treatment: dealt with there
            SafetySignal(8, "PHQ-9", date(2026, 8, 3)),  # at the follow-up measurement
        ),
    )

    keys = by_key(derive_tasks(closed, today=date(2026, 8, 4)))
    noted = by_key(
        derive_tasks(
            replace(closed, overrides={"safety:7": "called on 2 Feb, safety plan made"}),
            today=date(2026, 8, 4),
        )
    )

    assert keys["safety:8"].is_overdue and keys["safety:7"].is_overdue
    assert not noted["safety:7"].is_overdue
    assert noted["safety:7"].override_reason == "called on 2 Feb, safety plan made"


def test_no_reliable_improvement_by_the_fifth_session_raises_a_not_on_track_alert() -> None:
    latest_on = weekly(5)[-1]
    episode = in_treatment(5, symptom_checks=(_check(15, 12, improved=False, latest_on=latest_on),))

    alert = by_key(derive_tasks(episode, today=latest_on))[f"symptoms:{latest_on}"]

    assert alert.kind is TaskKind.SYMPTOMS_NOT_ON_TRACK
    assert "PHQ-9 15 on 2026-01-12 to 12" in alert.reason
    assert "reliable from 6 points" in alert.reason
    assert not alert.is_overdue  # five working days to act on it


def test_a_reliable_improvement_on_one_questionnaire_raises_no_alert() -> None:
    latest_on = weekly(5)[-1]
    checks = (
        _check(15, 12, improved=False, latest_on=latest_on),
        replace(_check(12, 6, improved=True, latest_on=latest_on), instrument="GAD-7"),
    )
    tasks = derive_tasks(in_treatment(6, symptom_checks=checks), today=latest_on)

    assert not [t for t in tasks if t.kind is TaskKind.SYMPTOMS_NOT_ON_TRACK]


def test_before_the_configured_session_or_without_scores_there_is_no_alert() -> None:
    latest_on = weekly(4)[-1]
    check = _check(15, 15, improved=False, latest_on=latest_on)
    early = derive_tasks(in_treatment(4, symptom_checks=(check,)), today=latest_on)
    unmeasured = derive_tasks(in_treatment(8), today=weekly(8)[-1])
    later_rule = derive_tasks(
        in_treatment(6, symptom_checks=(check,)),
        today=weekly(6)[-1],
        rules=TaskRules(symptoms_checked_at_session=8),
    )

    for tasks in (early, unmeasured, later_rule):
        assert not [t for t in tasks if t.kind is TaskKind.SYMPTOMS_NOT_ON_TRACK]


def test_a_first_score_too_low_to_improve_reliably_is_not_judged() -> None:
    latest_on = weekly(5)[-1]
    low = replace(_check(4, 4, improved=False, latest_on=latest_on), improvable=False)

    tasks = derive_tasks(in_treatment(5, symptom_checks=(low,)), today=latest_on)

    assert not [t for t in tasks if t.kind is TaskKind.SYMPTOMS_NOT_ON_TRACK]


def test_a_score_not_repeated_since_the_screening_says_so() -> None:
    episode = in_treatment(5, symptom_checks=(_check(15, 15, improved=False, latest_on=SCREENED),))

    alert = next(
        t for t in derive_tasks(episode, today=weekly(5)[-1])
        if t.kind is TaskKind.SYMPTOMS_NOT_ON_TRACK
    )  # fmt: skip

    assert "PHQ-9 15 on 2026-01-12, not measured since" in alert.reason
