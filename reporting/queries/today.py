"""Reporting's panel of the therapist's start view: the report drafts waiting for their
approval (a today panel, registered in ``practice.composition.wiring``). The caller audits
the clients it names."""

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor
from practice.platform.db import among
from reporting.interim_reports import ReportStatus
from reporting.tables import Report


async def drafts_to_approve(
    actor: Actor, episode_ids: Sequence[int], today: date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """The drafts of the episodes on the actor's caseload (``episode_ids``): the earliest due
    first, then the oldest draft."""
    if not episode_ids:
        return []
    rows = await Report.select(
        Report.id,
        Report.episode.as_alias("episode_id"),
        Report.kind,
        Report.ordinal,
        Report.due_on,
        Report.drafted_at,
        Report.episode._.client.as_alias("client_id"),
        Report.episode._.client._.name.as_alias("client_name"),
    ).where(among(Report.episode, episode_ids) & (Report.status == ReportStatus.DRAFT.value))
    for row in rows:
        row["overdue"] = row["due_on"] is not None and row["due_on"] < today
        row["drafted_at"] = row["drafted_at"].astimezone(tz)
    return sorted(
        rows, key=lambda r: (r["due_on"] is None, r["due_on"] or date.max, r["drafted_at"])
    )
