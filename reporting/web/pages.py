"""The therapist's reports on the client page: drafts to review, approve, and what was sent."""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Router, post
from litestar.params import FromPath
from litestar.response import Redirect

from practice.audit.trail import Actor
from practice.web.episode_page import EpisodeSection, back_to_episode
from reporting.queries.documents import episode_documents
from reporting.queries.records import episode_reports, report_count
from reporting.queries.reports import report_episode
from reporting.services import reports as services
from reporting.web.portals import THERAPIST, _writer

# As with sessions: the latest reports by default, the whole list one link away; drafts and
# blocked reports are always shown, since they wait for the therapist.
LATEST_REPORTS = 10


async def reports_section(
    actor: Actor, episode_id: int, client_id: int, today: date, tz: ZoneInfo, everything: bool
) -> dict[str, Any]:
    """Reports of the episode (the page itself is audited) and its stored documents."""
    latest = None if everything else LATEST_REPORTS
    reports = await episode_reports(episode_id, latest=latest)
    documents, document_count = await episode_documents(episode_id, latest=latest)
    return {
        "reports": reports,
        "report_count": await report_count(episode_id),
        "documents": documents,
        "document_count": document_count,
    }


SECTION = EpisodeSection("reporting/episode-reports.html", reports_section)


@post("/reports/{report_id:int}/approval", opt=THERAPIST, include_in_schema=False)
async def approve(request: Request[Any, Any, Any], report_id: FromPath[int]) -> Redirect:
    """Approve from the client page: delivered to the company doctor of record, exactly once."""
    episode_id = await report_episode(report_id)
    actor = await _writer(request, episode_id)
    await services.approve_report(actor, report_id=report_id, queue=request.app.state.queue)
    return back_to_episode(episode_id)


router = Router(path="/", route_handlers=[approve])
