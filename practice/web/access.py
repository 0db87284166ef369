"""The relation guard: every route that touches one client's data is decided by one policy.

A client-data route declares its ``need`` next to its roles (``roles(..., need=...)``), or
takes the strictest default (``need_of``).
This guard runs after the role guard and before the body is read, so a refused request
gets the same 404 whatever it sent: it finds the episode behind the path (an episode id,
or an appointment, report, document or update id through the resolver its package
registered at start-up), loads the requester's seats on that date and asks
``practice.access_policy``. A client-level path (``client_id``) passes when at least one
of the client's episodes is granted; its service then shows only those.
"""

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from practice.access_policy import WRITE_NEEDS, Need, decide, needs_a_relation
from practice.audit import trail as audit
from practice.platform.clock import today_in
from practice.queries import access
from practice.web.auth import role_guard
from practice.web.portal import actor_of

# An object id in a path -> the id of the episode it belongs to (None: no such object).
ObjectResolver = Callable[[int], Awaitable[int | None]]


async def _episode(episode_id: int) -> int | None:
    return episode_id


_resolvers: dict[str, tuple[str, ObjectResolver]] = {"episode_id": ("episode", _episode)}


def register_object(path_param: str, object_type: str, resolver: ObjectResolver) -> None:
    """Idempotent: a downstream package names how its objects find their episode."""
    _resolvers[path_param] = (object_type, resolver)


def resolvable(path_param: str) -> bool:
    return path_param in _resolvers or path_param == CLIENT_PARAM


CLIENT_PARAM = "client_id"


def need_of(handler: BaseRouteHandler, path_params: Collection[str], method: str) -> Need | None:
    """What a route does with client data: its declared need, else the strictest default.

    A route whose path names a client's object (an episode, appointment, report, document,
    update or client) and declares nothing needs the record itself: reading it on a read,
    changing it otherwise. So a new route is closed to everyone without a seat until it
    says otherwise. A route without such an object touches no single client (None).
    """
    declared: Need | None = handler.opt.get("need")
    if declared is not None:
        return declared
    if not any(resolvable(p) for p in path_params):
        return None
    return Need.RECORD_READ if method in ("GET", "HEAD") else Need.RECORD_WRITE


async def relation_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    if handler.opt.get("public"):
        return
    # Guards see the connection; only HTTP routes carry client data, and they have a method.
    need = need_of(handler, connection.path_params, str(getattr(connection, "method", "GET")))
    if need is None:
        return
    actor = actor_of(connection)
    if actor.role is None:  # the role guard refused anonymous callers already
        return
    today = today_in(connection.app.state.settings.time_zone)
    params = connection.path_params
    if CLIENT_PARAM in params:
        client_id = int(params[CLIENT_PARAM])
        if not needs_a_relation(actor.role, need):
            return
        if not await access.visible_episodes(actor, client_id, need, today):
            known = await access.existing_client(client_id)
            raise await access.refuse(actor, "client", client_id, known, write=False)
        return
    found = await _episode_object(params)
    if found is None:
        raise RuntimeError(f"{handler} declares a need but names no object it can resolve")
    object_type, object_id, episode_id, owner = found
    if owner is not None and episode_id is not None:
        held = await access.relation(actor.user_id, episode_id, today, role=actor.role)
        if decide(actor.role, need, held):
            # The route's own check of this episode decides again from these reads.
            access.hand_over(actor, episode_id, today, owner, held)
            return
    write = need in WRITE_NEEDS
    raise await access.refuse(actor, object_type, object_id, owner, write=write)


async def _episode_object(
    params: Mapping[str, Any],
) -> tuple[str, int, int | None, int | None] | None:
    """The object a path names through a resolver, as (type, id, its episode's id, the
    client's id), the ids None where there is no such object; None when the path names none."""
    name = next((p for p in _resolvers if p in params), None)
    if name is None:
        return None
    object_type, resolve = _resolvers[name]
    object_id = int(params[name])
    episode_id = await resolve(object_id)
    owner = None if episode_id is None else await access.client_of(episode_id)
    return object_type, object_id, episode_id, owner


async def named_object(params: dict[str, Any]) -> tuple[str, int, int | None] | None:
    """The client object a path names, as (type, id, its client's id or None), or None when
    the path names none: the audit row of a refusal names the client when there is one."""
    if CLIENT_PARAM in params:
        client_id = int(params[CLIENT_PARAM])
        return "client", client_id, await access.existing_client(client_id)
    found = await _episode_object(params)
    if found is None:
        return None
    object_type, object_id, _episode_id, owner = found
    return object_type, object_id, owner


async def audited_role_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """``practice.web.auth.role_guard`` (same answers), with every 403 it gives audited (AUD-9).

    A role refused on a client's object leaves a DENIED row naming that client, so the
    client's access log shows the attempt; on any other route the row names the route.
    Anonymous callers (401) leave no row: they carry no identity, are refused before any
    object is looked up, and must not be able to grow the append-only log or queue on the
    chain's lock without logging in.
    """
    try:
        role_guard(connection, handler)
    except PermissionDeniedException:
        actor = actor_of(connection)
        if actor.user_id is not None:
            await _audit_role_refusal(connection, actor)
        raise


async def _audit_role_refusal(
    connection: ASGIConnection[Any, Any, Any, Any], actor: audit.Actor
) -> None:
    write = str(getattr(connection, "method", "GET")) not in ("GET", "HEAD")
    named = await named_object(connection.path_params)
    if named is not None:
        object_type, object_id, client_id = named
        await access.refuse(actor, object_type, object_id, client_id, write=write)
        return
    route = str(connection.scope.get("path_template") or connection.url.path)[:64]
    await access.refuse_route(actor, route, write=write)
