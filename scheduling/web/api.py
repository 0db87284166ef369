"""JSON API of time: booking, attendance, calendars, free slots, availability and feeds."""

import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Response, Router, delete, get, post, put
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from practice.access_policy import Need, overview_only
from practice.accounts import Role
from practice.audit.trail import Actor
from practice.deadlines import Lateness
from practice.errors import InvalidInput, NotFound
from practice.platform.clock import today_in
from practice.platform.settings import Settings
from practice.queries.access import authorize_read
from practice.queries.episodes import access_episode
from practice.web.auth import PUBLIC, roles
from practice.web.portal import actor_of
from scheduling.queries import appointments as queries
from scheduling.queries import availability as availability_queries
from scheduling.services import attendance as attendance_services
from scheduling.services import availability as availability_services
from scheduling.services import booking as services
from scheduling.services import feeds
from scheduling.services.booking import Booking

THERAPIST = roles(Role.THERAPIST)
STAFF = roles(Role.ADMINISTRATOR, Role.PRACTICE_MANAGER)
Short = Annotated[str, msgspec.Meta(max_length=500)]


def _context(request: Request[Any, Any, Any]) -> tuple[Actor, Settings]:
    return actor_of(request), request.app.state.settings


async def _writer(request: Request[Any, Any, Any], episode_id: int) -> Actor:
    actor, settings = _context(request)
    await access_episode(actor, episode_id, today_in(settings.time_zone), write=True)
    return actor


async def episode_of(appointment_id: int) -> int:
    """The episode an appointment belongs to; 404 for an unknown appointment."""
    episode_id = await queries.episode_of_appointment(appointment_id)
    if episode_id is None:
        raise NotFound("No such appointment.")
    return episode_id


class AppointmentIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    starts_at: datetime
    duration_minutes: int = 45
    room_id: int | None = None
    online: bool = False
    video_link: Short | None = None


class Created(msgspec.Struct):
    id: int


class WarningOut(msgspec.Struct):
    """A deadline missed by what was just written: it went through, and this says why it is
    late (deadlines warn, never block)."""

    code: str
    reason: str
    due_on: date
    days_late: int
    working_days_late: int


class Booked(msgspec.Struct):
    id: int
    warnings: list[WarningOut]


LATE_SCREENING = "screening_after_deadline"


def late_screening_warning(late: Lateness) -> WarningOut:
    """The JSON form of a screening booked after its deadline, its reason in words."""
    reason = (
        f"the screening is booked on {late.on}, after its deadline of {late.due_on}:"
        f" {late.days} days ({late.working_days} working days) late"
    )
    return WarningOut(LATE_SCREENING, reason, late.due_on, late.days, late.working_days)


async def booked(appointment_id: int, episode_id: int, kind: str, starts_at: datetime,
                 tz: ZoneInfo) -> Booked:  # fmt: skip
    """The booking's answer: its id and the warnings it raised."""
    late = await services.late_screenings(episode_id, [(appointment_id, kind, starts_at)], tz)
    return Booked(appointment_id, [late_screening_warning(x) for x in late.values()])


@post("/api/episodes/{episode_id:int}/appointments", opt=THERAPIST)
async def book(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[AppointmentIn]
) -> Booked:
    """Book one appointment; 409 names a clash, a holiday or an absence. A screening after
    its deadline is booked all the same, with a warning saying how late it is."""
    actor = await _writer(request, episode_id)
    settings: Settings = request.app.state.settings
    booking = Booking(
        episode_id=episode_id,
        therapist_user_id=actor.user_id or 0,
        kind=data.kind,
        duration_minutes=data.duration_minutes,
        room_id=data.room_id,
        online=data.online,
        video_link=data.video_link,
    )
    tz = settings.time_zone
    new_id = await services.book(actor, booking, data.starts_at, tz, request.app.state.queue)
    return await booked(new_id, episode_id, data.kind, data.starts_at, tz)


class SeriesIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    first_starts_at: datetime
    count: int
    every_weeks: int = 1
    duration_minutes: int = 45
    room_id: int | None = None
    online: bool = False
    video_link: Short | None = None


class BookedOut(msgspec.Struct):
    id: int
    starts_at: datetime


class RefusedOut(msgspec.Struct):
    starts_at: datetime
    reason: str
    holiday: str | None


class SeriesOut(msgspec.Struct):
    booked: list[BookedOut]
    refused: list[RefusedOut]


@post("/api/episodes/{episode_id:int}/appointment-series", opt=THERAPIST)
async def book_series(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[SeriesIn]
) -> SeriesOut:
    """A recurring series (e.g. weekly × 8): each occurrence booked or refused with a reason."""
    actor = await _writer(request, episode_id)
    settings: Settings = request.app.state.settings
    booking = Booking(
        episode_id=episode_id,
        therapist_user_id=actor.user_id or 0,
        kind=data.kind,
        duration_minutes=data.duration_minutes,
        room_id=data.room_id,
        online=data.online,
        video_link=data.video_link,
    )
    result = await services.book_series(
        actor,
        booking,
        data.first_starts_at,
        data.count,
        data.every_weeks,
        settings.time_zone,
        request.app.state.queue,
    )
    tz = settings.time_zone
    return SeriesOut(
        booked=[BookedOut(id=i, starts_at=s.astimezone(tz)) for i, s in result.booked],
        refused=[
            RefusedOut(starts_at=s.astimezone(tz), reason=r, holiday=h)
            for s, r, h in result.refused
        ],
    )


@get(
    "/api/episodes/{episode_id:int}/appointments",
    opt=roles(Role.THERAPIST, Role.PRACTICE_MANAGER, need=Need.OVERVIEW_READ),
)
async def list_appointments(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> list[dict[str, Any]]:
    actor, settings = _context(request)
    client_id, level = await authorize_read(actor, episode_id, today_in(settings.time_zone))
    rows = await queries.episode_appointments(actor, episode_id, client_id, settings.time_zone)
    return rows if level is Need.RECORD_READ else overview_only(rows)


class AttendanceIn(msgspec.Struct, forbid_unknown_fields=True):
    attendance: str
    reason: Short | None = None
    # A practice cancellation the therapist already told the client by phone: no e-mail.
    client_told_by_phone: bool = False


@post("/api/appointments/{appointment_id:int}/attendance", opt=THERAPIST, status_code=200)
async def attendance(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: JSONBody[AttendanceIn]
) -> Created:
    """Held, cancelled (by client or practice) or no-show; only held sessions count. A
    practice cancellation e-mails the client unless ``client_told_by_phone``."""
    actor = await _writer(request, await episode_of(appointment_id))
    await attendance_services.record_attendance(
        actor,
        appointment_id=appointment_id,
        attendance=data.attendance,
        tz=request.app.state.settings.time_zone,
        reason=data.reason,
        queue=request.app.state.queue,
        client_told_by_phone=data.client_told_by_phone,
    )
    return Created(appointment_id)


@get("/api/calendar", opt=THERAPIST)
async def week(
    request: Request[Any, Any, Any], start: FromQuery[date], days: FromQuery[int] = 7
) -> list[dict[str, Any]]:
    """The therapist's appointments from ``start`` for ``days`` days (week or day view)."""
    if not 1 <= days <= 31:
        raise InvalidInput({"days": "between 1 and 31"})
    actor, settings = _context(request)
    tz = settings.time_zone
    begin = datetime.combine(start, time(0), tz)
    return await queries.appointments_between(
        actor, actor.user_id or 0, begin, begin + timedelta(days=days), tz
    )


class SlotOut(msgspec.Struct):
    starts_at: datetime
    ends_at: datetime


@get("/api/free-slots", opt=THERAPIST)
async def slots(
    request: Request[Any, Any, Any],
    start: FromQuery[date],
    days: FromQuery[int] = 7,
    minutes: FromQuery[int] = 45,
) -> list[SlotOut]:
    """Free start times within the therapist's working hours."""
    if not 1 <= days <= 31 or not 10 <= minutes <= 480:
        raise InvalidInput({"days": "1 to 31", "minutes": "10 to 480"})
    actor, settings = _context(request)
    found = await queries.therapist_free_slots(
        actor.user_id or 0,
        start,
        start + timedelta(days=days - 1),
        timedelta(minutes=minutes),
        datetime.now(UTC),
        settings.time_zone,
    )
    tz = settings.time_zone
    return [SlotOut(s.start.astimezone(tz), s.end.astimezone(tz)) for s in found]


class HoursIn(msgspec.Struct, forbid_unknown_fields=True):
    weekday: int
    starts: time
    ends: time


@put("/api/working-hours", opt=THERAPIST)
async def working_hours(request: Request[Any, Any, Any], data: JSONBody[list[HoursIn]]) -> None:
    """Replace the therapist's own weekly working hours (local times)."""
    actor, _ = _context(request)
    await availability_services.set_working_hours(
        actor,
        therapist_user_id=actor.user_id or 0,
        ranges=[(h.weekday, h.starts, h.ends) for h in data],
    )


class AbsenceIn(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: datetime
    ends_at: datetime
    reason: str


@post("/api/absences", opt=THERAPIST)
async def absence(request: Request[Any, Any, Any], data: JSONBody[AbsenceIn]) -> Created:
    """The therapist's own leave or illness."""
    actor, _ = _context(request)
    return Created(
        await availability_services.add_absence(
            actor, therapist_user_id=actor.user_id or 0, **msgspec.structs.asdict(data)
        )
    )


class ClosingDayIn(msgspec.Struct, forbid_unknown_fields=True):
    day: date
    reason: Short = ""


@post("/api/closing-days", opt=STAFF, status_code=200)
async def closing_day(request: Request[Any, Any, Any], data: JSONBody[ClosingDayIn]) -> None:
    """A practice closing day on top of the Dutch public holidays."""
    actor, _ = _context(request)
    await availability_services.add_closing_day(actor, day=data.day, reason=data.reason)


class FeedOut(msgspec.Struct):
    url: str


class RebookIn(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: datetime


@post("/api/appointments/{appointment_id:int}/rebooking", opt=THERAPIST)
async def rebook(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: JSONBody[RebookIn]
) -> Booked:
    """A new date for a cancelled appointment (closes the rebooking task); a screening
    rebooked after its deadline carries a warning, as a booking does."""
    episode_id = await episode_of(appointment_id)
    actor = await _writer(request, episode_id)
    tz = request.app.state.settings.time_zone
    new_id = await services.rebook(
        actor,
        appointment_id=appointment_id,
        starts_at=data.starts_at,
        tz=tz,
        queue=request.app.state.queue,
    )
    kind = await queries.kind_of_appointment(new_id)
    return await booked(new_id, episode_id, kind or "", data.starts_at, tz)


class ParticipantIn(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    name: Short
    email: Short | None = None
    required: bool = True
    user_id: int | None = None


@post("/api/appointments/{appointment_id:int}/participants", opt=THERAPIST)
async def participant(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: JSONBody[ParticipantIn]
) -> Created:
    """Add a manager, HR adviser or company doctor (required or optional) to an appointment."""
    actor = await _writer(request, await episode_of(appointment_id))
    return Created(
        await attendance_services.add_participant(
            actor,
            appointment_id=appointment_id,
            tz=request.app.state.settings.time_zone,
            queue=request.app.state.queue,
            **msgspec.structs.asdict(data),
        )
    )


class LocationIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Short
    address: Short = ""
    rooms: list[Short] = []


@post("/api/locations", opt=STAFF)
async def location(request: Request[Any, Any, Any], data: JSONBody[LocationIn]) -> Created:
    """A practice location with its rooms."""
    actor, _ = _context(request)
    return Created(
        await availability_services.create_location(
            actor, name=data.name, address=data.address, rooms=data.rooms
        )
    )


@get("/api/locations", opt=roles(Role.THERAPIST, Role.ADMINISTRATOR, Role.PRACTICE_MANAGER))
async def locations() -> list[dict[str, Any]]:
    """Locations and rooms, for choosing where to book."""
    return await availability_queries.rooms()


@post("/api/calendar-feed", opt=THERAPIST)
async def create_feed(request: Request[Any, Any, Any]) -> FeedOut:
    """A secret iCalendar URL for the therapist's own calendar; shown once."""
    actor, settings = _context(request)
    token = secrets.token_urlsafe(32)
    await feeds.create_feed(actor.user_id, token)
    return FeedOut(url=settings.link(f"/calendar/{token}.ics"))


@delete("/api/calendar-feed", opt=THERAPIST)
async def revoke_feeds(request: Request[Any, Any, Any]) -> None:
    """Revoke every feed URL of the therapist (e.g. a lost phone)."""
    actor, _ = _context(request)
    await feeds.revoke_feeds(actor.user_id)


@get("/calendar/{token:str}", opt=PUBLIC, include_in_schema=False)
async def feed(token: FromPath[str]) -> Response[str]:
    """The feed itself: the token is the credential, so the URL is not logged in full."""
    body = await queries.feed_ics(token.removesuffix(".ics"))
    if body is None:
        raise NotFoundException()
    return Response(body, media_type="text/calendar")  # Litestar adds "; charset=utf-8"


router = Router(
    path="/",
    route_handlers=[
        book,
        book_series,
        list_appointments,
        attendance,
        rebook,
        participant,
        location,
        locations,
        week,
        slots,
        working_hours,
        absence,
        closing_day,
        create_feed,
        revoke_feeds,
        feed,
    ],
)
