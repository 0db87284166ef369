"""Outcome figures per absence and per client, not per treatment episode: pure, no I/O.

The reference implementation: the dashboard computes the same figures in SQL, as
histograms (`reporting.statistics.absences`), and the integration tests hold the two equal
on random practices, as `reference_times` is held against the other figure groups.

A client referred twice for one absence has two episodes, and a figure counted per episode
counts that absence twice (its duration twice in the mean) and the second episode's start as
a second "begin of treatment". Here the unit is the **absence as the law counts it**: the
sickness records of one employment that follow each other within four weeks are one period
(`practice.absences.sickness_periods`, art. 7:629 lid 10 BW), and every episode that treats
one of its records counts towards that one period. A relapse four weeks or more after full
recovery is a new period, so a new absence here too (pitfall 9: the old duration stays).

Which absence an episode treats: its own link to the absence record (`absence_id`); an
episode from before that link (or from a data set without it) falls back to the record of
its employment that starts on the referral's first sick day, and failing that to an absence
of its own from the referral's first sick day, still running (no record, no recovery). An episode
of a client not absent at referral, without a linked absence, is counted apart.

The figures, each over periods (absences), each with its n:

* **absence duration**, censored: the sick days of the period up to full recovery
  (interruptions between chained records are not counted, as the law does not count them);
  a period still open is censored on `today`. Kaplan-Meier curve and median with its n at
  risk, and the mean and median of the ended ones (S7's meaning, counted once);
* **time to first resumption from the first sick day** (sick days again: the interruptions
  before parts that started before the event are not counted): to the first day with any hours at
  work (therapeutic hours included), to the first day with paid hours (wage value: own,
  adapted and other productive work, or the recorded partial recovery), and to full
  recovery; censored on `today` when not yet there; Kaplan-Meier medians;
* **volume % at begin, end and follow-up per absence**: the begin of the first episode that
  measured it, the end and follow-up of the last one that did; capped at 100 as S1 is; the
  contract basis and the hours counted are the dashboard's variant (AT hours included when
  it asks);
* **screening lateness**: the first referral for the absence against the screening deadline
  (`practice.deadlines.DEFAULT_SCREENING_RULE`, ten calendar days), the days late counted in
  calendar days and in working days (`practice.working_days`, Dutch holidays);
* the counts behind them: absences, clients, episodes, absences treated in more than one
  episode, and absences whose treatment began (once, however many episodes).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from practice.absences import SicknessPeriod, sickness_periods
from practice.deadlines import DEFAULT_SCREENING_RULE, DEFAULT_WORKING_DAYS, DeadlineRule, due_on
from practice.work_participation import AbsenceEpisode, AbsenceType
from practice.working_days import WorkingDays
from reporting.statistics.definitions import MOMENT_LABELS, Benchmark, Moment, Unit
from reporting.statistics.figures import Observation, Share, mean, percentile
from reporting.statistics.kaplan_meier import Curve, curve

_HALF = Decimal("0.5")
_FULL = Decimal(100)
MOMENTS = tuple(MOMENT_LABELS)


@dataclass(frozen=True, slots=True)
class EpisodeFacts:
    """What one episode adds to the absence it treats; volumes in percent (uncapped)."""

    episode_id: int
    client_id: int
    employment_id: int | None
    absence_id: int | None  # the linked absence record
    absent: bool  # absent at referral
    first_sick_day: date | None  # as the referral gives it
    referred_on: date | None
    screened_on: date | None
    started_on: date | None
    closed_on: date | None
    first_paid_on: date | None = None  # first measurement with hours on wage value
    first_any_on: date | None = None  # first measurement with any hours, AT included
    cost_per_day_cents: int | None = None  # the employer's cost per absence day (S8)
    volumes: dict[Moment, Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AbsenceFacts:
    """One record of the absence record (sickness only matters here)."""

    absence_id: int
    employment_id: int
    absence_type: str
    first_sick_day: date | None
    full_recovery_on: date | None
    partial_recovery_on: date | None = None


@dataclass(frozen=True, slots=True)
class Lateness:
    """Screening lateness in one unit: the share of first screenings past the deadline, and
    the days late of those (median, mean)."""

    late: Share
    median: Decimal | None
    mean: Decimal | None


@dataclass(frozen=True, slots=True)
class AbsenceOutcomes:
    absences: int
    clients: int
    episodes: int
    absences_with_several_episodes: int
    treatment_begun: int  # absences whose treatment began, each once
    duration: Curve  # Kaplan-Meier over every absence, open ones censored
    ended_n: int
    ended_median: Decimal | None
    ended_mean: Decimal | None
    # (sick days, the employer's cost per day in cents, how many ended absences) for S8, in
    # that order: the cost of each absence's first referral's employer; an absence without
    # a known cost is left out. A histogram: on 100k episodes one row per absence took
    # longer to add up than the query took to count them.
    ended_costs: tuple[tuple[int, int, int], ...]
    first_any: Curve
    first_paid: Curve  # full recovery is `duration`: the same days, the same curve
    volume_mean: dict[Moment, Decimal | None]
    volume_n: dict[Moment, int]
    lateness_calendar: Lateness
    lateness_working: Lateness
    not_screened_overdue: int  # first referral not screened and past its deadline
    not_screened_in_time: int  # not screened, deadline still ahead
    not_absent: int  # episodes without an absence (preventive): left out
    no_first_sick_day: int  # absent, but neither a linked record nor a first sick day


@dataclass(slots=True)
class _Unit:
    """One absence (period) and the episodes that treat it."""

    period: SicknessPeriod
    records: list[AbsenceFacts]
    episodes: list[EpisodeFacts] = field(default_factory=list)


def _episode(record: AbsenceFacts, today: date) -> AbsenceEpisode | None:
    """The record as `practice.absences` reads it; None for one it cannot count (not
    sickness, no first day, a recovery not after the first day, or not begun by `today`)."""
    if record.absence_type != AbsenceType.SICKNESS.value or record.first_sick_day is None:
        return None
    if record.first_sick_day > today:
        return None
    recovery = record.full_recovery_on
    if recovery is not None and recovery <= record.first_sick_day:
        return None  # odd data: a duration cannot be read from it
    return AbsenceEpisode(record.first_sick_day, recovery, AbsenceType.SICKNESS)


def _units(
    episodes: Sequence[EpisodeFacts], absences: Iterable[AbsenceFacts], today: date
) -> tuple[list[_Unit], int, int]:
    """Every absence (period) treated by one of `episodes`, with its episodes; and the
    episodes left out (not absent; absent without any first sick day)."""
    by_employment: dict[int, list[AbsenceFacts]] = defaultdict(list)
    for record in absences:
        if _episode(record, today) is not None:
            by_employment[record.employment_id].append(record)
    period_of: dict[int, tuple[int, int]] = {}  # absence id -> (employment, period index)
    periods: dict[tuple[int, int], _Unit] = {}
    first_day_of: dict[tuple[int, date], int] = {}  # (employment, first sick day) -> id
    for employment, records in by_employment.items():
        records.sort(key=lambda r: (r.first_sick_day or today, r.absence_id))
        found = sickness_periods(
            [a for r in records if (a := _episode(r, today)) is not None], as_of=today
        )
        for record in records:
            first = record.first_sick_day
            assert first is not None
            # The periods are consecutive runs of the records in date order: a record belongs
            # to the last period that starts on or before its first sick day.
            index = max(i for i, p in enumerate(found) if p.first_sick_day <= first)
            period_of[record.absence_id] = (employment, index)
            first_day_of.setdefault((employment, first), record.absence_id)
            unit = periods.setdefault((employment, index), _Unit(found[index], []))
            unit.records.append(record)
    own: dict[tuple[int, date], list[EpisodeFacts]] = {}
    not_absent = no_first_day = 0
    for episode in episodes:
        key: tuple[int, int] | None = None
        if episode.absence_id is not None:
            key = period_of.get(episode.absence_id)
        if key is None and episode.employment_id is not None and episode.first_sick_day:
            record_id = first_day_of.get((episode.employment_id, episode.first_sick_day))
            key = None if record_id is None else period_of[record_id]
        if key is not None:
            periods[key].episodes.append(episode)
            continue
        if not episode.absent:
            not_absent += 1
            continue
        first = episode.first_sick_day
        if first is None or first > today:
            no_first_day += 1
            continue
        # No sickness record for it: the referral's own first sick day, one absence per client
        # and day. Without a record there is no recovery either: it runs on (censored), which
        # is what the practice knows; a leave record of that day is no recovery from sickness.
        own.setdefault((episode.client_id, first), []).append(episode)
    treated = [unit for unit in periods.values() if unit.episodes]
    for (_, first), treating in own.items():
        made = AbsenceEpisode(first, None, AbsenceType.SICKNESS)
        treated.append(_Unit(sickness_periods([made], as_of=today)[0], [], treating))
    return treated, not_absent, no_first_day


def _gaps(period: SicknessPeriod) -> list[tuple[date, int]]:
    """Each part's first sick day with the interruption days before it (0 for the first, for
    a part overlapping the ones before, and after a part still open): the same numbers as
    `SicknessPeriod.interruption_days`, part by part."""
    found: list[tuple[date, int]] = []
    recovered: date | None = None
    still_open = False
    for index, part in enumerate(period.parts):
        first = part.first_sick_day
        assert first is not None
        gap = 0
        if index and not still_open and recovered is not None:
            gap = max((first - recovered).days, 0)
        found.append((first, gap))
        if part.full_recovery_on is None:
            still_open = True
        elif recovered is None or part.full_recovery_on > recovered:
            recovered = part.full_recovery_on
    return found


def _days(period: SicknessPeriod, day: date) -> int:
    """Sick days of the period before `day`: the days since its first sick day, without the
    interruptions before parts that started before `day` (the days to an event on `day`)."""
    gaps = sum(gap for first, gap in _gaps(period) if first < day)
    return (day - period.first_sick_day).days - gaps


def _observe(period: SicknessPeriod, event_on: date | None, today: date) -> Observation:
    if event_on is not None and event_on <= today:
        return Observation(_days(period, event_on), event=True)
    return Observation(_days(period, today + timedelta(days=1)), event=False)


def _earliest(days: Iterable[date | None], since: date) -> date | None:
    found = [day for day in days if day is not None and day >= since]
    return min(found) if found else None


def _lateness(days_late: Sequence[int], n: int) -> Lateness:
    late = [days for days in days_late if days > 0]
    return Lateness(Share(len(late), n), percentile(late, _HALF), mean(late))


def per_absence(
    episodes: Sequence[EpisodeFacts],
    absences: Iterable[AbsenceFacts],
    today: date,
    *,
    screening_rule: DeadlineRule = DEFAULT_SCREENING_RULE,
    days: WorkingDays = DEFAULT_WORKING_DAYS,
) -> AbsenceOutcomes:
    """Every figure of the module, each absence counted once (see the module's text)."""
    units, not_absent, no_first_day = _units(episodes, absences, today)
    durations: list[Observation] = []
    ended: list[int] = []
    ended_costs: Counter[tuple[int, int]] = Counter()
    first_any: list[Observation] = []
    first_paid: list[Observation] = []
    volumes: dict[Moment, list[Decimal]] = {moment: [] for moment in MOMENTS}
    late_calendar: list[int] = []
    late_working: list[int] = []
    overdue = in_time = begun = several = 0
    for unit in units:
        period = unit.period
        start = period.first_sick_day
        recovery = period.full_recovery_on
        durations.append(_observe(period, recovery, today))
        ordered = sorted(unit.episodes, key=lambda e: (e.referred_on or today, e.episode_id))
        if recovery is not None and recovery <= today:
            ended.append(durations[-1].days)
            cost = ordered[0].cost_per_day_cents
            if cost is not None:
                ended_costs[(ended[-1], cost)] += 1
        several += len(ordered) > 1
        begun += any(e.started_on is not None and e.started_on <= today for e in ordered)
        paid_on = _earliest(
            [
                *(
                    r.partial_recovery_on
                    for r in unit.records
                    if r.first_sick_day is not None
                    and r.partial_recovery_on is not None
                    and r.partial_recovery_on >= r.first_sick_day
                ),
                *(e.first_paid_on for e in ordered),
                recovery,
            ],
            start,
        )
        any_on = _earliest([paid_on, *(e.first_any_on for e in ordered)], start)
        first_any.append(_observe(period, any_on, today))
        first_paid.append(_observe(period, paid_on, today))
        for moment in MOMENTS:
            # Begin: the first episode that measured it; end and follow-up: the last one.
            chain = ordered if moment is Moment.BEGIN else list(reversed(ordered))
            value = next(
                (v for e in chain if (v := e.volumes.get(moment)) is not None),
                None,
            )
            if value is not None:
                volumes[moment].append(min(value, _FULL))
        first = ordered[0]
        if first.referred_on is not None:
            calendar_due = due_on(first.referred_on, screening_rule, days)
            if first.screened_on is not None:
                late_calendar.append(max((first.screened_on - calendar_due).days, 0))
                late_working.append(
                    max(days.working_days_between(calendar_due, first.screened_on), 0)
                )
            elif today > calendar_due:
                overdue += 1
            else:
                in_time += 1
    return AbsenceOutcomes(
        absences=len(units),
        clients=len({e.client_id for unit in units for e in unit.episodes}),
        episodes=sum(len(unit.episodes) for unit in units),
        absences_with_several_episodes=several,
        treatment_begun=begun,
        duration=curve(durations),
        ended_n=len(ended),
        ended_median=percentile(ended, _HALF),
        ended_mean=mean(ended),
        ended_costs=tuple((days, cost, n) for (days, cost), n in sorted(ended_costs.items())),
        first_any=curve(first_any),
        first_paid=curve(first_paid),
        volume_mean={moment: mean(values) for moment, values in volumes.items()},
        volume_n={moment: len(values) for moment, values in volumes.items()},
        lateness_calendar=_lateness(late_calendar, len(late_calendar)),
        lateness_working=_lateness(late_working, len(late_working)),
        not_screened_overdue=overdue,
        not_screened_in_time=in_time,
        not_absent=not_absent,
        no_first_sick_day=no_first_day,
    )


@dataclass(frozen=True, slots=True)
class AbsenceCost:
    """S8 over ended absences, in whole euro cents; `cost_per_day_cents` when all share it."""

    total_cents: int
    n: int
    cost_per_day_cents: int | None


def cost_avoided(found: AbsenceOutcomes, benchmark: Benchmark) -> AbsenceCost:
    """S8 per absence: (benchmark - sick days) x the employer's cost per day for each ended
    absence, rounded half-up to whole cents per absence, as `reference_times.cost_avoided`
    does per episode; the benchmark must be in calendar days, as the durations are."""
    if benchmark.unit is not Unit.CALENDAR_DAYS:
        raise ValueError(f"the benchmark must be in calendar days, not {benchmark.unit}")
    costs = found.ended_costs
    per_day = {cost for _, cost, _ in costs}
    total = sum(
        count * int(((benchmark.value - days) * cost).quantize(Decimal(1), ROUND_HALF_UP))
        for days, cost, count in costs
    )
    ended = sum(count for _, _, count in costs)
    return AbsenceCost(total, ended, per_day.pop() if len(per_day) == 1 else None)
