"""The doors of breaking the glass: the JSON call, and the therapist's form with its post.

Any therapist may open a form for any episode id (``Need.BREAK_GLASS`` is practice-wide);
the guard still answers 404 for an id that names no episode. The service writes the row,
the audit row and the practice managers' notices in one transaction
(``practice.services.break_glass``); the client page then shows the record read-only.
"""

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from practice.access_policy import Need
from practice.accounts import Role
from practice.break_glass import REASON_MAX, REASON_MIN, refusal
from practice.errors import InvalidInput
from practice.queries import access
from practice.queries import break_glass as break_glass_queries
from practice.services import break_glass
from practice.web.auth import roles
from practice.web.episode_common import request_context
from practice.web.episode_sections import back_to_episode
from practice.web.forms import FormData
from practice.web.portal import page

BREAK_GLASS = roles(Role.THERAPIST, need=Need.BREAK_GLASS)
FORM = "practice/break-glass.html"


class BreakGlassIn(msgspec.Struct, forbid_unknown_fields=True):
    # The length rules are the service's (trimmed first); this only bounds what is read.
    reason: Annotated[str, msgspec.Meta(max_length=20_000)]


class BreakGlassOut(msgspec.Struct):
    id: int
    episode_id: int
    opened_on: date


@post("/api/episodes/{episode_id:int}/break-glass", opt=BREAK_GLASS, status_code=201)
async def post_break_glass(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[BreakGlassIn]
) -> Response[BreakGlassOut]:
    """Open an episode without a seat on its team: read-only, today only, with a reason
    (10-500 characters, the need and no clinical content). Audited, in the client's access
    log, and each practice manager is told. 201; the same therapist again on the same day
    gets the first opening back with 200 and nothing new is written."""
    opened = await _open(request, episode_id, data.reason)
    return Response(
        BreakGlassOut(id=opened.id, episode_id=opened.episode_id, opened_on=opened.opened_on),
        status_code=201 if opened.created else 200,
    )


async def _open(
    request: Request[Any, Any, Any], episode_id: int, reason: str | None
) -> break_glass.Opened:
    actor, today, settings = request_context(request)
    return await break_glass.open_episode(
        actor,
        episode_id=episode_id,
        reason=reason,
        today=today,
        base_url=settings.base_url,
        tz=settings.time_zone,
        queue=request.app.state.queue,
    )


async def _form_page(
    request: Request[Any, Any, Any],
    episode_id: int,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    reason: str = "",
) -> Template:
    actor, today, _ = request_context(request)
    held = await access.relation(actor.user_id, episode_id, today, role=actor.role)
    opened = await break_glass_queries.opened_today(actor.user_id, episode_id, today)
    return page(
        request,
        FORM,
        status=status,
        episode_id=episode_id,
        seat_held=refusal(held),
        opened=opened,
        errors=errors or {},
        reason=reason,
        reason_min=REASON_MIN,
        reason_max=REASON_MAX,
    )


@get("/episodes/{episode_id:int}/break-glass", opt=BREAK_GLASS, include_in_schema=False)
async def break_glass_form(request: Request[Any, Any, Any], episode_id: FromPath[int]) -> Template:
    """The form: what breaking the glass does, and the reason. Shows no client data."""
    return await _form_page(request, episode_id)


@post(
    "/episodes/{episode_id:int}/break-glass",
    opt=BREAK_GLASS,
    include_in_schema=False,
    status_code=303,
)
async def break_glass_form_post(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Template | Redirect:
    """Opened (or opened earlier today): on to the client page. A reason that does not fit:
    the form again, 400, the error next to the field and the text kept."""
    raw = data.get("reason", "")
    reason = raw[-1] if isinstance(raw, list) and raw else raw if isinstance(raw, str) else ""
    try:
        await _open(request, episode_id, reason)
    except InvalidInput as exc:
        return await _form_page(request, episode_id, status=400, errors=exc.fields, reason=reason)
    return back_to_episode(episode_id)


router = Router(
    path="/", route_handlers=[post_break_glass, break_glass_form, break_glass_form_post]
)
