"""What a booking reads about availability: the practice's working days, a therapist's
absences and the rooms to book (all set through ``scheduling.services.availability``)."""

from datetime import datetime
from typing import Any

from practice.working_days import WorkingDays
from scheduling.calendars import Absence, AbsenceReason
from scheduling.tables import ClosingDay, Room, TherapistAbsence


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
    return [Absence(r["starts_at"], r["ends_at"], AbsenceReason(r["reason"])) for r in rows]


async def rooms() -> list[dict[str, Any]]:
    """Every room with its location's name, for choosing where to book."""
    return await Room.select(
        Room.id, Room.name, Room.location._.name.as_alias("location")
    ).order_by(Room.id)
