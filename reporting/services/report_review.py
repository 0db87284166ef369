"""The client's review of a report (``reporting.report_review``): when it opens, the
client's decision, and what the client, the therapist and the company doctor see of it.

A client with an account reviews in the portal; a client without one, but with an e-mail
address, gets a secure link (only its SHA-256 is stored, on the report; the link works until
they decide or the review ends). A client the practice cannot reach is not asked."""

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any, NamedTuple

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.disclosure import Addressee, Sender
from practice.errors import Conflict, InvalidInput, Message, NotFound, one_of
from practice.name_search import name_matches
from practice.platform import outbox
from practice.platform.db import write_tx
from practice.platform.i18n import N_, Count
from practice.platform.queue import JobQueue, enqueue_after_commit
from practice.platform.settings import Settings
from practice.platform.templating import make_environment, render_email
from practice.queries.access import episodes_of_client, has_active_account, seat_active_on
from practice.services import disclosure
from practice.tables import CaseAssignment, TreatmentEpisode
from reporting import report_review as rules
from reporting.interim_reports import ReportStatus
from reporting.report_review import Decision
from reporting.tables import Report
from scheduling.queries.availability import working_days

PURPOSE = "treatment"
REVIEW_CLOSED = N_("This report no longer waits for your review.")
COMMENT_TOO_LONG = N_("Keep the comment under %(count)s characters.")
INVITATION = "reporting/report-review-invitation"


class LinkNotUsable(Exception):
    """The review link is unknown, decided or past its time: the page says so, shows nothing."""


def review_key(report_id: int | str) -> str:
    """The outbox key of the review link mailed for one report (one per report, ever)."""
    return f"report-review:{report_id}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def review_link(settings: Settings, token: str) -> str:
    return settings.link(f"/report-review/{token}")


class Plan(NamedTuple):
    """A review to open: until when, where, and the client it asks."""

    until: datetime
    channel: rules.Channel
    client_id: int
    name: str
    email: str | None


async def review_plan(episode_id: int, approved_at: datetime, settings: Settings) -> Plan | None:
    """The review of a report of the episode approved at ``approved_at``
    (``reporting.report_review``); None: no review, the report leaves as before."""
    episode = (
        await TreatmentEpisode.select(
            TreatmentEpisode.client,
            TreatmentEpisode.client._.name.as_alias("name"),
            TreatmentEpisode.client._.email.as_alias("email"),
            TreatmentEpisode.client._.report_review.as_alias("choice"),
            TreatmentEpisode.employment._.employer._.client_review_days.as_alias("days"),
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if episode is None:
        return None
    client_id, choice = int(episode["client"]), episode["choice"]
    channel = rules.review_channel(
        choice, await has_active_account(client_id), bool(episode["email"])
    )
    days = rules.review_days(episode["days"], choice)
    if channel is None or days == 0:
        return None
    until = rules.review_until(approved_at, days, await working_days(), settings.time_zone)
    if until is None:
        return None
    return Plan(until, channel, client_id, episode["name"], episode["email"])


async def review_deadline(
    episode_id: int, approved_at: datetime, settings: Settings
) -> datetime | None:
    """Until when the client may review a report approved at ``approved_at``, if at all."""
    plan = await review_plan(episode_id, approved_at, settings)
    return None if plan is None else plan.until


async def open_review(report_id: int, plan: Plan, settings: Settings, now: datetime) -> bool:
    """Open the client's review of an approved report, in the approval's transaction: in the
    portal, or by a link mailed to the client (exactly once, keyed by the report). False when
    the mail may not go to the client: no review then, the report leaves as before."""
    if plan.channel is rules.Channel.PORTAL:
        await Report.update({Report.review_until: plan.until}).where(Report.id == report_id)
        return True
    clearance = await disclosure.clear(
        Sender.REPORT_REVIEW_INVITATION, plan.client_id, Addressee.client(), now
    )
    if isinstance(clearance, disclosure.Refusal) or not plan.email:
        return False
    token = secrets.token_urlsafe(32)
    await Report.update(
        {Report.review_until: plan.until, Report.review_token_hash: _hash(token)}
    ).where(Report.id == report_id)
    context = {"name": plan.name, "link": review_link(settings, token), "until": plan.until}
    subject, body = render_email(make_environment(settings.time_zone), INVITATION, context, None)
    await outbox.queue_message(
        clearance, key=review_key(report_id), to_address=plan.email, subject=subject,
        body_text=body,
    )  # fmt: skip
    return True


def awaiting_review(row: dict[str, Any], now: datetime) -> bool:
    return rules.awaiting(row.get("review_until"), row.get("review_decision"), now)


def _own(client_id: int) -> Any:
    return Report.episode.is_in(episodes_of_client(client_id))


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


_REVIEW_FIELDS = (
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
    Report.review_comment,  # the client's own words, shown back to them
)


async def _read(actor: Actor, row: dict[str, Any] | None, client_id: int) -> dict[str, Any]:
    if row is None:
        raise NotFound("No such report.")
    async with write_tx():
        await audit.record(
            actor, Action.READ, "report", int(row["id"]), purpose=PURPOSE, client_id=client_id
        )
    return row


async def report_to_review(actor: Actor, report_id: int, client_id: int) -> dict[str, Any]:
    """The report as the client reads it before deciding: what the therapist wrote."""
    row: dict[str, Any] | None = (
        await Report.select(*_REVIEW_FIELDS, exclude_secrets=False)
        .where((Report.id == report_id) & _own(client_id))
        .first()
    )
    return await _read(actor, row, client_id)


async def _by_link(token: str, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await Report.select(
            *_REVIEW_FIELDS,
            Report.episode._.client.as_alias("client_id"),
            exclude_secrets=False,
        )
        .where(Report.review_token_hash == _hash(token))
        .first()
    )
    if (
        row is None
        or row["status"] != ReportStatus.APPROVED.value
        or not rules.awaiting(row["review_until"], row["review_decision"], now)
    ):
        raise LinkNotUsable
    return row


async def report_by_link(actor: Actor, token: str, now: datetime) -> dict[str, Any]:
    """The report behind a mailed review link, while it waits for the client's decision."""
    row = await _by_link(token, now)
    return await _read(actor, row, int(row["client_id"]))


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
    return await _decide(actor, report_id, client_id, decision, comment, queue, now)


async def decide_by_link(
    actor: Actor,
    token: str,
    *,
    decision: str,
    comment: str,
    queue: JobQueue | None,
    now: datetime | None = None,
) -> tuple[Decision, dict[str, Any]]:
    """The client's decision through the mailed link; the link stops working with it.
    Returns the decision and the report as decided (for the page that confirms it)."""
    now = now or datetime.now(UTC)
    row = await _by_link(token, now)
    try:
        chosen = await _decide(
            actor, int(row["id"]), int(row["client_id"]), decision, comment, queue, now
        )
    except Conflict:
        raise LinkNotUsable from None
    return chosen, row | {"review_decision": chosen.value, "reviewed_at": now}


async def _decide(
    actor: Actor,
    report_id: int,
    client_id: int,
    decision: str,
    comment: str,
    queue: JobQueue | None,
    now: datetime,
) -> Decision:
    problems: dict[str, Any] = {}
    if decision not in {d.value for d in Decision}:
        problems["decision"] = one_of(d.value for d in Decision)
    text = comment.strip()
    if len(text) > rules.COMMENT_MAX:
        problems["comment"] = Message(COMMENT_TOO_LONG, count=Count(rules.COMMENT_MAX))
    if problems:
        raise InvalidInput(problems)
    chosen = Decision(decision)
    fields: dict[Any, Any] = {
        Report.review_decision: chosen.value,
        Report.reviewed_at: now,
        Report.review_comment: text or None,
        Report.review_token_hash: None,  # a mailed link is spent with the decision
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


async def withheld_for_doctor(actor: Actor, today: Any, search: str = "") -> list[dict[str, Any]]:
    """The reports withheld by the client on the cases ``actor`` is company doctor of today
    (with ``search``, of the clients whose name holds it): that one was withheld, and when;
    nothing of its content, nor the client's comment."""
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
    rows = [r for r in rows if name_matches(search, r["client_name"])]
    if rows:
        shown: list[tuple[int | str | None, int | None]] = sorted(
            {(int(r["id"]), int(r["client_id"])) for r in rows}
        )
        async with write_tx():
            await audit.record_many(actor, Action.SEARCH, "withheld_report", shown, purpose=PURPOSE)
    return rows
