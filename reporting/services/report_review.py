"""The client's review of a report (``reporting.report_review``): when it opens, the
client's decision, and what the client, the therapist and the company doctor see of it."""

from datetime import UTC, datetime
from typing import Any

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.client_accounts import DEFAULT_REVIEW_DAYS
from practice.errors import Conflict, InvalidInput, Message, NotFound, one_of
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.platform.queue import JobQueue, enqueue_after_commit
from practice.platform.settings import Settings
from practice.queries.access import seat_active_on
from practice.tables import CaseAssignment, ClientAccount, TreatmentEpisode
from reporting import report_review as rules
from reporting.interim_reports import ReportStatus
from reporting.report_review import Decision
from reporting.tables import Report
from scheduling.queries.availability import working_days

PURPOSE = "treatment"
REVIEW_CLOSED = N_("This report no longer waits for your review.")
COMMENT_TOO_LONG = N_("Keep the comment under %(count)s characters.")


async def review_deadline(
    episode_id: int, approved_at: datetime, settings: Settings
) -> datetime | None:
    """Until when the episode's client may review a report approved at ``approved_at``:
    only a client with an active account, and only when the contract has review days."""
    episode = (
        await TreatmentEpisode.select(
            TreatmentEpisode.client,
            TreatmentEpisode.employment._.employer._.client_review_days.as_alias("days"),
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if episode is None:
        return None
    days = DEFAULT_REVIEW_DAYS if episode["days"] is None else int(episode["days"])
    has_account = await ClientAccount.exists().where(
        (ClientAccount.client == episode["client"])
        & ClientAccount.set_up_at.is_not_null()
        & ClientAccount.revoked_at.is_null()
        & (ClientAccount.user._.active == True)  # noqa: E712 - SQL
    )
    if not has_account:
        return None
    return rules.review_until(approved_at, days, await working_days(), settings.time_zone)


def awaiting_review(row: dict[str, Any], now: datetime) -> bool:
    return rules.awaiting(row.get("review_until"), row.get("review_decision"), now)


def _own(client_id: int) -> Any:
    return Report.episode.is_in(
        TreatmentEpisode.select(TreatmentEpisode.id).where(TreatmentEpisode.client == client_id)
    )


async def waiting_for(client_id: int, now: datetime) -> list[dict[str, Any]]:
    """The client's reports that wait for their review now, oldest first."""
    rows: list[dict[str, Any]] = (
        await Report.select(Report.id, Report.kind, Report.ordinal, Report.review_until)
        .where(
            _own(client_id)
            & (Report.status == ReportStatus.APPROVED.value)
            & Report.review_decision.is_null()
            & (Report.review_until >= now)
        )
        .order_by(Report.id)
    )
    return rows


async def report_to_review(actor: Actor, report_id: int, client_id: int) -> dict[str, Any]:
    """The report as the client reads it before deciding: what the therapist wrote."""
    row: dict[str, Any] | None = (
        await Report.select(
            Report.id,
            Report.kind,
            Report.ordinal,
            Report.status,
            Report.progress,
            Report.work_participation,
            Report.advice,
            Report.review_until,
            Report.review_decision,
            Report.reviewed_at,
            exclude_secrets=False,
        )
        .where((Report.id == report_id) & _own(client_id))
        .first()
    )
    if row is None:
        raise NotFound("No such report.")
    async with write_tx():
        await audit.record(
            actor, Action.READ, "report", report_id, purpose=PURPOSE, client_id=client_id
        )
    return row


async def decide(
    actor: Actor,
    *,
    report_id: int,
    client_id: int,
    decision: str,
    comment: str,
    queue: JobQueue | None,
    now: datetime | None = None,
) -> Decision:
    """The client agrees (delivered now) or withholds (never sent; the therapist's task)."""
    now = now or datetime.now(UTC)
    problems: dict[str, Any] = {}
    if decision not in {d.value for d in Decision}:
        problems["decision"] = one_of(d.value for d in Decision)
    text = comment.strip()
    if len(text) > rules.COMMENT_MAX:
        problems["comment"] = Message(COMMENT_TOO_LONG, count=rules.COMMENT_MAX)
    if problems:
        raise InvalidInput(problems)
    chosen = Decision(decision)
    fields: dict[Any, Any] = {
        Report.review_decision: chosen.value,
        Report.reviewed_at: now,
        Report.review_comment: text or None,
    }
    if chosen is Decision.WITHHELD:
        fields |= {
            Report.status: ReportStatus.BLOCKED.value,
            Report.blocked_reason: rules.WITHHELD_REASON,
        }
    async with write_tx():
        decided = (
            await Report.update(fields)
            .where(
                (Report.id == report_id)
                & _own(client_id)
                & (Report.status == ReportStatus.APPROVED.value)
                & Report.review_decision.is_null()
                & (Report.review_until >= now)
            )
            .returning(Report.id)
        )
        if not decided:
            raise Conflict(REVIEW_CLOSED)
        await audit.record(
            actor, Action.UPDATE, "report", report_id, purpose=PURPOSE, client_id=client_id
        )
        if chosen is Decision.AGREED and queue is not None:
            from reporting.services.reports import deliver_job

            enqueue_after_commit(queue, deliver_job(report_id))
    return chosen


async def withheld_for_doctor(actor: Actor, today: Any) -> list[dict[str, Any]]:
    """The reports withheld by the client on the cases ``actor`` is company doctor of today:
    that one was withheld, and when; nothing of its content, nor the client's comment."""
    episodes = CaseAssignment.select(CaseAssignment.episode).where(
        (CaseAssignment.user == actor.user_id)
        & (CaseAssignment.team_role == "company_doctor")
        & seat_active_on(today)
    )
    rows: list[dict[str, Any]] = (
        await Report.select(
            Report.id,
            Report.kind,
            Report.ordinal,
            Report.reviewed_at,
            Report.episode.as_alias("episode_id"),
            Report.episode._.client.as_alias("client_id"),
            Report.episode._.client._.name.as_alias("client_name"),
        )
        .where(Report.episode.is_in(episodes) & (Report.review_decision == Decision.WITHHELD.value))
        .order_by(Report.reviewed_at, ascending=False)
    )
    if rows:
        shown: list[tuple[int | str | None, int | None]] = sorted(
            {(int(r["id"]), int(r["client_id"])) for r in rows}
        )
        async with write_tx():
            await audit.record_many(actor, Action.SEARCH, "withheld_report", shown, purpose=PURPOSE)
    return rows
