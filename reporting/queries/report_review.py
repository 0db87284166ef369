"""The client's review of reports as facts for the task list: the reports they withheld
(``practice.task_rules._report_withheld``)."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from practice.platform.db import among
from practice.tasks import FactPatch, WithheldReport
from reporting.report_review import Decision
from reporting.tables import Report


async def episode_facts(episode_ids: Sequence[int], tz: ZoneInfo) -> dict[int, FactPatch]:
    if not episode_ids:
        return {}
    rows = (
        await Report.select(
            Report.id, Report.episode, Report.kind, Report.ordinal, Report.reviewed_at
        )
        .where(among(Report.episode, episode_ids))
        .where(Report.review_decision == Decision.WITHHELD.value)
        .order_by(Report.id)
    )
    withheld: dict[int, list[WithheldReport]] = {}
    for row in rows:
        report = WithheldReport(
            int(row["id"]),
            row["kind"],
            int(row["ordinal"]),
            row["reviewed_at"].astimezone(tz).date(),
        )
        withheld.setdefault(int(row["episode"]), []).append(report)
    return {episode: {"withheld_reports": tuple(found)} for episode, found in withheld.items()}
