"""The practice's locations and their rooms: listed, and a new one added by the practice
manager or the administrator (the JSON door ``POST /api/locations``'s request type).

A room is one line of the rooms field; a refused form shows the page again with the
problem next to the field and what was typed kept.
"""

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from practice.errors import Conflict, InvalidInput
from practice.web.forms import FormData, FormState, form_struct, refused
from practice.web.portal import actor_of, page
from scheduling.queries.locations import locations_with_rooms
from scheduling.services import availability as availability_services
from scheduling.web.api import STAFF, LocationIn

PATH = "/admin/locations"


def room_names(text: str | list[str]) -> list[str]:
    """The rooms typed one per line (blank lines left out)."""
    if isinstance(text, list):
        text = text[-1] if text else ""
    return [line.strip() for line in text.splitlines() if line.strip()]


async def _locations_page(
    request: Request[Any, Any, Any],
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return page(
        request,
        "scheduling/locations.html",
        status=status,
        locations=await locations_with_rooms(),
        form_state=form_state or FormState(),
    )


@get(PATH, opt=STAFF, include_in_schema=False)
async def locations_page(request: Request[Any, Any, Any]) -> Template:
    """Where sessions can be held: each location with its address and rooms."""
    return await _locations_page(request)


@post(PATH, opt=STAFF, include_in_schema=False)
async def add_location(request: Request[Any, Any, Any], data: FormData) -> Redirect | Template:
    rest = {k: v for k, v in data.items() if k != "rooms"}
    try:
        form = form_struct(LocationIn, rest, rooms=room_names(data.get("rooms", "")))
        await availability_services.create_location(
            actor_of(request), name=form.name, address=form.address, rooms=form.rooms
        )
    except InvalidInput as exc:
        state = refused(PATH, data, exc.fields)
        return await _locations_page(request, state, HTTP_400_BAD_REQUEST)
    except Conflict as exc:
        state = refused(PATH, data, {}, exc.message)
        return await _locations_page(request, state, HTTP_409_CONFLICT)
    return Redirect(path=PATH, status_code=303)


HANDLERS = [locations_page, add_location]
