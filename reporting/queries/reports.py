"""The therapist's reads of reports: which episode a report or meeting belongs to (for the
relation guard), a report and the episode's reports, each read audited naming the client."""

from typing import Any

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import NotFound
from practice.platform.db import write_tx
from reporting.queries.records import episode_reports
from reporting.tables import Report
from scheduling.tables import Appointment

PURPOSE = "reporting"


async def report_episode(report_id: int) -> int:
    """The episode of the report; 404 when there is no such report."""
    row = await Report.select(Report.episode).where(Report.id == report_id).first()
    if row is None:
        raise NotFound("No such report.")
    return int(row["episode"])


async def appointment_episode(appointment_id: int) -> int:
    """The episode of the appointment (of the meeting whose minutes are written); else 404."""
    row = (
        await Appointment.select(Appointment.episode)
        .where(Appointment.id == appointment_id)
        .first()
    )
    if row is None:
        raise NotFound("No such appointment.")
    return int(row["episode"])


async def read_episode_reports(
    actor: Actor, episode_id: int, client_id: int
) -> list[dict[str, Any]]:
    """The episode's reports, for a therapist already let in; the read is audited."""
    rows = await episode_reports(episode_id)
    async with write_tx():
        await audit.record(
            actor, Action.READ, "reports", episode_id, purpose=PURPOSE, client_id=client_id
        )
    return rows


async def read_report(actor: Actor, report_id: int, client_id: int) -> dict[str, Any] | None:
    """One report with its text, for a therapist already let in; the read is audited."""
    row: dict[str, Any] | None = (
        await Report.select(exclude_secrets=False).where(Report.id == report_id).first()
    )
    async with write_tx():
        await audit.record(
            actor, Action.READ, "report", report_id, purpose=PURPOSE, client_id=client_id
        )
    return row
