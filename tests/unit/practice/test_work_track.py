"""Work not on track: the expected curve, the gap and the warning, on hand-made cases."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from practice.composition.demo.plan import STUCK_BELOW, Measure, build_plan
from practice.episodes import EpisodeStatus, Offer
from practice.tasks import DEFAULT_TASK_RULES, EpisodeFacts, TaskKind, TaskRules, derive_tasks
from practice.work_track import (
    DEFAULT_BEHIND_MARGIN,
    CurveSource,
    NextStep,
    ResumptionCurve,
    SymptomScore,
    WorkTrack,
    expected_volume,
    judge,
    next_step,
)

D = Decimal
STARTED = date(2026, 3, 2)  # a Monday, the first treatment session
# HSK's depression row: 36 -> 77 %, over a treatment of ten weeks in these cases.
DEPRESSION = ResumptionCurve("depressie", D(36), D(77), D(10), CurveSource.HSK, follow_up=D(88))


def track(
    volume: str, *, weeks: int = 5, starting: str = "36", scores: tuple[SymptomScore, ...] = ()
) -> WorkTrack:
    return WorkTrack(
        curve=DEPRESSION,
        started_on=STARTED,
        starting_volume=D(starting),
        starting_measured_on=STARTED,
        volume=D(volume),
        measured_on=STARTED + timedelta(weeks=weeks),
        symptom_scores=scores,
    )


def facts(work: WorkTrack | None, **changes: object) -> EpisodeFacts:
    sessions = tuple(STARTED + timedelta(weeks=n) for n in range(5))
    fresh = EpisodeFacts(
        referred_on=STARTED - timedelta(days=21),
        status=EpisodeStatus.IN_TREATMENT,
        offer=Offer.COMPLEET,
        screening_held_on=STARTED - timedelta(days=14),
        manager_consultation_on=STARTED - timedelta(days=14),
        briefing_sent_on=STARTED - timedelta(days=14),
        treatment_started_on=STARTED,
        held_session_dates=sessions,
        interim_reports_done={5: sessions[-1]},
        alignment_meeting_held_on=None,
        employer_update_sent_on=(sessions[-1],),
        relapse_plan_done_on=None,
        closed_on=None,
        follow_up_conversation_held_on=None,
        follow_up_measurement_done_on=None,
        sessions_authorised=None,
        work_track=work,
    )
    return replace(fresh, **changes)  # type: ignore[arg-type]


def behind_tasks(f: EpisodeFacts, today: date, rules: TaskRules = DEFAULT_TASK_RULES) -> list[str]:
    return [t.reason for t in derive_tasks(f, today, rules) if t.kind is TaskKind.WORK_BEHIND]


def test_a_client_starting_at_the_curves_start_is_expected_on_the_curve_itself() -> None:
    assert expected_volume(DEPRESSION, D(36), 0) == D(36)
    assert expected_volume(DEPRESSION, D(36), 35) == D("56.5")  # halfway: 36 + 41 / 2
    assert expected_volume(DEPRESSION, D(36), 70) == D(77)


def test_after_the_end_of_treatment_the_expected_volume_stays_at_the_end() -> None:
    assert expected_volume(DEPRESSION, D(36), 70 + 7 * 20) == D(77)


def test_a_client_starting_higher_closes_the_same_share_of_the_way_to_full_work() -> None:
    # The curve closes 41 of 64 points (64.0625 %); from 60 % that is 25.6 of 40 points.
    assert expected_volume(DEPRESSION, D(60), 70) == D("85.6")
    assert expected_volume(DEPRESSION, D(0), 70) == D("64.1")
    assert expected_volume(DEPRESSION, D(100), 70) == D(100)


def test_overtime_at_the_start_is_no_head_start_past_full_work() -> None:
    assert expected_volume(DEPRESSION, D(120), 35) == D(100)


def test_a_curve_that_does_not_rise_expects_the_client_to_stay_where_they_started() -> None:
    flat = replace(DEPRESSION, end=D(30))
    assert expected_volume(flat, D(50), 70) == D(50)


def test_a_curve_outside_0_to_100_or_without_a_length_is_refused() -> None:
    with pytest.raises(ValueError, match="end must be"):
        replace(DEPRESSION, end=D(101))
    with pytest.raises(ValueError, match="weeks must be"):
        replace(DEPRESSION, weeks=D(0))


def test_the_measurement_to_judge_must_come_after_the_start() -> None:
    with pytest.raises(ValueError, match="after the starting one"):
        track("40", weeks=0)


def test_the_gap_is_the_expected_minus_the_actual_volume_in_the_same_week() -> None:
    verdict = judge(track("40"))  # week 5: 56.5 % expected
    assert (verdict.week, verdict.expected, verdict.actual) == (6, D("56.5"), D(40))
    assert verdict.gap == D("16.5")
    assert verdict.behind
    assert verdict.margin == DEFAULT_BEHIND_MARGIN


def test_exactly_the_margin_behind_warns_and_just_under_does_not() -> None:
    assert judge(track("41.5")).behind  # 15.0 points
    assert not judge(track("41.6")).behind  # 14.9 points


def test_ahead_of_the_curve_is_a_negative_gap() -> None:
    verdict = judge(track("80"))
    assert verdict.gap == D("-23.5")
    assert not verdict.behind


def test_an_alignment_meeting_is_proposed_first_then_a_work_step() -> None:
    assert next_step(None) is NextStep.ALIGNMENT_MEETING
    assert next_step(date(2026, 3, 20)) is NextStep.WORK_STEP


def test_falling_behind_raises_a_task_naming_the_expected_volume_the_curve_and_the_scores() -> None:
    scores = (SymptomScore("PHQ-9", 17, STARTED + timedelta(weeks=4)),)
    measured = STARTED + timedelta(weeks=5)
    tasks = [
        t
        for t in derive_tasks(facts(track("40", scores=scores)), measured)
        if t.kind is TaskKind.WORK_BEHIND
    ]

    assert len(tasks) == 1
    task = tasks[0]
    assert task.key == f"work_behind:{measured}"
    assert task.due_on == measured + timedelta(days=7)  # five working days
    assert task.is_open
    assert "56.5 % was expected" in task.reason
    assert "16.5 points behind" in task.reason
    assert "the HSK reference for depressie: 36 to 77 %" in task.reason
    assert "propose an alignment meeting" in task.reason
    assert "PHQ-9 17" in task.reason


def test_on_track_or_without_a_curve_there_is_no_task() -> None:
    today = STARTED + timedelta(weeks=5)
    assert behind_tasks(facts(track("50")), today) == []
    assert behind_tasks(facts(None), today) == []


def test_a_paused_or_closed_episode_gets_no_warning_about_its_volume() -> None:
    today = STARTED + timedelta(weeks=5)
    assert behind_tasks(facts(track("20"), status=EpisodeStatus.PAUSED), today) == []
    assert (
        behind_tasks(facts(track("20"), status=EpisodeStatus.CLOSED, closed_on=today), today) == []
    )


def test_after_an_alignment_meeting_the_task_proposes_a_work_step() -> None:
    today = STARTED + timedelta(weeks=5)
    reasons = behind_tasks(facts(track("20"), alignment_meeting_held_on=STARTED), today)
    assert len(reasons) == 1 and "agree a next work step" in reasons[0]


def test_an_alignment_meeting_after_the_measurement_completes_the_task() -> None:
    measured = STARTED + timedelta(weeks=5)
    held = measured + timedelta(days=3)
    f = facts(track("20"), alignment_meeting_held_on=held)
    task = next(t for t in derive_tasks(f, held) if t.kind is TaskKind.WORK_BEHIND)
    assert task.done_on == held and not task.is_open


def test_the_margin_is_a_contract_setting() -> None:
    today = STARTED + timedelta(weeks=5)
    assert behind_tasks(facts(track("45")), today) == []  # 11.5 points behind
    assert len(behind_tasks(facts(track("45")), today, TaskRules(work_behind_margin=D(10)))) == 1
    with pytest.raises(ValueError, match="margin"):
        TaskRules(work_behind_margin=D(0))


def test_a_task_left_unhandled_is_overdue_after_five_working_days() -> None:
    measured = STARTED + timedelta(weeks=5)
    task = next(
        t
        for t in derive_tasks(facts(track("20")), measured + timedelta(days=10))
        if t.kind is TaskKind.WORK_BEHIND
    )
    assert task.is_overdue


def test_the_demo_has_clients_in_treatment_whose_hours_have_not_moved_since_the_start() -> None:
    def total(m: Measure) -> Decimal:
        return m.own + m.adapted + m.therapeutic

    plan = build_plan(date(2026, 12, 4))
    stuck = [
        episode
        for episode in plan.episodes
        if episode.status == "in_treatment"
        and [m.moment for m in episode.measures] == ["begin", "interim"]
        and total(episode.measures[1]) == total(episode.measures[0])
        and total(episode.measures[0]) < Decimal(STUCK_BELOW) / 100 * episode.contract_hours
    ]
    assert len(stuck) >= 2
