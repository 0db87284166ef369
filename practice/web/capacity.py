"""Doors of the capacity-advice loop: JSON for other systems, forms for the portal, one page.

The advisers of the case (the therapist and the company doctor, ``Need.ADVICE_READ`` /
``ADVICE_WRITE`` in ``practice.access_policy``; the relation guard decides before the body is
read) record the company doctor's capacity advice, resolve a conflict with it with a note,
and record their consultations. The therapist does so in the client page's plan section; the
company doctor on the case's own page (``/episodes/{id}/capacity``), linked from their
inbox. A form goes back where it came from, or comes back refused with each problem next to
its field.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT

from practice.access_policy import Need
from practice.accounts import Role
from practice.audit.trail import Actor
from practice.episodes import ENDED_STATUSES, EpisodeStatus
from practice.errors import Conflict, DomainError, InvalidInput
from practice.platform.i18n import N_
from practice.queries import capacity as capacity_queries
from practice.queries.access import authorize
from practice.services import capacity
from practice.web.auth import roles
from practice.web.episode_common import Done, Text, clock, fields_of, request_context
from practice.web.episode_page import refused_on_episode
from practice.web.episode_sections import back_to_episode
from practice.web.errors import invalid_status
from practice.web.forms import FormData, FormState, form_struct, refused
from practice.web.portal import page

READ = roles(Role.THERAPIST, Role.COMPANY_DOCTOR, need=Need.ADVICE_READ)
WRITE = roles(Role.THERAPIST, Role.COMPANY_DOCTOR, need=Need.ADVICE_WRITE)
# The section of the client page where the therapist keeps the advice.
SECTION = "plan"
Key = Annotated[str, msgspec.Meta(max_length=64)]
Short = Annotated[str, msgspec.Meta(max_length=500)]


class CapacityAdviceIn(msgspec.Struct, forbid_unknown_fields=True):
    """The company doctor's capacity advice: hours a day and/or a week, task limits."""

    given_on: date
    hours_per_day: Decimal | None = None
    hours_per_week: Decimal | None = None
    task_limits: Text | None = None
    valid_until: date | None = None
    note: Text | None = None


class ResolutionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Resolve one conflict (its key as listed) with a note."""

    conflict_key: Key
    note: Text
    resolved_on: date | None = None


class ConsultationIn(msgspec.Struct, forbid_unknown_fields=True):
    held_on: date
    participants: Short
    note: Text


# ---------------------------------------------------------------- JSON


async def _writer(request: Request[Any, Any, Any], episode_id: int) -> Actor:
    actor, today, _ = request_context(request)
    await authorize(actor, episode_id, Need.ADVICE_WRITE, today)
    return actor


@get("/api/episodes/{episode_id:int}/capacity", opt=READ)
async def get_capacity(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> dict[str, Any]:
    """The capacity advice in force today, every advice, the conflicts with it (open and
    resolved, with their notes) and the consultations with the company doctor."""
    actor, today, _ = request_context(request)
    return await capacity_queries.read_capacity(actor, episode_id, today)


@post("/api/episodes/{episode_id:int}/capacity-advice", opt=WRITE)
async def post_capacity_advice(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    data: JSONBody[CapacityAdviceIn],
) -> Done:
    """The company doctor's capacity advice (belastbaarheidsadvies), in force from its day."""
    actor = await _writer(request, episode_id)
    return Done(
        id=await capacity.record_capacity_advice(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


@post("/api/episodes/{episode_id:int}/advice-conflict-resolutions", opt=WRITE)
async def post_resolution(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ResolutionIn]
) -> Done:
    """Resolve an open conflict with the capacity advice with a note (409 when resolved)."""
    actor = await _writer(request, episode_id)
    return Done(
        id=await capacity.resolve_conflict(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


@post("/api/episodes/{episode_id:int}/company-doctor-consultations", opt=WRITE)
async def post_consultation(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[ConsultationIn]
) -> Done:
    """A consultation between the therapist and the company doctor (medical note)."""
    actor = await _writer(request, episode_id)
    return Done(
        id=await capacity.record_consultation(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


# ---------------------------------------------------------------- the portal

PAGE = "practice/capacity.html"
# What the page says after each of its forms saved (``?saved=``: post/redirect/get).
SAVED = {
    "capacity-advice": N_("The capacity advice is saved."),
    "advice-conflict-resolutions": N_("How the conflict was resolved is saved."),
    "company-doctor-consultations": N_("The consultation is saved."),
}


def capacity_path(episode_id: int) -> str:
    return f"/episodes/{episode_id}/capacity"


async def _page(
    request: Request[Any, Any, Any],
    episode_id: int,
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
    saved: str = "",
) -> Template:
    actor, today, _ = request_context(request)
    view = await capacity_queries.read_capacity(actor, episode_id, today)
    return page(
        request,
        PAGE,
        status=status,
        e={"id": episode_id, "status": view["status"], "client": view["client"], "capacity": view},
        ended=EpisodeStatus(view["status"]) in ENDED_STATUSES,
        today=today,
        form_state=form_state or FormState(),
        saved=SAVED.get(saved, ""),
    )


@get("/episodes/{episode_id:int}/capacity", opt=READ, include_in_schema=False)
async def capacity_page(
    request: Request[Any, Any, Any], episode_id: FromPath[int], saved: FromQuery[str] = ""
) -> Template:
    """The capacity advice of one case on a page of its own: the company doctor's view."""
    return await _page(request, episode_id, saved=saved)


def _therapist(request: Request[Any, Any, Any]) -> bool:
    actor, _, _ = request_context(request)
    return actor.role == Role.THERAPIST.value


async def _refused(
    request: Request[Any, Any, Any], episode_id: int, data: dict[str, Any], exc: DomainError
) -> Template:
    if _therapist(request):
        return await refused_on_episode(request, episode_id, SECTION, data, exc)
    action = request.url.path
    if isinstance(exc, InvalidInput):
        state, status = refused(action, data, exc.fields), invalid_status(exc)
    elif isinstance(exc, Conflict):
        state, status = refused(action, data, {}, exc.message), HTTP_409_CONFLICT
    else:
        raise exc
    return await _page(request, episode_id, state, status)


def _form(path: str, request_type: type[msgspec.Struct], service: Any) -> Any:
    """The door of one form: the advisers of the case post ``request_type``."""

    async def handler(
        request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
    ) -> Redirect | Template:
        actor = await _writer(request, episode_id)
        try:
            fields = fields_of(form_struct(request_type, data))
            await service(actor, episode_id=episode_id, **fields, **clock(request))
        except (InvalidInput, Conflict) as exc:
            return await _refused(request, episode_id, data, exc)
        if _therapist(request):
            return back_to_episode(episode_id, SECTION)
        return Redirect(path=f"{capacity_path(episode_id)}?saved={path[1:]}", status_code=303)

    name = path.strip("/").replace("-", "_")
    handler.__name__ = handler.__qualname__ = f"post_{name}_form"
    return post(f"/episodes/{{episode_id:int}}{path}", opt=WRITE, include_in_schema=False)(handler)


CAPACITY_FORMS = [
    _form("/capacity-advice", CapacityAdviceIn, capacity.record_capacity_advice),
    _form("/advice-conflict-resolutions", ResolutionIn, capacity.resolve_conflict),
    _form("/company-doctor-consultations", ConsultationIn, capacity.record_consultation),
]

router = Router(
    path="/",
    route_handlers=[
        get_capacity,
        post_capacity_advice,
        post_resolution,
        post_consultation,
        capacity_page,
        *CAPACITY_FORMS,
    ],
)
