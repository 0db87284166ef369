"""Escalation of the screening and treatment-start deadlines: which go in whose digest today.

Worked on the 2026 calendar: Koningsdag is Monday 27 April, 1 May is a Friday, and 5 May
(Bevrijdingsdag) is no holiday outside lustrum years.
"""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from practice.deadlines import DEFAULT_WORKING_DAYS, deadline_status
from practice.escalation import (
    EpisodeDeadlines,
    Stage,
    digests,
    escalations,
    previous_working_day,
    stage_of,
)
from practice.tasks import Task, TaskKind

DAYS = DEFAULT_WORKING_DAYS
THERAPIST, OTHER_THERAPIST, MANAGER = 11, 12, 90


def task(kind: TaskKind, due: date, today: date, *, done: date | None = None,
         override: str | None = None) -> Task:  # fmt: skip
    return Task(kind, kind.value, due, done, deadline_status(due, done, today), "why", override)


def episode(episode_id: int, therapist: int | None, *tasks: Task) -> EpisodeDeadlines:
    return EpisodeDeadlines(episode_id, 100 + episode_id, f"C.{episode_id}.", therapist, tasks)


def test_a_screening_due_on_the_next_working_day_escalates_the_day_before() -> None:
    today = date(2026, 4, 29)  # Wednesday
    assert stage_of(task(TaskKind.SCREENING, date(2026, 4, 30), today), today, DAYS) is (
        Stage.DUE_NEXT_WORKING_DAY
    )
    assert stage_of(task(TaskKind.SCREENING, date(2026, 5, 1), today), today, DAYS) is None


def test_on_a_friday_the_weekend_and_monday_are_due_on_the_next_working_day() -> None:
    friday = date(2026, 5, 8)
    for due in (date(2026, 5, 9), date(2026, 5, 10), date(2026, 5, 11)):
        assert stage_of(task(TaskKind.SCREENING, due, friday), friday, DAYS) is (
            Stage.DUE_NEXT_WORKING_DAY
        )
    assert stage_of(task(TaskKind.SCREENING, date(2026, 5, 12), friday), friday, DAYS) is None


def test_a_deadline_lapses_on_the_first_working_day_after_it_and_only_then() -> None:
    due = date(2026, 4, 30)  # Thursday
    stages = {
        day: stage_of(task(TaskKind.TREATMENT_START, due, day), day, DAYS)
        for day in (date(2026, 4, 30), date(2026, 5, 1), date(2026, 5, 4))
    }
    assert stages == {
        date(2026, 4, 30): None,
        date(2026, 5, 1): Stage.LAPSED,
        date(2026, 5, 4): None,
    }


def test_a_deadline_on_a_saturday_or_a_friday_lapses_in_mondays_digest() -> None:
    monday = date(2026, 5, 11)
    for due in (date(2026, 5, 8), date(2026, 5, 9), date(2026, 5, 10)):
        assert stage_of(task(TaskKind.SCREENING, due, monday), monday, DAYS) is Stage.LAPSED


def test_after_koningsdag_the_friday_before_lapses_on_tuesday() -> None:
    assert previous_working_day(date(2026, 4, 28), DAYS) == date(2026, 4, 24)
    tuesday = date(2026, 4, 28)
    assert stage_of(task(TaskKind.SCREENING, date(2026, 4, 24), tuesday), tuesday, DAYS) is (
        Stage.LAPSED
    )


def test_no_digest_goes_out_on_a_day_off() -> None:
    saturday = date(2026, 5, 9)
    assert stage_of(task(TaskKind.SCREENING, date(2026, 5, 8), saturday), saturday, DAYS) is None
    assert stage_of(task(TaskKind.SCREENING, date(2026, 5, 11), saturday), saturday, DAYS) is None


def test_done_overridden_and_other_tasks_do_not_escalate() -> None:
    today, due = date(2026, 5, 1), date(2026, 4, 30)
    assert stage_of(task(TaskKind.SCREENING, due, today, done=due), today, DAYS) is None
    overridden = task(TaskKind.SCREENING, due, today, override="client on holiday")
    assert stage_of(overridden, today, DAYS) is None
    assert stage_of(task(TaskKind.INTERIM_REPORT, due, today), today, DAYS) is None


@given(st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_every_deadline_is_escalated_once_due_and_once_lapsed(due: date) -> None:
    seen: list[Stage] = []
    for offset in range(-10, 12):
        today = due + timedelta(days=offset)
        stage = stage_of(task(TaskKind.SCREENING, due, today), today, DAYS)
        if stage is not None:
            seen.append(stage)
    assert seen == [Stage.DUE_NEXT_WORKING_DAY, Stage.LAPSED]


def test_the_therapist_hears_of_their_own_clients_and_the_manager_of_every_lapsed_one() -> None:
    today = date(2026, 5, 1)
    found = escalations(
        [
            episode(1, THERAPIST, task(TaskKind.SCREENING, date(2026, 4, 30), today)),
            episode(2, THERAPIST, task(TaskKind.TREATMENT_START, date(2026, 5, 4), today)),
            episode(3, OTHER_THERAPIST, task(TaskKind.SCREENING, date(2026, 4, 30), today)),
            episode(4, None, task(TaskKind.TREATMENT_START, date(2026, 4, 30), today)),
            episode(5, OTHER_THERAPIST, task(TaskKind.SCREENING, date(2026, 5, 20), today)),
        ],
        today,
        DAYS,
    )
    per_person = digests(found, [MANAGER])
    assert {p: [(e.episode_id, e.stage) for e in items] for p, items in per_person.items()} == {
        THERAPIST: [(1, Stage.LAPSED), (2, Stage.DUE_NEXT_WORKING_DAY)],
        OTHER_THERAPIST: [(3, Stage.LAPSED)],
        MANAGER: [(1, Stage.LAPSED), (3, Stage.LAPSED), (4, Stage.LAPSED)],
    }


def test_one_digest_a_person_whatever_the_number_of_items_and_none_without_items() -> None:
    today = date(2026, 4, 29)
    found = escalations(
        [
            episode(n, THERAPIST, task(TaskKind.SCREENING, date(2026, 4, 30), today))
            for n in range(1, 6)
        ],
        today,
        DAYS,
    )
    per_person = digests(found, [MANAGER])
    assert list(per_person) == [THERAPIST]  # nothing lapsed: the manager gets no digest
    assert len(per_person[THERAPIST]) == 5
