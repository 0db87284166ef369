"""The therapist's reports on the client page: drafts to review, edit section by section and
approve after a confirmation naming the recipient; what was sent (documents, employer
updates); the minutes of held alignment meetings. Forms post the JSON doors' request types."""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from practice.audit.trail import Actor
from practice.consent import Recipient
from practice.errors import Conflict, InvalidInput, NotFound
from practice.platform.i18n import N_
from practice.web.episode_page import refused_on_episode
from practice.web.episode_sections import EpisodeSection, back_to_episode, episode_path
from practice.web.forms import FormData, flat, form_struct
from practice.web.portal import page
from reporting.interim_reports import (
    SECTIONS,
    blank_sections,
    consent_purpose,
    short_title,
)
from reporting.queries import episode_section as section_queries
from reporting.queries.documents import episode_documents
from reporting.queries.records import client_of, consent_problem, episode_reports, report_count
from reporting.queries.reports import appointment_episode, read_report, report_episode
from reporting.services import documents as document_services
from reporting.services import reintegration
from reporting.services import reports as services
from reporting.web.portals import THERAPIST, MinutesIn, _today, _writer, _writer_on, _zone

# As with sessions: the latest reports by default, the whole list one link away; drafts and
# blocked reports are always shown, since they wait for the therapist.
LATEST_REPORTS = 10


async def reports_section(
    actor: Actor, episode_id: int, client_id: int, today: date, tz: ZoneInfo, everything: bool
) -> dict[str, Any]:
    """Reports of the episode (the page itself is audited), its stored documents, the
    employer updates that went out (and whether the consent for them holds), and the held
    alignment meetings with their minutes."""
    latest = None if everything else LATEST_REPORTS
    reports = await episode_reports(episode_id, latest=latest)
    documents, document_count = await episode_documents(episode_id, latest=latest)
    return {
        "reports": reports,
        "report_count": await report_count(episode_id),
        "documents": documents,
        "document_count": document_count,
        "employer_updates": await section_queries.employer_updates(episode_id),
        "update_consent_problem": await section_queries.employer_update_consent_problem(
            episode_id, datetime.now(UTC)
        ),
        "meetings": await section_queries.alignment_meetings(episode_id),
    }


SECTION = EpisodeSection("reporting/episode-reports.html", reports_section)
SECTION_NAME = "reports"  # as registered by practice.composition.wiring


def _report_name(row: dict[str, Any]) -> str:
    return short_title(str(row["kind"]), int(row["ordinal"]))


async def _report_page(
    request: Request[Any, Any, Any], report_id: int
) -> tuple[Actor, dict[str, Any]]:
    """The therapist of record and the report (its read audited); 404 otherwise."""
    actor, client_id = await _writer_on(request, await report_episode(report_id))
    row = await read_report(actor, report_id, client_id)
    if row is None:
        raise NotFound("No such report.")
    return actor, row


# ---------------------------------------------------------------- editing, section by section


@get("/reports/{report_id:int}/edit", opt=THERAPIST, include_in_schema=False)
async def edit_page(
    request: Request[Any, Any, Any], report_id: FromPath[int], saved: FromQuery[str] = ""
) -> Template:
    """The draft's text, one form per section, each showing what was written; the record's
    own sections (goals, sessions, scores, advice) are in the preview beside it."""
    _actor, row = await _report_page(request, report_id)
    return page(
        request,
        "reporting/report-edit.html",
        report=row,
        report_name=_report_name(row),
        sections=SECTION_TITLES,
        saved=saved if saved in SECTION_TITLES else "",
        episode_path=episode_path(int(row["episode"]), SECTION_NAME),
    )


# The therapist's sections, in the document's order (reporting.interim_reports.SECTIONS).
SECTION_TITLES: dict[str, str] = {
    "progress": N_("Goals and progress"),
    "work_participation": N_("Work participation and agreements"),
    "advice": N_("Advice for the capacity assessment"),
}


@post("/reports/{report_id:int}/edit", opt=THERAPIST, include_in_schema=False)
async def edit_section(
    request: Request[Any, Any, Any], report_id: FromPath[int], data: FormData
) -> Redirect:
    """Save the sections posted (the PATCH door's request type, from the page's one form):
    back to the page at the section whose button was pressed, which shows what was saved
    (post/redirect/get)."""
    actor = await _writer(request, await report_episode(report_id))
    pressed = str(flat(data).get("section", ""))
    data.pop("section", None)  # the button, not a field of the report
    posted = [name for name in SECTION_TITLES if name in data]
    # An emptied textarea posts "", which the form parser reads as "not given": it is given.
    cleared = {name: "" for name in posted if not str(flat(data)[name]).strip()}
    text = msgspec.structs.replace(form_struct(services.ReportText, data), **cleared)
    await services.edit_report(actor, report_id=report_id, text=text)
    section = pressed if pressed in posted else (posted[0] if posted else "")
    return Redirect(
        path=f"/reports/{report_id}/edit?saved={section}#section-{section}", status_code=303
    )


# ---------------------------------------------------------------- approval, confirmed


@get("/reports/{report_id:int}/approval", opt=THERAPIST, include_in_schema=False)
async def approval_page(request: Request[Any, Any, Any], report_id: FromPath[int]) -> Template:
    """Before anything is sent: the report, whom it goes to and whether it may go (consent,
    a company doctor of record); the Confirm button posts the approval."""
    _actor, row = await _report_page(request, report_id)
    episode_id = int(row["episode"])
    today = _today(request)
    recipient = await section_queries.report_recipient(episode_id, today)
    problem = None
    if recipient is not None:
        problem = await consent_problem(
            await client_of(episode_id),
            Recipient.COMPANY_DOCTOR,
            consent_purpose(row["kind"]),
            datetime.now(UTC),
            recipient["user_id"],
        )
    return page(
        request,
        "reporting/report-approval.html",
        report=row,
        report_name=_report_name(row),
        recipient=recipient,
        problem=problem,
        # Parts left empty: approval waits until they are written.
        blank=[SECTION_TITLES[name] for name in blank_sections(row)],
        empty=len(blank_sections(row)) == len(SECTIONS),
        episode_path=episode_path(episode_id, SECTION_NAME),
    )


@post("/reports/{report_id:int}/approval", opt=THERAPIST, include_in_schema=False)
async def approve(request: Request[Any, Any, Any], report_id: FromPath[int]) -> Redirect:
    """The confirmed approval: delivered to the company doctor of record, exactly once."""
    episode_id = await report_episode(report_id)
    actor = await _writer(request, episode_id)
    await services.approve_report(
        actor,
        report_id=report_id,
        queue=request.app.state.queue,
        settings=request.app.state.settings,
    )
    return back_to_episode(episode_id, SECTION_NAME)


# ---------------------------------------------------------------- alignment-meeting minutes


@post("/appointments/{appointment_id:int}/minutes", opt=THERAPIST, include_in_schema=False)
async def minutes_form(
    request: Request[Any, Any, Any], appointment_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """The minutes of a held alignment meeting from the client page (the JSON door's type)."""
    episode_id = await appointment_episode(appointment_id)
    actor = await _writer(request, episode_id)
    try:
        minutes = form_struct(MinutesIn, data)
        await document_services.record_minutes(
            actor,
            appointment_id=appointment_id,
            shared_text=minutes.shared_text,
            internal_text=minutes.internal_text,
        )
    except InvalidInput as exc:
        # Medical words in the shared part (422) or a missing field: the section again,
        # what was typed kept and the problem beside its field.
        return await refused_on_episode(request, episode_id, SECTION_NAME, data, exc)
    return Redirect(
        path=f"{episode_path(episode_id, SECTION_NAME)}#minutes-{appointment_id}",
        status_code=303,
    )


# ---------------------------------------------------------------- the relapse-prevention plan


@post(
    "/episodes/{episode_id:int}/relapse-prevention-plan/document",
    opt=THERAPIST,
    include_in_schema=False,
)
async def relapse_plan_document(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Redirect | Template:
    """The plan as a PDF for the client (a new version each time), from the end section; it
    is then listed with the episode's documents in the reports section."""
    actor = await _writer(request, episode_id)
    try:
        await document_services.issue_relapse_prevention_plan(
            actor, episode_id=episode_id, tz=_zone(request)
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_episode(request, episode_id, "end", {}, exc)
    return back_to_episode(episode_id, "end")


# ---------------------------------------------------------------- the re-integration extract


@post(
    "/episodes/{episode_id:int}/reintegration-extract/sending",
    opt=THERAPIST,
    include_in_schema=False,
)
async def send_reintegration_extract(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Redirect | Template:
    """Tell the employer the extract waits in their portal (the JSON door's service); without
    the consent, or without a contact, the section again with the reason."""
    actor = await _writer(request, episode_id)
    try:
        await reintegration.send_extract(
            actor, episode_id, _today(request), request.app.state.settings
        )
    except Conflict as exc:
        return await refused_on_episode(request, episode_id, SECTION_NAME, {}, exc)
    return Redirect(
        path=f"{episode_path(episode_id, SECTION_NAME)}#reintegration-title", status_code=303
    )


router = Router(
    path="/",
    route_handlers=[
        edit_page,
        edit_section,
        approval_page,
        approve,
        minutes_form,
        relapse_plan_document,
        send_reintegration_extract,
    ],
)
