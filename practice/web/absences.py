"""Doors of the absence record: JSON for other systems, forms for the portal, one page.

The record is kept by the therapist and the company doctor of the case
(``Need.ABSENCE_READ`` / ``ABSENCE_WRITE`` in ``practice.access_policy``; the relation guard
decides before the body is read). The therapist edits it in the client page's work section;
the company doctor on the record's own page (``/episodes/{id}/absence-record``), linked from
their inbox. A form goes back where it came from, or comes back refused with each problem
next to its field.
"""

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT

from practice.access_policy import Need
from practice.accounts import Role
from practice.errors import Conflict, DomainError, InvalidInput
from practice.queries import absences as absence_queries
from practice.queries.access import authorize
from practice.services import absences, referrals
from practice.web.auth import roles
from practice.web.episode_common import (
    THERAPIST,
    Done,
    clock,
    episode_writer,
    fields_of,
    request_context,
)
from practice.web.episode_page import refused_on_episode
from practice.web.episode_sections import back_to_episode
from practice.web.errors import invalid_status
from practice.web.forms import FormData, FormState, form_struct, refused
from practice.web.portal import page

READ = roles(Role.THERAPIST, Role.COMPANY_DOCTOR, need=Need.ABSENCE_READ)
WRITE = roles(Role.THERAPIST, Role.COMPANY_DOCTOR, need=Need.ABSENCE_WRITE)
Cause = Annotated[str, msgspec.Meta(max_length=2_000)]


class AbsenceIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new absence; a relapse or chain names the earlier one (previous_id, link_kind)."""

    absence_type: str
    first_sick_day: date
    reported_on: date | None = None
    reported_to: str | None = None
    manager_informed_on: date | None = None
    cause: Cause | None = None
    previous_id: int | None = None
    link_kind: str | None = None


class AbsenceEditIn(msgspec.Struct, forbid_unknown_fields=True):
    """Every field of one absence as the form shows them; a field left out is cleared."""

    first_sick_day: date
    reported_on: date | None = None
    reported_to: str | None = None
    manager_informed_on: date | None = None
    partial_recovery_on: date | None = None
    full_recovery_on: date | None = None
    cause: Cause | None = None
    previous_id: int | None = None
    link_kind: str | None = None


class RecoveryIn(msgspec.Struct, forbid_unknown_fields=True):
    """Partial and/or full recovery; a day left out keeps what was recorded."""

    full_recovery_on: date | None = None
    partial_recovery_on: date | None = None


class LeaveIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    starts_on: date
    ends_on: date | None = None


# ---------------------------------------------------------------- JSON


async def _writer(request: Request[Any, Any, Any], episode_id: int) -> Any:
    actor, today, _ = request_context(request)
    await authorize(actor, episode_id, Need.ABSENCE_WRITE, today)
    return actor


@get("/api/episodes/{episode_id:int}/absences", opt=READ)
async def get_absences(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> dict[str, Any]:
    """The absence record: absences (with the law's periods and their aggregated first sick
    day, the link kinds, the cause), leave, the absence this episode treats."""
    actor, today, _ = request_context(request)
    return await absence_queries.read_absence_record(actor, episode_id, today)


@post("/api/episodes/{episode_id:int}/absences", opt=WRITE)
async def post_absence(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[AbsenceIn]
) -> Done:
    """A new absence; refused when one of that kind is still open or has that first day."""
    actor = await _writer(request, episode_id)
    return Done(
        id=await absences.record_absence(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


@post("/api/episodes/{episode_id:int}/absences/{absence_id:int}", opt=WRITE, status_code=200)
async def post_absence_edit(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    absence_id: FromPath[int],
    data: JSONBody[AbsenceEditIn],
) -> Done:
    """Change one absence: its dates, to whom it was reported, the cause, the link."""
    actor = await _writer(request, episode_id)
    await absences.update_absence(
        actor, episode_id=episode_id, absence_id=absence_id, **fields_of(data), **clock(request)
    )
    return Done(id=absence_id)


@post(
    "/api/episodes/{episode_id:int}/absences/{absence_id:int}/recovery",
    opt=WRITE,
    status_code=200,
)
async def post_recovery(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    absence_id: FromPath[int],
    data: JSONBody[RecoveryIn],
) -> Done:
    """Partial or full recovery (the hersteldmelding); neither closes the case."""
    actor = await _writer(request, episode_id)
    await absences.record_recovery(
        actor, episode_id=episode_id, absence_id=absence_id, **fields_of(data), **clock(request)
    )
    return Done(id=absence_id)


@post("/api/episodes/{episode_id:int}/leave", opt=WRITE)
async def post_leave(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[LeaveIn]
) -> Done:
    """A period of leave (zorgverlof, vakantie…): not sickness."""
    actor = await _writer(request, episode_id)
    return Done(
        id=await absences.record_leave(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


# ---------------------------------------------------------------- the portal

RECORD_PAGE = "practice/absence-record.html"


def record_path(episode_id: int) -> str:
    return f"/episodes/{episode_id}/absence-record"


async def _record_page(
    request: Request[Any, Any, Any],
    episode_id: int,
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    actor, today, _ = request_context(request)
    record = await absence_queries.read_absence_record(actor, episode_id, today)
    return page(
        request,
        RECORD_PAGE,
        status=status,
        e=record,
        today=today,
        read_only=False,
        form_state=form_state or FormState(),
    )


@get("/episodes/{episode_id:int}/absence-record", opt=READ, include_in_schema=False)
async def absence_record_page(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Template:
    """The client's absence record on a page of its own: the company doctor's view."""
    return await _record_page(request, episode_id)


def _therapist(request: Request[Any, Any, Any]) -> bool:
    actor, _, _ = request_context(request)
    return actor.role == Role.THERAPIST.value


async def _refused(
    request: Request[Any, Any, Any], episode_id: int, data: dict[str, Any], exc: DomainError
) -> Template:
    if _therapist(request):
        return await refused_on_episode(request, episode_id, "work", data, exc)
    action = request.url.path
    if isinstance(exc, InvalidInput):
        state, status = refused(action, data, exc.fields), invalid_status(exc)
    elif isinstance(exc, Conflict):
        state, status = refused(action, data, {}, exc.message), HTTP_409_CONFLICT
    else:
        raise exc
    return await _record_page(request, episode_id, state, status)


def _back(request: Request[Any, Any, Any], episode_id: int) -> Redirect:
    if _therapist(request):
        return back_to_episode(episode_id, "work")
    return Redirect(path=record_path(episode_id), status_code=303)


def _form(path: str, request_type: type[msgspec.Struct], service: Any) -> Any:
    """The door of one absence form: the keepers of the record post ``request_type``."""

    async def handler(
        request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
    ) -> Redirect | Template:
        actor = await _writer(request, episode_id)
        ids = {k: int(v) for k, v in request.path_params.items() if k != "episode_id"}
        try:
            fields = fields_of(form_struct(request_type, data))
            await service(actor, episode_id=episode_id, **ids, **fields, **clock(request))
        except (InvalidInput, Conflict) as exc:
            return await _refused(request, episode_id, data, exc)
        return _back(request, episode_id)

    name = "_".join(p for p in path.replace("{absence_id:int}", "").split("/") if p)
    handler.__name__ = handler.__qualname__ = f"post_{name.replace('-', '_')}_form"
    return post(f"/episodes/{{episode_id:int}}{path}", opt=WRITE, include_in_schema=False)(handler)


class ReReferralIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new referral of the same client from the client page (the episode it follows)."""

    received_at: datetime
    referrer_type: str
    requested_offer: str
    absence_id: int | None = None
    absence_status: str | None = None
    first_sick_day: date | None = None
    consent_at_referral: bool = False


@post("/episodes/{episode_id:int}/re-referrals", opt=THERAPIST, include_in_schema=False)
async def re_refer(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """Refer the client again: a new episode that follows this one and treats the absence
    picked (or a new one); the therapist who refers takes it. To the new episode's page."""
    actor = await episode_writer(request, episode_id)
    _, today, settings = request_context(request)
    try:
        form = form_struct(ReReferralIn, data, tz=settings.time_zone)
        _, new_episode = await referrals.refer_again(
            actor, today=today, episode_id=episode_id, **fields_of(form)
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_episode(request, episode_id, "work", data, exc)
    return back_to_episode(new_episode)


ABSENCE_FORMS = [
    _form("/absences", AbsenceIn, absences.record_absence),
    _form("/absences/{absence_id:int}", AbsenceEditIn, absences.update_absence),
    _form("/absences/{absence_id:int}/recovery", RecoveryIn, absences.record_recovery),
    _form("/leave", LeaveIn, absences.record_leave),
]

router = Router(
    path="/",
    route_handlers=[
        get_absences,
        post_absence,
        post_absence_edit,
        post_recovery,
        post_leave,
        absence_record_page,
        *ABSENCE_FORMS,
        re_refer,
    ],
)
