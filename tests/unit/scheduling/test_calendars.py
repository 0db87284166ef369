from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practice.working_days import WorkingDays
from scheduling.calendars import (
    Absence,
    AbsenceReason,
    Refusal,
    Slot,
    WeeklyHours,
    free_slots,
    overlaps,
    plan_series,
    session_gap_days,
    weekly_series,
)

AMS = ZoneInfo("Europe/Amsterdam")
NL = WorkingDays()
HOUR = timedelta(hours=1)
# Unit tests do no file I/O, so no Hypothesis example database.
PROPERTY = settings(database=None, deadline=None, max_examples=150)
OFFICE = WeeklyHours({d: [(time(9), time(12)), (time(13), time(17))] for d in range(5)})


def ams(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=AMS)


def session(y: int, m: int, d: int, h: int, minutes: int = 60) -> Slot:
    start = ams(y, m, d, h)
    return Slot(start, start + timedelta(minutes=minutes))


def local_starts(slots: list[Slot]) -> list[str]:
    return [s.start.astimezone(AMS).strftime("%a %d %b %H:%M") for s in slots]


# ------------------------------------------------------------------ Slot and overlap


def test_a_slot_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Slot(datetime(2026, 4, 1, 9), datetime(2026, 4, 1, 10, tzinfo=UTC))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        Slot(datetime(2026, 4, 1, 9, tzinfo=UTC), datetime(2026, 4, 1, 10))  # noqa: DTZ001


def test_a_slot_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="end after"):
        Slot(ams(2026, 4, 1, 10), ams(2026, 4, 1, 10))


def test_a_slot_is_held_in_utc_and_equal_instants_are_equal() -> None:
    slot = session(2026, 3, 30, 10)
    assert slot.start.tzinfo is UTC
    assert slot.start.hour == 8  # CEST is UTC+2
    assert slot == Slot(datetime(2026, 3, 30, 8, tzinfo=UTC), datetime(2026, 3, 30, 9, tzinfo=UTC))


def test_back_to_back_slots_do_not_overlap() -> None:
    assert not overlaps(session(2026, 4, 1, 9), session(2026, 4, 1, 10))
    assert not overlaps(session(2026, 4, 1, 10), session(2026, 4, 1, 9))


def test_slots_sharing_a_minute_overlap() -> None:
    assert overlaps(session(2026, 4, 1, 9, minutes=61), session(2026, 4, 1, 10))
    assert overlaps(session(2026, 4, 1, 9, minutes=180), session(2026, 4, 1, 10))


@PROPERTY
@given(st.integers(0, 600), st.integers(1, 300), st.integers(0, 600), st.integers(1, 300))
def test_overlap_is_symmetric_and_means_a_shared_moment(a0: int, a1: int, b0: int, b1: int) -> None:
    base = datetime(2026, 6, 1, tzinfo=UTC)
    a = Slot(base + timedelta(minutes=a0), base + timedelta(minutes=a0 + a1))
    b = Slot(base + timedelta(minutes=b0), base + timedelta(minutes=b0 + b1))
    assert overlaps(a, b) is overlaps(b, a)
    assert overlaps(a, b) is (max(a.start, b.start) < min(a.end, b.end))


# ------------------------------------------------------------------ hours and absences


def test_working_hours_refuse_mistakes_instead_of_guessing() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        WeeklyHours({0: [(time(9), time(12)), (time(11), time(14))]})
    with pytest.raises(ValueError, match="end after"):
        WeeklyHours({0: [(time(12), time(9))]})
    with pytest.raises(ValueError, match="weekday"):
        WeeklyHours({7: [(time(9), time(12))]})
    with pytest.raises(ValueError, match="wall-clock"):
        WeeklyHours({0: [(time(9, tzinfo=UTC), time(12))]})


def test_an_absence_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Absence(datetime(2026, 4, 1), ams(2026, 4, 2, 0), AbsenceReason.LEAVE)  # noqa: DTZ001


# ------------------------------------------------------------------ free slots


def test_free_slots_respect_hours_a_holiday_an_absence_and_bookings() -> None:
    # Mon 27 Apr 2026 is Koningsdag; the therapist is ill on Wednesday; Tuesday 10-11 is taken.
    busy = [session(2026, 4, 28, 10)]
    ill = [Absence(ams(2026, 4, 29, 0), ams(2026, 4, 30, 0), AbsenceReason.ILLNESS)]
    hours = WeeklyHours({d: [(time(9), time(12))] for d in range(5)})
    found = free_slots(date(2026, 4, 27), date(2026, 4, 29), hours, busy, ill, NL, HOUR, AMS)
    # Every 15 minutes, but only 9:00 and 11:00 fit around the 10:00 booking (half-open).
    assert local_starts(found) == ["Tue 28 Apr 09:00", "Tue 28 Apr 11:00"]


def test_free_slots_fit_the_duration_inside_each_range_on_the_step_grid() -> None:
    found = free_slots(date(2026, 6, 1), date(2026, 6, 1), OFFICE, [], [], NL, 2 * HOUR, AMS, HOUR)
    assert local_starts(found) == [
        "Mon 01 Jun 09:00",
        "Mon 01 Jun 10:00",
        "Mon 01 Jun 13:00",
        "Mon 01 Jun 14:00",
        "Mon 01 Jun 15:00",
    ]


def test_free_slots_skip_weekends_and_practice_closing_days() -> None:
    closed = WorkingDays(extra_closing_days=frozenset({date(2026, 6, 5)}))
    every_day = WeeklyHours({d: [(time(9), time(10))] for d in range(7)})
    found = free_slots(date(2026, 6, 4), date(2026, 6, 8), every_day, [], [], closed, HOUR, AMS)
    assert local_starts(found) == ["Thu 04 Jun 09:00", "Mon 08 Jun 09:00"]


def test_free_slots_keep_local_hours_on_both_sides_of_the_spring_change() -> None:
    found = free_slots(date(2026, 3, 27), date(2026, 3, 30), OFFICE, [], [], NL, 8 * HOUR, AMS)
    assert found == []  # no range is 8 hours long
    found = free_slots(date(2026, 3, 27), date(2026, 3, 30), OFFICE, [], [], NL, 4 * HOUR, AMS)
    assert [s.start.hour for s in found] == [12, 11]  # 13:00 CET, then 13:00 CEST, in UTC


def test_free_slots_drop_candidates_that_already_began() -> None:
    now = ams(2026, 6, 1, 15, 10)
    found = free_slots(
        date(2026, 6, 1), date(2026, 6, 1), OFFICE, [], [], NL, HOUR, AMS, HOUR, not_before=now
    )
    assert local_starts(found) == ["Mon 01 Jun 16:00"]
    found = free_slots(
        date(2026, 6, 1), date(2026, 6, 1), OFFICE, [], [], NL, HOUR, AMS, not_before=now
    )
    assert local_starts(found) == [
        "Mon 01 Jun 15:15",
        "Mon 01 Jun 15:30",
        "Mon 01 Jun 15:45",
        "Mon 01 Jun 16:00",
    ]


def test_free_slots_refuse_an_empty_duration_or_a_reversed_period() -> None:
    with pytest.raises(ValueError, match="positive"):
        free_slots(date(2026, 6, 1), date(2026, 6, 1), OFFICE, [], [], NL, timedelta(0), AMS)
    with pytest.raises(ValueError, match="before"):
        free_slots(date(2026, 6, 2), date(2026, 6, 1), OFFICE, [], [], NL, HOUR, AMS)


boundaries = st.lists(st.integers(6 * 4, 20 * 4), min_size=0, max_size=4, unique=True)


def _hours_from(quarters: list[list[int]]) -> WeeklyHours:
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    for weekday, marks in enumerate(quarters):
        ordered = sorted(marks)[: len(marks) // 2 * 2]
        pairs = zip(ordered[::2], ordered[1::2], strict=True)
        by_weekday[weekday] = [
            (time(a // 4, a % 4 * 15), time(b // 4, b % 4 * 15)) for a, b in pairs
        ]
    return WeeklyHours(by_weekday)


def _grid(day: date, start: time, end: time, duration: timedelta) -> list[Slot]:
    # Wall-clock steps: the generated hours lie between 06:00 and 20:00, clear of DST changes.
    first = datetime.combine(day, start, AMS)
    last = datetime.combine(day, end, AMS)
    count = int((last - first - duration) / timedelta(minutes=15)) + 1
    return [
        Slot(first + n * timedelta(minutes=15), first + n * timedelta(minutes=15) + duration)
        for n in range(max(count, 0))
    ]


@st.composite
def local_slots(draw: st.DrawFn, first: date) -> Slot:
    day = first + timedelta(days=draw(st.integers(0, 7)))
    start = datetime.combine(
        day, time(draw(st.integers(5, 20)), draw(st.sampled_from([0, 20, 45])))
    )
    length = timedelta(minutes=draw(st.integers(5, 240)))
    return Slot(start.replace(tzinfo=AMS), start.replace(tzinfo=AMS) + length)


@PROPERTY
@given(data=st.data())
def test_every_free_slot_is_in_working_hours_on_an_open_day_and_clashes_with_nothing(
    data: st.DataObject,
) -> None:
    # Around both DST changes and the April/May holidays of 2026.
    first = data.draw(st.sampled_from([date(2026, 3, 25), date(2026, 4, 24), date(2026, 10, 22)]))
    last = first + timedelta(days=data.draw(st.integers(0, 7)))
    hours = _hours_from(data.draw(st.lists(boundaries, min_size=7, max_size=7)))
    busy = data.draw(st.lists(local_slots(first), max_size=8))
    away = [
        Absence(s.start, s.end, AbsenceReason.LEAVE)
        for s in data.draw(st.lists(local_slots(first), max_size=2))
    ]
    duration = timedelta(minutes=data.draw(st.sampled_from([30, 45, 60, 90])))
    found = free_slots(first, last, hours, busy, away, NL, duration, AMS)

    for slot in found:
        start, end = slot.start.astimezone(AMS), slot.end.astimezone(AMS)
        assert first <= start.date() <= last
        assert NL.is_working_day(start.date())
        assert slot.duration == duration
        assert any(
            a <= start.time() and end.time() <= b and end.date() == start.date()
            for a, b in hours.ranges_on(start.weekday())
        )
        assert not any(overlaps(slot, other) for other in [*busy, *(a.slot for a in away)])
    assert found == sorted(found, key=lambda s: s.start)
    # And nothing free is missed: the same grid, checked the slow way.
    blocked = [*busy, *(a.slot for a in away)]
    expected = [
        candidate
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
        if NL.is_working_day(day)
        for a, b in hours.ranges_on(day.weekday())
        for candidate in _grid(day, a, b, duration)
        if not any(overlaps(candidate, other) for other in blocked)
    ]
    assert found == expected


# ------------------------------------------------------------------ weekly series and DST


def test_a_weekly_ten_oclock_session_stays_ten_oclock_across_the_spring_change() -> None:
    series = weekly_series(ams(2026, 3, 26, 10), HOUR, count=2)  # Thursdays around 29 March
    assert [s.start.astimezone(AMS).hour for s in series] == [10, 10]
    assert [s.start.hour for s in series] == [9, 8]  # UTC: CET+1, then CEST+2
    assert all(s.duration == HOUR for s in series)


def test_a_weekly_ten_oclock_session_stays_ten_oclock_across_the_autumn_change() -> None:
    series = weekly_series(ams(2026, 10, 22, 10), HOUR, count=2)  # Thursdays around 25 Oct
    assert [s.start.astimezone(AMS).hour for s in series] == [10, 10]
    assert [s.start.hour for s in series] == [8, 9]  # UTC: CEST+2, then CET+1


def test_every_other_week_spaces_occurrences_fourteen_days_apart() -> None:
    series = weekly_series(ams(2026, 3, 19, 10), HOUR, count=3, every_weeks=2)
    assert local_starts(series) == ["Thu 19 Mar 10:00", "Thu 02 Apr 10:00", "Thu 16 Apr 10:00"]


def test_a_series_needs_a_real_zone_a_count_and_a_duration_shorter_than_the_interval() -> None:
    fixed = datetime(2026, 3, 26, 10, tzinfo=timezone(timedelta(hours=1)))
    with pytest.raises(ValueError, match="ZoneInfo"):
        weekly_series(fixed, HOUR, count=2)
    with pytest.raises(ValueError, match="timezone-aware"):
        weekly_series(datetime(2026, 3, 26, 10), HOUR, count=2)  # noqa: DTZ001
    with pytest.raises(ValueError, match="at least 1"):
        weekly_series(ams(2026, 3, 26, 10), HOUR, count=0)
    with pytest.raises(ValueError, match="shorter"):
        weekly_series(ams(2026, 3, 26, 10), timedelta(weeks=1), count=2)


@PROPERTY
@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(7, 20),
    st.sampled_from([0, 15, 30, 45]),
    st.integers(1, 12),
    st.integers(1, 3),
)
def test_a_series_keeps_its_local_wall_clock_time_whatever_the_season(
    first: date, hour: int, minute: int, count: int, every: int
) -> None:
    series = weekly_series(datetime.combine(first, time(hour, minute), AMS), HOUR, count, every)
    local = [s.start.astimezone(AMS) for s in series]
    assert {(t.hour, t.minute) for t in local} == {(hour, minute)}
    assert [t.date() for t in local] == [first + timedelta(weeks=n * every) for n in range(count)]


# ------------------------------------------------------------------ planning a series


def test_weekly_eight_from_mid_april_reports_koningsdag_and_books_the_rest() -> None:
    # Mondays from 13 April 2026. Eight weeks also reach Tweede pinksterdag (Mon 25 May),
    # which any Monday series from mid-April of that length does.
    series = weekly_series(ams(2026, 4, 13, 10), HOUR, count=8)
    plan = plan_series(series, [], NL, AMS)

    assert len(plan.occurrences) == 8
    refused = {o.slot.start.astimezone(AMS).date(): o for o in plan.refused}
    assert set(refused) == {date(2026, 4, 27), date(2026, 5, 25)}
    assert refused[date(2026, 4, 27)].refusal is Refusal.HOLIDAY
    assert refused[date(2026, 4, 27)].holiday_name == "Koningsdag"
    assert refused[date(2026, 5, 25)].holiday_name == "Tweede pinksterdag"
    assert len(plan.bookable) == 6


def test_a_friday_series_over_christmas_reports_both_holidays_across_the_new_year() -> None:
    series = weekly_series(ams(2026, 12, 11, 14), HOUR, count=4)  # Fridays: 11, 18, 25 Dec, 1 Jan
    plan = plan_series(series, [], NL, AMS)
    assert [o.refusal for o in plan.occurrences] == [None, None, Refusal.HOLIDAY, Refusal.HOLIDAY]
    assert [o.holiday_name for o in plan.refused] == ["Eerste kerstdag", "Nieuwjaarsdag"]
    assert local_starts(list(plan.bookable)) == ["Fri 11 Dec 14:00", "Fri 18 Dec 14:00"]


def test_a_conflict_is_reported_for_that_occurrence_only() -> None:
    series = weekly_series(ams(2026, 6, 1, 10), HOUR, count=4)
    existing = Slot(ams(2026, 6, 15, 10, 30), ams(2026, 6, 15, 11, 30))
    touching = session(2026, 6, 8, 11)  # starts as occurrence two ends: no clash
    plan = plan_series(series, [existing, touching], NL, AMS)

    assert [o.refusal for o in plan.occurrences] == [None, None, Refusal.CONFLICT, None]
    assert plan.occurrences[2].clashes_with == (existing,)
    assert len(plan.bookable) == 3


def test_a_holiday_is_reported_rather_than_a_booking_on_it() -> None:
    series = weekly_series(ams(2026, 4, 27, 10), HOUR, count=1)
    plan = plan_series(series, series, NL, AMS)
    assert plan.occurrences[0].refusal is Refusal.HOLIDAY
    assert plan.occurrences[0].clashes_with == ()


def test_closing_days_absences_and_reopened_holidays_are_told_apart() -> None:
    good_friday = date(2026, 4, 3)
    days = WorkingDays(
        extra_closing_days=frozenset({date(2026, 3, 27)}),
        extra_working_days=frozenset({good_friday}),
    )
    leave = Absence(ams(2026, 4, 10, 0), ams(2026, 4, 11, 0), AbsenceReason.LEAVE)
    series = weekly_series(ams(2026, 3, 27, 10), HOUR, count=3)  # 27 Mar, 3 Apr, 10 Apr
    plan = plan_series(series, [], days, AMS, absences=[leave])

    assert [o.refusal for o in plan.occurrences] == [Refusal.CLOSED, None, Refusal.ABSENCE]
    assert plan.occurrences[2].absence_reason is AbsenceReason.LEAVE


def test_the_local_date_decides_whether_a_slot_falls_on_a_holiday() -> None:
    # 23:30 UTC on Sunday 26 April is 01:30 on Koningsdag in Amsterdam.
    late = Slot(datetime(2026, 4, 26, 23, 30, tzinfo=UTC), datetime(2026, 4, 27, 0, tzinfo=UTC))
    assert plan_series([late], [], NL, AMS).occurrences[0].holiday_name == "Koningsdag"


# ------------------------------------------------------------------ gaps between sessions


def test_there_is_no_gap_before_the_first_held_session() -> None:
    assert session_gap_days([], date(2026, 6, 1)) is None


def test_the_gap_runs_in_calendar_days_from_the_latest_held_session() -> None:
    held = [date(2026, 5, 4), date(2026, 5, 18), date(2026, 5, 11)]
    assert session_gap_days(held, date(2026, 6, 1)) == 14
    assert session_gap_days(held, date(2026, 5, 18)) == 0


def test_a_session_held_after_today_is_refused_as_a_data_error() -> None:
    with pytest.raises(ValueError, match="after today"):
        session_gap_days([date(2026, 6, 2)], date(2026, 6, 1))
