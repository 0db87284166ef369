"""The client's page behind the secure link of outcome monitoring (issue 20): no account, no
JavaScript, readable at 375 px. The link's token is the whole authority: it opens one
invitation's questionnaires, once, until it expires (``reporting.services.monitoring``).

A refused post shows the page again with every answer kept and each unanswered question
marked (400); a used or expired link answers 410 with a page that says what to do instead.
"""

from datetime import datetime
from typing import Any

from litestar import Request, Router, get, post
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT, HTTP_410_GONE

from practice.errors import Conflict, InvalidInput
from practice.platform.settings import Settings
from practice.web.auth import PUBLIC
from practice.web.forms import FormData, FormState, flat, form_struct, refused
from practice.web.portal import actor_of, page
from reporting.services import questionnaire_link as link

PAGE = "reporting/questionnaire-link.html"
GONE = "reporting/questionnaire-link-gone.html"
# The token is at most this long: a longer path segment is not one of ours.
MAX_TOKEN_LENGTH = 64


async def _open(token: str, now: datetime) -> link.OpenInvitation | None:
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return await link.open_invitation(token, now)
    except link.LinkNotUsable:
        return None


def _now(request: Request[Any, Any, Any]) -> datetime:
    settings: Settings = request.app.state.settings
    return datetime.now(settings.time_zone)


@get("/questionnaires/{token:str}", opt=PUBLIC, include_in_schema=False)
async def questionnaire_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    invitation = await _open(token, _now(request))
    if invitation is None:
        return page(request, GONE, status=HTTP_410_GONE)
    return page(request, PAGE, invitation=invitation, form_state=FormState(), done=False)


@post("/questionnaires/{token:str}", opt=PUBLIC, status_code=200, include_in_schema=False)
async def questionnaire_answers(
    request: Request[Any, Any, Any], token: FromPath[str], data: FormData
) -> Template:
    now = _now(request)
    invitation = await _open(token, now)
    if invitation is None:
        return page(request, GONE, status=HTTP_410_GONE)
    settings: Settings = request.app.state.settings
    values = flat(data)
    answers = link.answers_by_instrument(invitation.instruments, values)
    try:
        # Every problem at once: the unanswered questions and, at the follow-up, the hours.
        problems = link.missing_answers(invitation.instruments, answers)
        work = None
        if invitation.asks_work:
            try:
                fields = {k: values.get(k, "") for k in link.WORK_FIELDS}
                work = form_struct(link.FollowUpWork, fields)
                problems |= link.work_problems(work)
            except InvalidInput as exc:
                problems |= exc.fields
        if problems:
            raise InvalidInput(problems)
        await link.complete_invitation(
            token, answers, now=now, settings=settings, source=actor_of(request).source,
            follow_up_work=work,
        )  # fmt: skip
    except InvalidInput as exc:
        state = refused(request.url.path, data, exc.fields)
        return page(
            request,
            PAGE,
            status=HTTP_400_BAD_REQUEST,
            invitation=invitation,
            form_state=state,
            done=False,
        )
    except Conflict as exc:  # the episode was reopened since: the therapist asks instead
        state = refused(request.url.path, data, {}, exc.message)
        return page(
            request, PAGE, status=HTTP_409_CONFLICT, invitation=invitation, form_state=state,
            done=False,
        )  # fmt: skip
    except link.LinkNotUsable:
        return page(request, GONE, status=HTTP_410_GONE)
    return page(request, PAGE, invitation=invitation, form_state=FormState(), done=True)


router = Router(path="/", route_handlers=[questionnaire_page, questionnaire_answers])
