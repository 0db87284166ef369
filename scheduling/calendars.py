"""Time slots, free-slot search and recurring series (pure, no I/O, no clock).

Conventions that keep DST and the database honest (domain brief pitfall 22, stack-notes §1.6):

* Every instant is an aware datetime; naive ones are refused, because a naive local value
  is written as-is and read back as UTC, one or two hours off (stack-notes §1.6).
* `Slot` normalises to UTC, the form rows come back in; local time (the practice's TIME_ZONE)
  is only used to decide *which day* and *which wall-clock hour* something is.
* Slots are half-open, [start, end): a 9-10 session and a 10-11 session do not collide.

Which days are open is `practice.working_days.WorkingDays`'s decision; this module only asks.
"""

import functools
import itertools
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from practice.working_days import WorkingDays

DEFAULT_STEP = timedelta(minutes=15)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


@dataclass(frozen=True, slots=True)
class Slot:
    """A half-open stretch of time [start, end), held in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        if self.end <= self.start:
            raise ValueError(f"slot must end after it starts: {self.start} .. {self.end}")
        # Frozen, so normalise through object.__setattr__: equal instants compare and hash
        # alike whatever zone the caller used.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def overlaps(a: Slot, b: Slot) -> bool:
    """True when the two slots share time; touching ends (10:00 and 10:00) do not."""
    return a.start < b.end and b.start < a.end


TimeRange = tuple[time, time]


def occupied(spans: Iterable[tuple[datetime, datetime]]) -> list[Slot]:
    """The slots stored (start, end) spans take up. A span of no time (ending at or before
    its start: the table can hold one) takes up none, instead of failing ``Slot``."""
    return [Slot(start, end) for start, end in spans if end > start]


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Local working hours per weekday (0 = Monday), e.g. {0: [(time(9), time(17))]}.

    The times are wall-clock times in the practice's zone, so "9:00" stays 9:00 in summer
    and winter. A missing weekday means no hours. Ranges may not overlap: that is almost
    always a typing error, and merging them silently would hide it.
    """

    by_weekday: Mapping[int, Sequence[TimeRange]]
    _ranges: tuple[tuple[TimeRange, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        days: list[tuple[TimeRange, ...]] = [() for _ in range(7)]
        for weekday, ranges in self.by_weekday.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
            ordered = tuple(sorted(ranges))
            for start, end in ordered:
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError("working hours are local wall-clock times, without tzinfo")
                if end <= start:
                    raise ValueError(f"working hours must end after they start: {start}-{end}")
            for (_, end), (next_start, _) in itertools.pairwise(ordered):
                if next_start < end:
                    raise ValueError(f"overlapping working hours on weekday {weekday}")
            days[weekday] = ordered
        object.__setattr__(self, "_ranges", tuple(days))

    @classmethod
    def from_stored(cls, rows: Iterable[tuple[int, time, time]]) -> "WeeklyHours":
        """The hours as the table holds them (weekday, start, end). The table refuses
        nothing, so for reading, not for saving: a range with no time in it (end at or before
        start) holds no slot and is left out, a weekday outside 0-6 too, and ranges of one
        day that overlap are joined, so a calendar page still opens on what was stored."""
        by_day: dict[int, list[TimeRange]] = {}
        for weekday, start, end in sorted(rows):
            if not 0 <= weekday <= 6 or end <= start:
                continue
            day = by_day.setdefault(weekday, [])
            if day and start <= day[-1][1]:
                day[-1] = (day[-1][0], max(day[-1][1], end))
            else:
                day.append((start, end))
        return cls(by_day)

    def ranges_on(self, weekday: int) -> tuple[TimeRange, ...]:
        return self._ranges[weekday]


class AbsenceReason(StrEnum):
    LEAVE = "leave"
    ILLNESS = "illness"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Absence:
    """A therapist's exception to the weekly hours (leave, illness), as aware instants."""

    start: datetime
    end: datetime
    reason: AbsenceReason

    def __post_init__(self) -> None:
        Slot(self.start, self.end)  # the same checks: aware, end after start

    @property
    def slot(self) -> Slot:
        return Slot(self.start, self.end)


def _local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at wall-clock `at` in `tz`, as UTC.

    In the spring-forward gap (02:30 does not exist) zoneinfo's fold=0 reading gives the
    instant one hour later on the clock (03:30); an ambiguous autumn time takes its first
    occurrence. Both only matter to a practice open on the night of a Sunday.
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _merged(slots: Sequence[Slot]) -> list[Slot]:
    """The union of the slots as disjoint, sorted slots (touching ones stay apart: harmless)."""
    merged: list[Slot] = []
    for slot in sorted(slots, key=lambda s: s.start):
        if merged and slot.start < merged[-1].end:
            if slot.end > merged[-1].end:
                merged[-1] = Slot(merged[-1].start, slot.end)
        else:
            merged.append(slot)
    return merged


def free_slots(
    day_from: date,
    day_to: date,
    hours: WeeklyHours,
    busy: Sequence[Slot],
    absences: Sequence[Absence],
    days: WorkingDays,
    duration: timedelta,
    tz: ZoneInfo,
    step: timedelta = DEFAULT_STEP,
    *,
    not_before: datetime | None = None,
) -> list[Slot]:
    """Every start, on the `step` grid from each working-hours range, where `duration` fits.

    Days run from `day_from` to `day_to` inclusive, in `tz`. Public holidays and practice
    closing days are skipped, as is any candidate overlapping a booking or an absence. The
    result lists *options*: consecutive candidates overlap each other, and one booking rules
    out its neighbours. `not_before` (the caller's `now`) drops candidates that already began.
    """
    if duration <= timedelta(0) or step <= timedelta(0):
        raise ValueError("duration and step must be positive")
    if day_to < day_from:
        raise ValueError(f"day_to {day_to} lies before day_from {day_from}")
    if not_before is not None:
        _require_aware(not_before, "not_before")
    blocked = _merged([*busy, *(absence.slot for absence in absences)])
    blocked_ends = [slot.end for slot in blocked]
    found: list[Slot] = []
    day = day_from
    while day <= day_to:
        if days.is_working_day(day):
            for range_start, range_end in hours.ranges_on(day.weekday()):
                window_end = _local_instant(day, range_end, tz)
                start = _local_instant(day, range_start, tz)
                while start + duration <= window_end:
                    candidate = Slot(start, start + duration)
                    # The first blocked stretch ending after our start is the only one that
                    # can overlap us: the stretches are disjoint and sorted.
                    i = bisect_right(blocked_ends, candidate.start)
                    clash = i < len(blocked) and overlaps(blocked[i], candidate)
                    if not clash and (not_before is None or candidate.start >= not_before):
                        found.append(candidate)
                    start += step
        day += timedelta(days=1)
    return found


def weekly_series(
    first_start_local: datetime, duration: timedelta, count: int, every_weeks: int = 1
) -> list[Slot]:
    """`count` occurrences, `every_weeks` apart, at the same *local* wall-clock time.

    The arithmetic is done on the local clock (an aware datetime plus a timedelta keeps its
    wall time under zoneinfo) and only then converted to UTC, so a 10:00 session stays 10:00
    in Amsterdam after the last Sunday of March or October while its UTC hour moves. The
    start must therefore carry a real zone (ZoneInfo), not a fixed offset or UTC-as-offset.
    """
    _require_aware(first_start_local, "first_start_local")
    if not isinstance(first_start_local.tzinfo, ZoneInfo):
        raise ValueError("first_start_local needs a ZoneInfo zone to follow DST")
    if count < 1 or every_weeks < 1:
        raise ValueError(f"count and every_weeks must be at least 1, got {count}, {every_weeks}")
    if not timedelta(0) < duration < timedelta(weeks=every_weeks):
        raise ValueError(f"duration must be positive and shorter than the interval: {duration}")
    series: list[Slot] = []
    for n in range(count):
        local = first_start_local + timedelta(weeks=n * every_weeks)
        start = local.astimezone(UTC)
        series.append(Slot(start, start + duration))
    return series


class Refusal(StrEnum):
    """Why an occurrence of a series cannot be booked as planned."""

    HOLIDAY = "holiday"  # a public holiday; `holiday_name` says which
    CLOSED = "closed"  # a practice closing day or a weekend day the practice does not open
    ABSENCE = "absence"  # the therapist is away (leave, illness)
    CONFLICT = "conflict"  # an existing booking overlaps; `clashes_with` lists them


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One planned occurrence: bookable when `refusal` is None."""

    slot: Slot
    refusal: Refusal | None = None
    holiday_name: str | None = None
    absence_reason: AbsenceReason | None = None
    clashes_with: tuple[Slot, ...] = ()

    @property
    def bookable(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class SeriesPlan:
    """Every occurrence in series order, booked or refused: nothing is silently dropped."""

    occurrences: tuple[Occurrence, ...]

    @property
    def bookable(self) -> tuple[Slot, ...]:
        return tuple(o.slot for o in self.occurrences if o.bookable)

    @property
    def refused(self) -> tuple[Occurrence, ...]:
        return tuple(o for o in self.occurrences if not o.bookable)


@functools.lru_cache(maxsize=64)
def _nl_holiday_names(year: int) -> Mapping[date, str]:
    # Names only: whether a day is closed stays WorkingDays' decision. WorkingDays exposes no
    # names, hence this lookup in the same package and calendar (NL, Dutch names).
    calendar = holidays.country_holidays("NL", years=year, language="nl")
    return MappingProxyType({day: name for day, name in calendar.items() if day.year == year})


def holiday_name(day: date) -> str | None:
    """The Dutch name of the public holiday on ``day``, or None (e.g. for the calendar)."""
    return _nl_holiday_names(day.year).get(day)


def plan_series(
    slots: Sequence[Slot],
    busy: Sequence[Slot],
    days: WorkingDays,
    tz: ZoneInfo,
    *,
    absences: Sequence[Absence] = (),
) -> SeriesPlan:
    """Check each occurrence on its own and say, per occurrence, whether it can be booked.

    The checks run in order of how final they are: a closed day (holiday, closing day) first,
    then the therapist's absence, then clashing bookings. The day is the *local* date in
    `tz`, because a late-evening slot in UTC may already be tomorrow in Amsterdam.
    """
    planned: list[Occurrence] = []
    for slot in slots:
        day = slot.start.astimezone(tz).date()
        if not days.is_working_day(day):
            if days.is_public_holiday(day):
                name = _nl_holiday_names(day.year).get(day)
                planned.append(Occurrence(slot, Refusal.HOLIDAY, holiday_name=name))
            else:
                planned.append(Occurrence(slot, Refusal.CLOSED))
            continue
        away = next((a for a in absences if overlaps(a.slot, slot)), None)
        if away is not None:
            planned.append(Occurrence(slot, Refusal.ABSENCE, absence_reason=away.reason))
            continue
        clashes = tuple(sorted((b for b in busy if overlaps(b, slot)), key=lambda b: b.start))
        if clashes:
            planned.append(Occurrence(slot, Refusal.CONFLICT, clashes_with=clashes))
        else:
            planned.append(Occurrence(slot))
    return SeriesPlan(tuple(planned))


def session_gap_days(held_dates: Sequence[date], today: date) -> int | None:
    """Calendar days since the most recent held session, or None before the first one.

    Calendar days, not working days: the client experiences a month without treatment as a
    month (TNO case 1), holidays or not. The caller compares the result with its setting.
    A held date after `today` is a data error and is refused rather than read as "no gap".
    """
    if not held_dates:
        return None
    latest = max(held_dates)
    if latest > today:
        raise ValueError(f"a session cannot have been held after today: {latest} > {today}")
    return (today - latest).days
