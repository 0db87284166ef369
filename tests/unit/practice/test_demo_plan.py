"""The demo practice's plan: fixed by its seed, the same whatever weekday today is, and
plausible (the domain brief's distributions)."""

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import mean

from practice.composition.demo.absences import back_at_work
from practice.composition.demo.plan import (
    BOOKED_AHEAD,
    CURVES,
    MEETING_MINUTES,
    NAMED,
    SESSION_MINUTES,
    THERAPISTS,
    EpisodePlan,
    Plan,
    build_plan,
)
from practice.episodes import EpisodeStatus
from practice.working_days import WorkingDays

A_FRIDAY = date(2026, 12, 4)
PLAN = build_plan(A_FRIDAY)


def test_the_same_seed_gives_the_same_practice_and_another_seed_another() -> None:
    assert build_plan(A_FRIDAY) == PLAN
    assert build_plan(A_FRIDAY, seed=1).episodes != PLAN.episodes


def test_the_practice_has_the_same_shape_on_every_day_of_a_week() -> None:
    # Days are counted in working days from today, so only the dates move with the weekday.
    week = [build_plan(date(2026, 11, 9) + timedelta(days=n)) for n in range(7)]
    assert all(plan.episodes == week[0].episodes for plan in week)


def _appointments(plan: Plan) -> list[tuple[EpisodePlan, date, int, str, str]]:
    return [
        (e, plan.calendar.day(s.day), s.slot, s.kind, s.attendance)
        for e in plan.episodes
        for s in e.sessions
    ]


def test_every_appointment_is_on_a_working_day_and_the_booked_ones_in_the_coming_two_weeks() -> (
    None
):
    for today in (date(2026, 12, 19), date(2026, 12, 20), date(2027, 4, 30)):  # Sat, Sun, Fri
        plan = build_plan(today)
        days = WorkingDays(extra_closing_days=frozenset({plan.closing_day}))
        for episode, day, _, _, attendance in _appointments(plan):
            assert days.is_working_day(day), (episode.name, day)
            assert day != today
            if attendance == "planned":
                # ten working days: two weeks, a little more around Christmas
                assert today < day <= plan.calendar.day(BOOKED_AHEAD), (episode.name, day)
            else:
                assert day < today, (episode.name, day, attendance)


def test_no_therapist_is_booked_twice_and_every_appointment_fits_their_working_hours() -> None:
    seen = Counter((e.therapist, day, slot) for e, day, slot, _, _ in _appointments(PLAN))
    assert max(seen.values()) == 1
    for e, day, slot, kind, _ in _appointments(PLAN):
        therapist = THERAPISTS[e.therapist]
        starts = datetime.combine(day, therapist.slots[slot])
        minutes = SESSION_MINUTES if kind == "treatment_session" else MEETING_MINUTES
        assert therapist.starts <= starts.time()
        assert (starts + timedelta(minutes=minutes)).time() <= therapist.ends


def test_there_are_150_to_250_episodes_in_every_status_with_the_named_clients_in_theirs() -> None:
    assert 150 <= len(PLAN.episodes) <= 250
    assert {e.status for e in PLAN.episodes} == {s.value for s in EpisodeStatus}
    by_name = {e.name: e for e in PLAN.episodes}
    assert [by_name[n.name].therapist for n in NAMED] == [0] * len(NAMED)
    assert by_name["Anna Aanmelding"].status == "referred"
    assert by_name["Bram Bijna-te-laat"].screened is None  # late on purpose
    assert by_name["Bo Gepland"].status == "screening_planned"
    assert by_name["Carla Screening"].status == "screened"
    assert by_name["Daan Behandeling"].status == "in_treatment"
    assert by_name["Frank Pauze"].status == "paused"
    assert by_name["Greet Afgerond"].status == "closed"
    assert by_name["Kim Uitgevallen"].status == "dropped_out"
    assert by_name["Lars Doorverwezen"].status == "referred_elsewhere"
    eva = by_name["Eva Compleet"]
    assert any(s.kind == "alignment_meeting" and s.attendance == "planned" for s in eva.sessions)


def test_the_mix_of_diagnoses_offers_and_contracts_is_varied() -> None:
    screened = [e for e in PLAN.episodes if e.diagnosis and e.screened is not None]
    mix = Counter(e.diagnosis for e in screened)
    assert set(mix) == set(CURVES)
    assert min(mix.values()) >= 0.1 * len(screened)
    assert {"atwork_basic", "atwork_compleet", "preventive"} <= {e.offer for e in PLAN.episodes}
    assert {e.employer for e in PLAN.episodes} == {0, 1, 2}
    assert {e.therapist for e in PLAN.episodes} == {0, 1, 2}
    hours = {e.contract_hours for e in PLAN.episodes}
    assert min(hours) == 16 and max(hours) == 40 and len(hours) >= 6
    assert len({e.score for e in screened}) >= 10
    assert sum(e.contract_change is not None for e in PLAN.episodes) >= 3


def test_closed_treatments_hold_4_to_16_sessions_with_no_shows_cancellations_and_drop_outs() -> (
    None
):
    closed = [e for e in PLAN.episodes if e.status == "closed"]
    assert all(4 <= len(e.held) <= 16 for e in closed)
    attendance = Counter(s.attendance for e in PLAN.episodes for s in e.sessions)
    assert attendance["no_show"] > 20 and attendance["cancelled_by_client"] > 20
    assert attendance["cancelled_by_practice"] > 5
    assert sum(e.status == "dropped_out" for e in PLAN.episodes) >= 8
    relapses = [f for e in PLAN.episodes for f in e.follow_ups if f.relapse]
    assert relapses


def test_volume_percent_rises_from_the_begin_to_the_end_and_the_follow_up_as_the_brochure_says(
) -> None:  # fmt: skip
    def volume(moment: str) -> float:
        values = []
        for e in PLAN.episodes:
            for m in e.measures:
                if m.moment == moment:
                    contract = e.contract_hours
                    if e.contract_change and m.day >= e.contract_change[0]:
                        contract = e.contract_change[1]
                    values.append(float(m.own + m.adapted + m.therapeutic) / contract * 100)
        return mean(values)

    begin, end, later = volume("begin"), volume("end"), volume("follow_up")
    assert 25 <= begin <= 55
    assert 70 <= end <= 95
    assert later >= end - 5
    assert any(m.therapeutic for e in PLAN.episodes for m in e.measures)  # AT hours
    preventive = [e for e in PLAN.episodes if e.offer == "preventive"]
    assert preventive and not any(e.absent for e in preventive)


def test_a_closed_treatment_has_its_relapse_plan_and_the_follow_ups_whose_time_came() -> None:
    for e in PLAN.episodes:
        if e.status != "closed":
            continue
        assert e.relapse_plan is not None and e.closed is not None
        assert e.relapse_plan <= e.closed
        for f in e.follow_ups:
            assert e.closed < f.day < 0
            if f.kind == "measurement":  # 6 to 12 months after the last session
                gap = PLAN.calendar.day(f.day) - PLAN.calendar.day(e.closed)
                assert timedelta(days=183) <= gap <= timedelta(days=365)


def test_only_a_closed_client_back_at_the_whole_contract_recovers_on_that_day() -> None:
    recovered = [(p, back_at_work(p)) for p in PLAN.episodes if back_at_work(p) is not None]
    assert recovered, "no client of the demo is back at their whole contract"
    # By the closing, or at the follow-up measurement since: a third or more of the closed
    # absent clients, so the dashboard's absences do not all run on.
    closed = [p for p in PLAN.episodes if p.status == "closed" and p.absent]
    assert len(recovered) * 3 >= len(closed)
    assert any(day is not None and p.closed is not None and day > p.closed for p, day in recovered)
    for plan, day in recovered:
        assert plan.status == "closed" and plan.closed is not None and day is not None
        assert day < 0  # recorded, not foretold
        measure = next(m for m in plan.measures if m.day == day)
        assert measure.own >= plan.contract_hours or plan.contract_change is not None
    treated = next(p for p in PLAN.episodes if p.status == "in_treatment" and p.measures)
    assert back_at_work(treated) is None  # still treated: the sickness goes on
    plan, day = next((p, d) for p, d in recovered if p.contract_change is None)
    below = Decimal(plan.contract_hours - 1)
    short = tuple(replace(m, own=min(m.own, below)) for m in plan.measures)
    assert back_at_work(replace(plan, measures=short)) is None
