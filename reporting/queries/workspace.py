"""What reporting adds to the client page's summary header and timeline.

Called by the client page after its own access check and audit row; report contents never
appear here, only that a report was drafted, approved or sent, and when.
"""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor
from practice.platform.i18n import gettext as _
from practice.platform.templating import label
from practice.queries.timeline import SummaryFact, TimelineEvent
from reporting.interim_reports import named, short_title
from reporting.tables import Document, EmployerUpdate, Report


async def summary(actor: Actor, episode_id: int, today: date, tz: ZoneInfo) -> list[SummaryFact]:
    """Reports waiting for the therapist's review."""
    drafts = await Report.count().where((Report.episode == episode_id) & (Report.status == "draft"))
    if not drafts:
        return []
    return [SummaryFact(_("Reports to review"), str(drafts), "reports", warn=True)]


async def timeline(
    actor: Actor, episode_id: int, today: date, tz: ZoneInfo, limit: int | None
) -> list[TimelineEvent]:
    """Reports drafted and approved, documents stored, and updates to the employer: the
    newest ``limit`` of each when given."""
    events: list[TimelineEvent] = []

    def newest(query: Any, column: Any) -> Any:
        query = query.order_by(column, ascending=False)
        return query.limit(limit) if limit is not None else query

    reports = await newest(
        Report.select(
            Report.kind, Report.ordinal, Report.status, Report.drafted_at, Report.approved_at
        ).where(Report.episode == episode_id),
        Report.drafted_at,
    )
    for r in reports:
        name = short_title(r["kind"], r["ordinal"])
        events.append(
            TimelineEvent(r["drafted_at"], _("%(report)s drafted") % {"report": name}, "reports")
        )
        if r["approved_at"]:
            events.append(
                TimelineEvent(
                    r["approved_at"],
                    _("%(report)s approved") % {"report": name},
                    "reports",
                    label("report_status", r["status"]),
                )
            )
    documents = await newest(
        Document.select(
            Document.title,
            Document.kind,
            Document.report._.ordinal.as_alias("ordinal"),
            Document.created_at,
        ).where(Document.episode == episode_id),
        Document.created_at,
    )
    for d in named(documents):
        events.append(TimelineEvent(d["created_at"], _("Document stored"), "reports", d["name"]))
    updates = await newest(
        EmployerUpdate.select(EmployerUpdate.created_at).where(
            EmployerUpdate.episode == episode_id
        ),
        EmployerUpdate.created_at,
    )
    for u in updates:
        events.append(TimelineEvent(u["created_at"], _("Update sent to the employer"), "reports"))
    return events
