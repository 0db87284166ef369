"""What a booking reads about availability: the practice's working days, a therapist's
absences and the rooms to book (all set through ``scheduling.services.availability``)."""

from datetime import date, datetime
from typing import Any

from practice.working_days import WorkingDays
from scheduling.calendars import Absence, AbsenceReason, WeeklyHours
from scheduling.tables import ClosingDay, Room, TherapistAbsence, WorkingHours


async def working_days() -> WorkingDays:
    closing = frozenset(r["day"] for r in await ClosingDay.select(ClosingDay.day))
    return WorkingDays(extra_closing_days=closing)


async def therapist_absences(
    therapist_user_id: int, start: datetime, end: datetime
) -> list[Absence]:
    rows = await TherapistAbsence.select().where(
        (TherapistAbsence.therapist == therapist_user_id)
        & (TherapistAbsence.starts_at < end)
        & (TherapistAbsence.ends_at > start)
    )
    # An absence of no time (ends at or before it starts; the table allows it) blocks nothing.
    return [
        Absence(r["starts_at"], r["ends_at"], AbsenceReason(r["reason"]))
        for r in rows
        if r["ends_at"] > r["starts_at"]
    ]


async def rooms() -> list[dict[str, Any]]:
    """Every room with its location's name, for choosing where to book."""
    return await Room.select(
        Room.id, Room.name, Room.location._.name.as_alias("location")
    ).order_by(Room.id)


async def weekly_hours(therapist_user_id: int) -> WeeklyHours:
    """The therapist's weekly working hours (local wall-clock ranges per weekday)."""
    rows = await WorkingHours.select().where(WorkingHours.therapist == therapist_user_id)
    return WeeklyHours.from_stored((int(r["weekday"]), r["starts"], r["ends"]) for r in rows)


async def absence_list(therapist_user_id: int, since: datetime) -> list[dict[str, Any]]:
    """The therapist's absences that end after ``since``, in time order (for the settings)."""
    return await (
        TherapistAbsence.select(
            TherapistAbsence.id,
            TherapistAbsence.starts_at,
            TherapistAbsence.ends_at,
            TherapistAbsence.reason,
        )
        .where(
            (TherapistAbsence.therapist == therapist_user_id) & (TherapistAbsence.ends_at > since)
        )
        .order_by(TherapistAbsence.starts_at)
    )


async def closing_days(first: date, last: date) -> dict[date, str]:
    """The practice's closing days from ``first`` to ``last`` with their reasons."""
    rows = await ClosingDay.select(ClosingDay.day, ClosingDay.reason).where(
        (ClosingDay.day >= first) & (ClosingDay.day <= last)
    )
    return {row["day"]: str(row["reason"] or "") for row in rows}
