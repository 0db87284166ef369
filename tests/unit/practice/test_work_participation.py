from datetime import date
from decimal import Decimal

import pytest

from practice.work_participation import (
    AbsenceEpisode,
    AbsenceType,
    ContractPeriod,
    ParticipationMeasurement,
    VolumePoint,
    absence_duration_days,
    contract_hours_on,
    is_relapse,
    volume_percent,
    volume_percent_series,
)

D = Decimal
FULL_TIME = ContractPeriod(date(2025, 1, 1), D(36))
REDUCED = ContractPeriod(date(2026, 3, 1), D(24))


def worked(
    on: date,
    own: str = "0",
    adapted: str = "0",
    therapeutic: str = "0",
    productive: str = "0",
) -> ParticipationMeasurement:
    return ParticipationMeasurement(on, D(own), D(adapted), D(therapeutic), D(productive))


def sick(first: date, recovered: date | None = None) -> AbsenceEpisode:
    return AbsenceEpisode(first, recovered, AbsenceType.SICKNESS)


def test_the_contract_valid_on_a_day_is_the_latest_one_started_by_then() -> None:
    history = [REDUCED, FULL_TIME]  # order of input does not matter
    assert contract_hours_on(history, date(2026, 2, 28)) == D(36)
    assert contract_hours_on(history, date(2026, 3, 1)) == D(24)
    assert contract_hours_on(history, date(2030, 1, 1)) == D(24)


def test_there_are_no_contract_hours_before_the_first_contract() -> None:
    assert contract_hours_on([FULL_TIME], date(2024, 12, 31)) is None
    assert contract_hours_on([], date(2026, 1, 1)) is None


def test_two_contracts_starting_on_the_same_day_are_refused_as_ambiguous() -> None:
    with pytest.raises(ValueError, match="2025-01-01"):
        contract_hours_on([FULL_TIME, ContractPeriod(date(2025, 1, 1), D(32))], date(2026, 1, 1))


def test_volume_percent_counts_own_adapted_and_productive_work() -> None:
    measurement = worked(date(2026, 2, 2), own="9", adapted="4.5", productive="4.5")
    assert volume_percent(measurement, D(36)) == D("50.0")


def test_therapeutic_hours_count_only_when_asked() -> None:
    # TNO Casus 4: seven hours on wage value and two on a therapeutic basis.
    measurement = worked(date(2026, 2, 2), own="7", therapeutic="2")
    assert volume_percent(measurement, D(36)) == D("19.4")
    assert volume_percent(measurement, D(36), count_therapeutic=True) == D("25.0")
    assert measurement.total_hours == D(9)


def test_volume_percent_rounds_half_up_to_one_decimal() -> None:
    assert volume_percent(worked(date(2026, 2, 2), own="2.5"), D(40)) == D("6.3")
    assert volume_percent(worked(date(2026, 2, 2), own="10"), D(36)) == D("27.8")


def test_volume_percent_is_unknown_without_contract_hours_rather_than_zero() -> None:
    measurement = worked(date(2026, 2, 2), own="18")
    assert volume_percent(measurement, None) is None
    assert volume_percent(measurement, D(0)) is None


def test_volume_percent_is_not_capped_at_one_hundred() -> None:
    assert volume_percent(worked(date(2026, 2, 2), own="40"), D(36)) == D("111.1")


def test_no_hours_worked_is_zero_percent_not_unknown() -> None:
    assert volume_percent(worked(date(2026, 2, 2)), D(36)) == D("0.0")


def test_a_contract_cut_mid_period_shows_progress_only_against_the_baseline() -> None:
    series = volume_percent_series(
        [worked(date(2026, 3, 2), own="18"), worked(date(2026, 2, 2), own="18")],
        [FULL_TIME, REDUCED],
    )
    assert series == [
        VolumePoint(date(2026, 2, 2), D(18), D(36), D("50.0"), D(36), D("50.0")),
        # Same 18 hours: 75% of the new 24-hour contract, still 50% of the original 36.
        VolumePoint(date(2026, 3, 2), D(18), D(24), D("75.0"), D(36), D("50.0")),
    ]


def test_the_baseline_can_be_the_contract_valid_on_the_first_sick_day() -> None:
    series = volume_percent_series(
        [worked(date(2026, 4, 6), own="12")],
        [FULL_TIME, REDUCED],
        baseline_on=date(2026, 3, 10),
    )
    assert series[0].baseline_contract_hours == D(24)
    assert series[0].baseline_volume_percent == D("50.0")


def test_the_series_can_count_therapeutic_hours_against_both_contracts() -> None:
    series = volume_percent_series(
        [worked(date(2026, 3, 2), own="6", therapeutic="6")],
        [FULL_TIME, REDUCED],
        count_therapeutic=True,
    )
    assert series[0].hours_counted == D(12)
    assert (series[0].volume_percent, series[0].baseline_volume_percent) == (D("50.0"), D("33.3"))


def test_a_measurement_before_any_contract_has_no_percentage() -> None:
    series = volume_percent_series([worked(date(2024, 6, 3), own="8")], [FULL_TIME])
    assert series[0].contract_hours is None
    assert series[0].volume_percent is None
    assert series[0].baseline_volume_percent == D("22.2")


def test_a_series_without_any_contract_has_no_percentages_at_all() -> None:
    [point] = volume_percent_series([worked(date(2026, 1, 5), own="8")], [])
    assert (point.volume_percent, point.baseline_volume_percent) == (None, None)


def test_hours_must_be_exact_non_negative_decimals() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        ContractPeriod(date(2025, 1, 1), 36.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative"):
        worked(date(2026, 2, 2), own="-1")
    with pytest.raises(ValueError, match="finite"):
        worked(date(2026, 2, 2), therapeutic="NaN")


def test_absence_duration_runs_from_the_first_sick_day_to_full_recovery() -> None:
    assert absence_duration_days(sick(date(2026, 1, 5), date(2026, 3, 11))) == 65
    assert absence_duration_days(sick(date(2026, 1, 5), date(2026, 1, 6))) == 1


def test_an_open_absence_has_no_duration_yet() -> None:
    episode = sick(date(2026, 1, 5))
    assert episode.is_open
    assert absence_duration_days(episode) is None


def test_an_episode_without_absence_has_an_undefined_duration_not_zero() -> None:
    not_absent = AbsenceEpisode(None, None, AbsenceType.NOT_ABSENT)
    assert absence_duration_days(not_absent) is None
    assert not not_absent.is_open


def test_a_not_absent_record_cannot_carry_absence_dates() -> None:
    with pytest.raises(ValueError, match="not-absent"):
        AbsenceEpisode(date(2026, 1, 5), None, AbsenceType.NOT_ABSENT)


def test_an_absence_needs_its_first_day_and_a_later_recovery() -> None:
    with pytest.raises(ValueError, match="first day"):
        AbsenceEpisode(None, None, AbsenceType.LEAVE)
    with pytest.raises(ValueError, match="after the first sick day"):
        sick(date(2026, 1, 5), date(2026, 1, 5))


def test_leave_has_a_length_but_is_its_own_absence_type() -> None:
    leave = AbsenceEpisode(date(2026, 1, 5), date(2026, 1, 19), AbsenceType.LEAVE)
    assert absence_duration_days(leave) == 14
    assert leave.absence_type is not AbsenceType.SICKNESS


def test_relapse_after_full_return_is_a_new_episode_and_keeps_the_first_duration() -> None:
    first = sick(date(2026, 1, 5), date(2026, 3, 11))
    relapse = sick(date(2026, 4, 20))
    assert is_relapse(first, relapse)
    assert absence_duration_days(first) == 65
    assert absence_duration_days(relapse) is None


def test_falling_ill_again_on_the_recovery_day_is_a_relapse() -> None:
    assert is_relapse(sick(date(2026, 1, 5), date(2026, 3, 11)), sick(date(2026, 3, 11)))


def test_no_relapse_without_full_recovery_or_before_it() -> None:
    assert not is_relapse(sick(date(2026, 1, 5)), sick(date(2026, 4, 20)))
    assert not is_relapse(sick(date(2026, 1, 5), date(2026, 3, 11)), sick(date(2026, 2, 1)))


def test_leave_and_not_absent_records_are_never_relapses() -> None:
    recovered = sick(date(2026, 1, 5), date(2026, 3, 11))
    leave = AbsenceEpisode(date(2026, 4, 20), None, AbsenceType.LEAVE)
    not_absent = AbsenceEpisode(None, None, AbsenceType.NOT_ABSENT)
    assert not is_relapse(recovered, leave)
    assert not is_relapse(recovered, not_absent)
    assert not is_relapse(leave, sick(date(2026, 6, 1)))
