"""The task to record the full recovery (hersteldmelding): asked for once the treatment closed
or a measurement shows the whole contract worked, done by the recovery's day, and kept
after the end; a preventive client, or a client not yet back, is not asked."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from practice.episodes import EpisodeStatus as S
from practice.tasks import Task, TaskKind, derive_tasks
from practice.work_participation import AbsenceEpisode, AbsenceType
from practice.work_track import WorkTrack
from tests.unit.practice.test_tasks import in_treatment
from tests.unit.practice.test_work_track import DEPRESSION

SICK_SINCE = date(2025, 12, 1)
CLOSED = date(2026, 4, 1)  # a Wednesday
SICK = AbsenceEpisode(SICK_SINCE, None, AbsenceType.SICKNESS)


def measured(volume: str, on: date) -> WorkTrack:
    return WorkTrack(
        curve=DEPRESSION,
        started_on=date(2026, 1, 19),
        starting_volume=Decimal(30),
        starting_measured_on=date(2026, 1, 19),
        volume=Decimal(volume),
        measured_on=on,
    )


def recovery_tasks(today: date, **changes: Any) -> list[Task]:
    episode = replace(in_treatment(8), absences=(SICK,), **changes)
    return [t for t in derive_tasks(episode, today) if t.kind is TaskKind.FULL_RECOVERY]


def test_a_closed_treatment_asks_for_the_full_recovery_ten_working_days_on_and_keeps_asking() -> (
    None
):
    tasks = recovery_tasks(date(2026, 5, 1), status=S.CLOSED, closed_on=CLOSED)

    (task,) = tasks
    assert task.key == "full_recovery:2025-12-01"
    # Ten working days after Wednesday 1 April, Good Friday and Easter Monday not counted.
    assert task.due_on == date(2026, 4, 17)
    assert task.is_open and task.status is not None and task.status.is_overdue
    assert "hersteldmelding" in task.reason and "the treatment closed on 2026-04-01" in task.reason


def test_a_measurement_at_the_whole_contract_asks_for_it_before_the_end() -> None:
    (task,) = recovery_tasks(date(2026, 3, 2), work_track=measured("100", date(2026, 3, 2)))

    assert task.due_on == date(2026, 3, 16)
    assert "a measurement showed 100 %" in task.reason


def test_a_recorded_recovery_is_the_task_done_on_its_day() -> None:
    recovered = replace(SICK, full_recovery_on=date(2026, 3, 20))

    (task,) = [
        t
        for t in derive_tasks(
            replace(in_treatment(8), absences=(recovered,), status=S.CLOSED, closed_on=CLOSED),
            date(2026, 5, 1),
        )
        if t.kind is TaskKind.FULL_RECOVERY
    ]

    assert task.done_on == date(2026, 3, 20) and not task.is_open


def test_no_recovery_is_asked_of_a_client_still_in_treatment_below_the_contract() -> None:
    assert recovery_tasks(date(2026, 3, 2), work_track=measured("80", date(2026, 3, 2))) == []


def test_no_recovery_is_asked_of_a_preventive_client_or_after_a_dropout() -> None:
    preventive = AbsenceEpisode(None, None, AbsenceType.NOT_ABSENT)
    episode = replace(in_treatment(8), absences=(preventive,), status=S.CLOSED, closed_on=CLOSED)
    assert [
        t for t in derive_tasks(episode, date(2026, 5, 1)) if t.kind is TaskKind.FULL_RECOVERY
    ] == []
    assert recovery_tasks(date(2026, 5, 1), status=S.DROPPED_OUT, closed_on=CLOSED) == []


def test_an_absence_that_began_after_the_closing_is_not_asked_about() -> None:
    later = AbsenceEpisode(CLOSED + timedelta(days=12), None, AbsenceType.SICKNESS)
    episode = replace(in_treatment(8), absences=(later,), status=S.CLOSED, closed_on=CLOSED)

    assert [
        t for t in derive_tasks(episode, date(2026, 6, 1)) if t.kind is TaskKind.FULL_RECOVERY
    ] == []


def test_the_latest_absence_is_the_one_asked_about() -> None:
    earlier = AbsenceEpisode(date(2025, 3, 1), date(2025, 6, 1), AbsenceType.SICKNESS)
    episode = replace(in_treatment(8), absences=(earlier, SICK), status=S.CLOSED, closed_on=CLOSED)
    (task,) = [
        t for t in derive_tasks(episode, date(2026, 5, 1)) if t.kind is TaskKind.FULL_RECOVERY
    ]
    assert task.key == f"full_recovery:{SICK_SINCE}" and task.is_open


def test_an_absence_over_before_the_referral_is_not_the_treatments_to_ask_about() -> None:
    referred = in_treatment(8).referred_on
    over = AbsenceEpisode(date(2025, 3, 1), referred - timedelta(days=30), AbsenceType.SICKNESS)
    episode = replace(in_treatment(8), absences=(over,), status=S.CLOSED, closed_on=CLOSED)

    assert [
        t for t in derive_tasks(episode, date(2026, 5, 1)) if t.kind is TaskKind.FULL_RECOVERY
    ] == []
