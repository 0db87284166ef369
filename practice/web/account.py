"""The second login step and the enrolment of the second factor (TOTP).

After the password (practice.web.portal.login) the session holds ``pending_uid`` but no ``uid``:
no other route sees a logged-in user until the code is right. Then the session id rotates
and the session becomes a normal one.

- ``/login/totp``: enter the code from the app, or a recovery code.
- ``/login/enrol``: a role that requires a second factor, not enrolled yet, enrols before
  its first session (AUTH-1).
- ``/account/totp``: a logged-in user without a second factor (an employer contact) enrols.

The candidate secret lives in the server-side session until a code confirms it.
"""

import time
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.exceptions import TooManyRequestsException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_401_UNAUTHORIZED

from practice import totp
from practice.platform.i18n import N_
from practice.platform.i18n import gettext as _
from practice.platform.settings import Settings
from practice.services import second_factor
from practice.totp import SecondFactor
from practice.web.auth import PUBLIC, ROTATE, CurrentUser, new_session, pending_user
from practice.web.portal import ANY_ROLE, Form, actor_of, page

CANDIDATE = "totp_candidate"


class CodeForm(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(max_length=32)]


async def throttle_second_step(request: Request[Any, Any, Any], user_id: int) -> None:
    settings: Settings = request.app.state.settings
    if await totp.is_throttled(
        request.app.state.redis, user_id, _source(request), settings.login_failures_per_minute
    ):
        raise TooManyRequestsException(
            N_("Too many failed attempts. Wait a minute and try again."),
            headers={"Retry-After": str(totp.WINDOW_SECONDS)},
        )


def _source(request: Request[Any, Any, Any]) -> str:
    return actor_of(request).source or "unknown"  # the login throttle's key, the same rule


# ---------------------------------------------------------------- the second login step


@get("/login/totp", opt=PUBLIC, include_in_schema=False)
async def totp_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    if pending_user(request.session, SecondFactor.VERIFY.value) is None:
        return Redirect(path="/login", status_code=303)
    return page(request, "practice/login-totp.html", error=None)


@post("/login/totp", opt=PUBLIC, status_code=303, include_in_schema=False)
async def totp_submit(
    request: Request[Any, Any, Any], data: Annotated[CodeForm, Form]
) -> Template | Redirect:
    """The code from the authenticator app, or a recovery code; then a full session."""
    user_id = pending_user(request.session, SecondFactor.VERIFY.value)
    if user_id is None:
        return Redirect(path="/login", status_code=303)
    await throttle_second_step(request, user_id)
    if not await second_factor.verify(actor_of(request), user_id, data.code):
        await totp.count_failure(request.app.state.redis, user_id, _source(request))
        return page(
            request,
            "practice/login-totp.html",
            status=HTTP_401_UNAUTHORIZED,
            error=_("The code is incorrect or has been used already."),
        )
    request.set_session(new_session(user_id))  # rotates the id again
    return Redirect(path="/", status_code=303)


# ---------------------------------------------------------------- enrolment


async def _enrol_page(
    request: Request[Any, Any, Any],
    user_id: int,
    action: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> Template | Redirect:
    row = await second_factor.account(user_id)
    if row is None:
        request.clear_session()
        return Redirect(path="/login", status_code=303)
    if row["totp_enabled_at"] is not None:
        return page(request, "practice/totp-enrol.html", enabled_at=row["totp_enabled_at"])
    secret = request.session.get(CANDIDATE)
    if not isinstance(secret, str):
        secret = totp.new_secret()
        request.set_session({**request.session, CANDIDATE: secret})
    uri = totp.provisioning_uri(secret, row["email"])
    return page(
        request,
        "practice/totp-enrol.html",
        status=status,
        enabled_at=None,
        action=action,
        qr=totp.qr_data_uri(uri),
        uri=uri,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        error=error,
    )


async def _enrol_submit(
    request: Request[Any, Any, Any], user_id: int, code: str, action: str, *, login: bool
) -> Template | Redirect:
    await throttle_second_step(request, user_id)
    secret = request.session.get(CANDIDATE)
    if not isinstance(secret, str):
        return Redirect(path=action, status_code=303)
    codes = await second_factor.enrol(
        actor_of(request), user_id, secret, code, completes_login=login
    )
    if codes is None:
        await totp.count_failure(request.app.state.redis, user_id, _source(request))
        return await _enrol_page(
            request,
            user_id,
            action,
            error=_("The code is incorrect. Check the time on your phone and try again."),
            status=HTTP_400_BAD_REQUEST,
        )
    if login:
        request.set_session(new_session(user_id))
    else:  # a privilege change: a new session id, the same session
        session = {k: v for k, v in request.session.items() if k != CANDIDATE}
        request.set_session({**session, ROTATE: True, "seen": time.time()})
    return page(request, "practice/totp-recovery-codes.html", codes=codes)


@get("/login/enrol", opt=PUBLIC, include_in_schema=False)
async def enrol_at_login_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    user_id = pending_user(request.session, SecondFactor.ENROL.value)
    if user_id is None:
        return Redirect(path="/login", status_code=303)
    return await _enrol_page(request, user_id, "/login/enrol")


@post("/login/enrol", opt=PUBLIC, status_code=200, include_in_schema=False)
async def enrol_at_login(
    request: Request[Any, Any, Any], data: Annotated[CodeForm, Form]
) -> Template | Redirect:
    """Confirm the new secret with a code: the login completes, recovery codes are shown."""
    user_id = pending_user(request.session, SecondFactor.ENROL.value)
    if user_id is None:
        return Redirect(path="/login", status_code=303)
    return await _enrol_submit(request, user_id, data.code, "/login/enrol", login=True)


@get("/account/totp", opt=ANY_ROLE, include_in_schema=False)
async def account_totp_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    user: CurrentUser = request.user
    return await _enrol_page(request, user.id, "/account/totp")


@post("/account/totp", opt=ANY_ROLE, status_code=200, include_in_schema=False)
async def account_totp(
    request: Request[Any, Any, Any], data: Annotated[CodeForm, Form]
) -> Template | Redirect:
    """A logged-in user switches the second factor on."""
    user: CurrentUser = request.user
    return await _enrol_submit(request, user.id, data.code, "/account/totp", login=False)


router = Router(
    path="/",
    route_handlers=[
        totp_page,
        totp_submit,
        enrol_at_login_page,
        enrol_at_login,
        account_totp_page,
        account_totp,
    ],
)
