"""When a therapist can be booked: working hours, absences, the practice's closing days
(and so its working days), and the locations and rooms.

Apart from booking because these are set by the practice manager and only read by a
booking; nothing here books or moves an appointment.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from practice import timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import Conflict, InvalidInput, Message, one_of
from practice.platform.db import write_tx
from practice.tables import User
from scheduling.calendars import AbsenceReason
from scheduling.tables import ClosingDay, Location, Room, TherapistAbsence, WorkingHours

ROOM_NAME_LENGTH = 100  # scheduling.tables.Room.name


async def set_working_hours(
    actor: Actor, *, therapist_user_id: int, ranges: Sequence[tuple[int, time, time]]
) -> None:
    """Replace the therapist's weekly hours (weekday 0 = Monday, local times)."""
    problems: dict[str, str] = {}
    for weekday, starts, ends in ranges:
        if not 0 <= weekday <= 6:
            problems["weekday"] = "0 (Monday) to 6 (Sunday)"
        if ends <= starts:
            problems["ends"] = "after the start"
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        if not await User.exists().where(
            (User.id == therapist_user_id) & (User.role == "therapist")
        ):
            raise InvalidInput({"therapist_user_id": "not a therapist"})
        await WorkingHours.delete().where(WorkingHours.therapist == therapist_user_id)
        for weekday, starts, ends in ranges:
            await WorkingHours.insert(
                WorkingHours(therapist=therapist_user_id, weekday=weekday, starts=starts, ends=ends)
            )
        await audit.record(
            actor, Action.UPDATE, "working_hours", therapist_user_id, purpose="scheduling"
        )


async def add_absence(
    actor: Actor, *, therapist_user_id: int, starts_at: datetime, ends_at: datetime, reason: str
) -> int:
    if reason not in {r.value for r in AbsenceReason}:
        raise InvalidInput({"reason": one_of(r.value for r in AbsenceReason)})
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        raise InvalidInput({"ends_at": "aware times, the end after the start"})
    # The UTC day is near enough for bounds of years.
    today = datetime.now(UTC).date()
    problems = timeline.within_the_practice("starts_at", starts_at.date(), today)
    problems |= timeline.within_the_practice("ends_at", ends_at.date(), today)
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        rows = await TherapistAbsence.insert(
            TherapistAbsence(
                therapist=therapist_user_id,
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason,
            )
        ).returning(TherapistAbsence.id)
        await audit.record(actor, Action.CREATE, "absence", rows[0]["id"], purpose="scheduling")
    return int(rows[0]["id"])


async def create_location(
    actor: Actor, *, name: str, address: str = "", rooms: Sequence[str] = ()
) -> int:
    if not name.strip():
        raise InvalidInput({"name": "required"})
    if any(len(room) > ROOM_NAME_LENGTH for room in rooms):
        raise InvalidInput(
            {"rooms": Message("at most %(count)s characters", count=ROOM_NAME_LENGTH)}
        )
    async with write_tx():
        if await Location.exists().where(Location.name == name.strip()):
            raise Conflict("A location with this name already exists.")
        rows = await Location.insert(Location(name=name.strip(), address=address)).returning(
            Location.id
        )
        location_id = int(rows[0]["id"])
        for room in rooms:
            await Room.insert(Room(location=location_id, name=room))
        await audit.record(actor, Action.CREATE, "location", location_id, purpose="scheduling")
    return location_id


async def add_closing_day(actor: Actor, *, day: date, reason: str = "") -> None:
    problems = timeline.within_the_practice("day", day, datetime.now(UTC).date())
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        await ClosingDay.insert(ClosingDay(day=day, reason=reason)).on_conflict(
            target=ClosingDay.day, action="DO NOTHING"
        )
        await audit.record(actor, Action.CREATE, "closing_day", str(day), purpose="scheduling")
