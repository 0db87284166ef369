"""The review page behind the link mailed to a client without an account (issue 20): the
report the therapist approved for the company doctor, and the form to agree or withhold it.
No account, no JavaScript; the link's token is the whole authority and is spent with the
decision (``reporting.services.report_review``). A spent, expired or unknown link answers
410 with a page that shows nothing of any report.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_410_GONE

from practice.errors import InvalidInput
from practice.web.auth import PUBLIC
from practice.web.forms import FormState, refused
from practice.web.portal import Form, actor_of, page
from reporting.report_review import DECISION_LABELS
from reporting.services import report_review
from reporting.services.questionnaire_link import client_actor
from reporting.web.client_portal import REVIEW, ReviewForm

GONE = "reporting/report-review-gone.html"
# The token is at most this long: a longer path segment is not one of ours.
MAX_TOKEN_LENGTH = 64


def _show(
    request: Request[Any, Any, Any],
    token: str,
    report: dict[str, Any],
    *,
    form_state: FormState | None = None,
    status: int = 200,
) -> Template:
    return page(
        request,
        REVIEW,
        status=status,
        report=report,
        action=f"/report-review/{token}",
        open=report_review.awaiting_review(report, datetime.now(UTC)),
        decisions=DECISION_LABELS,
        form_state=form_state or FormState(),
    )


@get("/report-review/{token:str}", opt=PUBLIC, include_in_schema=False)
async def review_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    actor = client_actor(actor_of(request).source)
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise report_review.LinkNotUsable
        report = await report_review.report_by_link(actor, token, datetime.now(UTC))
    except report_review.LinkNotUsable:
        return page(request, GONE, status=HTTP_410_GONE)
    return _show(request, token, report)


@post("/report-review/{token:str}", opt=PUBLIC, status_code=200, include_in_schema=False)
async def review_decision(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    data: Annotated[ReviewForm, Form],
) -> Template:
    """Agree (delivered now) or withhold (not sent; the therapist hears), once."""
    actor = client_actor(actor_of(request).source)
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise report_review.LinkNotUsable
        _, decided = await report_review.decide_by_link(
            actor,
            token,
            decision=data.decision,
            comment=data.comment,
            queue=request.app.state.queue,
        )
    except report_review.LinkNotUsable:
        return page(request, GONE, status=HTTP_410_GONE)
    except InvalidInput as exc:
        state = refused(request.url.path, msgspec.structs.asdict(data), exc.fields)
        try:
            report = await report_review.report_by_link(actor, token, datetime.now(UTC))
        except report_review.LinkNotUsable:
            return page(request, GONE, status=HTTP_410_GONE)
        return _show(request, token, report, form_state=state, status=HTTP_400_BAD_REQUEST)
    return _show(request, token, decided)


router = Router(path="/", route_handlers=[review_page, review_decision])
