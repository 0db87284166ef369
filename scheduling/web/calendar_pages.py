"""The week calendar to work in: a time grid with the working hours, absences and closing
days, a free slot to click to book, the alignment meetings that are due; and the settings
behind it (working hours and absences of the therapist, the practice's closing days).

Each form posts the JSON door's request type (``scheduling.web.api``) through
``practice.web.forms.form_struct``; a refused form shows its page again with the problem
next to the field and what was typed kept.
"""

import itertools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from practice.errors import Conflict, InvalidInput, Message
from practice.platform.clock import today_in
from practice.platform.i18n import gettext as _
from practice.queries.caseload import caseload
from practice.web.forms import FormData, flat, form_struct
from practice.web.portal import actor_of, page
from scheduling.calendars import AbsenceReason, WeeklyHours
from scheduling.queries import appointments as queries
from scheduling.queries import availability as availability_queries
from scheduling.queries.proposals import MEETING_MINUTES, calendar_proposals, suggested_time
from scheduling.services import availability as availability_services
from scheduling.services import booking as services
from scheduling.services.booking import Booking
from scheduling.web.api import STAFF, THERAPIST, AbsenceIn, AppointmentIn, ClosingDayIn, HoursIn
from scheduling.web.api import _writer as episode_writer
from scheduling.week_grid import week_grid

# How far back and ahead the settings page lists absences and closing days.
LISTED_DAYS = 400
_CLOCK = re.compile(r"^\d{2}:\d{2}$")


def said(message: str) -> str:
    """A domain message in the reader's language (its values filled in after translating)."""
    if isinstance(message, Message):
        return _(message.id) % {k: str(v) for k, v in message.params.items()}
    return _(message)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def back_to_calendar(day: date | None = None) -> Redirect:
    """The week that holds ``day`` (this week without one)."""
    path = "/calendar" if day is None else f"/calendar?start={monday_of(day).isoformat()}"
    return Redirect(path=path, status_code=303)


# ---------------------------------------------------------------- the week


@get("/calendar", opt=THERAPIST, include_in_schema=False)
async def week_page(
    request: Request[Any, Any, Any], start: FromQuery[date | None] = None
) -> Template:
    """The therapist's week, Monday to Sunday, as a time grid."""
    tz: ZoneInfo = request.app.state.settings.time_zone
    today = today_in(tz)
    monday = monday_of(start or today)
    begin = datetime.combine(monday, time(0), tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tz)
    actor = actor_of(request)
    therapist = actor.user_id or 0
    now = datetime.now(UTC)
    rows = await queries.appointments_between(actor, therapist, begin, end, tz)
    hours = await availability_queries.weekly_hours(therapist)
    grid = week_grid(
        monday,
        today=today,
        now=now,
        tz=tz,
        hours=hours,
        absences=await availability_queries.therapist_absences(therapist, begin, end),
        working_days=await availability_queries.working_days(),
        closing_reasons=await availability_queries.closing_days(monday, monday + timedelta(days=6)),
        appointments=rows,
    )
    proposals = await calendar_proposals(actor, today, tz)
    for proposal in proposals:
        proposal["suggested"] = await suggested_time(therapist, proposal["due_on"], today, now, tz)
    return page(
        request,
        "scheduling/week.html",
        grid=grid,
        monday=monday,
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        today=today,
        has_hours=any(hours.ranges_on(d) for d in range(7)),
        proposals=proposals,
        due_on={p["due_on"]: p for p in proposals if p["due_on"]},
        meeting_minutes=MEETING_MINUTES,
    )


# ---------------------------------------------------------------- booking a free slot


async def _booking_page(
    request: Request[Any, Any, Any],
    starts_at: datetime | None,
    values: Mapping[str, str],
    problems: Mapping[str, str],
    message: str = "",
    status: int = 200,
) -> Template:
    tz: ZoneInfo = request.app.state.settings.time_zone
    clients = await caseload(actor_of(request), today_in(tz), tz)
    return page(
        request,
        "scheduling/book.html",
        status=status,
        starts_at=starts_at,
        clients=clients,
        values=values,
        problems=problems,
        message=message,
    )


def _local_moment(value: str | None, tz: ZoneInfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


@get("/calendar/book", opt=THERAPIST, include_in_schema=False)
async def booking_page(
    request: Request[Any, Any, Any],
    starts_at: FromQuery[str | None] = None,
    episode: FromQuery[int | None] = None,
) -> Template:
    """A free slot clicked in the week: choose the client and the kind, then book."""
    tz: ZoneInfo = request.app.state.settings.time_zone
    moment = _local_moment(starts_at, tz)
    values = {
        "starts_at": moment.strftime("%Y-%m-%dT%H:%M") if moment else "",
        "episode_id": str(episode or ""),
        "kind": "treatment_session",
        "duration_minutes": "45",
    }
    return await _booking_page(request, moment, values, {})


@post("/calendar/book", opt=THERAPIST, include_in_schema=False)
async def book_slot(request: Request[Any, Any, Any], data: FormData) -> Redirect | Template:
    """Book the slot for the chosen client (the JSON door's request type), back to its week;
    a refusal (taken meanwhile, a holiday) shows the form again saying why."""
    tz: ZoneInfo = request.app.state.settings.time_zone
    values = flat(data)
    raw_episode = values.pop("episode_id", "")
    fields = {k: v for k, v in values.items() if k != "episode_id"}
    moment = _local_moment(values.get("starts_at"), tz)
    if not raw_episode.isdigit():
        problems = {"episode_id": _("Choose a client.")}
        return await _booking_page(request, moment, values | {"episode_id": ""}, problems, "", 400)
    episode_id = int(raw_episode)
    values["episode_id"] = raw_episode
    actor = await episode_writer(request, episode_id)
    try:
        form = form_struct(AppointmentIn, fields, tz=tz)
        booking = Booking(
            episode_id=episode_id,
            therapist_user_id=actor.user_id or 0,
            kind=form.kind,
            duration_minutes=form.duration_minutes,
            online=form.online,
        )
        new_id = await services.book(actor, booking, form.starts_at, tz, request.app.state.queue)
    except InvalidInput as exc:
        problems = {name: said(problem) for name, problem in exc.fields.items()}
        return await _booking_page(request, moment, values, problems, "", 400)
    except Conflict as exc:
        return await _booking_page(request, moment, values, {}, said(exc.message), 409)
    if await services.late_screenings(episode_id, [(new_id, form.kind, form.starts_at)], tz):
        # Booked, but after the screening deadline: its page says how late, and why.
        return Redirect(path=f"/appointments/{new_id}", status_code=303)
    return back_to_calendar(form.starts_at.astimezone(tz).date())


# ---------------------------------------------------------------- the settings


async def _settings_page(
    request: Request[Any, Any, Any],
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
    form: str = "",
    status: int = 200,
) -> Template:
    tz: ZoneInfo = request.app.state.settings.time_zone
    therapist = actor_of(request).user_id or 0
    today = today_in(tz)
    hours = await availability_queries.weekly_hours(therapist)
    monday = monday_of(today)
    typed = dict(values or {})
    if form != "hours":  # the stored hours, unless the hours form was refused
        for weekday in range(7):
            for n, (starts, ends) in enumerate(hours.ranges_on(weekday)[:2]):
                suffix = "" if n == 0 else "2"
                typed[f"starts{suffix}_{weekday}"] = starts.strftime("%H:%M")
                typed[f"ends{suffix}_{weekday}"] = ends.strftime("%H:%M")
    absences = await availability_queries.absence_list(
        therapist, datetime.combine(today - timedelta(days=30), time(0), tz)
    )
    return page(
        request,
        "scheduling/settings.html",
        status=status,
        weekdays=[(i, monday + timedelta(days=i)) for i in range(7)],
        values=typed,
        problems=problems or {},
        form=form,
        absences=[
            {
                **a,
                "starts_at": a["starts_at"].astimezone(tz),
                "ends_at": a["ends_at"].astimezone(tz),
            }
            for a in absences
        ],
        reasons=[r.value for r in AbsenceReason],
        closing_days=sorted(
            (
                await availability_queries.closing_days(
                    today - timedelta(days=30), today + timedelta(days=LISTED_DAYS)
                )
            ).items()
        ),
    )


@get("/calendar/settings", opt=THERAPIST, include_in_schema=False)
async def settings_page(request: Request[Any, Any, Any]) -> Template:
    """Working hours and absences, written and shown back; the practice's closing days."""
    return await _settings_page(request)


def _hours_from(values: Mapping[str, str]) -> tuple[list[HoursIn], dict[str, str]]:
    ranges: list[HoursIn] = []
    problems: dict[str, str] = {}
    for weekday in range(7):
        for suffix in ("", "2"):
            starts = values.get(f"starts{suffix}_{weekday}", "").strip()
            ends = values.get(f"ends{suffix}_{weekday}", "").strip()
            if not starts and not ends:
                continue
            if not starts or not ends:
                problems[f"{'ends' if starts else 'starts'}{suffix}_{weekday}"] = _(
                    "Fill in both times, or neither for a day off."
                )
                continue
            try:
                hours = form_struct(
                    HoursIn,
                    {
                        "weekday": str(weekday),
                        "starts": starts + ":00" if _CLOCK.match(starts) else starts,
                        "ends": ends + ":00" if _CLOCK.match(ends) else ends,
                    },
                )
            except InvalidInput as exc:
                for name in exc.fields:
                    problems[f"{name}{suffix}_{weekday}"] = _("Enter a time, e.g. 09:00.")
                continue
            if hours.ends <= hours.starts:
                problems[f"ends{suffix}_{weekday}"] = _("The end lies after the start.")
                continue
            ranges.append(hours)
    if not problems:
        by_day: dict[int, list[tuple[time, time]]] = {}
        for h in ranges:
            by_day.setdefault(h.weekday, []).append((h.starts, h.ends))
        try:
            WeeklyHours(by_day)
        except ValueError:
            problems["starts2_" + str(_overlapping_day(by_day))] = _(
                "The two ranges of a day may not overlap."
            )
    return ranges, problems


def _overlapping_day(by_day: Mapping[int, list[tuple[time, time]]]) -> int:
    for weekday, ranges in by_day.items():
        ordered = sorted(ranges)
        if any(b[0] < a[1] for a, b in itertools.pairwise(ordered)):
            return weekday
    return 0


@post("/calendar/working-hours", opt=THERAPIST, include_in_schema=False)
async def save_working_hours(
    request: Request[Any, Any, Any], data: FormData
) -> Redirect | Template:
    """The week's working hours (up to two ranges a day); an empty day is a day off."""
    values = flat(data)
    ranges, problems = _hours_from(values)
    if problems:
        return await _settings_page(request, values, problems, "hours", 400)
    actor = actor_of(request)
    await availability_services.set_working_hours(
        actor,
        therapist_user_id=actor.user_id or 0,
        ranges=[(h.weekday, h.starts, h.ends) for h in ranges],
    )
    return Redirect(path="/calendar/settings#hours-title", status_code=303)


@post("/calendar/absences", opt=THERAPIST, include_in_schema=False)
async def add_absence(request: Request[Any, Any, Any], data: FormData) -> Redirect | Template:
    """Leave or illness: no bookings then; shown in the week and listed on the settings."""
    tz: ZoneInfo = request.app.state.settings.time_zone
    values = flat(data)
    actor = actor_of(request)
    try:
        form = form_struct(AbsenceIn, data, tz=tz)
        if form.ends_at <= form.starts_at:
            raise InvalidInput({"ends_at": _("The end lies after the start.")})
        await availability_services.add_absence(
            actor, therapist_user_id=actor.user_id or 0, **msgspec.structs.asdict(form)
        )
    except InvalidInput as exc:
        problems = {name: said(problem) for name, problem in exc.fields.items()}
        return await _settings_page(request, values, problems, "absence", 400)
    return Redirect(path="/calendar/settings#absences-title", status_code=303)


# ---------------------------------------------------------------- closing days (practice-wide)


async def _closing_page(
    request: Request[Any, Any, Any],
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
    status: int = 200,
) -> Template:
    today = today_in(request.app.state.settings.time_zone)
    days = await availability_queries.closing_days(
        today - timedelta(days=30), today + timedelta(days=LISTED_DAYS)
    )
    return page(
        request,
        "scheduling/closing-days.html",
        status=status,
        closing_days=sorted(days.items()),
        values=values or {},
        problems=problems or {},
    )


@get("/calendar/closing-days", opt=STAFF, include_in_schema=False)
async def closing_days_page(request: Request[Any, Any, Any]) -> Template:
    """The practice's closing days on top of the public holidays (no bookings then)."""
    return await _closing_page(request)


@post("/calendar/closing-days", opt=STAFF, include_in_schema=False)
async def add_closing_day(request: Request[Any, Any, Any], data: FormData) -> Redirect | Template:
    values = flat(data)
    try:
        form = form_struct(ClosingDayIn, data)
    except InvalidInput as exc:
        return await _closing_page(request, values, exc.fields, 400)
    await availability_services.add_closing_day(actor_of(request), day=form.day, reason=form.reason)
    return Redirect(path="/calendar/closing-days", status_code=303)


HANDLERS = [
    week_page,
    booking_page,
    book_slot,
    settings_page,
    save_working_hours,
    add_absence,
    closing_days_page,
    add_closing_day,
]
