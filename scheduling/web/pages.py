"""The therapist's pages of time: the client page's sessions section and its forms; the
week calendar, the appointment page and the availability settings live beside it
(``scheduling.web.calendar_pages``, ``scheduling.web.appointment_pages``) and are served by
this module's router.

Forms post the JSON doors' request types (``practice.web.forms``); a time from the browser
has no zone, so it is read in the practice's time zone.
"""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Router, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from practice.audit.trail import Actor
from practice.episodes import ENDED_STATUSES
from practice.errors import Conflict, InvalidInput
from practice.queries.episodes import load_facts
from practice.web.episode_page import refused_on_episode
from practice.web.episode_sections import EpisodeSection, back_to_episode
from practice.web.forms import FormData, form_struct
from practice.web.portal import page
from scheduling.appointments import Attendance, attendance_choices, rebooking_refusal
from scheduling.queries import appointments as queries
from scheduling.queries.proposals import MEETING_MINUTES, due_proposals, suggested_time
from scheduling.services import attendance
from scheduling.services import booking as services
from scheduling.services.booking import Booking
from scheduling.web import appointment_pages, calendar_pages, location_pages
from scheduling.web.api import THERAPIST, AppointmentIn, AttendanceIn, _writer, episode_of

# A long treatment (or a data migration) can hold hundreds of appointments; the page shows
# the latest ones and links to the whole list, so it stays quick to load and to read.
LATEST_APPOINTMENTS = 30
SECTION_NAME = "sessions"


def back_to_sessions(episode_id: int) -> Redirect:
    """After a form of the sessions section: back to that section (post/redirect/get)."""
    return back_to_episode(episode_id, SECTION_NAME)


def back_to(data: FormData, episode_id: int, appointment_id: int | None = None) -> Redirect:
    """Where a form asked to return: the appointment's page, the calendar's week or (by
    default) the client page's sessions. Only these three: never a path from the form."""
    where = data.pop("back", "")
    if isinstance(where, list):
        where = where[-1] if where else ""
    if where == "appointment" and appointment_id is not None:
        return Redirect(path=f"/appointments/{appointment_id}", status_code=303)
    if where.startswith("calendar:"):
        try:
            week = date.fromisoformat(where.removeprefix("calendar:"))
        except ValueError:
            week = None
        return calendar_pages.back_to_calendar(week)
    return back_to_sessions(episode_id)


async def appointments_section(
    actor: Actor, episode_id: int, client_id: int, today: date, tz: ZoneInfo, everything: bool
) -> dict[str, Any]:
    """The client page's sessions: booked, held, cancelled, each with what may be recorded
    now; held sessions against the budget; the alignment meeting where it is due."""
    latest = None if everything else LATEST_APPOINTMENTS
    appointments = await queries.episode_appointments(
        actor, episode_id, client_id, tz, latest=latest
    )
    now = datetime.now(UTC)
    facts = await load_facts([episode_id], tz)
    fact = facts[episode_id][0] if episode_id in facts else None
    ended = fact is not None and fact.status in ENDED_STATUSES
    for a in appointments:
        started = a["starts_at"] <= now
        a["started"] = started
        a["choices"] = [
            c.value for c in attendance_choices(Attendance(a["attendance"]), started=started)
        ]
        refusal = rebooking_refusal(
            a["kind"], a["attendance"], a["rebooked_as"], treatment_ended=ended
        )
        a["rebookable"] = refusal is None
    proposal = (await due_proposals([episode_id], today, tz)).get(episode_id)
    if proposal is not None and actor.user_id is not None:
        proposal["suggested"] = await suggested_time(
            actor.user_id, proposal["due_on"], today, now, tz
        )
    late = await services.late_screenings(
        episode_id, [(a["id"], a["kind"], a["starts_at"]) for a in appointments], tz
    )
    # Appointments still planned after the treatment ended (the follow-ups belong there).
    left_after_end = await queries.left_after_end(episode_id, now) if ended else []
    return {
        "appointments": appointments,
        "late_screenings": late,
        "counts": await queries.appointment_counts(episode_id),
        "counting_held": len(fact.held_session_dates) if fact else 0,
        "budget": fact.sessions_authorised if fact else None,
        "notes": await attendance.session_notes(episode_id, [a["id"] for a in appointments]),
        "requests": await queries.open_request_kinds(episode_id, now),
        "proposal": proposal,
        "meeting_minutes": MEETING_MINUTES,
        "left_after_end": [a.astimezone(tz) for a in left_after_end],
        # Cancelled by the practice, a new date owed (the rebooking task points here); an
        # ended treatment owes none (its task ends with it).
        "to_rebook": [] if ended else await queries.to_rebook(episode_id),
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
    try:
        return await _booked(request, actor, episode_id, data)
    except (InvalidInput, Conflict) as exc:
        # A taken time, a closed day, a time outside opening hours: the sessions section
        # again, with what was typed and the problem next to its field.
        return await refused_on_episode(request, episode_id, SECTION_NAME, data, exc)


async def _booked(
    request: Request[Any, Any, Any], actor: Actor, episode_id: int, data: FormData
) -> Redirect | Template:
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
        new_id = await services.book(actor, booking, starts_at, tz, queue)
        if await services.late_screenings(episode_id, [(new_id, form.kind, starts_at)], tz):
            # Booked, but after the screening deadline: its page says how late, and why.
            return Redirect(path=f"/appointments/{new_id}", status_code=303)
        return back_to_sessions(episode_id)
    result = await services.book_series(
        actor, booking, starts_at, form.count, form.every_weeks, tz, queue
    )
    if not result.refused:
        return back_to_sessions(episode_id)
    return page(
        request,
        "scheduling/series-result.html",
        episode_id=episode_id,
        booked=[s.astimezone(tz) for _, s in result.booked],
        refused=[(s.astimezone(tz), reason, holiday) for s, reason, holiday in result.refused],
    )


@post("/episodes/{episode_id:int}/alignment-meeting", opt=THERAPIST, include_in_schema=False)
async def book_proposal(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """The proposed alignment meeting booked in one click (at the suggested time, or the
    time given): the JSON door's request type with the kind fixed."""
    actor = await _writer(request, episode_id)
    tz: ZoneInfo = request.app.state.settings.time_zone
    redirect = back_to(data, episode_id)
    try:
        form = form_struct(AppointmentIn, data, tz=tz, kind="alignment_meeting")
        booking = Booking(
            episode_id=episode_id,
            therapist_user_id=actor.user_id or 0,
            kind=form.kind,
            duration_minutes=form.duration_minutes,
            online=form.online,
        )
        await services.book(actor, booking, form.starts_at, tz, request.app.state.queue)
    except (InvalidInput, Conflict) as exc:
        # From the client page or the calendar: the sessions section with the proposal,
        # the problem next to the time or above the form, what was typed kept.
        return await refused_on_episode(request, episode_id, SECTION_NAME, data, exc)
    return redirect


@post("/appointments/{appointment_id:int}/attendance", opt=THERAPIST, include_in_schema=False)
async def record_attendance(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """Held, no-show or cancelled (with a reason), from the sessions or the appointment page."""
    episode_id = await episode_of(appointment_id)
    actor = await _writer(request, episode_id)
    redirect = back_to(data, episode_id, appointment_id)
    try:
        form = form_struct(AttendanceIn, data)
        await attendance.record_attendance(
            actor,
            appointment_id=appointment_id,
            attendance=form.attendance,
            tz=request.app.state.settings.time_zone,
            reason=form.reason,
            queue=request.app.state.queue,
            client_told_by_phone=form.client_told_by_phone,
        )
    except (InvalidInput, Conflict) as exc:
        # From the sessions table too: the appointment's own page has the whole form, where
        # the problem stands next to its field and what was typed is kept.
        return await appointment_pages.refused_on_appointment(request, appointment_id, data, exc)
    return redirect


@post(
    "/episodes/{episode_id:int}/appointments/cancellation",
    opt=THERAPIST,
    include_in_schema=False,
)
async def cancel_after_end(request: Request[Any, Any, Any], episode_id: FromPath[int]) -> Redirect:
    """The appointments still planned after the treatment ended, cancelled at once."""
    actor = await _writer(request, episode_id)
    await attendance.cancel_after_end(
        actor,
        episode_id=episode_id,
        tz=request.app.state.settings.time_zone,
        queue=request.app.state.queue,
    )
    return back_to_sessions(episode_id)


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
    return back_to_sessions(episode_id)


router = Router(
    path="/",
    route_handlers=[
        book,
        book_proposal,
        record_attendance,
        cancel_after_end,
        record_notes,
        *calendar_pages.HANDLERS,
        *appointment_pages.HANDLERS,
        *location_pages.HANDLERS,
    ],
)
