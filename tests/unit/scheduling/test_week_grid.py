"""The week grid (pure): rows of half an hour, a block per appointment, free times to click;
and what attendance the therapist is offered before and after a session begins."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from practice.working_days import WorkingDays
from scheduling.appointments import Attendance, attendance_choices, too_early
from scheduling.calendars import Absence, AbsenceReason, WeeklyHours
from scheduling.week_grid import week_grid

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=AMS)
NINE_TO_FIVE = WeeklyHours({d: [(time(9), time(17))] for d in range(5)})


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), AMS)


def appointment(day: int, hour: int, minutes: int = 45, attendance: str = "planned") -> Any:
    start = at(day, hour)
    return {
        "starts_at": start,
        "ends_at": start + timedelta(minutes=minutes),
        "attendance": attendance,
    }


def grid(**overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "today": MONDAY,
        "now": NOW,
        "tz": AMS,
        "hours": NINE_TO_FIVE,
        "absences": [],
        "working_days": WorkingDays(),
        "closing_reasons": {},
        "appointments": [],
        **overrides,
    }
    return week_grid(MONDAY, **arguments)


def cell(g: Any, day: int, clock: time) -> Any:
    return next(row.cells[day] for row in g.rows if row.at == clock)


def test_the_week_has_seven_columns_of_half_hours_from_seven_to_twenty_one() -> None:
    g = grid()
    assert [d.day.weekday() for d in g.days] == list(range(7))
    assert g.rows[0].at == time(7) and g.rows[-1].at == time(20, 30)
    assert all(len(row.cells) == 7 for row in g.rows)
    assert [d.today for d in g.days] == [True] + [False] * 6


def test_working_hours_are_marked_and_free_times_start_after_now_within_them() -> None:
    g = grid()
    assert cell(g, 1, time(9)).working and not cell(g, 1, time(8, 30)).working
    assert cell(g, 1, time(9)).free_at == at(1, 9)
    assert cell(g, 1, time(16)).free_at == at(1, 16)  # 16:00-16:45 fits
    assert cell(g, 1, time(16, 30)).free_at is None  # 16:30-17:15 does not
    assert cell(g, 0, time(9, 30)).free_at is None and cell(g, 0, time(9, 30)).past
    assert cell(g, 0, time(10)).free_at == at(0, 10)
    assert cell(g, 5, time(10)).free_at is None and not g.days[5].open  # Saturday


def test_an_appointment_spans_its_rows_and_overlapping_ones_share_a_block() -> None:
    g = grid(
        appointments=[
            appointment(1, 10, attendance="cancelled_by_client"),
            {**appointment(1, 10), "starts_at": at(1, 10, 15), "ends_at": at(1, 11)},
        ]
    )
    block = cell(g, 1, time(10))
    assert block.rowspan == 2 and len(block.entries) == 2
    assert cell(g, 1, time(10, 30)) is None  # covered by the block above
    assert cell(g, 1, time(11)).free_at == at(1, 11)


def test_a_cancelled_appointment_frees_its_time_and_a_planned_one_does_not() -> None:
    g = grid(appointments=[appointment(2, 10, attendance="cancelled_by_practice")])
    assert cell(g, 2, time(10)).free_at == at(2, 10)
    g = grid(appointments=[appointment(2, 10)])
    assert cell(g, 2, time(10)).free_at is None
    assert cell(g, 2, time(9, 30)).free_at is None  # 9:30-10:15 would clash


def test_absences_holidays_and_closing_days_offer_no_free_time() -> None:
    away = Absence(at(2, 9), at(2, 13), AbsenceReason.ILLNESS)
    g = grid(
        absences=[away],
        working_days=WorkingDays(extra_closing_days=frozenset({MONDAY + timedelta(days=4)})),
        closing_reasons={MONDAY + timedelta(days=4): "Teamdag"},
    )
    assert cell(g, 2, time(9)).absent and cell(g, 2, time(9)).free_at is None
    assert cell(g, 2, time(13)).free_at == at(2, 13)
    assert g.days[2].absences == (away,)
    assert g.days[4].closing == "Teamdag" and not g.days[4].open
    assert all(row.cells[4] is None or row.cells[4].free_at is None for row in g.rows)
    assert g.days[0].holiday is None  # 1 June 2026 is an ordinary Monday
    pentecost = week_grid(
        date(2026, 5, 25),
        today=date(2026, 5, 25),
        now=datetime(2026, 5, 20, tzinfo=AMS),
        tz=AMS,
        hours=NINE_TO_FIVE,
        absences=[],
        working_days=WorkingDays(),
        closing_reasons={},
        appointments=[],
    )
    assert pentecost.days[0].holiday and not pentecost.days[0].open  # Tweede Pinksterdag


def test_the_grid_widens_for_an_appointment_outside_its_hours() -> None:
    g = grid(appointments=[appointment(3, 21, 60)])
    assert g.rows[-1].at == time(21, 30)
    assert cell(g, 3, time(21)).rowspan == 2


def test_the_week_as_a_list_holds_each_days_appointments_and_free_times_as_the_grid_does() -> None:
    late, early = appointment(1, 14), appointment(1, 10)
    g = grid(appointments=[late, early, appointment(2, 9)])
    agenda = g.agenda
    assert [a.day for a in agenda] == list(g.days)
    assert agenda[1].entries == (early, late)  # top to bottom, whatever the order read
    assert agenda[0].entries == ()
    assert at(1, 10) not in agenda[1].free and at(1, 11) in agenda[1].free
    assert list(agenda[1].free) == sorted(agenda[1].free)
    assert agenda[5].free == () and not agenda[5].day.open  # Saturday
    # Nothing differs from the grid: the same free times, the same appointments.
    assert sum(len(a.free) for a in agenda) == g.free_count
    assert sum(len(a.entries) for a in agenda) == 3


def test_before_a_session_begins_only_a_cancellation_is_offered_after_it_held_first() -> None:
    planned = Attendance.PLANNED
    assert attendance_choices(planned, started=False) == (
        Attendance.CANCELLED_BY_CLIENT,
        Attendance.CANCELLED_BY_PRACTICE,
    )
    assert attendance_choices(planned, started=True)[0] is Attendance.HELD
    assert attendance_choices(Attendance.HELD, started=True) == (Attendance.NO_SHOW,)
    assert attendance_choices(Attendance.CANCELLED_BY_CLIENT, started=True) == ()
    assert too_early(Attendance.HELD, started=False) and too_early(
        Attendance.NO_SHOW, started=False
    )
    assert not too_early(Attendance.CANCELLED_BY_CLIENT, started=False)
    assert not too_early(Attendance.HELD, started=True)
