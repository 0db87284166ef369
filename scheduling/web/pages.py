"""The therapist's pages of time: the week calendar; booking and attendance on the client page.

Forms post the JSON doors' request types (``practice.web.forms``); a time from the browser
has no zone, so it is read in the practice's time zone.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from practice.audit.trail import Actor
from practice.platform.clock import today_in
from practice.web.episode_page import EpisodeSection, back_to_episode
from practice.web.forms import FormData, form_struct
from practice.web.portal import actor_of, page
from scheduling.queries import appointments as queries
from scheduling.services import attendance
from scheduling.services import booking as services
from scheduling.services.booking import Booking
from scheduling.web.api import THERAPIST, AttendanceIn, _writer, episode_of

# A long treatment (or a data migration) can hold hundreds of appointments; the page shows
# the latest ones and links to the whole list, so it stays quick to load and to read.
LATEST_APPOINTMENTS = 30


async def appointments_section(
    actor: Actor, episode_id: int, client_id: int, today: date, tz: ZoneInfo, everything: bool
) -> dict[str, Any]:
    """The client page's sessions: booked, held, cancelled; the booking form."""
    latest = None if everything else LATEST_APPOINTMENTS
    appointments = await queries.episode_appointments(
        actor, episode_id, client_id, tz, latest=latest
    )
    return {
        "appointments": appointments,
        "counts": await queries.appointment_counts(episode_id),
        "notes": await attendance.session_notes(episode_id, [a["id"] for a in appointments]),
        "episode_id": episode_id,
        "today": today,
    }


SECTION = EpisodeSection("scheduling/episode-appointments.html", appointments_section)


class BookingForm(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    starts_at: datetime
    duration_minutes: int = 45
    count: int = 1
    every_weeks: int = 1
    online: bool = False


@post("/episodes/{episode_id:int}/appointments", opt=THERAPIST, include_in_schema=False)
async def book(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """One appointment or a weekly series; a refused occurrence is shown with its reason."""
    actor = await _writer(request, episode_id)
    tz: ZoneInfo = request.app.state.settings.time_zone
    form = form_struct(BookingForm, data, tz=tz)
    starts_at = form.starts_at
    booking = Booking(
        episode_id=episode_id,
        therapist_user_id=actor.user_id or 0,
        kind=form.kind,
        duration_minutes=form.duration_minutes,
        online=form.online,
    )
    queue = request.app.state.queue
    if form.count == 1:
        await services.book(actor, booking, starts_at, tz, queue)
        return back_to_episode(episode_id)
    result = await services.book_series(
        actor, booking, starts_at, form.count, form.every_weeks, tz, queue
    )
    if not result.refused:
        return back_to_episode(episode_id)
    return page(
        request,
        "scheduling/series-result.html",
        episode_id=episode_id,
        booked=[s.astimezone(tz) for _, s in result.booked],
        refused=[(s.astimezone(tz), reason, holiday) for s, reason, holiday in result.refused],
    )


@post("/appointments/{appointment_id:int}/attendance", opt=THERAPIST, include_in_schema=False)
async def record_attendance(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: FormData
) -> Redirect:
    episode_id = await episode_of(appointment_id)
    actor = await _writer(request, episode_id)
    form = form_struct(AttendanceIn, data)
    await attendance.record_attendance(
        actor,
        appointment_id=appointment_id,
        attendance=form.attendance,
        tz=request.app.state.settings.time_zone,
        reason=form.reason,
        queue=request.app.state.queue,
    )
    return back_to_episode(episode_id)


class NotesForm(msgspec.Struct, forbid_unknown_fields=True):
    notes: str = ""


@post("/appointments/{appointment_id:int}/notes", opt=THERAPIST, include_in_schema=False)
async def record_notes(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: FormData
) -> Redirect:
    """Session notes from the client page; emptying the field removes them."""
    episode_id = await episode_of(appointment_id)
    actor = await _writer(request, episode_id)
    form = form_struct(NotesForm, data)
    await attendance.record_notes(actor, appointment_id=appointment_id, notes=form.notes)
    return back_to_episode(episode_id)


@get("/calendar", opt=THERAPIST, include_in_schema=False)
async def week_page(
    request: Request[Any, Any, Any], start: FromQuery[date | None] = None
) -> Template:
    """The therapist's week, Monday to Sunday, with links to each client."""
    tz: ZoneInfo = request.app.state.settings.time_zone
    today = today_in(tz)
    first = start or today
    monday = first - timedelta(days=first.weekday())
    begin = datetime.combine(monday, time(0), tz)
    actor = actor_of(request)
    rows = await queries.appointments_between(
        actor, actor.user_id or 0, begin, begin + timedelta(days=7), tz
    )
    days = [monday + timedelta(days=i) for i in range(7)]
    return page(
        request,
        "scheduling/week.html",
        days=days,
        by_day={d: [r for r in rows if r["starts_at"].date() == d] for d in days},
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        today=today,
    )


router = Router(path="/", route_handlers=[book, record_attendance, record_notes, week_page])
