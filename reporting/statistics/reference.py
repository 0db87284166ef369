"""Reference implementations of the outcome statistics over in-memory episode records.

The production figures will be aggregated in SQL; these functions define what the SQL must
return and are what its tests compare against. They keep exact numbers: small-cell
suppression (`reporting.statistics.suppression`) is applied when a figure is shown.

Rules from the domain brief §5 that apply throughout:

* missing values are never averaged away: each result counts them next to its n;
* clients who were not absent at referral stay out of resumption and duration figures
  (pitfall 10): their 100% would inflate the result, and their duration is undefined;
* percentages, means and percentiles follow `reporting.statistics.figures`, whose rounding and
  percentile method PostgreSQL reproduces, so SQL results can be compared exactly.

Time-based statistics (S3-S8) are in `reporting.statistics.reference_times`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from practice.deadlines import follow_up_measurement_window
from practice.episodes import Offer
from practice.work_participation import (
    ContractPeriod,
    ParticipationMeasurement,
    contract_hours_on,
    volume_percent,
)
from reporting.statistics.definitions import ContractBasis, Moment, VolumeVariant
from reporting.statistics.figures import Share, mean, percentile
from reporting.statistics.suppression import Cell

_FULL = Decimal(100)  # S1 caps each client at 100%: overtime is not "more resumed"


class FollowUpResponse(StrEnum):
    """What became of the follow-up measurement; None on the record means nothing yet."""

    DONE = "done"
    UNREACHABLE = "unreachable"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class EpisodeOutcome:
    """One treatment episode as the statistics see it (one row of the future SQL view).

    `volume_*` are work-resumption percentages (`practice.work_participation.volume_percent`),
    uncapped, in one `VolumeVariant` (`variant_volume`): against the contract valid at that
    moment by default, or against the contract at referral (pitfall 7), with or without AT
    hours (pitfall 8). S1's cap is applied here, in the statistic. `closed_on` is the last
    held treatment session.
    """

    diagnosis_category: str
    offer: Offer
    absent_at_referral: bool
    referred_on: date
    screened_on: date | None
    started_on: date | None
    first_sick_day: date | None
    first_intervention_on: date | None
    volume_begin: Decimal | None
    volume_end: Decimal | None
    volume_follow_up: Decimal | None
    full_recovery_on: date | None
    partial_resumption_on: date | None
    relapse: bool | None
    follow_up_response: str | None  # a FollowUpResponse value; converted on construction
    held_sessions: int
    closed_on: date | None

    def __post_init__(self) -> None:
        for name in ("volume_begin", "volume_end", "volume_follow_up"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, Decimal) or not value.is_finite() or value < 0
            ):
                raise ValueError(f"{name} must be a finite, non-negative Decimal, got {value!r}")
        if type(self.held_sessions) is not int or self.held_sessions < 0:
            raise ValueError(f"held_sessions must be a count, got {self.held_sessions!r}")
        if self.follow_up_response is not None:
            # Rows arrive with plain strings; an unknown one is refused, not counted as "done".
            response = FollowUpResponse(self.follow_up_response)
            object.__setattr__(self, "follow_up_response", response)

    def volume_at(self, moment: Moment) -> Decimal | None:
        """The uncapped volume % at one of the three moments."""
        volumes = {
            Moment.BEGIN: self.volume_begin,
            Moment.END: self.volume_end,
            Moment.FOLLOW_UP: self.volume_follow_up,
        }
        return volumes[Moment(moment)]  # Moment(): a plain "begin" works, a typo raises


def variant_volume(
    measurement: ParticipationMeasurement,
    contracts: Sequence[ContractPeriod],
    referred_on: date,
    variant: VolumeVariant,
) -> Decimal | None:
    """One measurement's volume % in a variant: against the contract valid on the
    measurement date or on the referral date, counting AT hours or not; None without a
    (non-zero) contract on that day."""
    day = referred_on if variant.basis is ContractBasis.REFERRAL else measurement.measured_on
    return volume_percent(
        measurement,
        contract_hours_on(contracts, day),
        count_therapeutic=variant.hours.count_therapeutic,
    )


def capped(volume: Decimal) -> Decimal:
    """S1's per-client cap: min(100, volume)."""
    return min(volume, _FULL)


@dataclass(frozen=True, slots=True)
class VolumeTable:
    """S2: mean volume % per diagnosis and moment, with what was left out and why.

    `cells` has the shape `suppress_table` takes. Each column has its own n (the clients
    with a value at that moment), so the follow-up column may rest on fewer clients; read it
    with the follow-up coverage (S11).
    """

    cells: dict[str, dict[Moment, Cell]]
    missing: dict[str, dict[Moment, int]]
    excluded_not_absent: int


def volume_by_diagnosis(episodes: Iterable[EpisodeOutcome]) -> VolumeTable:
    """S2: mean of per-client volume %, capped at 100 per client (S1), by diagnosis category.

    Clients not absent at referral are excluded and counted (pitfall 10); a client without a
    value at a moment is counted as missing there, not averaged as 0 or left out silently.
    """
    values: dict[str, dict[Moment, list[Decimal]]] = {}
    missing: dict[str, dict[Moment, int]] = {}
    excluded = 0
    for episode in episodes:
        if not episode.absent_at_referral:
            excluded += 1
            continue
        category = episode.diagnosis_category
        per_moment = values.setdefault(category, {moment: [] for moment in Moment})
        counts = missing.setdefault(category, dict.fromkeys(Moment, 0))
        for moment in Moment:
            volume = episode.volume_at(moment)
            if volume is None:
                counts[moment] += 1
            else:
                per_moment[moment].append(capped(volume))
    cells = {
        category: {moment: Cell(mean(found), len(found)) for moment, found in by_moment.items()}
        for category, by_moment in sorted(values.items())
    }
    return VolumeTable(cells, dict(sorted(missing.items())), excluded)


@dataclass(frozen=True, slots=True)
class ResumptionShares:
    """At one moment: the share fully (100%) and partially (above 0%) back at work."""

    full: Share
    partial: Share
    missing: int
    excluded_not_absent: int


def share_resumed(episodes: Iterable[EpisodeOutcome]) -> dict[Moment, ResumptionShares]:
    """Share fully and partially resumed at the end of treatment and at follow-up.

    Full means a capped volume of 100% of the contract valid at that moment; partial means
    more than 0% and less than 100%. The denominator is the clients absent at referral with
    a value at that moment; those without one are counted as missing.
    """
    records = list(episodes)
    absent = [episode for episode in records if episode.absent_at_referral]
    result: dict[Moment, ResumptionShares] = {}
    for moment in (Moment.END, Moment.FOLLOW_UP):
        known = [v for v in (e.volume_at(moment) for e in absent) if v is not None]
        full = sum(1 for volume in known if capped(volume) == _FULL)
        partial = sum(1 for volume in known if 0 < volume < _FULL)
        result[moment] = ResumptionShares(
            full=Share(full, len(known)),
            partial=Share(partial, len(known)),
            missing=len(absent) - len(known),
            excluded_not_absent=len(records) - len(absent),
        )
    return result


@dataclass(frozen=True, slots=True)
class RelapseRate:
    """S10 over closed episodes; `share.n` counts those with an assessment."""

    share: Share
    not_assessed: int
    open_episodes: int


def relapse_rate(episodes: Iterable[EpisodeOutcome]) -> RelapseRate:
    """S10: share with a relapse among closed episodes whose outcome after the end is known.

    A relapse is the therapist's (or the sickness record's) `relapse`, or a lower capped
    volume at follow-up than at the end: S10 names both, and deriving the second here means
    no row can forget it. Not-absent clients are included: a new sickness absence is a
    relapse for them too. Open episodes cannot have relapsed after an end they have not had.
    """
    relapsed = assessed = not_assessed = still_open = 0
    for episode in episodes:
        if episode.closed_on is None:
            still_open += 1
            continue
        dropped: bool | None = None
        if episode.volume_end is not None and episode.volume_follow_up is not None:
            dropped = capped(episode.volume_follow_up) < capped(episode.volume_end)
        if episode.relapse is None and dropped is None:
            not_assessed += 1
            continue
        assessed += 1
        relapsed += int(bool(episode.relapse) or bool(dropped))
    return RelapseRate(Share(relapsed, assessed), not_assessed, still_open)


@dataclass(frozen=True, slots=True)
class FollowUpCoverage:
    """S11: how many eligible clients have a follow-up measurement, and what became of the rest.

    `pending` has nothing recorded while the window is still open; `missed` has nothing
    recorded and the window has closed. Both stay in the denominator (pitfall 23).
    """

    responded: Share
    unreachable: int
    declined: int
    pending: int
    missed: int
    not_yet_eligible: int


def follow_up_response_rate(
    episodes: Iterable[EpisodeOutcome],
    today: date,
    *,
    opens_after_months: int = 6,
    closes_after_months: int = 12,
) -> FollowUpCoverage:
    """S11 as of `today`: responded / eligible, eligible once the 6-12 month window opened.

    The window runs from the last held session (`closed_on`), as in `practice.deadlines`.
    Clients past the window stay eligible: leaving them out would hide everyone lost to
    follow-up. An episode still open, or closed less than six months ago, is not yet eligible.
    """
    done = unreachable = declined = pending = missed = not_yet = 0
    for episode in episodes:
        if episode.closed_on is None or episode.closed_on > today:
            not_yet += 1
            continue
        window = follow_up_measurement_window(
            episode.closed_on, opens_after_months, closes_after_months
        )
        if today < window.opens_on:
            not_yet += 1
        elif episode.follow_up_response == FollowUpResponse.DONE:
            done += 1
        elif episode.follow_up_response == FollowUpResponse.UNREACHABLE:
            unreachable += 1
        elif episode.follow_up_response == FollowUpResponse.DECLINED:
            declined += 1
        elif window.contains(today):
            pending += 1
        else:
            missed += 1
    eligible = done + unreachable + declined + pending + missed
    return FollowUpCoverage(Share(done, eligible), unreachable, declined, pending, missed, not_yet)


@dataclass(frozen=True, slots=True)
class SessionsTable:
    """S9: held sessions per closed episode, by diagnosis and offer (mean and median)."""

    mean: dict[str, dict[Offer, Cell]]
    median: dict[str, dict[Offer, Cell]]
    open_episodes: int


def sessions_per_episode(episodes: Iterable[EpisodeOutcome]) -> SessionsTable:
    """S9 over closed episodes only: an open episode's count is still growing."""
    counts: dict[str, dict[Offer, list[int]]] = {}
    still_open = 0
    for episode in episodes:
        if episode.closed_on is None:
            still_open += 1
            continue
        by_offer = counts.setdefault(episode.diagnosis_category, {})
        by_offer.setdefault(episode.offer, []).append(episode.held_sessions)
    ordered = sorted(counts.items())
    return SessionsTable(
        mean={d: {o: Cell(mean(c), len(c)) for o, c in by.items()} for d, by in ordered},
        median={
            d: {o: Cell(percentile(c, Decimal("0.5")), len(c)) for o, c in by.items()}
            for d, by in ordered
        },
        open_episodes=still_open,
    )
