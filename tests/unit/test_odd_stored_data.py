"""What the tables can hold but the forms never write is read without failing (issue 16).

The pure halves of the fixes the property-based page test
(tests/integration/test_pages_survive_odd_data.py) led to.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from practice.consent import ConsentRecord, Purpose, Recipient, why_not_sendable
from practice.platform import i18n
from practice.platform.templating import MISSING, make_environment
from practice.work_participation import (
    ContractPeriod,
    NoVolume,
    ParticipationMeasurement,
    volume_percent_series,
    why_no_volume,
)
from practice.working_days import WorkingDays
from scheduling.calendars import WeeklyHours, occupied
from scheduling.week_grid import week_grid

GIVEN = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("template", "value"),
    [
        ("{{ value | day }}", None),
        ("{{ value | day('long') }}", None),
        ("{{ value | moment }}", None),
        ("{{ value | number }}", None),
        ("{{ value | number(0) }}", None),
        ("{{ value | number }}", Decimal("NaN")),
        ("{{ value | number }}", float("inf")),
    ],
)
def test_a_filter_prints_a_dash_for_a_value_the_database_left_empty(
    template: str, value: object
) -> None:
    env = make_environment(ZoneInfo("Europe/Amsterdam"))
    assert env.from_string(template).render(value=value) == MISSING


def test_the_filters_still_format_a_value_in_the_current_language() -> None:
    env = make_environment(ZoneInfo("Europe/Amsterdam"))
    token = i18n.current_locale.set("nl")
    try:
        assert env.from_string("{{ v | number }}").render(v=Decimal("22.8")) == "22,8"
        assert env.from_string("{{ v | day }}").render(v=date(2026, 6, 15)) == "15 jun 2026"
    finally:
        i18n.current_locale.reset(token)


def test_hours_before_any_contract_or_against_zero_hours_say_why_they_have_no_percentage() -> None:
    hours = Decimal(8)
    zero = Decimal(0)
    measurements = [
        ParticipationMeasurement(date(2026, 6, 14), hours, zero, zero, zero),
        ParticipationMeasurement(date(2026, 6, 20), hours, zero, zero, zero),
        ParticipationMeasurement(date(2026, 7, 20), hours, zero, zero, zero),
    ]
    periods = [
        ContractPeriod(date(2026, 6, 15), Decimal(32)),
        ContractPeriod(date(2026, 7, 1), Decimal(0)),
    ]
    series = volume_percent_series(measurements, periods)
    assert [p.no_volume_reason for p in series] == [
        NoVolume.NO_CONTRACT,
        None,
        NoVolume.ZERO_CONTRACT,
    ]
    assert [p.volume_percent for p in series] == [None, Decimal("25.0"), None]
    assert why_no_volume(Decimal("0.5")) is None


def test_a_withdrawal_stored_before_the_consent_was_given_reads_as_never_in_force() -> None:
    odd = ConsentRecord.as_stored(
        Recipient.COMPANY_DOCTOR,
        Purpose.INTERIM_REPORTS,
        given_at=GIVEN,
        withdrawn_at=GIVEN - timedelta(days=1),
    )
    assert odd.withdrawn_at == GIVEN
    later = GIVEN + timedelta(days=10)
    reason = why_not_sendable([odd], Recipient.COMPANY_DOCTOR, Purpose.INTERIM_REPORTS, later)
    assert reason is not None and "withdrawn" in reason
    with pytest.raises(ValueError, match="withdrawn before"):
        ConsentRecord(
            Recipient.COMPANY_DOCTOR, Purpose.INTERIM_REPORTS, GIVEN, GIVEN - timedelta(days=1)
        )


def test_stored_working_hours_without_time_are_left_out_and_overlapping_ones_joined() -> None:
    hours = WeeklyHours.from_stored(
        [
            (0, time(9), time(12)),
            (0, time(11), time(17)),  # overlaps the morning
            (1, time(13, 30), time(13, 30)),  # no time in it
            (2, time(17), time(9)),  # ends before it starts
            (7, time(9), time(17)),  # no such weekday
        ]
    )
    assert hours.ranges_on(0) == ((time(9), time(17)),)
    assert hours.ranges_on(1) == ()
    assert hours.ranges_on(2) == ()
    with pytest.raises(ValueError, match="must end after they start"):
        WeeklyHours({1: [(time(13, 30), time(13, 30))]})  # saving is still refused


def test_a_stored_span_of_no_time_occupies_no_slot() -> None:
    start = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
    spans = [
        (start, start),
        (start, start - timedelta(minutes=5)),
        (start, start + timedelta(hours=1)),
    ]
    assert [(s.start, s.end) for s in occupied(spans)] == [(start, start + timedelta(hours=1))]


def test_the_week_grid_shows_an_appointment_of_no_time_in_its_own_row_and_ends() -> None:
    tz = ZoneInfo("Europe/Amsterdam")
    monday = date(2026, 6, 1)
    start = datetime.combine(monday, time(10), tz)
    appointments = [
        {"starts_at": start, "ends_at": start, "attendance": "planned"},  # no time at all
        {"starts_at": start, "ends_at": start + timedelta(minutes=45), "attendance": "held"},
    ]

    def grid(appointments: list[dict[str, Any]]) -> Any:
        return week_grid(
            monday,
            today=monday,
            now=datetime.combine(monday, time(8), tz),
            tz=tz,
            hours=WeeklyHours({0: [(time(9), time(17))]}),
            absences=[],
            working_days=WorkingDays(),
            closing_reasons={},
            appointments=appointments,
        )

    alone = grid(appointments[:1])  # ran for ever before
    ten = next(row.cells[0] for row in alone.rows if row.at == time(10))
    assert ten is not None and len(ten.entries) == 1 and ten.rowspan == 1
    both = grid(appointments)
    ten = next(row.cells[0] for row in both.rows if row.at == time(10))
    assert ten is not None and len(ten.entries) == 2 and ten.rowspan == 2
