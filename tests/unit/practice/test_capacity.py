"""The capacity-advice rules (practice.capacity) on hand-made cases: what is in force on a
day, and what does not fit it."""

from datetime import date

from practice.capacity import (
    AdviceFact,
    AgreementFact,
    CapacityFacts,
    ConflictKind,
    HoursFact,
    Resolution,
    capacity_advice_in_force,
    conflicts,
    hours_text,
    open_conflicts,
)
from practice.tasks import TaskKind

TODAY = date(2026, 6, 15)


def doctor(id: int, given_on: date, week: int | None = 960, **kw: object) -> AdviceFact:
    return AdviceFact(id, "company_doctor", given_on, hours_per_week_minutes=week, **kw)  # type: ignore[arg-type]


def test_the_advice_in_force_is_the_latest_given_by_then_that_has_not_ended() -> None:
    first = doctor(1, date(2026, 5, 1))
    second = doctor(2, date(2026, 6, 1), valid_until=date(2026, 6, 10))
    advice = [first, second]
    assert capacity_advice_in_force(advice, date(2026, 4, 30), TODAY) is None
    assert capacity_advice_in_force(advice, date(2026, 5, 20), TODAY) == first
    assert capacity_advice_in_force(advice, date(2026, 6, 5), TODAY) == second
    # After its end the earlier, open-ended advice holds again.
    assert capacity_advice_in_force(advice, date(2026, 6, 12), TODAY) == first


def test_advice_dated_after_today_is_not_known_yet_and_the_therapists_is_never_in_force() -> None:
    advice = [doctor(1, date(2026, 6, 20)), AdviceFact(2, "therapist", date(2026, 6, 1))]
    assert capacity_advice_in_force(advice, date(2026, 6, 25), TODAY) is None


def test_the_later_recorded_of_two_advices_on_one_day_counts() -> None:
    advice = [doctor(7, date(2026, 6, 1), 600), doctor(3, date(2026, 6, 1), 900)]
    found = capacity_advice_in_force(advice, TODAY, TODAY)
    assert found is not None and found.id == 7


def test_an_agreement_is_checked_against_the_advice_in_force_on_the_day_it_starts() -> None:
    facts = CapacityFacts(
        advice=[doctor(1, date(2026, 5, 1), 960), doctor(2, date(2026, 6, 10), 1440)],
        agreements=[
            # 20 h from 1 June: over the 16 h then in force.
            AgreementFact(10, date(2026, 5, 20), date(2026, 6, 1), 1200),
            # 20 h from 12 June: within the 24 h of the later advice.
            AgreementFact(11, date(2026, 6, 11), date(2026, 6, 12), 1200),
            # Abandoned: it plans nothing any more.
            AgreementFact(12, date(2026, 5, 20), None, 3000, "abandoned"),
            # Without hours: nothing to check.
            AgreementFact(13, date(2026, 5, 20), None, None),
        ],
    )
    [conflict] = conflicts(facts, TODAY)
    assert (conflict.kind, conflict.subject_id, conflict.advice_id) == (
        ConflictKind.AGREEMENT,
        10,
        1,
    )
    assert (conflict.found_minutes, conflict.advised_minutes) == (1200, 960)
    assert conflict.key == "agreement:10:1"


def test_a_lower_advice_later_is_a_conflict_with_an_agreement_still_running_not_a_met_one() -> None:
    facts = CapacityFacts(
        advice=[doctor(1, date(2026, 5, 1), 2400), doctor(2, date(2026, 6, 10), 300)],
        agreements=[
            # 33 h from 2 June, within the 40 h then; the 5 h advised on 10 June is lower.
            AgreementFact(10, date(2026, 6, 1), date(2026, 6, 2), 1980),
            # Met: its hours worked are checked as hours, the agreement is history.
            AgreementFact(11, date(2026, 5, 20), None, 1980, "met"),
        ],
    )
    [conflict] = conflicts(facts, TODAY)
    assert (conflict.kind, conflict.subject_id, conflict.advice_id) == (
        ConflictKind.AGREEMENT,
        10,
        2,
    )
    assert conflict.on == date(2026, 6, 10)
    assert (conflict.found_minutes, conflict.advised_minutes) == (1980, 300)


def test_when_a_higher_advice_ends_the_lower_one_in_force_again_is_judged_too() -> None:
    facts = CapacityFacts(
        advice=[
            doctor(1, date(2026, 5, 1), 720),  # 12 h, open-ended
            doctor(2, date(2026, 5, 20), 1200, valid_until=date(2026, 6, 10)),  # 20 h
        ],
        agreements=[AgreementFact(10, date(2026, 5, 25), date(2026, 6, 1), 960)],  # 16 h
    )
    [conflict] = conflicts(facts, TODAY)
    assert (conflict.advice_id, conflict.on) == (1, date(2026, 6, 11))


def test_a_resolved_conflict_with_a_later_advice_stays_listed_once_the_agreement_is_met() -> None:
    running = AgreementFact(10, date(2026, 6, 1), date(2026, 6, 2), 1980)
    advice = [doctor(1, date(2026, 5, 1), 2400), doctor(2, date(2026, 6, 10), 300)]
    resolution = Resolution(date(2026, 6, 12), "Afgesproken: eerst 5 uur")
    met = CapacityFacts(
        advice=advice,
        agreements=[AgreementFact(10, date(2026, 6, 1), date(2026, 6, 2), 1980, "met")],
        resolutions={"agreement:10:2": resolution},
    )
    [kept] = conflicts(met, TODAY)
    assert kept.key == "agreement:10:2" and not kept.is_open
    # Unresolved, it no longer asks for anything once met.
    assert conflicts(CapacityFacts(advice=advice, agreements=[running]), TODAY)
    assert conflicts(CapacityFacts(advice=advice, agreements=[met.agreements[0]]), TODAY) == []


def test_an_agreement_made_after_today_is_not_judged_yet() -> None:
    facts = CapacityFacts(
        advice=[doctor(1, date(2026, 5, 1))],
        agreements=[AgreementFact(10, date(2026, 6, 20), None, 3000)],
    )
    assert conflicts(facts, TODAY) == []


def test_every_kind_of_hour_counts_but_only_weeks_with_an_advice_in_force() -> None:
    facts = CapacityFacts(
        advice=[doctor(1, date(2026, 6, 1), 960)],
        hours=[
            HoursFact(1, date(2026, 5, 25), 3000),  # before the advice
            HoursFact(2, date(2026, 6, 8), 960),  # exactly as advised
            HoursFact(3, date(2026, 6, 15), 1020),  # 17 h
        ],
    )
    [conflict] = conflicts(facts, TODAY)
    assert (conflict.kind, conflict.subject_id, conflict.on) == (
        ConflictKind.HOURS,
        3,
        date(2026, 6, 15),
    )


def test_the_therapists_advised_hours_that_differ_from_the_capacity_advice_are_a_conflict() -> None:
    facts = CapacityFacts(
        advice=[
            doctor(1, date(2026, 6, 1), 960, hours_per_day_minutes=240),
            AdviceFact(2, "therapist", date(2026, 6, 5), hours_per_week_minutes=960),  # same
            AdviceFact(3, "therapist", date(2026, 6, 8), hours_per_day_minutes=180),  # other
            AdviceFact(4, "therapist", date(2026, 5, 1), hours_per_week_minutes=60),  # before
        ]
    )
    [conflict] = conflicts(facts, TODAY)
    assert (conflict.kind, conflict.subject_id, conflict.found_minutes) == (
        ConflictKind.THERAPIST_ADVICE,
        3,
        180,
    )


def test_advice_recorded_as_conflicting_is_a_conflict_of_its_own() -> None:
    facts = CapacityFacts(advice=[AdviceFact(5, "gp", date(2026, 6, 2), flagged=True)])
    [conflict] = conflicts(facts, TODAY)
    assert conflict.kind is ConflictKind.FLAGGED and conflict.advice_id is None


def test_a_resolution_closes_exactly_its_conflict_and_a_new_advice_raises_it_again() -> None:
    agreement = AgreementFact(10, date(2026, 6, 1), None, 1200)
    resolved = Resolution(date(2026, 6, 3), "eerst 16 uur")
    facts = CapacityFacts(
        advice=[doctor(1, date(2026, 5, 1))],
        agreements=[agreement],
        resolutions={"agreement:10:1": resolved},
    )
    [conflict] = conflicts(facts, TODAY)
    assert conflict.resolution == resolved and not conflict.is_open
    assert open_conflicts(facts, TODAY) == []
    # A stricter advice before the agreement's day: checked against that one, open again.
    stricter = CapacityFacts(
        advice=[doctor(1, date(2026, 5, 1)), doctor(2, date(2026, 5, 20), 600)],
        agreements=[agreement],
        resolutions={"agreement:10:1": resolved},
    )
    [open_one] = open_conflicts(stricter, TODAY)
    assert open_one.key == "agreement:10:2"


def test_hours_are_written_the_way_people_write_them() -> None:
    assert [hours_text(m) for m in (960, 1230, 45, None)] == ["16", "20.5", "0.75", ""]


def test_an_open_conflict_is_a_task_without_a_deadline_and_a_resolved_one_is_done() -> None:
    from practice.episodes import EpisodeStatus
    from practice.tasks import EpisodeFacts, derive_tasks

    capacity = CapacityFacts(
        advice=[doctor(1, date(2026, 5, 1))],
        agreements=[AgreementFact(10, date(2026, 6, 1), None, 1200)],
        hours=[HoursFact(3, date(2026, 6, 8), 1200)],
        resolutions={"hours:3:1": Resolution(date(2026, 6, 9), "eenmalig")},
    )
    facts = EpisodeFacts(
        referred_on=date(2026, 4, 20), status=EpisodeStatus.IN_TREATMENT, offer=None,
        screening_held_on=None, manager_consultation_on=None, briefing_sent_on=None,
        treatment_started_on=None, held_session_dates=(), interim_reports_done={},
        alignment_meeting_held_on=None, employer_update_sent_on=(), relapse_plan_done_on=None,
        closed_on=None, follow_up_conversation_held_on=None, follow_up_measurement_done_on=None,
        sessions_authorised=None, capacity=capacity,
    )  # fmt: skip
    tasks = {t.key: t for t in derive_tasks(facts, TODAY) if t.kind is TaskKind.ADVICE_CONFLICT}
    assert set(tasks) == {"advice_conflict:agreement:10:1", "advice_conflict:hours:3:1"}
    open_one = tasks["advice_conflict:agreement:10:1"]
    assert open_one.is_open and open_one.due_on is None and not open_one.is_overdue
    assert "20 hours a week" in open_one.reason and "16" in open_one.reason
    assert tasks["advice_conflict:hours:3:1"].done_on == date(2026, 6, 9)
