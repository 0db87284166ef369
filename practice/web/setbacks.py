"""Doors of setbacks (*terugval*): the JSON route and the client page's form post the same
request type to ``practice.services.setbacks``; the therapist of record writes (the relation
guard decides by ``Need.RECORD_WRITE`` in ``practice.access_policy``), and the record lists
them back in the work section and on the timeline. The note is medical: the episode detail
holds it for the record's readers only, never in the overview or an employer view.
"""

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, post
from litestar.params import FromPath, JSONBody

from practice.access_policy import Need
from practice.accounts import Role
from practice.services import setbacks
from practice.setbacks import NOTE_MAX_LENGTH
from practice.web.auth import roles
from practice.web.episode_common import Done, clock, episode_writer, fields_of
from practice.web.episode_page import episode_form

SECTION = "work"
# The treatment record of the therapist of record (a seat on the case, on the date): the
# company doctor, the employer and the practice manager never write it, nor read the note.
WRITE = roles(Role.THERAPIST, need=Need.RECORD_WRITE)
Note = Annotated[str, msgspec.Meta(max_length=NOTE_MAX_LENGTH)]


class SetbackIn(msgspec.Struct, forbid_unknown_fields=True):
    """A setback: the day, what it shows in (practice.setbacks.SetbackKind) and the
    therapist's medical note."""

    occurred_on: date
    kind: str
    medical_note: Note = ""


@post("/api/episodes/{episode_id:int}/setbacks", opt=WRITE)
async def post_setback(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[SetbackIn]
) -> Done:
    """Record a setback (terugval) on the episode: dated, of one kind, with a medical note."""
    actor = await episode_writer(request, episode_id)
    return Done(
        id=await setbacks.record_setback(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


router = Router(
    path="/",
    route_handlers=[
        post_setback,
        episode_form("/setbacks", SetbackIn, setbacks.record_setback, SECTION),
    ],
)
