"""Work resumption as a time series, and absence episodes (domain brief §4.4, pitfalls 6-10).

Hours are `Decimal` hours per week, not floats and not integer minutes:

* contracts are agreed as FTE fractions (0.6 x 38 = 22.8 h) and shown as hours, so Decimal
  holds them exactly and displays them as agreed, with no conversion at every boundary;
* a float would turn a full 36 of 36 hours into 99.99...% after a round trip;
* the result (a volume percentage rounded to one decimal) is a Decimal anyway.

Partial resumption is the norm (HSK baselines are 29-49%), so nothing here is a boolean
"back at work": it is a percentage against the contract valid on the measurement date.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from practice.errors import InvalidInput

_ONE_DECIMAL = Decimal("0.1")
_HUNDRED = Decimal(100)
# The volume % of one who works their whole contract again.
WHOLE_CONTRACT = _HUNDRED


def hours_to_minutes(hours: Decimal, field: str) -> int:
    """Contract hours as exact integer minutes (Decimal hours, e.g. 22.8 = 0.6 × 38)."""
    if not hours.is_finite() or hours < 0 or hours > 168:
        raise InvalidInput({field: "between 0 and 168 hours per week"})
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise InvalidInput({field: "use whole minutes (e.g. 22.8 or 22.75 hours)"})
    return int(minutes)


def _check_hours(name: str, value: object) -> None:
    """Reject floats (inexact), NaN/infinity and negative hours at construction.

    Typed `object` because the check exists for callers that bypass the type checker
    (form parsing, database rows).
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite, non-negative number of hours, got {value}")


@dataclass(frozen=True, slots=True)
class ContractPeriod:
    """Contracted hours per week from `valid_from` until the next period starts.

    History is kept because contracts change during absence, and a lower denominator raises
    the volume percentage without any extra work (pitfall 7). One employment's history; a
    client with two jobs has two histories.
    """

    valid_from: date
    hours_per_week: Decimal

    def __post_init__(self) -> None:
        _check_hours("hours_per_week", self.hours_per_week)


def contract_hours_on(periods: Iterable[ContractPeriod], day: date) -> Decimal | None:
    """The contracted hours valid on `day`: the latest `valid_from` <= day; None before any."""
    current = _period_on(periods, day)
    return None if current is None else current.hours_per_week


def _period_on(periods: Iterable[ContractPeriod], day: date) -> ContractPeriod | None:
    current: ContractPeriod | None = None
    seen: set[date] = set()
    for period in periods:
        # Two periods starting on one day leave the contract ambiguous; refuse to guess.
        if period.valid_from in seen:
            raise ValueError(f"two contract periods start on {period.valid_from.isoformat()}")
        seen.add(period.valid_from)
        if period.valid_from <= day and (current is None or period.valid_from > current.valid_from):
            current = period
    return current


@dataclass(frozen=True, slots=True)
class ParticipationMeasurement:
    """Hours worked in the reference week of `measured_on`, split by kind of work.

    The four kinds are disjoint: every hour is recorded in exactly one of them.

    * own work: the client's own job, on wage value (op loonwaarde);
    * adapted work (aangepast werk): other or lighter duties, on wage value;
    * therapeutic hours (op arbeidstherapeutische basis, AT): work as part of recovery that
      does not count as productive ("twee uur per week op AT-basis", TNO Bijlage 5 Casus 4);
    * productive hours: other paid-productive work on wage value outside the own and adapted
      job, such as a second-track placement.
    """

    measured_on: date
    own_work_hours: Decimal
    adapted_work_hours: Decimal
    therapeutic_hours: Decimal
    productive_hours: Decimal

    def __post_init__(self) -> None:
        _check_hours("own_work_hours", self.own_work_hours)
        _check_hours("adapted_work_hours", self.adapted_work_hours)
        _check_hours("therapeutic_hours", self.therapeutic_hours)
        _check_hours("productive_hours", self.productive_hours)

    @property
    def total_hours(self) -> Decimal:
        """Every hour at work, whatever its kind."""
        return self.resumption_hours(count_therapeutic=True)

    def resumption_hours(self, *, count_therapeutic: bool = False) -> Decimal:
        """Hours that count as work resumption.

        Wage-value work always counts. AT hours count only when asked, because including them
        changes the statistic (pitfall 8); S1 asks for both variants to be reported.
        """
        hours = self.own_work_hours + self.adapted_work_hours + self.productive_hours
        return hours + self.therapeutic_hours if count_therapeutic else hours


def volume_percent(
    measurement: ParticipationMeasurement,
    contract_hours: Decimal | None,
    *,
    count_therapeutic: bool = False,
) -> Decimal | None:
    """Resumption hours as a percentage of contract hours, rounded half-up to 0.1.

    None when the contract is unknown or zero: there is no percentage to report, and 0% would
    claim the client is not working at all. Not capped at 100: a client working overtime is a
    fact; capping belongs to the statistic that asks for it (S1), not to the measurement.
    """
    if contract_hours is None or contract_hours == 0:
        return None
    hours = measurement.resumption_hours(count_therapeutic=count_therapeutic)
    return (hours * _HUNDRED / contract_hours).quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


class ContractBasis(StrEnum):
    """Against which contract hours a volume % is computed (pitfall 7; S1 asks for both).

    A contract reduced during the absence raises the percentage without an hour more work;
    only the contract at referral shows that. Every volume % shown names its basis.
    """

    MEASUREMENT_DATE = "measurement_date"  # the contract valid on the measurement date
    REFERRAL = "referral"  # the contract valid on the referral date (its local day)


class CountedHours(StrEnum):
    """Which hours count as work resumption (pitfall 8; S1's config switch, both reported)."""

    WAGE_VALUE = "wage_value"  # own, adapted and other productive work, on wage value
    WITH_THERAPEUTIC = "with_therapeutic"  # the same plus therapeutic (AT) hours

    @property
    def count_therapeutic(self) -> bool:
        return self is CountedHours.WITH_THERAPEUTIC


@dataclass(frozen=True, slots=True)
class VolumeVariant:
    """One way of computing volume %: the contract basis and the hours counted.

    The default is the meaning every figure had before the variants existed.
    """

    basis: ContractBasis = ContractBasis.MEASUREMENT_DATE
    hours: CountedHours = CountedHours.WAGE_VALUE

    def __post_init__(self) -> None:
        # Query strings and rows arrive as plain strings; an unknown one is refused.
        object.__setattr__(self, "basis", ContractBasis(self.basis))
        object.__setattr__(self, "hours", CountedHours(self.hours))

    @property
    def is_default(self) -> bool:
        return self == DEFAULT_VOLUME_VARIANT


DEFAULT_VOLUME_VARIANT = VolumeVariant()


class NoVolume(StrEnum):
    """Why a measurement has no volume percentage: said on the page instead of a number."""

    NO_CONTRACT = "no_contract"  # no contract hours valid on the date (e.g. measured before)
    ZERO_CONTRACT = "zero_contract"  # a contract of 0 hours: no percentage of nothing


def why_no_volume(contract_hours: Decimal | None) -> NoVolume | None:
    """The reason `volume_percent` gives None for these contract hours; None when it gives one."""
    if contract_hours is None:
        return NoVolume.NO_CONTRACT
    if contract_hours == 0:
        return NoVolume.ZERO_CONTRACT
    return None


@dataclass(frozen=True, slots=True)
class VolumePoint:
    """One measurement against both the contract of the day and the baseline contract.

    Shown side by side because a contract reduction raises the current percentage with no
    extra work done (pitfall 7): only the baseline column shows real progress then.
    """

    measured_on: date
    hours_counted: Decimal
    contract_hours: Decimal | None
    volume_percent: Decimal | None
    baseline_contract_hours: Decimal | None
    baseline_volume_percent: Decimal | None

    @property
    def no_volume_reason(self) -> NoVolume | None:
        """Why `volume_percent` is None (no contract on the date, or one of 0 hours)."""
        return why_no_volume(self.contract_hours)


def volume_percent_series(
    measurements: Iterable[ParticipationMeasurement],
    periods: Iterable[ContractPeriod],
    *,
    count_therapeutic: bool = False,
    baseline_on: date | None = None,
) -> list[VolumePoint]:
    """Volume % per measurement, in date order, against current and baseline contract.

    The baseline is the original contract (the earliest period) unless `baseline_on` picks
    the contract valid on another date, e.g. the first sick day when the contract was already
    cut before the absence (TNO case 5). Measurements before any contract get None.
    """
    history = list(periods)
    if baseline_on is not None:
        baseline = contract_hours_on(history, baseline_on)
    elif history:
        baseline = min(history, key=lambda period: period.valid_from).hours_per_week
    else:
        baseline = None
    series: list[VolumePoint] = []
    for measurement in sorted(measurements, key=lambda m: m.measured_on):
        current = contract_hours_on(history, measurement.measured_on)
        series.append(
            VolumePoint(
                measured_on=measurement.measured_on,
                hours_counted=measurement.resumption_hours(count_therapeutic=count_therapeutic),
                contract_hours=current,
                volume_percent=volume_percent(
                    measurement, current, count_therapeutic=count_therapeutic
                ),
                baseline_contract_hours=baseline,
                baseline_volume_percent=volume_percent(
                    measurement, baseline, count_therapeutic=count_therapeutic
                ),
            )
        )
    return series


class AbsenceType(StrEnum):
    """Leave is not sickness (pitfall 17); a preventive client is not absent at all."""

    SICKNESS = "sickness"
    LEAVE = "leave"
    NOT_ABSENT = "not_absent"


@dataclass(frozen=True, slots=True)
class AbsenceEpisode:
    """One period of absence (verzuimperiode), or the record that there is none.

    `full_recovery_on` is the hersteldmelding: the first day fully back, so it lies after the
    first sick day. A not-absent record carries no dates at all, which keeps "no absence"
    from being mistaken for a zero-day absence (pitfall 10).
    """

    first_sick_day: date | None
    full_recovery_on: date | None
    absence_type: AbsenceType

    def __post_init__(self) -> None:
        if self.absence_type is AbsenceType.NOT_ABSENT:
            if self.first_sick_day is not None or self.full_recovery_on is not None:
                raise ValueError("a not-absent record cannot have absence dates")
            return
        if self.first_sick_day is None:
            raise ValueError(f"a {self.absence_type} episode needs its first day")
        if self.full_recovery_on is not None and self.full_recovery_on <= self.first_sick_day:
            raise ValueError("full recovery must come after the first sick day")

    @property
    def is_open(self) -> bool:
        """True while an absence has no full-recovery date yet."""
        return self.absence_type is not AbsenceType.NOT_ABSENT and self.full_recovery_on is None


def absence_duration_days(episode: AbsenceEpisode) -> int | None:
    """Calendar days from the first sick day up to (not including) full recovery.

    None, never 0, when there is no duration to report: a not-absent record, or an open
    episode (statistics must censor those, not drop or zero them; S7). Leave episodes get
    their length too; S7 filters on `absence_type`.
    """
    if episode.first_sick_day is None or episode.full_recovery_on is None:
        return None
    return (episode.full_recovery_on - episode.first_sick_day).days


def is_relapse(previous: AbsenceEpisode, new: AbsenceEpisode) -> bool:
    """True when `new` is sickness starting on or after the full recovery from `previous`.

    Relapse after full return is a *new* episode linked to the old one, so the old duration
    stays as it was (pitfall 9). Whether the two are chained into one ketenverzuim is a
    separate rule the seeds do not give (open question 8).
    """
    if previous.absence_type is not AbsenceType.SICKNESS:
        return False
    if new.absence_type is not AbsenceType.SICKNESS:
        return False
    if previous.full_recovery_on is None or new.first_sick_day is None:
        return False
    return new.first_sick_day >= previous.full_recovery_on
