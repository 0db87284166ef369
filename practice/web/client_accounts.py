"""Doors of the client's own account (issue 20).

- The therapist invites the client (again) and revokes the account from the client page's
  consents section (``/episodes/{id}/client-account/…``; the record's writer only).
- The client opens the invitation's link (``/client-account/{token}``, public, single use),
  sets a password and chooses the second factor; with an app the enrolment of
  ``practice.web.account`` follows, with e-mail the session starts at once (the link came
  by e-mail: the mailbox is proven).
- At each later login with the e-mail factor: ``/login/email-code`` (the code is sent as the
  password is accepted; a new one can be asked for).
"""

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_401_UNAUTHORIZED, HTTP_410_GONE

from practice import client_accounts as rules
from practice import totp
from practice.errors import Conflict, Gone, InvalidInput
from practice.platform.i18n import gettext as _
from practice.services import client_accounts
from practice.totp import SecondFactor
from practice.web.account import CodeForm, throttle_second_step
from practice.web.auth import PUBLIC, end_sessions_of, new_session, pending_session, pending_user
from practice.web.episode_common import THERAPIST, episode_writer
from practice.web.episode_page import refused_on_episode
from practice.web.episode_sections import back_to_episode
from practice.web.forms import FormData, FormState, refused
from practice.web.portal import Form, actor_of, page

SECTION = "consents"
SET_UP = "practice/client-account-set-up.html"
GONE = "practice/client-account-gone.html"
EMAIL_CODE = "practice/login-email-code.html"
EMAIL_CODE_PATH = "/login/email-code"


# ---------------------------------------------------------------- the therapist


@post(
    "/episodes/{episode_id:int}/client-account/invitation", opt=THERAPIST, include_in_schema=False
)
async def invite(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Redirect | Template:
    actor = await episode_writer(request, episode_id)
    try:
        await client_accounts.invite(
            actor,
            episode_id=episode_id,
            settings=request.app.state.settings,
            queue=request.app.state.queue,
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_episode(request, episode_id, SECTION, data, exc)
    return back_to_episode(episode_id, SECTION)


@post(
    "/episodes/{episode_id:int}/client-account/revocation", opt=THERAPIST, include_in_schema=False
)
async def revoke(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Redirect | Template:
    actor = await episode_writer(request, episode_id)
    try:
        user_id = await client_accounts.revoke(actor, episode_id=episode_id)
    except Conflict as exc:
        return await refused_on_episode(request, episode_id, SECTION, data, exc)
    await end_sessions_of(request.app.state.redis, user_id)
    return back_to_episode(episode_id, SECTION)


class ReviewChoiceForm(msgspec.Struct):
    report_review: Annotated[str, msgspec.Meta(max_length=16)] = ""


@post("/episodes/{episode_id:int}/report-review", opt=THERAPIST, include_in_schema=False)
async def report_review(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    data: Annotated[ReviewChoiceForm, Form],
) -> Redirect | Template:
    """Whether the client wants to read reports before they leave (reporting.report_review)."""
    actor = await episode_writer(request, episode_id)
    try:
        await client_accounts.record_review_choice(
            actor, episode_id=episode_id, choice=data.report_review
        )
    except InvalidInput as exc:
        return await refused_on_episode(
            request, episode_id, SECTION, msgspec.structs.asdict(data), exc
        )
    return back_to_episode(episode_id, SECTION)


# ---------------------------------------------------------------- the client sets up


class SetUpForm(msgspec.Struct):
    password: Annotated[str, msgspec.Meta(max_length=256)] = ""
    password_again: Annotated[str, msgspec.Meta(max_length=256)] = ""
    factor: Annotated[str, msgspec.Meta(max_length=16)] = ""


def _set_up_page(
    request: Request[Any, Any, Any],
    found: client_accounts.Invitation,
    *,
    form_state: FormState | None = None,
    status: int = 200,
) -> Template:
    return page(
        request,
        SET_UP,
        status=status,
        invitation=found,
        factors=rules.FACTOR_LABELS,
        form_state=form_state or FormState(),
    )


@get("/client-account/{token:str}", opt=PUBLIC, include_in_schema=False)
async def set_up_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    try:
        found = await client_accounts.invitation(token)
    except Gone:
        return page(request, GONE, status=HTTP_410_GONE)
    return _set_up_page(request, found)


@post("/client-account/{token:str}", opt=PUBLIC, status_code=303, include_in_schema=False)
async def set_up(
    request: Request[Any, Any, Any], token: FromPath[str], data: Annotated[SetUpForm, Form]
) -> Template | Redirect:
    try:
        found = await client_accounts.invitation(token)
        user_id, step = await client_accounts.set_up(
            actor_of(request),
            token=token,
            password=data.password,
            password_again=data.password_again,
            factor=data.factor,
        )
    except Gone:
        return page(request, GONE, status=HTTP_410_GONE)
    except InvalidInput as exc:
        # The passwords are never sent back into the page; the choice of factor is.
        kept = {"factor": data.factor}
        state = refused(request.url.path, kept, exc.fields)
        return _set_up_page(request, found, form_state=state, status=HTTP_400_BAD_REQUEST)
    if step is SecondFactor.ENROL:
        request.set_session(pending_session(user_id, step.value))
        return Redirect(path="/login/enrol", status_code=303)
    request.set_session(new_session(user_id))
    return Redirect(path="/", status_code=303)


# ---------------------------------------------------------------- the code by e-mail


@get(EMAIL_CODE_PATH, opt=PUBLIC, include_in_schema=False)
async def email_code_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    if pending_user(request.session, SecondFactor.EMAIL.value) is None:
        return Redirect(path="/login", status_code=303)
    return page(request, EMAIL_CODE, error=None, minutes=rules.EMAIL_CODE_MINUTES)


@post(EMAIL_CODE_PATH, opt=PUBLIC, status_code=303, include_in_schema=False)
async def email_code(
    request: Request[Any, Any, Any], data: Annotated[CodeForm, Form]
) -> Template | Redirect:
    user_id = pending_user(request.session, SecondFactor.EMAIL.value)
    if user_id is None:
        return Redirect(path="/login", status_code=303)
    await throttle_second_step(request, user_id)
    if not await client_accounts.check_login_code(actor_of(request), user_id, data.code):
        await totp.count_failure(
            request.app.state.redis, user_id, actor_of(request).source or "unknown"
        )
        return page(
            request,
            EMAIL_CODE,
            status=HTTP_401_UNAUTHORIZED,
            error=_("The code is incorrect, has expired or has been used already."),
            minutes=rules.EMAIL_CODE_MINUTES,
        )
    request.set_session(new_session(user_id))
    return Redirect(path="/", status_code=303)


@post(EMAIL_CODE_PATH + "/new", opt=PUBLIC, status_code=303, include_in_schema=False)
async def new_email_code(request: Request[Any, Any, Any]) -> Redirect:
    """Another code (the one before stops working), while the login is still pending."""
    user_id = pending_user(request.session, SecondFactor.EMAIL.value)
    if user_id is None:
        return Redirect(path="/login", status_code=303)
    await throttle_second_step(request, user_id)
    await client_accounts.send_login_code(
        user_id, request.app.state.settings, request.app.state.queue
    )
    return Redirect(path=EMAIL_CODE_PATH + "?sent=1", status_code=303)


router = Router(
    path="/",
    route_handlers=[
        invite,
        revoke,
        report_review,
        set_up_page,
        set_up,
        email_code_page,
        email_code,
        new_email_code,
    ],
)
