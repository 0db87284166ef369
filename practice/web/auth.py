"""Who is asking: server-side sessions in Redis, their lifetimes, and role guards.

Sessions live in Redis (never in process memory or a signed cookie), so any web process
can serve any request. The session id is rotated at login (no session fixation), expires
after 30 minutes idle and 12 hours absolute, and is deleted server-side at logout.
"""

import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, cast

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import generate_csrf_token
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.security.session_auth import SessionAuth
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items
from litestar.utils.scope.state import ScopeState
from redis.asyncio import Redis

from practice.access_policy import Need
from practice.accounts import Role
from practice.platform.i18n import N_
from practice.platform.settings import Settings
from practice.queries import accounts as account_queries

# The Redis key prefix of the session store (``practice.composition.app`` names the store).
SESSION_NAMESPACE = "sessions"

# Route options. Every route declares exactly one: the guard refuses undeclared routes.
PUBLIC: dict[str, Any] = {"public": True, "exclude_from_auth": True}


def roles(*allowed: Role, need: Need | None = None) -> dict[str, Any]:
    """The roles that may call a route, and for a client-data route what it does with the
    data (``practice.web.access.relation_guard`` decides per care relation)."""
    opt: dict[str, Any] = {"roles": frozenset(allowed)}
    if need is not None:
        opt["need"] = need
    return opt


ROTATE = "_rotate"  # set in the session at login: the next response gets a fresh id
# The CSRF token of this session. Litestar's CSRF check is a double submit (form or header
# token == cookie), which a token and cookie copied from another session would pass; the
# guard below also requires the cookie to be the one this session was given.
CSRF = "csrf"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    display_name: str
    role: Role
    locale: str


# What deletes a cookie in every browser: Max-Age=0 (and an expiry in the past).
_GONE: dict[str, Any] = {"max_age": 0, "expires": 0}


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's backend keeps the id from the cookie forever; this one rotates it on
    request and does not store empty sessions (anonymous visitors cost no Redis key)."""

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        store = self.config.get_store_from_app(connection.scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        cookie_params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        old_id = connection.cookies.get(self.config.key)
        if old_id == "null":
            old_id = None
        if scope_session is Empty or not scope_session:
            if old_id:
                await self.delete(old_id, store=store)
                headers.add(
                    "Set-Cookie",
                    Cookie(value="null", key=self.config.key, **(cookie_params | _GONE)).to_header(
                        header=""
                    ),
                )
                # The session's CSRF token ends with it: the next page mints a fresh one.
                _set_csrf_cookie(headers, connection, None)
            return
        session_id = old_id or self.generate_session_id()
        session = cast("dict[str, Any]", scope_session)
        rotated = bool(session.pop(ROTATE, False))
        if rotated:
            if old_id:
                await self.delete(old_id, store=store)
            session_id = self.generate_session_id()
        token = session.get(CSRF)
        if rotated or not isinstance(token, str):
            # A new session gets a new CSRF token: one minted before the login, or for the
            # session before this one, is refused from now on.
            token = session[CSRF] = generate_csrf_token(_csrf_config(connection).secret)
        if connection.cookies.get(_csrf_config(connection).cookie_name) != token:
            _set_csrf_cookie(headers, connection, token)
        await self.set(session_id, self.serialize_data(session, connection.scope), store=store)
        headers.add(
            "Set-Cookie",
            Cookie(value=session_id, key=self.config.key, **cookie_params).to_header(header=""),
        )


def _csrf_config(connection: ASGIConnection[Any, Any, Any, Any]) -> CSRFConfig:
    config: CSRFConfig | None = connection.scope["app"].csrf_config
    assert config is not None, "the app is built with a CSRFConfig"
    return config


def _set_csrf_cookie(
    headers: MutableScopeHeaders, connection: ASGIConnection[Any, Any, Any, Any], token: str | None
) -> None:
    """Set the CSRF cookie (as Litestar's CSRF middleware would) to ``token``, or expire it."""
    config = _csrf_config(connection)
    cookie = Cookie(
        key=config.cookie_name,
        value=token or "null",
        path=config.cookie_path,
        secure=config.cookie_secure,
        httponly=config.cookie_httponly,
        samesite=config.cookie_samesite,
        domain=config.cookie_domain,
        # Max-Age=0 deletes it: Chromium keeps a cookie whose "expires=0" it cannot parse as
        # a date, and a token left as "null" failed the next login's CSRF check.
        **({} if token else _GONE),
    )
    headers.add("Set-Cookie", cookie.to_header(header=""))


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_config(settings: Settings) -> RotatingSessionConfig:
    return RotatingSessionConfig(
        # __Host- binds the cookie to this host and path / and requires Secure (TLS).
        key="__Host-session" if settings.secure_cookies else "session",
        max_age=settings.session_idle_minutes * 60,
        renew_on_access=True,  # the idle timeout: every request pushes expiry forward
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        path="/",
        store="sessions",
    )


def new_session(user_id: int, now: float | None = None) -> dict[str, Any]:
    moment = time.time() if now is None else now
    return {"uid": user_id, "issued": moment, "seen": moment, ROTATE: True}


PENDING_SECONDS = 600  # time to enter the code, or to scan the QR code and confirm it


def pending_session(user_id: int, stage: str, now: float | None = None) -> dict[str, Any]:
    """After the password, before the second factor: no "uid", so nothing is logged in;
    only the second-step routes (practice.web.account) read ``pending_uid``."""
    moment = time.time() if now is None else now
    return {
        "pending_uid": user_id,
        "pending": stage,
        "issued": moment,
        "seen": moment,
        ROTATE: True,
    }


def pending_user(session: dict[str, Any], stage: str, now: float | None = None) -> int | None:
    """The account waiting for this second step, unless the wait took too long."""
    user_id = session.get("pending_uid")
    if not isinstance(user_id, int) or session.get("pending") != stage:
        return None
    moment = time.time() if now is None else now
    if moment - float(session.get("issued", 0)) > PENDING_SECONDS:
        return None
    return user_id


def session_expired(session: dict[str, Any], settings: Settings, now: float) -> bool:
    """Checked in code as well as by the Redis TTL, so it is testable with a frozen clock."""
    issued = float(session.get("issued", 0))
    seen = float(session.get("seen", 0))
    return (
        now - issued > settings.session_absolute_hours * 3600
        or now - seen > settings.session_idle_minutes * 60
    )


async def end_sessions_of(redis: "Redis", user_id: int) -> int:
    """Delete every session of the account from the store, logged in or halfway through the
    second step; returns how many. Called after a deactivation or a change of role.

    The store is keyed by session id, so this reads each session once: a practice has one
    session per person at work, a few hundred at most. A request of the account already in
    flight may write its session back after this; its next request still finds the account
    inactive (``retrieve_user``) and ends it there.
    """
    ended = 0
    async for key in redis.scan_iter(match=f"{SESSION_NAMESPACE}:*", count=500):
        raw = await redis.get(key)
        if raw is None:
            continue
        try:
            session = json.loads(raw)
        except ValueError:
            continue
        if isinstance(session, dict) and user_id in (
            session.get("uid"),
            session.get("pending_uid"),
        ):
            ended += int(await redis.delete(key))
    return ended


def make_session_auth(settings: Settings) -> SessionAuth[CurrentUser, ServerSideSessionBackend]:
    async def retrieve_user(
        session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]
    ) -> CurrentUser | None:
        user_id = session.get("uid")
        if not isinstance(user_id, int):
            return None
        now = time.time()
        if session_expired(session, settings, now):
            connection.clear_session()
            return None
        session["seen"] = now
        row = await account_queries.active_session_user(user_id)
        if row is None:  # account disabled or removed: the session dies with it
            connection.clear_session()
            return None
        return CurrentUser(
            id=row["id"],
            email=row["email"],
            display_name=row["display_name"],
            role=Role(row["role"]),
            locale=row["locale"],
        )

    return SessionAuth[CurrentUser, ServerSideSessionBackend](
        retrieve_user_handler=retrieve_user,
        session_backend_config=session_config(settings),
        exclude_opt_key="exclude_from_auth",
        exclude=["^/static/", "^/schema"],
    )


def role_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Deny by default: a route must be public or name the roles that may use it."""
    if handler.opt.get("public"):
        return
    allowed = handler.opt.get("roles")
    if not allowed:
        raise PermissionDeniedException(N_("This page is not available."))
    user = connection.user
    if not isinstance(user, CurrentUser):
        raise NotAuthorizedException(N_("Log in first."))
    if user.role not in allowed:
        raise PermissionDeniedException(N_("Your role does not give access to this page."))


def csrf_bound_to_session(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A state-changing request of a session must carry that session's own CSRF token.

    Runs after Litestar's CSRF middleware has matched the submitted token to the cookie, so
    checking the cookie against the session checks the token too. Requests without a
    session (the login form) keep the plain double-submit check."""
    config = _csrf_config(connection)
    session = connection.scope.get("session")
    if handler.opt.get(config.exclude_from_csrf_key) or not isinstance(session, dict):
        return
    expected = session.get(CSRF)
    if connection.scope.get("method") in config.safe_methods:
        if isinstance(expected, str):
            # The page's forms carry the session's token even when the browser lost the
            # cookie (the session middleware sets it again on this response).
            ScopeState.from_scope(connection.scope).csrf_token = expected
        return
    if not session:
        return
    cookie = connection.cookies.get(config.cookie_name, "")
    if not isinstance(expected, str) or not hmac.compare_digest(cookie, expected):
        raise PermissionDeniedException(N_("The form has expired. Reload the page and try again."))
