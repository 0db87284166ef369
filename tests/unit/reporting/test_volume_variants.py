"""Volume % in its four variants, worked out by hand (domain brief S1, pitfalls 7 and 8):
the contract on the measurement date or at referral, hours on wage value or also AT hours."""

from datetime import date
from decimal import Decimal

import pytest

from practice.work_participation import (
    DEFAULT_VOLUME_VARIANT,
    ContractBasis,
    ContractPeriod,
    CountedHours,
    ParticipationMeasurement,
    VolumeVariant,
)
from reporting.statistics.reference import variant_volume

# 36 h at referral (1 March), cut to 24 h on 1 April; measured in May: 12 h own work, 3 h AT.
CONTRACTS = [
    ContractPeriod(date(2020, 1, 1), Decimal(36)),
    ContractPeriod(date(2026, 4, 1), Decimal(24)),
]
MEASUREMENT = ParticipationMeasurement(
    measured_on=date(2026, 5, 4),
    own_work_hours=Decimal(12),
    adapted_work_hours=Decimal(0),
    therapeutic_hours=Decimal(3),
    productive_hours=Decimal(0),
)
REFERRED_ON = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("basis", "hours", "expected"),
    [
        (ContractBasis.MEASUREMENT_DATE, CountedHours.WAGE_VALUE, Decimal("50.0")),  # 12 / 24
        (ContractBasis.REFERRAL, CountedHours.WAGE_VALUE, Decimal("33.3")),  # 12 / 36
        (ContractBasis.MEASUREMENT_DATE, CountedHours.WITH_THERAPEUTIC, Decimal("62.5")),  # 15/24
        (ContractBasis.REFERRAL, CountedHours.WITH_THERAPEUTIC, Decimal("41.7")),  # 15 / 36
    ],
)
def test_each_variant_divides_the_hours_it_counts_by_the_contract_it_names(
    basis: ContractBasis, hours: CountedHours, expected: Decimal
) -> None:
    variant = VolumeVariant(basis, hours)
    assert variant_volume(MEASUREMENT, CONTRACTS, REFERRED_ON, variant) == expected


def test_a_referral_before_any_contract_has_no_percentage_at_referral() -> None:
    late = [ContractPeriod(date(2026, 4, 1), Decimal(24))]
    at_referral = VolumeVariant(ContractBasis.REFERRAL)
    assert variant_volume(MEASUREMENT, late, REFERRED_ON, at_referral) is None
    assert variant_volume(MEASUREMENT, late, REFERRED_ON, DEFAULT_VOLUME_VARIANT) == Decimal("50.0")


def test_the_default_variant_is_the_meaning_figures_had_before_and_strings_are_checked() -> None:
    assert (
        VolumeVariant(ContractBasis.MEASUREMENT_DATE, CountedHours.WAGE_VALUE)
        == DEFAULT_VOLUME_VARIANT
    )
    assert DEFAULT_VOLUME_VARIANT.is_default
    assert VolumeVariant("referral", "with_therapeutic") == VolumeVariant(  # type: ignore[arg-type]
        ContractBasis.REFERRAL, CountedHours.WITH_THERAPEUTIC
    )
    with pytest.raises(ValueError, match="yesterday"):
        VolumeVariant("yesterday")  # type: ignore[arg-type]
