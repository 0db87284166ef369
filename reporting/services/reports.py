"""Use cases of reports: draft (the sweep), edit and approve (the therapist), and deliver
(the job) interim reports and briefings.

Exactly once, whatever runs twice: every effect has a unique key in the database (report per
episode/kind/ordinal, document per report version, delivery per document/recipient/channel,
employer update per episode/trigger, message per key). Jobs may repeat; effects do not.

The other ways of telling others live beside it, each imported from its own module:
`reporting.services.employer_updates` (employer updates), `reporting.services.follow_ups`
(follow-up invitations) and `reporting.services.documents` (minutes and the
relapse-prevention plan).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.custom_types import Combinable

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Channel, Outcome
from practice.case_team import active_on
from practice.consent import Purpose, Recipient, why_not_sendable
from practice.disclosure import Addressee, Audience, Sender
from practice.episodes import REPORTING_STATUSES
from practice.errors import Conflict, InvalidInput, Message, NotFound
from practice.platform import outbox
from practice.platform.db import among, write_tx
from practice.platform.i18n import N_
from practice.platform.i18n import gettext as _
from practice.platform.queue import JobQueue, enqueue_after_commit
from practice.platform.settings import Settings
from practice.platform.templating import make_environment, render_email
from practice.queries.episodes import load_facts
from practice.services import disclosure
from practice.tables import CaseAssignment, Screening, TreatmentEpisode, User
from practice.tasks import TaskKind, derive_tasks
from reporting import interim_reports
from reporting.documents import letterhead, render_html, render_pdf_async
from reporting.interim_reports import (
    BRIEFING,
    INTERIM_REPORT,
    MILESTONE_REPORT,
    ReportFacts,
    ReportStatus,
)
from reporting.labels import REPORT_STATUS_LABELS
from reporting.queries.records import client_of, consent_records_of, team_members
from reporting.queries.report_record import author, client_header, report_record
from reporting.services import report_review
from reporting.statistics import charts
from reporting.tables import Delivery, Document, Report

PURPOSE = "reporting"
SYSTEM = Actor.system(Channel.WORKER)
# The one template of the briefing and the interim reports: the PDF and the preview page.
DOCUMENT_TEMPLATE = "reporting/interim-report/document.html"


# ---------------------------------------------------------------- drafting (the sweep)

# The report the sweep drafts for each kind of task (only their rules run, for every
# episode). A briefing is one per episode (ordinal 0); an interim report is numbered by its
# held session, a milestone report by the milestone's week (the task's ordinal).
REPORT_OF_TASK = {
    TaskKind.COMPANY_DOCTOR_BRIEFING: BRIEFING,
    TaskKind.INTERIM_REPORT: INTERIM_REPORT,
    TaskKind.MILESTONE_REPORT: MILESTONE_REPORT,
}


async def reporting_episode_ids() -> list[int]:
    """The episodes whose reports the sweep drafts (`REPORTING_STATUSES`), in id order."""
    rows = (
        await TreatmentEpisode.select(TreatmentEpisode.id)
        .where(TreatmentEpisode.status.is_in([s.value for s in REPORTING_STATUSES]))
        .order_by(TreatmentEpisode.id)
    )
    return [int(row["id"]) for row in rows]


async def draft_due_reports(
    today: date,
    tz: ZoneInfo,
    of: Sequence[int] | None = None,
    *,
    between: tuple[int, int] | None = None,
) -> list[int]:
    """Create the draft of every report that the task rules say is due and has no draft;
    of the episodes ``of`` only, when given (a held session's sweep of its episode); of
    those with an id from ``between[0]`` to ``between[1]``, when given (a block of the
    sweep, `reporting.jobs.draft_reports`)."""
    if of is not None and not of:
        return []
    scope: Combinable = TreatmentEpisode.status.is_in([s.value for s in REPORTING_STATUSES])
    if of is not None:
        scope &= among(TreatmentEpisode.id, of)
    if between is not None:
        scope &= (TreatmentEpisode.id >= between[0]) & (TreatmentEpisode.id <= between[1])
    episodes = await TreatmentEpisode.select(TreatmentEpisode.id).where(scope)
    ids = [int(e["id"]) for e in episodes]
    if not ids:
        return []
    # The reports drafted before, in one read: a task the rules still see as open (not yet
    # sent) cost a transaction per sweep to find its draft there (on bench M, 90,000).
    kinds = Report.kind.is_in(list(REPORT_OF_TASK.values()))
    everything = of is None and between is None
    drafted = {
        (int(r["episode"]), str(r["kind"]), int(r["ordinal"]))
        for r in await Report.select(Report.episode, Report.kind, Report.ordinal).where(
            kinds if everything else kinds & among(Report.episode, ids)
        )
    }
    created: list[int] = []
    for episode_id, (facts, rules) in (await load_facts(ids, tz)).items():
        for task in derive_tasks(facts, today, rules, kinds=REPORT_OF_TASK):
            kind = REPORT_OF_TASK[task.kind]
            ordinal = 0 if kind == BRIEFING else task.ordinal
            if task.done_on is not None or ordinal is None:
                continue
            if (episode_id, kind, ordinal) in drafted:
                continue
            report_id = await _draft(episode_id, kind, ordinal, task.due_on)
            if report_id is not None:
                created.append(report_id)
    return created


async def _draft(episode_id: int, kind: str, ordinal: int, due_on: date | None) -> int | None:
    async with write_tx():
        if await Report.exists().where(
            (Report.episode == episode_id) & (Report.kind == kind) & (Report.ordinal == ordinal)
        ):
            return None
        text = interim_reports.draft(await _facts(episode_id, kind, ordinal))
        rows = (
            await Report.insert(
                Report(
                    episode=episode_id,
                    kind=kind,
                    ordinal=ordinal,
                    due_on=due_on,
                    progress=text.progress,
                    work_participation=text.work_participation,
                    advice=text.advice,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(Report.id)
        )
        if not rows:
            return None
        await audit.record(SYSTEM, Action.CREATE, "report", rows[0]["id"], purpose=PURPOSE)
        return int(rows[0]["id"])


# The screening's free texts in a briefing's draft, by the names the screening form gives
# them; the need for intervention is the draft's advice (the treatment advice).
SCREENING_TEXTS = {
    "work_factors": N_("Work factors"),
    "functioning_impact": N_("Impact on functioning"),
}


async def _facts(episode_id: int, kind: str, ordinal: int) -> ReportFacts:
    screening = (
        await Screening.select(
            Screening.work_factors,
            Screening.functioning_impact,
            Screening.intervention_need,
            exclude_secrets=False,
        )
        .where(Screening.episode == episode_id)
        .first()
    )
    summary = None
    if screening:
        # Each finding under its name, as the screening form asks for it.
        summary = "\n".join(
            f"{_(text)}: {screening[name]}"
            for name, text in SCREENING_TEXTS.items()
            if screening[name]
        )
    # Only the number of held sessions is drafted, not their dates: any zone counts them.
    return ReportFacts(
        kind=kind,
        ordinal=ordinal,
        record=await report_record(episode_id, ZoneInfo("UTC")),
        screening_summary=summary,
        treatment_advice=screening["intervention_need"] if screening else None,
    )


async def redraft_as_of(
    report_id: int, episode_id: int, kind: str, ordinal: int, day: date
) -> None:
    """A draft's starting text again, from the record as it stood at the end of `day`: a
    report of a history loaded afterwards (the demo) was drafted back then, and its text
    said 8 sessions held beside a record of 5."""
    facts = await _facts(episode_id, kind, ordinal)
    text = interim_reports.draft(replace(facts, record=facts.record.as_of(day)))
    async with write_tx():
        await Report.update(
            {
                Report.progress: text.progress,
                Report.work_participation: text.work_participation,
                Report.advice: text.advice,
            }
        ).where(_still_a_draft(report_id))


# ---------------------------------------------------------------- the therapist's part


# A section is a few paragraphs; a whole book in one is a mistake (or an attack).
SectionText = Annotated[str, msgspec.Meta(max_length=20_000)]


class ReportText(msgspec.Struct, forbid_unknown_fields=True):
    """The therapist's text of a draft, section by section: a section left out keeps its
    text, so the portal edits one section per form and the JSON door any number at once."""

    progress: SectionText | msgspec.UnsetType = msgspec.UNSET
    work_participation: SectionText | msgspec.UnsetType = msgspec.UNSET
    advice: SectionText | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> dict[str, str]:
        """The sections given, by name."""
        return {
            name: value
            for name in interim_reports.SECTIONS
            if isinstance(value := getattr(self, name), str)
        }


async def edit_report(actor: Actor, *, report_id: int, text: ReportText) -> None:
    changes = text.changes()
    if not changes:
        raise InvalidInput(dict.fromkeys(interim_reports.SECTIONS, "required"))
    async with write_tx():
        row = await _report(report_id)
        # Conditional, like the approval: an edit racing an approval never changes what
        # was approved.
        edited = (
            await Report.update({getattr(Report, name): value for name, value in changes.items()})
            .where(_still_a_draft(report_id))
            .returning(Report.id)
        )
        if not edited:
            raise Conflict("Only a draft can be edited.", allowed=[ReportStatus.DRAFT])
        await audit.record(
            actor,
            Action.UPDATE,
            "report",
            report_id,
            purpose=PURPOSE,
            client_id=await client_of(int(row["episode"])),
        )


async def approve_report(
    actor: Actor,
    *,
    report_id: int,
    queue: JobQueue | None,
    approved_at: datetime | None = None,
    settings: Settings | None = None,
) -> None:
    """The therapist's approval: only now may the report be rendered and delivered.

    ``approved_at`` records an approval of the past (a practice's history loaded afterwards,
    see ``record_past_deliveries``); the task rules date the report's work by it."""
    async with write_tx():
        row = await _report(report_id)
        blank = interim_reports.blank_sections(row)
        if approved_at is None and len(blank) == len(interim_reports.SECTIONS):
            raise InvalidInput(dict.fromkeys(blank, Message(interim_reports.EMPTY_REPORT)))
        # One conditional update decides: of two approvals at once, only the first finds a
        # draft (the second waits for its row lock on PostgreSQL, for the write lock on
        # SQLite, then updates nothing), so there is one approval, one audit row, one job.
        approved = (
            await Report.update(
                {
                    Report.status: ReportStatus.APPROVED,
                    Report.approved_at: approved_at or datetime.now(UTC),
                    Report.approved_by: actor.user_id,
                }
            )
            .where(_still_a_draft(report_id))
            .returning(Report.id)
        )
        if not approved:
            status = (await _report(report_id))["status"]
            raise Conflict(
                Message(
                    "This report is %(status)s, not a draft.",
                    status=Message(REPORT_STATUS_LABELS.get(status, status)),
                ),
                allowed=[ReportStatus.DRAFT],
            )
        # The client reads it first (reporting.report_review), in the portal or by a mailed
        # link; the delivery job waits until they agree or the time passes.
        if approved_at is None:  # not a report of the past, loaded afterwards
            now, config = datetime.now(UTC), settings or Settings.from_env()
            plan = await report_review.review_plan(int(row["episode"]), now, config)
            if plan is not None:
                await report_review.open_review(report_id, plan, config, now)
        await audit.record(
            actor,
            Action.UPDATE,
            "report",
            report_id,
            purpose=PURPOSE,
            client_id=await client_of(int(row["episode"])),
        )
        if queue is not None:
            enqueue_after_commit(queue, deliver_job(report_id))


def _still_a_draft(report_id: int) -> Any:
    return (Report.id == report_id) & (Report.status == ReportStatus.DRAFT)


async def _report(report_id: int) -> dict[str, Any]:
    row = await Report.select(exclude_secrets=False).where(Report.id == report_id).first()
    if row is None:
        raise NotFound("No such report.")
    return row


# ---------------------------------------------------------------- delivery (the job)


def deliver_job_id(report_id: int) -> str:
    """The queue job id of delivering one report (erasure removes it with the report)."""
    return f"deliver-report:{report_id}"


def document_notification_key(document_id: int, doctor_id: int | str) -> str:
    """The outbox key of the notice of one document to one company doctor;
    ``doctor_id="%"`` gives the LIKE pattern of all notices of that document."""
    return f"document-notification:{document_id}:{doctor_id}"


def deliver_job(report_id: int) -> Any:
    from practice.platform.queue import DueJob

    return DueJob("deliver_report", (report_id,), deliver_job_id(report_id))


async def deliver_report(settings: Settings, report_id: int, queue: JobQueue | None = None) -> str:
    """Render, store and deliver one approved report: exactly once, however often it runs.

    The PDF is rendered outside the transaction (it takes a while, in a child process);
    the document, the delivery, the notification and the status change commit together.
    A crash before the commit leaves the report approved, and the sweep runs this again.
    """
    prepared = await _prepare(settings, report_id)
    if isinstance(prepared, str):
        return prepared
    pdf = await render_pdf_async(prepared.html, title=prepared.title)
    return await _store_delivery(settings, prepared, pdf, queue)


# A document of the past, recorded afterwards, is stored before its PDF exists (an empty
# PDF, no hash): ``render_pending_document`` makes it the first time anyone reads it.
PENDING = b""


@dataclass(frozen=True)
class PastReport:
    """A report of the past: approved by whom and when, delivered when."""

    report_id: int
    approved_by: int
    approved_at: datetime
    delivered_at: datetime


async def record_past_reports(settings: Settings, past: Sequence[PastReport]) -> dict[int, str]:
    """Drafts that were approved and delivered in the past, recorded as such: for loading
    a practice's history afterwards (the demo's hundreds, so in bulk: a few statements for
    all, one audit statement per approver and one for the deliveries).

    The same rules as ``approve_report`` and ``deliver_report``, at those moments: only a
    draft is approved; it goes to the company doctor of record on the day, with the
    client's consent then, or is blocked with the reason. The document is dated and
    delivered at that moment. No notice is e-mailed: the doctor was told back then, and a
    notice today would announce a months-old document as new. The PDF is made on the first
    reading (``render_pending_document``), from the record as it stood that day: a render
    costs a few tenths of a second, and a history holds hundreds of documents.
    """
    tz = settings.time_zone
    wanted = {p.report_id: p for p in past}
    if not wanted:
        return {}
    async with write_tx():
        drafts = await Report.select(Report.id, Report.episode, Report.kind, Report.ordinal).where(
            among(Report.id, sorted(wanted)) & (Report.status == ReportStatus.DRAFT)
        )
        results = dict.fromkeys(wanted, "nothing to do")
        if not drafts:
            return results
        episodes = sorted({int(d["episode"]) for d in drafts})
        clients = {
            int(e["id"]): int(e["client"])
            for e in await TreatmentEpisode.select(
                TreatmentEpisode.id, TreatmentEpisode.client
            ).where(among(TreatmentEpisode.id, episodes))
        }
        seats = await CaseAssignment.select(
            CaseAssignment.episode,
            CaseAssignment.user,
            CaseAssignment.valid_from,
            CaseAssignment.valid_to,
        ).where(
            among(CaseAssignment.episode, episodes) & (CaseAssignment.team_role == "company_doctor")
        )
        consents = await consent_records_of(sorted(set(clients.values())))
        approved: dict[int, list[tuple[int | str | None, int | None]]] = {}
        documents: list[Document] = []
        doctors: dict[int, int] = {}
        for draft in drafts:
            item, episode_id = wanted[int(draft["id"])], int(draft["episode"])
            client_id = clients[episode_id]
            await Report.update(
                {
                    Report.status: ReportStatus.APPROVED,
                    Report.approved_at: item.approved_at,
                    Report.approved_by: item.approved_by,
                }
            ).where(_still_a_draft(item.report_id))
            approved.setdefault(item.approved_by, []).append((item.report_id, client_id))
            day = item.delivered_at.astimezone(tz).date()
            doctor = next(
                (
                    int(seat["user"])
                    for seat in seats
                    if int(seat["episode"]) == episode_id
                    and active_on(seat["valid_from"], seat["valid_to"], day)
                ),
                None,
            )
            problem = (
                "no company doctor of record"
                if doctor is None
                else why_not_sendable(
                    consents.get(client_id, []),
                    Recipient.COMPANY_DOCTOR,
                    interim_reports.consent_purpose(draft["kind"]),
                    item.delivered_at,
                    doctor,
                )
            )
            if problem or doctor is None:
                reason = problem or "no company doctor of record"
                await Report.update(
                    {Report.status: ReportStatus.BLOCKED, Report.blocked_reason: reason[:300]}
                ).where(Report.id == item.report_id)
                results[item.report_id] = ReportStatus.BLOCKED.value
                continue
            doctors[item.report_id] = doctor
            documents.append(
                Document(
                    episode=episode_id,
                    report=item.report_id,
                    kind=draft["kind"],
                    version=1,
                    title=interim_reports.title(draft["kind"], draft["ordinal"]),
                    pdf=PENDING,
                    sha256="",
                    created_at=item.delivered_at,
                )
            )
        for approver, rows in approved.items():
            actor = Actor(user_id=approver, role="therapist", source=None, channel=Channel.CLI)
            await audit.record_many(actor, Action.UPDATE, "report", rows, purpose=PURPOSE)
        blocked = [
            (report_id, clients[int(d["episode"])])
            for d in drafts
            if results[report_id := int(d["id"])] == ReportStatus.BLOCKED.value
        ]
        await audit.record_many(
            SYSTEM, Action.SEND, "report", blocked, purpose=PURPOSE, outcome=Outcome.DENIED
        )
        if not documents:
            return results
        stored = await Document.insert(*documents).returning(
            Document.id, Document.report, Document.episode
        )
        await Delivery.insert(
            *(
                Delivery(
                    document=row["id"],
                    recipient=doctors[int(row["report"])],
                    channel="portal",
                    delivered_at=wanted[int(row["report"])].delivered_at,
                )
                for row in stored
            )
        )
        sent = [int(row["report"]) for row in stored]
        await Report.update({Report.status: ReportStatus.SENT}).where(among(Report.id, sent))
        await audit.record_many(
            SYSTEM,
            Action.SEND,
            "document",
            [(int(row["id"]), clients[int(row["episode"])]) for row in stored],
            purpose=PURPOSE,
        )
        results.update(dict.fromkeys(sent, ReportStatus.SENT.value))
    return results


async def render_pending_document(settings: Settings, document_id: int) -> bytes:
    """The document's PDF, rendered and stored now if it was recorded before it had one (a
    delivery of the past): from the report as approved and the record as it stood on the
    day it was delivered, so whenever it is rendered it says the same. Stored once (of two
    renders at once the first wins); from then on it never changes, like any document."""
    row = (
        await Document.select(Document.pdf, Document.report, Document.created_at)
        .where(Document.id == document_id)
        .first()
    )
    if row is None:
        raise NotFound("No such document.")
    if bytes(row["pdf"]) != PENDING or row["report"] is None:
        return bytes(row["pdf"])
    report = await _report(int(row["report"]))
    day = row["created_at"].astimezone(settings.time_zone).date()
    context = await document_context(report, settings, author_id=report["approved_by"], today=day)
    context["record"] = context["record"].as_of(day)
    context["chart"] = _chart(context["record"])
    pdf = await render_pdf_async(
        render_html(DOCUMENT_TEMPLATE, context, tz=settings.time_zone), title=context["title"]
    )
    async with write_tx():
        await Document.update(
            {Document.pdf: pdf, Document.sha256: hashlib.sha256(pdf).hexdigest()}
        ).where((Document.id == document_id) & (Document.sha256 == ""))
        stored = await Document.select(Document.pdf).where(Document.id == document_id).first()
    return bytes(stored["pdf"]) if stored else pdf


def notice_sender(kind: str) -> Sender:
    """The registered sender of the notice of a document of ``kind`` to the company doctor:
    the briefing's own, or the interim reports' for every other (medical) kind, so the gate
    asks the consent ``interim_reports.consent_purpose`` names."""
    if interim_reports.consent_purpose(kind) is Purpose.BRIEFING:
        return Sender.BRIEFING_NOTICE
    return Sender.INTERIM_REPORT_NOTICE


@dataclass(frozen=True)
class _Prepared:
    """An approved report ready to render: its row, recipient and the document's HTML."""

    row: dict[str, Any]
    episode_id: int
    client_id: int
    doctor: int
    title: str
    html: str


async def _prepare(settings: Settings, report_id: int) -> _Prepared | str:
    """The report ready to render, or what happened instead: nothing to do, or blocked (no
    company doctor of record, no consent) with the block stored and audited."""
    row = await Report.select(exclude_secrets=False).where(Report.id == report_id).first()
    if row is None or row["status"] != ReportStatus.APPROVED:
        return "nothing to do"
    if report_review.awaiting_review(row, datetime.now(UTC)):
        return "awaiting the client's review"  # the sweep comes back; agreeing queues it
    episode_id = int(row["episode"])
    client_id = await client_of(episode_id)
    moment = datetime.now(UTC)
    day = moment.astimezone(settings.time_zone).date()
    doctors = await team_members(episode_id, "company_doctor", day)
    # The gate's rule for the notice is the document's own: the same consent, person, day.
    problem = (
        "no company doctor of record"
        if not doctors
        else await disclosure.recheck(
            notice_sender(row["kind"]), client_id, Audience.COMPANY_DOCTOR, doctors[0], moment
        )
    )
    if problem:
        async with write_tx():
            await Report.update(
                {Report.status: ReportStatus.BLOCKED, Report.blocked_reason: problem[:300]}
            ).where((Report.id == report_id) & (Report.status == ReportStatus.APPROVED))
            await audit.record(
                SYSTEM,
                Action.SEND,
                "report",
                report_id,
                purpose=PURPOSE,
                outcome=Outcome.DENIED,
                client_id=client_id,
            )
        return ReportStatus.BLOCKED.value
    context = await document_context(row, settings, author_id=row["approved_by"], today=day)
    return _Prepared(
        row=row,
        episode_id=episode_id,
        client_id=client_id,
        doctor=doctors[0],
        title=context["title"],
        html=render_html(DOCUMENT_TEMPLATE, context, tz=settings.time_zone),
    )


async def _store_delivery(
    settings: Settings, prepared: _Prepared, pdf: bytes, queue: JobQueue | None
) -> str:
    """The document, its delivery, the notification and the status change, in one
    transaction."""
    report_id, doctor = int(prepared.row["id"]), prepared.doctor
    async with write_tx():
        current = await Report.select(Report.status).where(Report.id == report_id).first()
        if current is None or current["status"] != ReportStatus.APPROVED:
            return "nothing to do"  # another run got here first
        document_id = await _store_document(prepared.row, prepared.episode_id, prepared.title, pdf)
        await Delivery.insert(
            Delivery(document=document_id, recipient=doctor, channel="portal")
        ).on_conflict(action="DO NOTHING")
        email = await User.select(User.email, User.locale).where(User.id == doctor).first()
        clearance = await disclosure.clear(
            notice_sender(prepared.row["kind"]),
            prepared.client_id,
            Addressee.account(doctor),
            datetime.now(UTC),
        )
        if email is not None and isinstance(clearance, disclosure.Clearance):
            subject, body = render_email(
                make_environment(settings.time_zone),
                "reporting/document-notice",
                {"base_url": settings.base_url},
                email["locale"],
            )
            message_id = await outbox.queue_message(
                clearance,
                key=document_notification_key(document_id, doctor),
                to_address=email["email"],
                subject=subject,
                body_text=body,
            )
            if message_id is not None and queue is not None:
                enqueue_after_commit(queue, outbox.send_job(message_id))
        await Report.update({Report.status: ReportStatus.SENT}).where(Report.id == report_id)
        await audit.record(
            SYSTEM,
            Action.SEND,
            "document",
            document_id,
            purpose=PURPOSE,
            client_id=prepared.client_id,
        )
    return ReportStatus.SENT.value


async def _store_document(row: dict[str, Any], episode_id: int, title: str, pdf: bytes) -> int:
    await Document.insert(
        Document(
            episode=episode_id,
            report=row["id"],
            kind=row["kind"],
            version=1,
            title=title,
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
    ).on_conflict(action="DO NOTHING")
    stored = (
        await Document.select(Document.id)
        .where((Document.report == row["id"]) & (Document.version == 1))
        .first()
    )
    assert stored is not None
    return int(stored["id"])


async def document_context(
    row: dict[str, Any], settings: Settings, *, author_id: int | None, today: date
) -> dict[str, Any]:
    """Everything the document template shows: the letterhead, the author with their
    registration, the date, the client, the record's sections and the therapist's text.
    The preview and the PDF are rendered from this one context."""
    tz = settings.time_zone
    record = await report_record(int(row["episode"]), tz)
    approved_on = row["approved_at"].astimezone(tz).date() if row["approved_at"] else None
    return {
        "title": interim_reports.title(row["kind"], row["ordinal"]),
        "kind": row["kind"],
        "letterhead": letterhead(settings),
        "author": await author(author_id),
        "dated": approved_on or today,
        "client": await client_header(int(row["episode"])),
        "record": record,
        "chart": _chart(record),
        "progress": row["progress"],
        "work_participation": row["work_participation"],
        "advice": row["advice"],
    }


def _chart(record: interim_reports.ReportRecord) -> str | None:
    """Hours worked (volume %) and questionnaire totals over time, as a data: URL; None
    when there is nothing to draw."""
    if not record.latest_volume and not record.scores:
        return None
    scores: dict[str, list[tuple[date, int]]] = {}
    for score in record.scores:
        scores.setdefault(score.instrument, []).append((score.administered_on, score.total))
    return charts.data_uri(
        charts.client_chart(
            title=_("Scores and work resumption over time"),
            scores=scores,
            participation=record.participation,
            participation_label=_("work resumption (volume %)"),
            score_label=_("total score"),
        )
    )


async def approved_undelivered() -> list[int]:
    rows = await Report.select(Report.id).where(Report.status == ReportStatus.APPROVED)
    return [int(r["id"]) for r in rows]
