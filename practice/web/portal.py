"""Doors of the clinical core: login, the portals' entry pages, accounts, health.

Handlers parse, call one service or query, and respond; rules live in services.
"""

import hmac
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, TooManyRequestsException
from litestar.params import Body, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from practice.accounts import HOME_PATH, Role
from practice.audit.trail import Actor, Channel
from practice.platform import metrics, throttle
from practice.platform.i18n import LOCALES, N_
from practice.platform.i18n import gettext as _
from practice.platform.settings import Settings
from practice.proxies import client_address
from practice.queries import accounts as account_queries
from practice.queries import health
from practice.services import accounts as account_services
from practice.services import client_accounts
from practice.totp import SecondFactor
from practice.web.auth import PUBLIC, CurrentUser, new_session, pending_session, roles

ANY_ROLE = roles(*Role)
SECOND_STEP_PATH = {
    SecondFactor.VERIFY: "/login/totp",
    SecondFactor.ENROL: "/login/enrol",
    SecondFactor.EMAIL: "/login/email-code",  # practice.web.client_accounts
}
Form = Body(media_type=RequestEncodingType.URL_ENCODED)


def actor_of(request: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    user = request.scope.get("user")
    settings: Settings = request.app.state.settings
    # The one place the client's address is decided: audit source and throttle key alike.
    source = client_address(
        request.client.host if request.client else None,
        request.headers.getall("x-forwarded-for", []),
        settings.trusted_proxies,
    )
    channel = Channel.API if request.url.path.startswith("/api/") else Channel.WEB
    if isinstance(user, CurrentUser):
        return Actor(user_id=user.id, role=user.role.value, source=source, channel=channel)
    return Actor(user_id=None, role=None, source=source, channel=channel)


def page(
    request: Request[Any, Any, Any], name: str, status: int = HTTP_200_OK, **context: Any
) -> Template:
    return Template(
        template_name=name,
        context={"user": request.scope.get("user"), **context},
        status_code=status,
    )


# ---------------------------------------------------------------- health and metrics


@get("/metrics", opt=PUBLIC, include_in_schema=False)
async def metrics_page(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The metrics for a scraper with the token (``practice.platform.metrics``); without
    ``METRICS_TOKEN`` there is nothing here (404), with a wrong or no token 401."""
    token: str | None = request.app.state.settings.metrics_token
    if token is None:
        raise NotFoundException()
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(
            b"", status_code=HTTP_401_UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}
        )
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


@get("/healthz", opt=PUBLIC, include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/readyz", opt=PUBLIC, include_in_schema=False)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """Readiness: the database and Redis both answer."""
    checks: dict[str, str] = {}
    try:
        await health.database_answers()
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready", never a 500
        checks["database"] = type(exc).__name__
    try:
        await request.app.state.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = type(exc).__name__
    ready = all(value == "ok" for value in checks.values())
    return Response(checks, status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE)


# ---------------------------------------------------------------- login and logout


class LoginForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=256)]


@get("/login", opt=PUBLIC, include_in_schema=False)
async def login_page(request: Request[Any, Any, Any]) -> Template:
    return page(request, "practice/login.html", error=None, email="")


@post("/login", opt=PUBLIC, status_code=303)
async def login(
    request: Request[Any, Any, Any], data: Annotated[LoginForm, Form]
) -> Template | Redirect:
    """Log in with e-mail and password; the session id is new after every login."""
    settings: Settings = request.app.state.settings
    redis = request.app.state.redis
    actor = actor_of(request)
    source = actor.source or "unknown"
    email = data.email.strip().lower()
    per_minute = settings.login_failures_per_minute
    wait = await throttle.retry_after(redis, source, email, per_minute)
    if wait is not None:
        raise TooManyRequestsException(
            N_("Too many failed attempts. Wait a minute and try again.")
            if wait <= throttle.WINDOW_SECONDS
            else N_("Too many failed attempts for this account. Try again later."),
            headers={"Retry-After": str(wait)},
        )
    checked = await account_services.authenticate(actor, email=data.email, password=data.password)
    if checked is None:
        await throttle.count_failure(redis, source, email, per_minute)
        return page(
            request,
            "practice/login.html",
            status=HTTP_401_UNAUTHORIZED,
            error=_("E-mail address or password is incorrect."),
            email=data.email,
        )
    if not checked.active:
        return page(
            request,
            "practice/login.html",
            status=HTTP_403_FORBIDDEN,
            error=_(
                "This account has been deactivated. Ask the practice's administrator if "
                "that is a mistake."
            ),
            email=data.email,
        )
    if checked.next is SecondFactor.NONE:
        request.set_session(new_session(checked.user_id))
        return Redirect(path="/", status_code=303)
    # Password right, second factor to follow: a new session id without a login in it.
    request.set_session(pending_session(checked.user_id, checked.next.value))
    if checked.next is SecondFactor.EMAIL:
        await client_accounts.send_login_code(checked.user_id, settings, request.app.state.queue)
    return Redirect(path=SECOND_STEP_PATH[checked.next], status_code=303)


@post("/logout", opt=ANY_ROLE, status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    await account_services.record_logout(actor_of(request))
    request.clear_session()
    return Redirect(path="/login", status_code=303)


class LanguageForm(msgspec.Struct):
    locale: str
    next: str = "/"


@post("/language", opt=PUBLIC, status_code=303)
async def choose_language(data: Annotated[LanguageForm, Form]) -> Redirect:
    """The language switch: a cookie, so it also works before login."""
    locale = data.locale if data.locale in LOCALES else "nl"
    target = data.next if data.next.startswith("/") and not data.next.startswith("//") else "/"
    response = Redirect(path=target, status_code=303)
    response.set_cookie("lang", locale, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


@get("/", opt=ANY_ROLE, include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Redirect:
    user: CurrentUser = request.user
    return Redirect(path=HOME_PATH[user.role], status_code=303)


# The therapist's start view and caseload: practice.web.today.


# ---------------------------------------------------------------- accounts (administrator)


# The administrator's accounts pages: practice.web.users.


class NewUser(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    display_name: Annotated[str, msgspec.Meta(max_length=200)]
    role: Role
    password: Annotated[str, msgspec.Meta(max_length=256)]
    locale: str = "nl"


class UserOut(msgspec.Struct):
    id: int
    email: str
    display_name: str
    role: str
    active: bool


@get("/api/users", opt=roles(Role.ADMINISTRATOR))
async def list_users_api(request: Request[Any, Any, Any]) -> list[UserOut]:
    """All accounts (administrator)."""
    rows = await account_queries.user_list(actor_of(request))
    return [msgspec.convert(row, UserOut, from_attributes=False, strict=False) for row in rows]


@post("/api/users", opt=roles(Role.ADMINISTRATOR))
async def create_user_api(request: Request[Any, Any, Any], data: JSONBody[NewUser]) -> UserOut:
    """Create an account (administrator). 400 names each invalid field; 409 on a duplicate."""
    user_id = await account_services.create_user(actor_of(request), **msgspec.structs.asdict(data))
    return UserOut(
        id=user_id,
        email=data.email.strip().lower(),
        display_name=data.display_name,
        role=data.role.value,
        active=True,
    )


router = Router(
    path="/",
    route_handlers=[
        healthz,
        readyz,
        metrics_page,
        login_page,
        login,
        logout,
        choose_language,
        home,
        list_users_api,
        create_user_api,
    ],
)
