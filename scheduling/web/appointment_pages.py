"""One appointment's page: what, when, attendance and its reason, the rebooking chain, the
other participants; and, for its therapist, the forms that act on it: record attendance or
cancel with a reason, move it to another time, rebook a cancelled one, add a participant.

The forms post the JSON doors' request types (``AttendanceIn``, ``RebookIn``,
``ParticipantIn``) through ``practice.web.forms.form_struct``.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from practice.access_policy import Need, decide
from practice.episodes import ENDED_STATUSES
from practice.errors import Conflict, InvalidInput, NotFound
from practice.platform.clock import today_in
from practice.queries import access
from practice.web.forms import FormData, FormState, form_struct, refusal_state, refusal_status
from practice.web.portal import actor_of, page
from scheduling import requests
from scheduling.appointments import (
    AppointmentKind,
    Attendance,
    ParticipantRole,
    attendance_choices,
    cancellation_default,
    rebooking_refusal,
)
from scheduling.queries import appointments as queries
from scheduling.services import attendance as attendance_services
from scheduling.services import booking as services
from scheduling.services import requests as request_services
from scheduling.web.api import THERAPIST, ParticipantIn, RebookIn, Short, _writer, episode_of

# Who else may sit at the table (the client and the therapist are there anyway).
OTHER_PARTICIPANTS = (
    ParticipantRole.MANAGER.value,
    ParticipantRole.HR_ADVISER.value,
    ParticipantRole.COMPANY_DOCTOR.value,
)


def to_appointment(appointment_id: int) -> Redirect:
    return Redirect(path=f"/appointments/{appointment_id}", status_code=303)


@get("/appointments/{appointment_id:int}", opt=THERAPIST, include_in_schema=False)
async def appointment_page(
    request: Request[Any, Any, Any], appointment_id: FromPath[int]
) -> Template:
    """The appointment and what may be done with it now (the therapist of record)."""
    return await render_appointment(request, appointment_id)


async def render_appointment(
    request: Request[Any, Any, Any],
    appointment_id: int,
    *,
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    """The page, or the page again after one of its forms was refused (``form_state``)."""
    actor = actor_of(request)
    tz: ZoneInfo = request.app.state.settings.time_zone
    found = await queries.appointment_detail(actor, appointment_id, tz)
    if found is None:
        raise NotFound("No such appointment.")
    today = today_in(tz)
    held = await access.relation(actor.user_id, int(found["episode"]), today, role=actor.role)
    read_only = actor.role is None or not decide(actor.role, Need.RECORD_WRITE, held)
    now = datetime.now(UTC)
    started = found["starts_at"] <= now
    current = Attendance(found["attendance"])
    late = await services.late_screenings(
        int(found["episode"]), [(appointment_id, found["kind"], found["starts_at"])], tz
    )
    choices = [c.value for c in attendance_choices(current, started=started)]
    can_move = current is Attendance.PLANNED and not started
    can_rebook = (
        rebooking_refusal(
            str(found["kind"]),
            current.value,
            found["rebooked_as"],
            treatment_ended=found["episode_status"] in ENDED_STATUSES,
        )
        is None
    )
    meeting = found["kind"] == AppointmentKind.ALIGNMENT_MEETING.value
    # An open request: the client's words are the forms' default, and keeping it is offered.
    asked = requests.keep_refusal(found["request"], current.value, found["starts_at"], now) is None
    # The forms the page shows now; a refusal of one it no longer shows (rebooked or moved
    # meanwhile, in another tab) is said above them instead of being lost.
    shown = {
        "attendance": bool(choices),
        "move": can_move,
        "rebooking": can_rebook,
        "participants": meeting or bool(found["participants"]),
        "kept": asked,
    }
    extra: dict[str, Any] = {} if form_state is None else {"form_state": form_state}
    action = (form_state.action or "") if form_state is not None else ""
    if form_state is not None and (read_only or not shown.get(action.rsplit("/", 1)[-1])):
        extra["orphan"] = form_state
    return page(
        request,
        "scheduling/appointment.html",
        status,
        a=found,
        read_only=read_only,
        started=started,
        choices=choices,
        can_move=can_move,
        can_rebook=can_rebook,
        meeting=meeting,
        asked=asked,
        reply_max=requests.MESSAGE_MAX,
        cancelled_by=cancellation_default(asked),
        roles=OTHER_PARTICIPANTS,
        late_screening=late.get(appointment_id),
        **extra,
    )


async def refused_on_appointment(
    request: Request[Any, Any, Any],
    appointment_id: int,
    data: FormData,
    exc: InvalidInput | Conflict,
) -> Template:
    """A form of the appointment's page that was refused: the page again, what was typed
    kept, the problem next to its field (400) or above the form (409)."""
    state = refusal_state(request.url.path, data, exc)
    return await render_appointment(
        request, appointment_id, form_state=state, status=refusal_status(exc)
    )


@post("/appointments/{appointment_id:int}/rebooking", opt=THERAPIST, include_in_schema=False)
async def rebook(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """A new time for a cancelled appointment; on to the new appointment's page."""
    actor = await _writer(request, await episode_of(appointment_id))
    tz: ZoneInfo = request.app.state.settings.time_zone
    try:
        form = form_struct(RebookIn, data, tz=tz)
        new_id = await services.rebook(
            actor,
            appointment_id=appointment_id,
            starts_at=form.starts_at,
            tz=tz,
            queue=request.app.state.queue,
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_appointment(request, appointment_id, data, exc)
    return to_appointment(new_id)


class MoveForm(msgspec.Struct, forbid_unknown_fields=True):
    """Rebooking's request type (the new time) with the cancellation's (who, why)."""

    starts_at: datetime
    attendance: str
    reason: Short | None = None
    client_told_by_phone: bool = False


@post("/appointments/{appointment_id:int}/move", opt=THERAPIST, include_in_schema=False)
async def move(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """A planned appointment to another time: cancelled (by whom, why) and rebooked at once."""
    actor = await _writer(request, await episode_of(appointment_id))
    tz: ZoneInfo = request.app.state.settings.time_zone
    try:
        form = form_struct(MoveForm, data, tz=tz)
        new_id = await services.move(
            actor,
            appointment_id=appointment_id,
            starts_at=form.starts_at,
            cancelled_by=form.attendance,
            reason=form.reason,
            tz=tz,
            queue=request.app.state.queue,
            client_told_by_phone=form.client_told_by_phone,
        )
    except (InvalidInput, Conflict) as exc:
        # A taken time, a closed day, nobody chosen: the page again, the new time kept.
        return await refused_on_appointment(request, appointment_id, data, exc)
    return to_appointment(new_id)


@post("/appointments/{appointment_id:int}/participants", opt=THERAPIST, include_in_schema=False)
async def add_participant(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """A manager, HR adviser or company doctor at the table, required or optional."""
    actor = await _writer(request, await episode_of(appointment_id))
    try:
        form = form_struct(ParticipantIn, data)
        await attendance_services.add_participant(
            actor,
            appointment_id=appointment_id,
            tz=request.app.state.settings.time_zone,
            queue=request.app.state.queue,
            **msgspec.structs.asdict(form),
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_appointment(request, appointment_id, data, exc)
    return Redirect(path=f"/appointments/{appointment_id}#participants-title", status_code=303)


class KeptForm(msgspec.Struct, forbid_unknown_fields=True):
    reply: str = ""


@post("/appointments/{appointment_id:int}/kept", opt=THERAPIST, include_in_schema=False)
async def keep(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """The client's request answered by keeping the appointment, with words for the client."""
    actor = await _writer(request, await episode_of(appointment_id))
    try:
        form = form_struct(KeptForm, data)
        await request_services.keep(
            actor,
            appointment_id=appointment_id,
            reply=form.reply,
            settings=request.app.state.settings,
            queue=request.app.state.queue,
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_appointment(request, appointment_id, data, exc)
    return Redirect(path=f"/appointments/{appointment_id}#client-request", status_code=303)


HANDLERS = [appointment_page, rebook, move, add_participant, keep]
