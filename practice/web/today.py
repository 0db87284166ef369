"""The therapist's overviews: the start view "Vandaag" (today) and the caseload.

Both are plain GET pages. The caseload's filters are a GET form whose values come back in the
address bar; a value the page cannot read is ignored (``practice.caseload_view``), never an
error.
"""

from typing import Any

from litestar import Request, Router, get
from litestar.response import Template

from practice.accounts import Role
from practice.caseload_view import CASELOAD_STAGES, CaseloadSort, CaseloadView
from practice.name_search import SEARCH_MAX_LENGTH
from practice.queries import caseload as caseload_queries
from practice.queries import today as today_queries
from practice.web.auth import roles
from practice.web.episode_common import request_context
from practice.web.portal import page

THERAPIST = roles(Role.THERAPIST)
_VIEW_PARAMS = ("stage", "employer", "overdue", "q", "sort")


@get("/today", opt=THERAPIST, include_in_schema=False)
async def today(request: Request[Any, Any, Any]) -> Template:
    """Today's appointments, drafts to approve, overdue work and the new referrals."""
    actor, day, settings = request_context(request)
    view = await today_queries.today_view(actor, day, settings.time_zone)
    return page(request, "practice/today.html", today=day, view=view)


@get("/caseload", opt=THERAPIST, include_in_schema=False)
async def caseload(request: Request[Any, Any, Any]) -> Template:
    """The therapist's clients: filtered by stage, employer and overdue work, searched by
    name, sorted; each with their stage, next appointment and open tasks (days left)."""
    actor, day, settings = request_context(request)
    query = {name: str(request.query_params.get(name) or "") for name in _VIEW_PARAMS}
    view = CaseloadView.parse(query)
    shown = await caseload_queries.caseload_page(actor, day, settings.time_zone, view)
    return page(request, "practice/caseload.html", **caseload_context(shown))


def caseload_context(shown: caseload_queries.CaseloadPage) -> dict[str, Any]:
    """What ``practice/caseload.html`` needs besides the user (the bench renders it too)."""
    return {
        "entries": shown.entries,
        "shown_clients": shown.shown_clients,
        "total_clients": shown.total_clients,
        "employers": shown.employers,
        "stages": [s.value for s in CASELOAD_STAGES],
        "sorts": [s.value for s in CaseloadSort],
        "view": shown.view,
        "search_max_length": SEARCH_MAX_LENGTH,
    }


router = Router(path="/", route_handlers=[today, caseload])
