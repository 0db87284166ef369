"""The per-absence figures on hand-made cases: two episodes on one absence, a relapse after
more than four weeks, and a chain within four weeks; each absence counted once.

The cases (today 1 July 2026):

* client 1, absence A: sick 5 January, fully back 6 April (91 days). Treated twice: episode
  1 (referred 20 January, screened 5 February: 6 calendar and 4 working days late; 20 % at
  the start, 60 % at the end) and episode 2 (referred 20 March; 50 % at the start, 110 %
  at the end);
* client 1, absence B: sick again 1 June, more than four weeks after 6 April: a relapse, a
  new absence, still open (31 days so far); episode 3 (screened in time, 0 % at the start);
* client 2, absences C (10 January to 1 February, 22 days) and D (15 February to 1 March,
  14 days): 14 days apart, so one absence of 36 sick days; episode 4 treats D only;
* client 3: not absent, episode 5: left out.

Per episode the mean absence duration would count A twice ((91 + 91 + 36) / 3 = 72.7, or
with D alone 14 days); per absence it is (91 + 36) / 2 = 63.5 over n = 2.
"""

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from reporting.statistics.definitions import ABSENCE_BENCHMARKS, Moment
from reporting.statistics.figures import Observation, censored_median
from reporting.statistics.kaplan_meier import curve
from reporting.statistics.per_absence import (
    AbsenceFacts,
    EpisodeFacts,
    cost_avoided,
    per_absence,
)

TODAY = date(2026, 7, 1)

ABSENCES = (
    AbsenceFacts(1, 10, "sickness", date(2026, 1, 5), date(2026, 4, 6)),
    AbsenceFacts(2, 10, "sickness", date(2026, 6, 1), None),
    AbsenceFacts(3, 20, "sickness", date(2026, 1, 10), date(2026, 2, 1)),
    AbsenceFacts(4, 20, "sickness", date(2026, 2, 15), date(2026, 3, 1)),
    AbsenceFacts(5, 20, "leave", date(2026, 5, 1), date(2026, 5, 10)),  # leave: not counted
)


def _episode(
    episode_id: int,
    client_id: int,
    employment_id: int | None,
    absence_id: int | None,
    referred_on: date,
    screened_on: date | None,
    *,
    absent: bool = True,
    first_sick_day: date | None = None,
    begin: str | None = None,
    end: str | None = None,
    first_paid_on: date | None = None,
    first_any_on: date | None = None,
) -> EpisodeFacts:
    return EpisodeFacts(
        episode_id=episode_id,
        client_id=client_id,
        employment_id=employment_id,
        absence_id=absence_id,
        absent=absent,
        first_sick_day=first_sick_day,
        referred_on=referred_on,
        screened_on=screened_on,
        started_on=screened_on,
        closed_on=None,
        first_paid_on=first_paid_on,
        first_any_on=first_any_on,
        volumes={
            Moment.BEGIN: None if begin is None else Decimal(begin),
            Moment.END: None if end is None else Decimal(end),
        },
    )


EPISODES = (
    _episode(
        1,
        1,
        10,
        1,
        date(2026, 1, 20),
        date(2026, 2, 5),
        begin="20",
        end="60",
        first_paid_on=date(2026, 2, 20),
        first_any_on=date(2026, 2, 10),
    ),
    _episode(2, 1, 10, 1, date(2026, 3, 20), date(2026, 3, 25), begin="50", end="110"),
    _episode(
        3, 1, 10, 2, date(2026, 6, 10), date(2026, 6, 15), begin="0", first_any_on=date(2026, 6, 22)
    ),
    _episode(4, 2, 20, 4, date(2026, 2, 16), date(2026, 2, 20)),
    _episode(5, 3, 30, None, date(2026, 3, 1), date(2026, 3, 5), absent=False),
)


def test_two_episodes_on_one_absence_and_a_relapse_count_each_absence_once() -> None:
    found = per_absence(EPISODES, ABSENCES, TODAY)
    assert found.absences == 3  # A, the relapse B, and C+D chained
    assert found.clients == 2
    assert found.episodes == 4
    assert found.absences_with_several_episodes == 1
    assert found.treatment_begun == 3  # A's treatment begins once, not twice
    assert found.not_absent == 1
    assert (found.ended_n, found.ended_mean, found.ended_median) == (
        2,
        Decimal("63.5"),
        Decimal("63.5"),
    )


def test_the_absence_duration_censors_the_running_absence_and_names_the_n_at_risk() -> None:
    duration = per_absence(EPISODES, ABSENCES, TODAY).duration
    assert (duration.n, duration.n_events, duration.n_censored) == (3, 2, 1)
    # 31 days censored (B), 36 and 91 ended: survival 1/2 after day 36, 0 after day 91.
    assert [(s.day, s.at_risk, s.survival) for s in duration.steps] == [
        (36, 2, Fraction(1, 2)),
        (91, 1, Fraction(0)),
    ]
    assert duration.median_days == Decimal("63.5")
    assert duration.at_risk_at_median == 2


def test_a_chain_within_four_weeks_counts_its_sick_days_without_the_interruption() -> None:
    only_c_and_d = per_absence([EPISODES[3]], ABSENCES, TODAY)
    assert only_c_and_d.absences == 1
    assert only_c_and_d.ended_mean == Decimal(36)  # 22 + 14, not the 50 days on the calendar


def test_resumption_is_counted_from_the_first_sick_day_of_the_absence() -> None:
    found = per_absence(EPISODES, ABSENCES, TODAY)
    # Paid: A after 46 days; C+D at full recovery (36 sick days); B not yet (31, censored).
    assert sorted((s.day, s.events) for s in found.first_paid.steps) == [(36, 1), (46, 1)]
    assert found.first_paid.n_censored == 1
    # Any hours (AT included): A after 36 days, B after 21, C+D after 36.
    assert sorted((s.day, s.events) for s in found.first_any.steps) == [(21, 1), (36, 2)]
    assert found.first_any.n_censored == 0


def test_volume_per_absence_takes_the_first_begin_and_the_last_end_capped_at_100() -> None:
    found = per_absence(EPISODES, ABSENCES, TODAY)
    assert found.volume_mean[Moment.BEGIN] == Decimal(10)  # A: 20 (episode 1), B: 0
    assert found.volume_n[Moment.BEGIN] == 2
    assert found.volume_mean[Moment.END] == Decimal(100)  # A: episode 2's 110, capped
    assert found.volume_n[Moment.END] == 1


def test_screening_lateness_reads_the_first_referral_in_calendar_and_working_days() -> None:
    found = per_absence(EPISODES, ABSENCES, TODAY)
    assert (found.lateness_calendar.late.count, found.lateness_calendar.late.n) == (1, 3)
    assert found.lateness_calendar.median == Decimal(6)  # due 30 January, screened 5 February
    assert found.lateness_working.median == Decimal(4)  # Mon 2 to Thu 5 February
    assert found.not_screened_overdue == 0


def test_an_episode_without_a_link_finds_the_record_of_its_first_sick_day() -> None:
    unlinked = _episode(
        6, 1, 10, None, date(2026, 2, 1), date(2026, 2, 6), first_sick_day=date(2026, 1, 5)
    )
    found = per_absence([*EPISODES, unlinked], ABSENCES, TODAY)
    assert found.absences == 3
    assert found.episodes == 5


def test_an_episode_without_any_record_is_an_absence_of_its_own_referral() -> None:
    alone = _episode(7, 4, None, None, date(2026, 6, 1), None, first_sick_day=date(2026, 5, 20))
    found = per_absence([alone], (), TODAY)
    assert found.absences == 1
    assert found.duration.n_censored == 1
    assert found.not_screened_overdue == 1  # due 11 June, not screened on 1 July


def test_records_with_impossible_dates_are_left_out_rather_than_failing() -> None:
    odd = AbsenceFacts(9, 10, "sickness", date(2026, 5, 1), date(2026, 4, 1))
    found = per_absence(EPISODES, (*ABSENCES, odd), TODAY)
    assert found.absences == 3


def test_the_cost_avoided_counts_each_ended_absence_once_at_its_employers_cost() -> None:
    priced = [replace(e, cost_per_day_cents=25000) for e in EPISODES]
    found = per_absence(priced, ABSENCES, TODAY)
    assert found.ended_costs == ((36, 25000, 1), (91, 25000, 1))
    cost = cost_avoided(found, ABSENCE_BENCHMARKS["hsk_business_case"])
    # (180 - 91) + (180 - 36) = 233 days at EUR 250, not A's 89 days twice.
    assert (cost.total_cents, cost.n) == (233 * 25000, 2)
    assert cost.cost_per_day_cents == 25000


def test_ended_absences_of_the_same_length_and_cost_are_each_priced_and_counted() -> None:
    found = replace(
        per_absence(EPISODES, ABSENCES, TODAY),
        ended_costs=((36, 25000, 2), (91, 20000, 1)),
    )
    cost = cost_avoided(found, ABSENCE_BENCHMARKS["hsk_business_case"])
    assert cost.n == 3
    assert cost.total_cents == 2 * (180 - 36) * 25000 + (180 - 91) * 20000
    assert cost.cost_per_day_cents is None  # two employers' costs: no one cost per day


def test_the_curve_agrees_with_the_censored_median_and_reads_between_steps() -> None:
    cases = [
        Observation(5, True),
        Observation(8, False),
        Observation(8, True),
        Observation(12, True),
        Observation(20, False),
        Observation(30, True),
    ]
    found = curve(cases)
    assert found.median_days == censored_median(cases)
    # Day 5: 1 of 6; day 8: 1 of 5 (the censored case on day 8 still at risk); day 12: 1 of 3.
    assert [(s.day, s.at_risk, s.survival) for s in found.steps] == [
        (5, 6, Fraction(5, 6)),
        (8, 5, Fraction(2, 3)),
        (12, 3, Fraction(4, 9)),
        (30, 1, Fraction(0)),
    ]
    assert found.median_days == Decimal(12)
    assert found.at_risk_at_median == 3
    assert found.survival_on(10) == Fraction(2, 3)
    assert found.at_risk_on(10) == 3
    assert curve([]).median_days is None
    assert curve([Observation(3, False)]).at_risk_at_median is None


def test_the_curves_median_is_the_censored_median_on_random_cases() -> None:
    rng = random.Random(19)
    for _ in range(300):
        cases = [
            Observation(rng.randint(0, 12), rng.random() < 0.6) for _ in range(rng.randint(0, 12))
        ]
        assert curve(cases).median_days == censored_median(cases), cases
