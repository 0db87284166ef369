"""The therapist's reports on the client page: drafts to review, approve, and what was sent."""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Router, post
from litestar.params import FromPath
from litestar.response import Redirect

from practice.audit.trail import Actor
from practice.web.episode_page import EpisodeSection, back_to_episode
from reporting.queries.records import episode_reports, report_count
from reporting.services import reports as services
from reporting.tables import Document
from reporting.web.portals import THERAPIST, _report_episode, _writer

# As with sessions: the latest reports by default, the whole list one link away; drafts and
# blocked reports are always shown, since they wait for the therapist.
LATEST_REPORTS = 10


async def reports_section(
    actor: Actor, episode_id: int, client_id: int, today: date, tz: ZoneInfo, everything: bool
) -> dict[str, Any]:
    """Reports of the episode (the page itself is audited) and its stored documents."""
    latest = None if everything else LATEST_REPORTS
    reports = await episode_reports(episode_id, latest=latest)
    documents = (
        Document.select(Document.id, Document.title, Document.created_at)
        .where(Document.episode == episode_id)
        .order_by(Document.id, ascending=False)
    )
    return {
        "reports": reports,
        "report_count": await report_count(episode_id),
        "documents": list(
            reversed(await (documents if latest is None else documents.limit(latest)))
        ),
        "document_count": await Document.count().where(Document.episode == episode_id),
    }


SECTION = EpisodeSection("reporting/episode-reports.html", reports_section)


@post("/reports/{report_id:int}/approval", opt=THERAPIST, include_in_schema=False)
async def approve(request: Request[Any, Any, Any], report_id: FromPath[int]) -> Redirect:
    """Approve from the client page: delivered to the company doctor of record, exactly once."""
    episode_id = await _report_episode(report_id)
    actor = await _writer(request, episode_id)
    await services.approve_report(actor, report_id=report_id, queue=request.app.state.queue)
    return back_to_episode(episode_id)


router = Router(path="/", route_handlers=[approve])
