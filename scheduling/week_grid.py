"""The therapist's week as a time grid (pure, no I/O, no clock): rows of half an hour,
columns Monday to Sunday, each cell saying what the time is (working hours, absent, closed,
past, free to book) and which appointments start there.

The page draws it as a table: an appointment spans its rows (``rowspan``), so a cell that a
block above covers is ``None``. Appointments that overlap (a cancelled one and its
replacement at the same hour) share one block. Times are wall-clock times in the practice's
zone; the free slots come from ``scheduling.calendars.free_slots``, the same rule the
booking door and ``GET /api/free-slots`` use.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from practice.working_days import WorkingDays
from scheduling.appointments import LIVE
from scheduling.calendars import Absence, WeeklyHours, free_slots, holiday_name, occupied

STEP = timedelta(minutes=30)
FIRST_HOUR = 7
LAST_HOUR = 21
SESSION = timedelta(minutes=45)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a day's column: a block of appointments or an empty stretch."""

    rowspan: int
    entries: tuple[Mapping[str, Any], ...]  # the appointments starting in the block
    working: bool  # inside the therapist's working hours on an open day
    absent: bool  # the therapist is away (leave, illness)
    past: bool  # over by now
    free_at: datetime | None  # a bookable start in this cell (local), when there is one


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    today: bool
    open: bool  # a working day of the practice (no weekend, holiday or closing day)
    holiday: str | None  # the public holiday's name
    closing: str | None  # the practice's closing day, with its reason ("" when none given)
    absences: tuple[Absence, ...]  # that touch this day


@dataclass(frozen=True, slots=True)
class Row:
    at: time
    cells: tuple[Cell | None, ...]  # None: covered by a block in a row above


@dataclass(frozen=True, slots=True)
class AgendaDay:
    """One day of the week as a list: what a phone shows instead of the grid."""

    day: Day
    entries: tuple[Mapping[str, Any], ...]  # the day's appointments, in the grid's order
    free: tuple[datetime, ...]  # the bookable starts (local), earliest first


@dataclass(frozen=True, slots=True)
class WeekGrid:
    days: tuple[Day, ...]
    rows: tuple[Row, ...]
    free_count: int

    @property
    def agenda(self) -> tuple[AgendaDay, ...]:
        """The same week read down each column: no time may differ between the two views."""
        return tuple(
            AgendaDay(
                day=day,
                entries=tuple(
                    entry
                    for row in self.rows
                    if (cell := row.cells[i]) is not None
                    for entry in cell.entries
                ),
                free=tuple(
                    cell.free_at
                    for row in self.rows
                    if (cell := row.cells[i]) is not None and cell.free_at is not None
                ),
            )
            for i, day in enumerate(self.days)
        )


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def _span(
    days: Sequence[date],
    hours: WeeklyHours,
    appointments: Sequence[Mapping[str, Any]],
    tz: ZoneInfo,
) -> tuple[int, int]:
    """The grid's first and last hour: 07:00 to 21:00, wider when the week needs it."""
    first, last = FIRST_HOUR, LAST_HOUR
    for d in days:
        for start, end in hours.ranges_on(d.weekday()):
            first = min(first, start.hour)
            last = max(last, end.hour + (1 if end.minute else 0))
    for a in appointments:
        start, end = a["starts_at"].astimezone(tz), a["ends_at"].astimezone(tz)
        if start.date() in days:
            first = min(first, start.hour)
            last = max(last, 24 if end.date() > start.date() else end.hour + bool(end.minute))
    return first, min(last, 24)


def week_grid(
    monday: date,
    *,
    today: date,
    now: datetime,
    tz: ZoneInfo,
    hours: WeeklyHours,
    absences: Sequence[Absence],
    working_days: WorkingDays,
    closing_reasons: Mapping[date, str],
    appointments: Sequence[Mapping[str, Any]],
    duration: timedelta = SESSION,
) -> WeekGrid:
    """The week from ``monday``: ``appointments`` are rows with ``starts_at``, ``ends_at``
    (aware) and ``attendance``; a cancelled one is shown but frees its time."""
    dates = [monday + timedelta(days=i) for i in range(7)]
    first, last = _span(dates, hours, appointments, tz)
    per_hour = int(timedelta(hours=1) / STEP)
    times = [
        time(first + i // per_hour, (i % per_hour) * int(STEP.total_seconds() // 60))
        for i in range((last - first) * per_hour)
    ]
    busy = occupied((a["starts_at"], a["ends_at"]) for a in appointments if a["attendance"] in LIVE)
    free = free_slots(
        dates[0], dates[-1], hours, busy, absences, working_days, duration, tz, STEP,
        not_before=now,
    )  # fmt: skip
    free_starts = {slot.start for slot in free}
    columns = [
        _column(d, times, tz, now, hours, absences, working_days, appointments, free_starts)
        for d in dates
    ]
    rows = tuple(Row(at, tuple(column[i] for column in columns)) for i, at in enumerate(times))
    days = tuple(
        Day(
            day=d,
            today=d == today,
            open=working_days.is_working_day(d),
            holiday=holiday_name(d) if working_days.is_public_holiday(d) else None,
            closing=closing_reasons.get(d),
            absences=tuple(
                a
                for a in absences
                if a.start < _local(d + timedelta(days=1), time(0), tz)
                and a.end > _local(d, time(0), tz)
            ),
        )
        for d in dates
    )
    shown = sum(1 for column in columns for cell in column if cell and cell.free_at)
    return WeekGrid(days=days, rows=rows, free_count=shown)


def _column(
    day: date,
    times: Sequence[time],
    tz: ZoneInfo,
    now: datetime,
    hours: WeeklyHours,
    absences: Sequence[Absence],
    working_days: WorkingDays,
    appointments: Sequence[Mapping[str, Any]],
    free_starts: set[datetime],
) -> list[Cell | None]:
    """One day's cells, top to bottom; ``None`` where a block above reaches."""
    starts = [_local(day, at, tz) for at in times]
    ends = [*starts[1:], _local(day, times[-1], tz) + STEP] if times else []
    open_day = working_days.is_working_day(day)
    ranges = hours.ranges_on(day.weekday()) if open_day else ()

    def index_of(moment: datetime) -> int:
        """The row a moment falls in, clamped to the grid."""
        local = moment.astimezone(tz)
        for i in range(len(starts)):
            if local < ends[i]:
                return i
        return len(starts) - 1

    todays = sorted(
        (
            a
            for a in appointments
            if a["starts_at"] < ends[-1] and a["ends_at"] > starts[0]
        ),
        key=lambda a: a["starts_at"],
    ) if starts else []  # fmt: skip
    cells: list[Cell | None] = []
    i = 0
    while i < len(starts):
        block = [a for a in todays if index_of(a["starts_at"]) == i]
        start_utc = starts[i].astimezone(UTC)
        free_at = starts[i] if start_utc in free_starts else None
        if block:
            # A block takes at least its own row: an appointment of no time (ends at its
            # start, which the table can hold) gave a span of 0, and the loop never ended.
            last = max(i, *(index_of(a["ends_at"] - timedelta(microseconds=1)) for a in block))
            # Anything starting inside the block joins it (overlaps share one cell).
            more = [a for a in todays if i < index_of(a["starts_at"]) <= last]
            while more:
                block.extend(more)
                last = max(
                    last, *(index_of(a["ends_at"] - timedelta(microseconds=1)) for a in more)
                )
                more = [
                    a for a in todays if a not in block and i < index_of(a["starts_at"]) <= last
                ]
            span = last - i + 1
        else:
            span = 1
        cells.append(
            Cell(
                rowspan=span,
                entries=tuple(sorted(block, key=lambda a: a["starts_at"])),
                working=any(s <= times[i] < e for s, e in ranges),
                absent=any(a.start < ends[i] and a.end > starts[i] for a in absences),
                past=ends[i] <= now,
                free_at=free_at,
            )
        )
        cells.extend([None] * (span - 1))
        i += span
    return cells
