"""Reference implementations of the time-based statistics: waits, resumption, absence, cost.

Every duration names its anchors and its unit (pitfalls 1, 2, 16): calendar days unless a
working-day variant is asked for, and working days always come from the practice's Dutch
calendar (`practice.working_days`). Whether a wait was "within 10 days" is decided with the
same deadline rules the task list uses (`practice.deadlines`), so a screening on time for
the task list is on time in the statistics.

Absence dates go through `practice.work_participation`, so a record whose recovery precedes
its first sick day fails loudly here instead of producing a negative duration.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from practice.deadlines import (
    DEFAULT_SCREENING_RULE,
    DEFAULT_TREATMENT_START_RULE,
    DEFAULT_WORKING_DAYS,
    DayUnit,
    DeadlineRule,
    due_on,
)
from practice.work_participation import AbsenceEpisode, AbsenceType, absence_duration_days
from practice.working_days import WorkingDays
from reporting.statistics.definitions import Benchmark, Unit
from reporting.statistics.figures import (
    Observation,
    Share,
    Survival,
    mean,
    percentile,
    summarise_survival,
)
from reporting.statistics.reference import EpisodeOutcome

_HALF = Decimal("0.5")
_P90 = Decimal("0.9")


@dataclass(frozen=True, slots=True)
class Durations:
    """A distribution of waits in one unit, and the records that did not contribute.

    `missing`: in scope but lacking one of the two dates (not happened yet, or never will);
    `excluded`: out of scope by definition, e.g. not absent for a sick-day anchor.
    `within_target` is None for a wait without a target.
    """

    unit: Unit
    n: int
    median: Decimal | None
    p90: Decimal | None
    within_target: Share | None
    missing: int
    excluded: int


@dataclass(frozen=True, slots=True)
class WaitTimes:
    """S3 (both units), S4 and S5."""

    referral_to_screening: Durations
    referral_to_screening_working: Durations
    to_treatment_start: Durations
    sick_to_intervention: Durations


def _durations(
    pairs: Sequence[tuple[date | None, date | None]],
    excluded: int,
    rule: DeadlineRule | None,
    unit: DayUnit,
    days: WorkingDays,
) -> Durations:
    complete = [(start, end) for start, end in pairs if start is not None and end is not None]
    if unit is DayUnit.WORKING:
        lengths = [days.working_days_between(start, end) for start, end in complete]
    else:
        lengths = [(end - start).days for start, end in complete]
    within = None
    if rule is not None:
        on_time = sum(1 for start, end in complete if end <= due_on(start, rule, days))
        within = Share(on_time, len(complete))
    return Durations(
        unit=Unit.WORKING_DAYS if unit is DayUnit.WORKING else Unit.CALENDAR_DAYS,
        n=len(complete),
        median=percentile(lengths, _HALF),
        p90=percentile(lengths, _P90),
        within_target=within,
        missing=len(pairs) - len(complete),
        excluded=excluded,
    )


def _anchor(episode: EpisodeOutcome, rule: DeadlineRule) -> date | None:
    if rule.anchor_name == "aanmelding":
        return episode.referred_on
    if rule.anchor_name == "screening":
        return episode.screened_on
    raise ValueError(f"no episode date for the anchor {rule.anchor_name!r}")


def wait_times(
    episodes: Iterable[EpisodeOutcome],
    *,
    screening_rule: DeadlineRule = DEFAULT_SCREENING_RULE,
    start_rule: DeadlineRule = DEFAULT_TREATMENT_START_RULE,
    days: WorkingDays = DEFAULT_WORKING_DAYS,
) -> WaitTimes:
    """S3 referral -> screening held, S4 anchor -> first treatment session, S5 sick -> contact.

    S3 is reported in calendar days and in working days, each against the screening target
    counted in its own unit ("binnen 10 dagen", unit unstated). S4 is counted in the unit
    and from the anchor of `start_rule` (default: 10 working days after the screening). S5
    covers only clients absent at referral and has no target: the brochure's "15 dagen" is
    a claim, not a rule.
    """
    records = list(episodes)
    referral_pairs = [(e.referred_on, e.screened_on) for e in records]
    working_rule = replace(screening_rule, unit=DayUnit.WORKING)
    calendar_rule = replace(screening_rule, unit=DayUnit.CALENDAR)
    absent = [e for e in records if e.absent_at_referral]
    return WaitTimes(
        referral_to_screening=_durations(referral_pairs, 0, calendar_rule, DayUnit.CALENDAR, days),
        referral_to_screening_working=_durations(
            referral_pairs, 0, working_rule, DayUnit.WORKING, days
        ),
        to_treatment_start=_durations(
            [(_anchor(e, start_rule), e.started_on) for e in records],
            0,
            start_rule,
            start_rule.unit,
            days,
        ),
        sick_to_intervention=_durations(
            [(e.first_sick_day, e.first_intervention_on) for e in absent],
            len(records) - len(absent),
            None,
            DayUnit.CALENDAR,
            days,
        ),
    )


@dataclass(frozen=True, slots=True)
class ResumptionTimes:
    """S6: days from the first treatment session to partial and to full resumption."""

    partial: Survival
    full: Survival
    already_partial_at_start: int
    already_full_at_start: int
    not_started: int
    excluded_not_absent: int


def time_to_resumption(episodes: Iterable[EpisodeOutcome], today: date) -> ResumptionTimes:
    """S6 as of `today`, with open cases censored rather than dropped.

    Partial resumption is `partial_resumption_on`, full is `full_recovery_on`. A case
    without the event is censored on its last observed day: the last held session if the
    episode is closed (the practice stops following it), otherwise `today`; events dated
    after `today` are not known yet. Clients already working (partly or fully) at the
    start are counted separately, as S6 asks, instead of contributing a zero.
    """
    partial: list[Observation] = []
    full: list[Observation] = []
    already_partial = already_full = not_started = not_absent = 0
    for e in episodes:
        if not e.absent_at_referral:
            not_absent += 1
            continue
        if e.started_on is None or e.started_on > today:
            not_started += 1
            continue
        start = e.started_on
        last_seen = today if e.closed_on is None else min(e.closed_on, today)
        if (e.volume_begin is not None and e.volume_begin > 0) or _on_or_before(
            e.partial_resumption_on, start
        ):
            already_partial += 1
        else:
            partial.append(_observe(start, e.partial_resumption_on, last_seen, today))
        if (e.volume_begin is not None and e.volume_begin >= 100) or _on_or_before(
            e.full_recovery_on, start
        ):
            already_full += 1
        else:
            full.append(_observe(start, e.full_recovery_on, last_seen, today))
    return ResumptionTimes(
        summarise_survival(partial),
        summarise_survival(full),
        already_partial,
        already_full,
        not_started,
        not_absent,
    )


def _on_or_before(day: date | None, limit: date) -> bool:
    return day is not None and day <= limit


def _observe(start: date, event_on: date | None, last_seen: date, today: date) -> Observation:
    if event_on is not None and event_on <= today:
        return Observation((event_on - start).days, event=True)
    return Observation((last_seen - start).days, event=False)


@dataclass(frozen=True, slots=True)
class AbsenceDurations:
    """S7 over ended absences; open ones and unusable records are counted, not dropped."""

    n: int
    median: Decimal | None
    mean: Decimal | None
    open: int
    no_first_sick_day: int
    excluded_not_absent: int


class _NoDuration(StrEnum):
    """Why an episode has no absence duration; each is counted, none is a zero."""

    NOT_ABSENT = "not_absent"
    NO_FIRST_SICK_DAY = "no_first_sick_day"
    OPEN = "open"


def _absence_days(episode: EpisodeOutcome) -> int | _NoDuration:
    """Calendar days of an ended absence, or why there is none."""
    if not episode.absent_at_referral:
        return _NoDuration.NOT_ABSENT
    if episode.first_sick_day is None:
        return _NoDuration.NO_FIRST_SICK_DAY
    absence = AbsenceEpisode(episode.first_sick_day, episode.full_recovery_on, AbsenceType.SICKNESS)
    days = absence_duration_days(absence)
    return _NoDuration.OPEN if days is None else days


def absence_duration(episodes: Iterable[EpisodeOutcome]) -> AbsenceDurations:
    """S7: first sick day -> full recovery in calendar days, median and mean of ended ones.

    Open absences are reported as a count beside the figures (a censored median is
    `time_to_resumption`'s job); a client not absent at referral has no duration at all.
    """
    found = [_absence_days(episode) for episode in episodes]
    lengths = [days for days in found if isinstance(days, int)]
    return AbsenceDurations(
        n=len(lengths),
        median=percentile(lengths, _HALF),
        mean=mean(lengths),
        open=found.count(_NoDuration.OPEN),
        no_first_sick_day=found.count(_NoDuration.NO_FIRST_SICK_DAY),
        excluded_not_absent=found.count(_NoDuration.NOT_ABSENT),
    )


@dataclass(frozen=True, slots=True)
class CostResult:
    """S8 in integer euro cents against a named benchmark; negative means longer than it.

    `per_episode_cents` follows the order of the input, None where there is no ended
    absence to compare. `total_cents` is over the `n` episodes with an amount.
    """

    benchmark: Benchmark
    cost_per_day_cents: int
    per_episode_cents: tuple[int | None, ...]
    total_cents: int
    n: int
    open: int
    excluded: int


def cost_avoided(
    episodes: Iterable[EpisodeOutcome], cost_per_day_cents: int, benchmark: Benchmark
) -> CostResult:
    """S8: (benchmark duration - actual duration) x cost per absence day, per episode.

    Actual durations are calendar days (S7), so the benchmark must be in calendar days too:
    the brochure's own business case slides from "dagen" to "werkdagen" (pitfall 1), and
    mixing them here would misstate every amount. Neither the benchmark nor the cost is
    defaulted: both belong to the employer's contract. A fractional benchmark is rounded
    half-up to whole cents per episode, and the total is the sum of those cents.
    """
    if benchmark.unit is not Unit.CALENDAR_DAYS:
        raise ValueError(f"the benchmark must be in calendar days, not {benchmark.unit}")
    if type(cost_per_day_cents) is not int or cost_per_day_cents < 0:
        raise ValueError(f"cost per day must be whole cents >= 0, got {cost_per_day_cents!r}")
    found = [_absence_days(episode) for episode in episodes]
    amounts = tuple(
        int(((benchmark.value - days) * cost_per_day_cents).quantize(Decimal(1), ROUND_HALF_UP))
        if isinstance(days, int)
        else None
        for days in found
    )
    counted = [amount for amount in amounts if amount is not None]
    return CostResult(
        benchmark=benchmark,
        cost_per_day_cents=cost_per_day_cents,
        per_episode_cents=amounts,
        total_cents=sum(counted),
        n=len(counted),
        open=found.count(_NoDuration.OPEN),
        excluded=len(found) - len(counted) - found.count(_NoDuration.OPEN),
    )
