"""Every statistic on one small, hand-computed cast (today = 1 June 2026):

* A, depressie, basic: the plain case, 0% -> 100% -> 100%;
* B, angststoornis, Compleet: contract cut from 36 to 24 h, partly working at the start,
  lower volume at follow-up (a relapse nobody flagged);
* C, somatische symptoomstoornis, basic: still in treatment, no resumption yet (censored);
* D, depressie, preventive: never absent, so out of resumption and duration figures;
* E, angststoornis, basic: flagged relapse, follow-up missed, late treatment start;
* F, depressie, basic: 50% at the end, absence still open, unreachable at follow-up.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from practice.deadlines import DayUnit, DeadlineRule
from practice.episodes import Offer
from practice.work_participation import (
    ContractPeriod,
    ParticipationMeasurement,
    volume_percent_series,
)
from reporting.statistics.definitions import (
    ABSENCE_BENCHMARKS,
    DEFINITIONS,
    HSK_REFERENCE,
    Benchmark,
    Moment,
    Unit,
)
from reporting.statistics.figures import Observation, Share, censored_median, percentile
from reporting.statistics.reference import (
    EpisodeOutcome,
    FollowUpResponse,
    follow_up_response_rate,
    relapse_rate,
    sessions_per_episode,
    share_resumed,
    volume_by_diagnosis,
)
from reporting.statistics.reference_times import (
    absence_duration,
    cost_avoided,
    time_to_resumption,
    wait_times,
)
from reporting.statistics.suppression import Cell, suppress_table

D = Decimal
TODAY = date(2026, 6, 1)
BEGIN, END, FU = Moment.BEGIN, Moment.END, Moment.FOLLOW_UP

A = EpisodeOutcome(
    diagnosis_category="depressie",
    offer=Offer.BASIC,
    absent_at_referral=True,
    referred_on=date(2025, 3, 3),
    screened_on=date(2025, 3, 7),
    started_on=date(2025, 3, 17),
    first_sick_day=date(2025, 2, 10),
    first_intervention_on=date(2025, 3, 7),
    volume_begin=D(0),
    volume_end=D(100),
    volume_follow_up=D(100),
    full_recovery_on=date(2025, 5, 12),
    partial_resumption_on=date(2025, 4, 7),
    relapse=False,
    follow_up_response=FollowUpResponse.DONE,
    held_sessions=8,
    closed_on=date(2025, 5, 26),
)
# Volumes against the contract of the day: 9/36 h, then 24/24 h and 18/24 h after the cut.
B = replace(
    A,
    diagnosis_category="angststoornis",
    offer=Offer.COMPLEET,
    referred_on=date(2025, 4, 1),
    screened_on=date(2025, 4, 14),
    started_on=date(2025, 4, 28),  # Goede Vrijdag and Tweede Paasdag lie in between
    first_sick_day=date(2025, 3, 3),
    first_intervention_on=date(2025, 4, 14),
    volume_begin=D(25),
    volume_end=D(100),
    volume_follow_up=D(75),
    full_recovery_on=date(2025, 6, 16),
    partial_resumption_on=date(2025, 3, 20),
    relapse=None,
    held_sessions=10,
    closed_on=date(2025, 6, 30),
)
C = replace(
    A,
    diagnosis_category="somatische_symptoomstoornis",
    referred_on=date(2026, 3, 2),
    screened_on=date(2026, 3, 5),
    started_on=date(2026, 3, 16),
    first_sick_day=date(2026, 1, 5),
    first_intervention_on=date(2026, 3, 5),
    volume_end=None,
    volume_follow_up=None,
    full_recovery_on=None,
    partial_resumption_on=None,
    relapse=None,
    follow_up_response=None,
    held_sessions=6,
    closed_on=None,
)
D_ = replace(
    A,
    offer=Offer.PREVENTIVE,
    absent_at_referral=False,
    referred_on=date(2025, 9, 1),
    screened_on=date(2025, 9, 8),
    started_on=date(2025, 9, 15),
    first_sick_day=None,
    first_intervention_on=date(2025, 9, 8),
    volume_begin=D(100),
    full_recovery_on=None,
    partial_resumption_on=None,
    held_sessions=5,
    closed_on=date(2025, 11, 3),
)
E = replace(
    A,
    diagnosis_category="angststoornis",
    referred_on=date(2024, 9, 2),
    screened_on=date(2024, 9, 16),
    started_on=date(2024, 10, 7),
    first_sick_day=date(2024, 8, 5),
    first_intervention_on=date(2024, 9, 16),
    volume_begin=D(50),
    volume_follow_up=None,
    full_recovery_on=date(2024, 11, 18),
    partial_resumption_on=None,
    relapse=True,
    follow_up_response=None,
    held_sessions=7,
    closed_on=date(2024, 11, 25),
)
F = replace(
    A,
    referred_on=date(2025, 6, 2),
    screened_on=date(2025, 6, 6),
    started_on=date(2025, 6, 23),  # exactly 10 working days: Pinkstermaandag lies in between
    first_sick_day=date(2025, 5, 5),
    first_intervention_on=date(2025, 6, 6),
    volume_end=D(50),
    volume_follow_up=None,
    full_recovery_on=None,
    partial_resumption_on=date(2025, 7, 21),
    relapse=None,
    follow_up_response=FollowUpResponse.UNREACHABLE,
    held_sessions=12,
    closed_on=date(2025, 10, 6),
)
CAST = [A, B, C, D_, E, F]


def test_volume_by_diagnosis_means_capped_values_and_counts_missing_and_not_absent_clients() -> (
    None
):
    table = volume_by_diagnosis(CAST)
    assert table.cells == {
        "angststoornis": {BEGIN: Cell(D("37.5"), 2), END: Cell(D(100), 2), FU: Cell(D(75), 1)},
        "depressie": {BEGIN: Cell(D(0), 2), END: Cell(D(75), 2), FU: Cell(D(100), 1)},
        "somatische_symptoomstoornis": {
            BEGIN: Cell(D(0), 1),
            END: Cell(None, 0),
            FU: Cell(None, 0),
        },
    }
    assert table.missing["depressie"] == {BEGIN: 0, END: 0, FU: 1}
    assert table.missing["somatische_symptoomstoornis"] == {BEGIN: 0, END: 1, FU: 1}
    assert table.excluded_not_absent == 1  # D's 100% would have inflated depressie


def test_a_contract_cut_raises_the_current_contract_figure_but_not_the_baseline_one() -> None:
    contracts = [ContractPeriod(date(2024, 1, 1), D(36)), ContractPeriod(date(2025, 5, 1), D(24))]
    worked = [
        ParticipationMeasurement(day, D(hours), D(0), D(0), D(0))
        for day, hours in [(date(2025, 4, 28), 9), (date(2025, 6, 30), 24), (date(2026, 1, 5), 18)]
    ]
    series = volume_percent_series(worked, contracts)
    current = [point.volume_percent for point in series]
    baseline = [point.baseline_volume_percent for point in series]
    assert current == [D(25), D(100), D(75)]  # what B carries
    assert baseline == [D(25), D("66.7"), D(50)]

    def end_figure(volumes: list[Decimal | None]) -> Cell:
        episode = replace(B, volume_begin=volumes[0], volume_end=volumes[1])
        return volume_by_diagnosis([episode]).cells["angststoornis"][END]

    assert end_figure(current) == Cell(D(100), 1)
    assert end_figure(baseline) == Cell(D("66.7"), 1)


VOLUMES = {
    "angststoornis": ([40, 45, 49, 53, 58], [80, 90, 92, 93, 100], [120, 100, 100, 95, 90]),
    "somatische_symptoomstoornis": (
        [0, 20, 30, 45, 50],
        [60, 70, 75, 80, 100],
        [75, 85, 90, 95, 100],
    ),
    "depressie": ([0, 25, 40, 55, 60], [50, 75, 80, 80, 100], [70, 80, 90, 100, 100]),
}


def test_a_cohort_of_five_per_diagnosis_reproduces_the_hsk_table_and_stays_visible() -> None:
    cohort = [
        replace(
            A,
            diagnosis_category=category,
            volume_begin=D(b),
            volume_end=D(e),
            volume_follow_up=D(f),
        )
        for category, columns in VOLUMES.items()
        for b, e, f in zip(*columns, strict=True)
    ]
    preventive = replace(D_, diagnosis_category="angststoornis")  # would lift 49 if counted
    table = volume_by_diagnosis([*cohort, preventive])
    for category, reference in HSK_REFERENCE.items():
        for moment, benchmark in reference.items():
            assert table.cells[category][moment] == Cell(benchmark.value, 5)
    # The 120% at follow-up counts as 100 (S1's cap); uncapped, anxiety would show 101.
    shown = suppress_table(table.cells)
    assert {str(shown[c][m]) for c in shown for m in Moment} >= {"49.0", "91.0", "97.0"}
    assert all(figure.n == 5 for row in shown.values() for figure in row.values())


def test_shares_resumed_count_full_and_partial_among_absent_clients_with_a_value() -> None:
    shares = share_resumed(CAST)
    assert shares[END].full == Share(3, 4) and shares[END].full.percent == D(75)
    assert shares[END].partial == Share(1, 4)  # F at 50%
    assert (shares[END].missing, shares[END].excluded_not_absent) == (1, 1)
    assert shares[FU].full == Share(1, 2) and shares[FU].partial == Share(1, 2)
    assert shares[FU].missing == 3


def test_relapse_counts_the_flag_and_a_lower_volume_at_follow_up_among_closed_episodes() -> None:
    rate = relapse_rate(CAST)
    assert rate.share == Share(2, 4)  # B (75 after 100) and E (flag); A and D did not
    assert rate.share.cell == Cell(D(50), 4)
    assert (rate.not_assessed, rate.open_episodes) == (1, 1)  # F; C


def test_a_follow_up_above_100_percent_is_no_relapse_when_both_moments_are_capped() -> None:
    episode = replace(A, relapse=None, volume_end=D(110), volume_follow_up=D(100))
    assert relapse_rate([episode]).share == Share(0, 1)


def test_follow_up_coverage_counts_every_eligible_client_including_the_lost_ones() -> None:
    coverage = follow_up_response_rate(CAST, TODAY)
    assert coverage.responded == Share(3, 5)  # A, B, D of A, B, D, E, F
    assert coverage.responded.percent == D(60)
    assert (coverage.unreachable, coverage.declined) == (1, 0)  # F
    assert (coverage.pending, coverage.missed) == (0, 1)  # E's window closed empty
    assert coverage.not_yet_eligible == 1  # C is still in treatment


def test_follow_up_eligibility_starts_six_calendar_months_after_the_last_session() -> None:
    episode = replace(A, closed_on=date(2025, 8, 31), follow_up_response=None)
    assert follow_up_response_rate([episode], date(2026, 2, 27)).not_yet_eligible == 1
    opened = follow_up_response_rate([episode], date(2026, 2, 28))  # 31 Aug + 6 months
    assert (opened.pending, opened.responded) == (1, Share(0, 1))
    declined = replace(episode, follow_up_response="declined")  # as a database row has it
    assert follow_up_response_rate([declined], date(2026, 3, 1)).declined == 1


def test_wait_times_report_calendar_and_working_days_against_their_targets() -> None:
    waits = wait_times(CAST)
    calendar = waits.referral_to_screening  # 4, 13, 3, 7, 14, 4
    assert (calendar.unit, calendar.n, calendar.median, calendar.p90) == (
        Unit.CALENDAR_DAYS,
        6,
        D("5.5"),
        D("13.5"),
    )
    assert calendar.within_target == Share(4, 6) and calendar.within_target.percent == D("66.7")
    working = waits.referral_to_screening_working  # 4, 9, 3, 5, 10, 4
    assert (working.unit, working.median, working.p90) == (Unit.WORKING_DAYS, D("4.5"), D("9.5"))
    assert working.within_target == Share(6, 6)


def test_treatment_start_counts_working_days_after_the_screening_around_holidays() -> None:
    start = wait_times(CAST).to_treatment_start  # 6, 8, 7, 5, 15, 10
    assert (start.unit, start.median, start.p90) == (Unit.WORKING_DAYS, D("7.5"), D("12.5"))
    assert start.within_target == Share(5, 6)  # F's exactly 10 is on time; E's 15 is not


def test_the_treatment_start_anchor_is_configurable_and_must_be_an_episode_date() -> None:
    from_referral = DeadlineRule(10, DayUnit.WORKING, "aanmelding")
    start = wait_times([A], start_rule=from_referral).to_treatment_start
    assert (start.median, start.within_target) == (D(10), Share(1, 1))  # 3 Mar -> 17 Mar
    with pytest.raises(ValueError, match="'intake'"):
        wait_times([A], start_rule=DeadlineRule(10, DayUnit.WORKING, "intake"))


def test_the_first_sick_day_wait_covers_only_absent_clients_and_has_no_target() -> None:
    sick = wait_times(CAST).sick_to_intervention  # 25, 42, 59, 42, 32
    assert (sick.n, sick.median, sick.p90, sick.within_target) == (5, D(42), D("52.2"), None)
    assert (sick.missing, sick.excluded) == (0, 1)


def test_a_referral_not_yet_screened_is_counted_as_missing_not_dropped() -> None:
    waiting = replace(C, screened_on=None, started_on=None)
    waits = wait_times([A, waiting])
    assert (waits.referral_to_screening.n, waits.referral_to_screening.missing) == (1, 1)
    assert waits.to_treatment_start.missing == 1


def test_time_to_resumption_censors_open_cases_instead_of_dropping_them() -> None:
    times = time_to_resumption(CAST, TODAY)
    # partial: A 21 (event), F 28 (event), C 77 (censored today); B and E worked at start
    assert (times.partial.n_events, times.partial.n_censored) == (2, 1)
    assert times.partial.median_days == D(28)  # dropping C would give 24.5
    # full: E 42, B 49, A 56 (events); C 77 (today), F 105 (closed) censored
    assert (times.full.n, times.full.n_events, times.full.n_censored) == (5, 3, 2)
    assert times.full.median_days == D(56)  # dropping C and F would give 49
    assert (times.already_partial_at_start, times.already_full_at_start) == (2, 0)
    assert (times.not_started, times.excluded_not_absent) == (0, 1)


def test_a_resumption_after_the_reporting_date_is_not_yet_known() -> None:
    times = time_to_resumption([A], date(2025, 4, 1))
    assert (times.partial.n_events, times.partial.n_censored) == (0, 1)
    assert times.partial.median_days is None  # not reached, not zero


def test_absence_duration_averages_ended_absences_and_counts_the_rest() -> None:
    durations = absence_duration(CAST)  # A 91, B 105, E 105; C and F still open
    assert (durations.n, durations.median, durations.mean) == (3, D(105), D("100.3"))
    assert (durations.open, durations.excluded_not_absent) == (2, 1)
    assert absence_duration([replace(A, first_sick_day=None)]).no_first_sick_day == 1


def test_a_recovery_before_the_first_sick_day_is_a_data_error_not_a_negative_duration() -> None:
    with pytest.raises(ValueError, match="after the first sick day"):
        absence_duration([replace(A, full_recovery_on=date(2025, 2, 1))])


def test_cost_avoided_is_benchmark_minus_actual_days_at_the_employers_day_cost() -> None:
    benchmark = ABSENCE_BENCHMARKS["hsk_business_case"]
    result = cost_avoided(CAST, 25_000, benchmark)
    assert result.benchmark is benchmark and result.cost_per_day_cents == 25_000
    assert result.per_episode_cents == (2_225_000, 1_875_000, None, None, 1_875_000, None)
    assert (result.total_cents, result.n, result.open, result.excluded) == (5_975_000, 3, 2, 1)


def test_an_absence_longer_than_the_benchmark_shows_a_negative_saving() -> None:
    short = Benchmark("short", D(60), Unit.CALENDAR_DAYS, "test", 2026)
    result = cost_avoided([A], 25_000, short)
    assert result.total_cents == -775_000  # (60 - 91) x EUR 250


def test_a_benchmark_in_working_days_cannot_be_set_against_calendar_day_absences() -> None:
    working = Benchmark("brochure", D(53), Unit.WORKING_DAYS, "test", 2022)
    with pytest.raises(ValueError, match="calendar days"):
        cost_avoided([A], 25_000, working)
    with pytest.raises(ValueError, match="whole cents"):
        cost_avoided([A], 250.0, ABSENCE_BENCHMARKS["arboned_2020"])  # type: ignore[arg-type]


def test_sessions_per_episode_splits_closed_episodes_by_diagnosis_and_offer() -> None:
    sessions = sessions_per_episode(CAST)
    assert sessions.mean == {
        "angststoornis": {Offer.COMPLEET: Cell(D(10), 1), Offer.BASIC: Cell(D(7), 1)},
        "depressie": {Offer.BASIC: Cell(D(10), 2), Offer.PREVENTIVE: Cell(D(5), 1)},
    }
    assert sessions.median["depressie"][Offer.BASIC] == Cell(D(10), 2)
    assert sessions.open_episodes == 1


def test_the_censored_median_is_the_ordinary_median_without_censoring() -> None:
    assert censored_median([Observation(d, True) for d in (10, 20, 30, 40)]) == D(25)
    assert censored_median([Observation(d, True) for d in (10, 20, 30)]) == D(20)
    assert censored_median([Observation(10, True), Observation(5, False)]) == D(10)
    assert censored_median([Observation(10, False)]) is None
    assert percentile([1, 2, 3, 4], D("0.5")) == D("2.5") and percentile([], D("0.5")) is None


def test_records_refuse_float_volumes_negative_sessions_and_unknown_follow_up_outcomes() -> None:
    with pytest.raises(ValueError, match="volume_end"):
        replace(A, volume_end=99.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="held_sessions"):
        replace(A, held_sessions=-1)
    with pytest.raises(ValueError, match="'maybe'"):
        replace(A, follow_up_response="maybe")


def test_every_statistic_has_a_definition_and_only_the_employer_summary_is_for_employers() -> None:
    # S1-S15 of the domain brief, then the per-absence figures (issue 19).
    assert list(DEFINITIONS) == [
        *(f"S{number}" for number in range(1, 16)),
        *(f"A{number}" for number in range(1, 6)),
    ]
    assert [d.code for d in DEFINITIONS.values() if d.employer_visible] == ["S15"]
    assert "diagnosis" in DEFINITIONS["S15"].text  # says it is never split by it


def test_benchmarks_carry_source_and_year_and_the_hsk_table_is_as_printed() -> None:
    assert {k: (b.value, b.year) for k, b in ABSENCE_BENCHMARKS.items()} == {
        "arboned_2020": (D(290), 2020),
        "hsk_business_case": (D(180), 2022),
    }
    printed = {c: tuple(int(b.value) for b in row.values()) for c, row in HSK_REFERENCE.items()}
    assert printed == {
        "angststoornis": (49, 91, 97),
        "somatische_symptoomstoornis": (29, 77, 89),
        "depressie": (36, 77, 88),
    }
    assert all(
        b.source == "HSK brochure 'Snel. Beter.'"
        for r in HSK_REFERENCE.values()
        for b in r.values()
    )
