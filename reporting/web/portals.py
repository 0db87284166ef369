"""Doors of reporting: the therapist's reports, the company doctor's inbox, the employer portal.

Employer surfaces (page, JSON, CSV, PDF) are built from ``practice.privacy.EmployerView``
only; the company doctor sees documents delivered to them while they are of record and the
client's consent holds.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Response, Router, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.response import Template

from practice.access_policy import Need
from practice.accounts import Role
from practice.audit.trail import Actor
from practice.errors import NotFound
from practice.name_search import SEARCH_MAX_LENGTH, parse_search
from practice.platform import i18n
from practice.platform.clock import today_in
from practice.platform.csv_safe import CSV_MEDIA_TYPE, csv_text
from practice.platform.i18n import gettext as _
from practice.platform.settings import Settings
from practice.platform.spreadsheet import MEDIA_TYPE as SPREADSHEET_MEDIA_TYPE
from practice.platform.spreadsheet import Sheet, local, workbook
from practice.platform.templating import TEMPLATE_DIR, label
from practice.privacy import EmployerView
from practice.queries.capacity import doctor_cases
from practice.queries.episodes import access_episode
from practice.queries.milestones import episodes_milestones
from practice.web.auth import roles
from practice.web.portal import actor_of, page
from reporting.documents import render_html, render_pdf_async
from reporting.employer_updates import volume
from reporting.queries.employer_portal import (
    consenting_client,
    employer_updates,
    employer_views,
    export_employer_update,
)
from reporting.queries.inbox import doctor_inbox as inbox_of
from reporting.queries.reports import (
    appointment_episode,
    read_episode_reports,
    read_report,
    report_episode,
)
from reporting.services import documents as document_services
from reporting.services import reintegration, report_review
from reporting.services import reports as services

PRINT_CSS = TEMPLATE_DIR / "pdf" / "print.css"
THERAPIST = roles(Role.THERAPIST)
DOCTOR = roles(Role.COMPANY_DOCTOR)
EMPLOYER = roles(Role.EMPLOYER_CONTACT)


def _today(request: Request[Any, Any, Any]) -> Any:
    settings: Settings = request.app.state.settings
    return today_in(settings.time_zone)


def _zone(request: Request[Any, Any, Any]) -> ZoneInfo:
    settings: Settings = request.app.state.settings
    return settings.time_zone


async def _writer(request: Request[Any, Any, Any], episode_id: int) -> Actor:
    return (await _writer_on(request, episode_id))[0]


async def _writer_on(request: Request[Any, Any, Any], episode_id: int) -> tuple[Actor, int]:
    """The actor, and the episode's client id (for the audit row of a read)."""
    actor = actor_of(request)
    return actor, await access_episode(actor, episode_id, _today(request), write=True)


# ---------------------------------------------------------------- the therapist's reports


@get("/api/episodes/{episode_id:int}/reports", opt=THERAPIST)
async def list_reports(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> list[dict[str, Any]]:
    """Reports of the episode: drafts to review, approved, sent or blocked (with why)."""
    actor, client_id = await _writer_on(request, episode_id)
    return await read_episode_reports(actor, episode_id, client_id)


@get("/api/reports/{report_id:int}", opt=THERAPIST)
async def get_report(request: Request[Any, Any, Any], report_id: FromPath[int]) -> dict[str, Any]:
    actor, client_id = await _writer_on(request, await report_episode(report_id))
    return dict(await read_report(actor, report_id, client_id) or {})


@patch("/api/reports/{report_id:int}", opt=THERAPIST)
async def edit_report(
    request: Request[Any, Any, Any], report_id: FromPath[int], data: JSONBody[services.ReportText]
) -> None:
    """Edit the draft before approving it."""
    actor = await _writer(request, await report_episode(report_id))
    await services.edit_report(actor, report_id=report_id, text=data)


@post("/api/reports/{report_id:int}/approval", opt=THERAPIST, status_code=200)
async def approve(request: Request[Any, Any, Any], report_id: FromPath[int]) -> None:
    """Approve the report: it is rendered and delivered to the company doctor of record
    (with the client's consent), exactly once."""
    actor = await _writer(request, await report_episode(report_id))
    await services.approve_report(
        actor,
        report_id=report_id,
        queue=request.app.state.queue,
        settings=request.app.state.settings,
    )


@get("/reports/{report_id:int}/preview", opt=THERAPIST, include_in_schema=False)
async def preview(request: Request[Any, Any, Any], report_id: FromPath[int]) -> Response[str]:
    """The document as it will be sent: the same template, context and stylesheet as the PDF
    (its "print.css" resolves to the route below). The author is the approver, or, before
    the approval, the therapist looking (who would approve it)."""
    actor, client_id = await _writer_on(request, await report_episode(report_id))
    row = await read_report(actor, report_id, client_id)
    if row is None:
        raise NotFound("No such report.")
    return Response(
        await document_html(request, row, author_id=row["approved_by"] or actor.user_id),
        media_type="text/html",
    )


async def document_html(
    request: Request[Any, Any, Any], row: dict[str, Any], *, author_id: int | None
) -> str:
    settings: Settings = request.app.state.settings
    context = await services.document_context(
        row, settings, author_id=author_id, today=_today(request)
    )
    return render_html(services.DOCUMENT_TEMPLATE, context, tz=settings.time_zone)


@get("/reports/{report_id:int}/print.css", opt=THERAPIST, include_in_schema=False)
async def preview_stylesheet(report_id: FromPath[int]) -> Response[bytes]:
    """The documents' stylesheet (templates/pdf/print.css), where the preview's relative
    "print.css" points: the page and the PDF are laid out by the same file."""
    return Response(
        PRINT_CSS.read_bytes(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


class MinutesIn(msgspec.Struct, forbid_unknown_fields=True):
    shared_text: str
    internal_text: str = ""


@post("/api/appointments/{appointment_id:int}/minutes", opt=THERAPIST, status_code=200)
async def minutes(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: JSONBody[MinutesIn]
) -> None:
    """Alignment-meeting minutes: a shared (non-medical) part and an internal part."""
    actor = await _writer(request, await appointment_episode(appointment_id))
    await document_services.record_minutes(
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
    return DocumentOut(
        await document_services.issue_relapse_prevention_plan(
            actor, episode_id=episode_id, tz=_zone(request)
        )
    )


# ---------------------------------------------------------------- documents


@get(
    "/documents/{document_id:int}",
    opt=roles(Role.THERAPIST, Role.COMPANY_DOCTOR, need=Need.DOCUMENT_READ),
    include_in_schema=False,
)
async def download(request: Request[Any, Any, Any], document_id: FromPath[int]) -> Response[bytes]:
    """A stored document, exactly as sent; a company doctor only while of record and with
    consent; every download audited (a refusal too)."""
    document = await document_services.open_document(
        actor_of(request), document_id, _today(request), settings=request.app.state.settings
    )
    if document is None:
        raise NotFound("No such document.")
    return Response(
        bytes(document["pdf"]),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="document-{document_id}.pdf"'},
    )


# ---------------------------------------------------------------- company doctor portal


@get("/company-doctor", opt=DOCTOR, include_in_schema=False)
async def doctor_inbox(request: Request[Any, Any, Any]) -> Template:
    """The company doctor's inbox: what is new, then per client a timeline of what was sent."""
    today = _today(request)
    search = parse_search(request.query_params.get("q"))
    documents = await inbox_of(actor_of(request), today, search)
    timelines: dict[int, list[dict[str, Any]]] = {}
    for d in sorted(documents, key=lambda d: d["delivered_at"]):
        timelines.setdefault(int(d["episode_id"]), []).append(d)
    return page(
        request,
        "reporting/company-doctor/inbox.html",
        documents=documents,
        new=[d for d in documents if d["read_at"] is None],
        timelines=sorted(timelines.values(), key=lambda t: str(t[0]["client_name"])),
        # Per client, the Poortwachter milestones of the running period of sickness.
        milestones=await episodes_milestones(sorted(timelines), today),
        # Every case the doctor is on today, with the conflicts with their capacity advice
        # still open: the notice that the advisers are not in line (practice.capacity).
        cases=await doctor_cases(actor_of(request), today, search),
        # Reports the client withheld at their review: that they were, never what they say.
        withheld=await report_review.withheld_for_doctor(actor_of(request), today, search),
        search=search,
        search_max_length=SEARCH_MAX_LENGTH,
    )


@get("/api/company-doctor/documents", opt=DOCTOR)
async def doctor_documents(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await inbox_of(actor_of(request), _today(request))


# ---------------------------------------------------------------- employer portal


@get("/employer", opt=EMPLOYER, include_in_schema=False)
async def employer_home(request: Request[Any, Any, Any]) -> Template:
    """The employer portal: sessions held and agreements about work resumption, nothing else."""
    actor = actor_of(request)
    search = parse_search(request.query_params.get("q"))
    return page(
        request,
        "reporting/employer/home.html",
        views=await employer_views(actor, _today(request), _zone(request), search),
        updates=await employer_updates(actor, _today(request), search),
        search=search,
        search_max_length=SEARCH_MAX_LENGTH,
    )


@get("/api/employer/employees", opt=EMPLOYER)
async def employer_employees(request: Request[Any, Any, Any]) -> list[EmployerView]:
    """The contact's employees in treatment (non-medical progress only)."""
    return await employer_views(actor_of(request), _today(request), _zone(request))


@get("/api/employer/employees.csv", opt=EMPLOYER)
async def employer_csv(request: Request[Any, Any, Any]) -> Response[str]:
    """The same, as CSV."""
    rows: list[list[object]] = [
        [
            "employee",
            "sessions_held",
            "agreements",
            "latest_volume_percent",
            "alignment_meeting_on",
            # What the percentage is of: the contract hours and which contract they are.
            "latest_contract_hours",
            "latest_volume_basis",
            # Where the treatment stands and since when (practice.employer_phase).
            "phase",
            "phase_since",
        ]
    ]
    for view in await employer_views(actor_of(request), _today(request), _zone(request)):
        latest = view.participation[-1] if view.participation else None
        rows.append(
            [
                view.employee_name,
                view.sessions_held,
                " | ".join(a.description for a in view.agreements),
                volume(None if latest is None else latest.volume_percent),
                view.alignment_meeting_on,
                "" if latest is None or latest.contract_hours is None else latest.contract_hours,
                "" if latest is None else latest.basis.value,
                view.phase or "",
                view.phase_since or "",
            ]
        )
    return Response(
        csv_text(rows),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="medewerkers.csv"'},
    )


@get("/employer/employees.xlsx", opt=EMPLOYER, include_in_schema=False)
async def employer_workbook(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The same employees for a person: the page's words in the reader's language, numbers
    and days as Excel's own (the CSV's columns are a program's, and Dutch Excel put each of
    its lines in one cell)."""
    header: list[object] = [
        _("Employee"),
        _("Treatment"),
        _("Since"),
        _("Sessions held"),
        _("Agreements about work"),
        _("Percentage of contract hours"),
        _("Contract hours"),
        _("Counted over"),
        _("Alignment meeting planned"),
        _("Alignment meeting"),
    ]
    rows = [header]
    for view in await employer_views(actor_of(request), _today(request), _zone(request)):
        latest = view.participation[-1] if view.participation else None
        rows.append(
            [
                view.employee_name,
                label("employer_phase", view.phase) if view.phase else None,
                view.phase_since,
                view.sessions_held,
                "\n".join(a.description for a in view.agreements) or None,
                None if latest is None else latest.volume_percent,
                None if latest is None else latest.contract_hours,
                None if latest is None else label("contract_basis", latest.basis.value),
                None
                if view.alignment_meeting_planned_at is None
                else local(view.alignment_meeting_planned_at, _zone(request)),
                view.alignment_meeting_on,
            ]
        )
    return Response(
        workbook([Sheet(_("Employees"), rows)]),
        media_type=SPREADSHEET_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="medewerkers.xlsx"'},
    )


@get(
    "/employer/updates/{update_id:int}",
    opt=roles(Role.EMPLOYER_CONTACT, need=Need.PROGRESS_READ),
    include_in_schema=False,
)
async def employer_update_pdf(
    request: Request[Any, Any, Any], update_id: FromPath[int]
) -> Response[bytes]:
    """A process update as PDF, rendered from the EmployerView that was sent, in the
    reader's language (the page's: their account's, or the switch's)."""
    view = await export_employer_update(actor_of(request), update_id, _today(request))
    title = i18n.gettext("Process update to the employer")
    html = render_html(
        "reporting/employer-update/document.html",
        {"title": title, "view": view},
        tz=_zone(request),
        locale=i18n.current_locale.get(),
    )
    return Response(await render_pdf_async(html, title=title), media_type="application/pdf")


# ---------------------------------------------------------------- the re-integration extract


def _extract_response(pdf: bytes, episode_id: int) -> Response[bytes]:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (f'inline; filename="re-integratie-bijdrage-{episode_id}.pdf"')
        },
    )


@get(
    "/episodes/{episode_id:int}/reintegration-extract.pdf",
    opt=THERAPIST,
    include_in_schema=False,
)
async def therapist_reintegration_extract(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Response[bytes]:
    """The treatment's contribution to the employer's re-integration report, as the
    therapist of the case downloads it (non-medical, whatever the consent: it is theirs)."""
    actor = actor_of(request)
    client_id = await access_episode(actor, episode_id, _today(request), write=False)
    pdf = await reintegration.extract_pdf(
        actor, episode_id, client_id, _today(request), _zone(request)
    )
    return _extract_response(pdf, episode_id)


@get(
    "/employer/episodes/{episode_id:int}/reintegration-extract.pdf",
    opt=roles(Role.EMPLOYER_CONTACT, need=Need.PROGRESS_READ),
    include_in_schema=False,
)
async def employer_reintegration_extract(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Response[bytes]:
    """The same extract for a manager or HR adviser of the case, only while the client's
    consent to process updates to the employer is in force (else 404, as for no seat)."""
    client_id = await consenting_client(episode_id, datetime.now(UTC))
    if client_id is None:
        raise NotFound("No such episode.")
    pdf = await reintegration.extract_pdf(
        actor_of(request), episode_id, client_id, _today(request), _zone(request)
    )
    return _extract_response(pdf, episode_id)


class SentOut(msgspec.Struct):
    queued: int


@post("/api/episodes/{episode_id:int}/reintegration-extract/sending", opt=THERAPIST)
async def send_reintegration_extract(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> SentOut:
    """Tell the case's managers and HR advisers that the extract waits in their portal, only
    with the client's consent (409 with the reason otherwise); once a day per contact."""
    actor = await _writer(request, episode_id)
    queued = await reintegration.send_extract(
        actor, episode_id, _today(request), request.app.state.settings
    )
    return SentOut(len(queued))


router = Router(
    path="/",
    route_handlers=[
        list_reports,
        get_report,
        edit_report,
        approve,
        preview,
        preview_stylesheet,
        minutes,
        plan_document,
        download,
        doctor_inbox,
        doctor_documents,
        employer_home,
        employer_employees,
        employer_csv,
        employer_workbook,
        employer_update_pdf,
        therapist_reintegration_extract,
        employer_reintegration_extract,
        send_reintegration_extract,
    ],
)
