"""What every JSON door of an episode shares: the request's context, the access check, the answer.

The doors are split by concept (``web_episodes``, ``web_treatment_plan``, ``web_work``); each
write goes the same way: access check (the therapist of record; 404 otherwise) → one service.
"""

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request

from practice.access_policy import Need
from practice.accounts import Role
from practice.audit.trail import Actor
from practice.platform.clock import today_in
from practice.platform.settings import Settings
from practice.queries.episodes import access_episode
from practice.web.auth import roles
from practice.web.portal import actor_of

THERAPIST = roles(Role.THERAPIST)
# The practice manager reads the overview of any episode; the therapist the record.
READERS = roles(Role.THERAPIST, Role.PRACTICE_MANAGER, need=Need.OVERVIEW_READ)
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=200)]


class Done(msgspec.Struct):
    ok: bool = True
    id: int | None = None


def request_context(request: Request[Any, Any, Any]) -> tuple[Actor, date, Settings]:
    """Who asks, today in the practice's time zone, and the settings."""
    settings: Settings = request.app.state.settings
    return actor_of(request), today_in(settings.time_zone), settings


async def episode_writer(request: Request[Any, Any, Any], episode_id: int) -> Actor:
    """The actor, if they may write the episode; 404 (audited) otherwise."""
    actor, today, _ = request_context(request)
    await access_episode(actor, episode_id, today, write=True)
    return actor


def clock(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """``today`` and ``tz`` for a service that checks dates against the episode's timeline
    (``practice.timeline``): today in the practice's zone, and the zone."""
    settings: Settings = request.app.state.settings
    return {"today": today_in(settings.time_zone), "tz": settings.time_zone}


def fields_of(data: msgspec.Struct) -> dict[str, Any]:
    return msgspec.structs.asdict(data)
