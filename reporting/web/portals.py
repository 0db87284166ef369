"""Doors of reporting: the therapist's reports, the company doctor's inbox, the employer portal.

Employer surfaces (page, JSON, CSV, PDF) are built from ``practice.privacy.EmployerView``
only; the company doctor sees documents delivered to them while they are of record and the
client's consent holds.
"""

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, Response, Router, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.response import Template

from practice.access_policy import NO_RELATION, Need, decide
from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.consent import Purpose, Recipient
from practice.errors import NotFound
from practice.platform.clock import today_in
from practice.platform.csv_safe import csv_text
from practice.platform.db import write_tx
from practice.platform.settings import Settings
from practice.privacy import EmployerView
from practice.queries import access
from practice.queries.episodes import access_episode
from practice.web.auth import roles
from practice.web.portal import actor_of, page
from reporting.documents import render_html, render_pdf_async
from reporting.employer_updates import volume
from reporting.queries.records import (
    build_employer_view,
    consent_problem,
    employer_episodes,
    episode_reports,
    team_members,
)
from reporting.services import reports as services
from reporting.tables import Delivery, Document, EmployerUpdate, Report
from scheduling.tables import Appointment

THERAPIST = roles(Role.THERAPIST)
DOCTOR = roles(Role.COMPANY_DOCTOR)
EMPLOYER = roles(Role.EMPLOYER_CONTACT)
PURPOSE = "reporting"


def _today(request: Request[Any, Any, Any]) -> Any:
    settings: Settings = request.app.state.settings
    return today_in(settings.time_zone)


async def _writer(request: Request[Any, Any, Any], episode_id: int) -> Actor:
    return (await _writer_on(request, episode_id))[0]


async def _writer_on(request: Request[Any, Any, Any], episode_id: int) -> tuple[Actor, int]:
    """The actor, and the episode's client id (for the audit row of a read)."""
    actor = actor_of(request)
    return actor, await access_episode(actor, episode_id, _today(request), write=True)


async def _report_episode(report_id: int) -> int:
    row = await Report.select(Report.episode).where(Report.id == report_id).first()
    if row is None:
        raise NotFound("No such report.")
    return int(row["episode"])


# ---------------------------------------------------------------- the therapist's reports


@get("/api/episodes/{episode_id:int}/reports", opt=THERAPIST)
async def list_reports(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> list[dict[str, Any]]:
    """Reports of the episode: drafts to review, approved, sent or blocked (with why)."""
    actor, client_id = await _writer_on(request, episode_id)
    rows = await episode_reports(episode_id)
    async with write_tx():
        await audit.record(
            actor, Action.READ, "reports", episode_id, purpose=PURPOSE, client_id=client_id
        )
    return rows


@get("/api/reports/{report_id:int}", opt=THERAPIST)
async def get_report(request: Request[Any, Any, Any], report_id: FromPath[int]) -> dict[str, Any]:
    actor, client_id = await _writer_on(request, await _report_episode(report_id))
    row = await Report.select(exclude_secrets=False).where(Report.id == report_id).first()
    async with write_tx():
        await audit.record(
            actor, Action.READ, "report", report_id, purpose=PURPOSE, client_id=client_id
        )
    return dict(row or {})


@patch("/api/reports/{report_id:int}", opt=THERAPIST)
async def edit_report(
    request: Request[Any, Any, Any], report_id: FromPath[int], data: JSONBody[services.ReportText]
) -> None:
    """Edit the draft before approving it."""
    actor = await _writer(request, await _report_episode(report_id))
    await services.edit_report(actor, report_id=report_id, text=data)


@post("/api/reports/{report_id:int}/approval", opt=THERAPIST, status_code=200)
async def approve(request: Request[Any, Any, Any], report_id: FromPath[int]) -> None:
    """Approve the report: it is rendered and delivered to the company doctor of record
    (with the client's consent), exactly once."""
    actor = await _writer(request, await _report_episode(report_id))
    await services.approve_report(actor, report_id=report_id, queue=request.app.state.queue)


@get("/reports/{report_id:int}/preview", opt=THERAPIST, include_in_schema=False)
async def preview(request: Request[Any, Any, Any], report_id: FromPath[int]) -> Response[str]:
    """The document as it will be sent: the same template as the PDF."""
    episode_id = await _report_episode(report_id)
    actor, client_id = await _writer_on(request, episode_id)
    row = await Report.select(exclude_secrets=False).where(Report.id == report_id).first()
    assert row is not None
    async with write_tx():
        await audit.record(
            actor, Action.READ, "report", report_id, purpose=PURPOSE, client_id=client_id
        )
    context = await services._document_context(row, 0)
    return Response(
        render_html("reporting/interim-report/document.html", context), media_type="text/html"
    )


class MinutesIn(msgspec.Struct, forbid_unknown_fields=True):
    shared_text: str
    internal_text: str = ""


@post("/api/appointments/{appointment_id:int}/minutes", opt=THERAPIST, status_code=200)
async def minutes(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: JSONBody[MinutesIn]
) -> None:
    """Alignment-meeting minutes: a shared (non-medical) part and an internal part."""
    row = (
        await Appointment.select(Appointment.episode)
        .where(Appointment.id == appointment_id)
        .first()
    )
    if row is None:
        raise NotFound("No such appointment.")
    actor = await _writer(request, int(row["episode"]))
    await services.record_minutes(
        actor,
        appointment_id=appointment_id,
        shared_text=data.shared_text,
        internal_text=data.internal_text,
    )


class DocumentOut(msgspec.Struct):
    document_id: int


@post("/api/episodes/{episode_id:int}/relapse-prevention-plan/document", opt=THERAPIST)
async def plan_document(request: Request[Any, Any, Any], episode_id: FromPath[int]) -> DocumentOut:
    """The relapse-prevention plan as a PDF for the client."""
    actor = await _writer(request, episode_id)
    return DocumentOut(await services.issue_relapse_prevention_plan(actor, episode_id=episode_id))


# ---------------------------------------------------------------- documents


async def _may_read_document(actor: Actor, document: dict[str, Any], today: Any) -> bool:
    episode_id = int(document["episode"])
    if actor.role == Role.THERAPIST.value:
        try:
            await access_episode(actor, episode_id, today, write=False)
        except NotFound:
            return False
        return True
    if actor.role != Role.COMPANY_DOCTOR.value or actor.user_id is None:
        return False
    delivered = await Delivery.exists().where(
        (Delivery.document == document["id"]) & (Delivery.recipient == actor.user_id)
    )
    if not delivered or actor.user_id not in await team_members(
        episode_id, "company_doctor", today
    ):
        return False
    purpose = Purpose.BRIEFING if document["kind"] == "briefing" else Purpose.INTERIM_REPORTS
    client = (
        await Document.select(Document.episode._.client.as_alias("client"))
        .where(Document.id == document["id"])
        .first()
    )
    problem = await consent_problem(
        int(client["client"]) if client else 0,
        Recipient.COMPANY_DOCTOR,
        purpose,
        datetime.now(UTC),
        actor.user_id,
    )
    return problem is None


@get(
    "/documents/{document_id:int}",
    opt=roles(Role.THERAPIST, Role.COMPANY_DOCTOR, need=Need.DOCUMENT_READ),
    include_in_schema=False,
)
async def download(request: Request[Any, Any, Any], document_id: FromPath[int]) -> Response[bytes]:
    """A stored document, exactly as sent; a company doctor only while of record and with
    consent; every download audited (a refusal too)."""
    actor = actor_of(request)
    document = (
        await Document.select(
            Document.id,
            Document.episode,
            Document.episode._.client.as_alias("client_id"),
            Document.kind,
            Document.title,
            Document.pdf,
        )
        .where(Document.id == document_id)
        .first()
    )
    allowed = document is not None and await _may_read_document(actor, document, _today(request))
    async with write_tx():
        await audit.record(
            actor,
            Action.EXPORT,
            "document",
            document_id,
            purpose=PURPOSE,
            outcome=audit.Outcome.SUCCESS if allowed else audit.Outcome.DENIED,
            client_id=None if document is None else int(document["client_id"]),
        )
        if allowed and actor.role == Role.COMPANY_DOCTOR.value:
            await Delivery.update({Delivery.read_at: datetime.now(UTC)}).where(
                (Delivery.document == document_id)
                & (Delivery.recipient == actor.user_id)
                & Delivery.read_at.is_null()
            )
    if not allowed or document is None:
        raise NotFound("No such document.")
    return Response(
        bytes(document["pdf"]),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="document-{document_id}.pdf"'},
    )


# ---------------------------------------------------------------- company doctor portal


async def _inbox(actor: Actor, today: Any) -> list[dict[str, Any]]:
    """What was sent to this company doctor, for the cases they are the company doctor of
    today: after a handover the leaver's inbox no longer names the client."""
    rows = (
        await Delivery.select(
            Delivery.document,
            Delivery.delivered_at,
            Delivery.read_at,
            Delivery.document._.title.as_alias("title"),
            Delivery.document._.episode._.client._.name.as_alias("client_name"),
            Delivery.document._.episode.as_alias("episode_id"),
            Delivery.document._.episode._.client.as_alias("client_id"),
        )
        .where(Delivery.recipient == actor.user_id)
        .order_by(Delivery.delivered_at, ascending=False)
    )
    held = await access.relations(
        actor.user_id, sorted({int(r["episode_id"]) for r in rows}), today
    )
    rows = [
        r
        for r in rows
        if decide(actor.role or "", Need.DOCUMENT_READ, held.get(int(r["episode_id"]), NO_RELATION))
    ]
    # One row per client the inbox names (their access logs show it), in one statement.
    shown: list[tuple[int | str | None, int | None]] = [
        *sorted({(int(r["episode_id"]), int(r["client_id"])) for r in rows})
    ] or [(actor.user_id, None)]
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "inbox", shown, purpose=PURPOSE)
    return rows


@get("/company-doctor", opt=DOCTOR, include_in_schema=False)
async def doctor_inbox(request: Request[Any, Any, Any]) -> Template:
    """The company doctor's inbox: what is new, then per client a timeline of what was sent."""
    documents = await _inbox(actor_of(request), _today(request))
    timelines: dict[int, list[dict[str, Any]]] = {}
    for d in sorted(documents, key=lambda d: d["delivered_at"]):
        timelines.setdefault(int(d["episode_id"]), []).append(d)
    return page(
        request,
        "reporting/company-doctor/inbox.html",
        documents=documents,
        new=[d for d in documents if d["read_at"] is None],
        timelines=sorted(timelines.values(), key=lambda t: str(t[0]["client_name"])),
    )


@get("/api/company-doctor/documents", opt=DOCTOR)
async def doctor_documents(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await _inbox(actor_of(request), _today(request))


# ---------------------------------------------------------------- employer portal


async def employer_views(actor: Actor, today: Any) -> list[EmployerView]:
    """The contact's employees in treatment, as EmployerViews, with the client's consent."""
    views = []
    shown: list[tuple[int | str | None, int | None]] = []
    now = datetime.now(UTC)
    for episode_id in await employer_episodes(actor.user_id or 0, today):
        client_id = await _consenting_client(episode_id, now)
        if client_id is not None:
            views.append(await build_employer_view(episode_id, now))
            shown.append((episode_id, client_id))
    # One row per employee shown, naming the client (their access log shows it), in one
    # statement.
    async with write_tx():
        await audit.record_many(actor, Action.READ, "employer_view", shown, purpose=PURPOSE)
    return views


async def _consenting_client(episode_id: int, now: datetime) -> int | None:
    """The episode's client id when the client consents to process updates to the employer."""
    from practice.tables import TreatmentEpisode

    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None:
        return None
    client_id = int(row["client"])
    problem = await consent_problem(
        client_id, Recipient.EMPLOYER, Purpose.PROCESS_UPDATES, now, None
    )
    return client_id if problem is None else None


async def _updates(actor: Actor, today: Any) -> list[dict[str, Any]]:
    episodes = await employer_episodes(actor.user_id or 0, today)
    if not episodes:
        return []
    rows = (
        await EmployerUpdate.select(
            EmployerUpdate.id,
            EmployerUpdate.episode,
            EmployerUpdate.episode._.client.as_alias("client_id"),
            EmployerUpdate.created_at,
            EmployerUpdate.content,
        )
        .where(EmployerUpdate.episode.is_in(episodes))
        .order_by(EmployerUpdate.created_at, ascending=False)
    )
    # The list names the employee of each update: one row per client, in one statement.
    shown = sorted({(int(r["episode"]), int(r["client_id"])) for r in rows})
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "employer_updates", shown, purpose=PURPOSE)
    return [
        {
            "id": r["id"],
            "created_at": r["created_at"],
            "employee_name": msgspec.convert(_json(r["content"]), EmployerView).employee_name,
        }
        for r in rows
    ]


def _json(content: Any) -> Any:
    return msgspec.json.decode(content) if isinstance(content, str | bytes) else content


@get("/employer", opt=EMPLOYER, include_in_schema=False)
async def employer_home(request: Request[Any, Any, Any]) -> Template:
    """The employer portal: sessions held and agreements about work resumption, nothing else."""
    actor = actor_of(request)
    return page(
        request,
        "reporting/employer/home.html",
        views=await employer_views(actor, _today(request)),
        updates=await _updates(actor, _today(request)),
    )


@get("/api/employer/employees", opt=EMPLOYER)
async def employer_employees(request: Request[Any, Any, Any]) -> list[EmployerView]:
    """The contact's employees in treatment (non-medical progress only)."""
    return await employer_views(actor_of(request), _today(request))


@get("/api/employer/employees.csv", opt=EMPLOYER)
async def employer_csv(request: Request[Any, Any, Any]) -> Response[str]:
    """The same, as CSV."""
    rows: list[list[object]] = [
        ["employee", "sessions_held", "agreements", "latest_volume_percent", "alignment_meeting_on"]
    ]
    for view in await employer_views(actor_of(request), _today(request)):
        latest = view.participation[-1].volume_percent if view.participation else None
        rows.append(
            [
                view.employee_name,
                view.sessions_held,
                " | ".join(a.description for a in view.agreements),
                volume(latest),
                view.alignment_meeting_on,
            ]
        )
    return Response(
        csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="medewerkers.csv"'},
    )


@get(
    "/employer/updates/{update_id:int}",
    opt=roles(Role.EMPLOYER_CONTACT, need=Need.PROGRESS_READ),
    include_in_schema=False,
)
async def employer_update_pdf(
    request: Request[Any, Any, Any], update_id: FromPath[int]
) -> Response[bytes]:
    """A process update as PDF, rendered from the EmployerView that was sent."""
    actor = actor_of(request)
    row = await EmployerUpdate.select().where(EmployerUpdate.id == update_id).first()
    if row is None or int(row["episode"]) not in await employer_episodes(
        actor.user_id or 0, _today(request)
    ):
        raise NotFound("No such update.")
    view = msgspec.convert(_json(row["content"]), EmployerView)
    html = render_html(
        "reporting/employer-update/document.html", {"title": "Procesinformatie", "view": view}
    )
    client_id = await access.client_of(int(row["episode"]))
    async with write_tx():
        await audit.record(
            actor,
            Action.EXPORT,
            "employer_update",
            update_id,
            purpose=PURPOSE,
            client_id=client_id,
        )
    return Response(
        await render_pdf_async(html, title="Procesinformatie"), media_type="application/pdf"
    )


router = Router(
    path="/",
    route_handlers=[
        list_reports,
        get_report,
        edit_report,
        approve,
        preview,
        minutes,
        plan_document,
        download,
        doctor_inbox,
        doctor_documents,
        employer_home,
        employer_employees,
        employer_csv,
        employer_update_pdf,
    ],
)
