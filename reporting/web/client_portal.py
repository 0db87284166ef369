"""The client portal (issue 20): the client's own pages, Dutch and English, 375 px first, no
JavaScript needed.

Who the client is comes from the session's account (``own_client``), never from the
request. A path that names an object (an appointment, a document, a questionnaire
invitation) passes the relation guard only on the client's own episodes
(``Need.OWN_READ`` / ``OWN_WRITE``, ``practice.access_policy``); the rest is scoped by the
client's id in every query.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from practice.access_policy import Need
from practice.accounts import Role
from practice.audit.trail import Actor
from practice.client_accounts import MY_REVIEW_CHOICE_LABELS
from practice.consent import PURPOSES_OF, Purpose, Recipient
from practice.errors import Conflict, InvalidInput, NotFound
from practice.labels import AUDIT_OBJECT_LABELS
from practice.queries import access, audit_log
from practice.queries import consents as consent_queries
from practice.queries.access import own_client
from practice.services import client_accounts, consents
from practice.web.auth import roles
from practice.web.client_accounts import ReviewChoiceForm
from practice.web.forms import FormState, refused
from practice.web.portal import Form, actor_of, page
from reporting.client_export import export_client
from reporting.fhir import export as fhir_export
from reporting.queries import client_portal
from reporting.report_review import DECISION_LABELS
from reporting.services import documents as document_services
from reporting.services import monitoring, report_review
from scheduling.ics import CalendarEntry, calendar
from scheduling.requests import KIND_LABELS as REQUEST_LABELS
from scheduling.requests import MESSAGE_MAX, in_time
from scheduling.services import requests as appointment_requests

CLIENT = roles(Role.CLIENT)
READ = roles(Role.CLIENT, need=Need.OWN_READ)
WRITE = roles(Role.CLIENT, need=Need.OWN_WRITE)
ACCESS_LOG_SHOWN = 50
# The consents a client may give from the portal: the recipients the practice writes to.
GIVABLE = (Recipient.COMPANY_DOCTOR, Recipient.EMPLOYER)


async def _client(request: Request[Any, Any, Any]) -> tuple[Actor, int]:
    actor = actor_of(request)
    client_id = await own_client(actor.user_id)
    if client_id is None:  # revoked a moment ago: the next request ends the session
        raise NotFoundException()
    return actor, client_id


@get("/my", opt=CLIENT, include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Template:
    return await _home(request)


async def _home(
    request: Request[Any, Any, Any], *, form_state: FormState | None = None, status: int = 200
) -> Template:
    actor, client_id = await _client(request)
    now = datetime.now(UTC)
    data = await client_portal.home(actor, client_id, now)
    reviews = await report_review.waiting_for(client_id, now)
    return page(
        request,
        "reporting/client-portal/home.html",
        status=status,
        tab="home",
        practice_phone=request.app.state.settings.practice_phone,
        reviews=reviews,
        request_kinds=REQUEST_LABELS,
        message_max=MESSAGE_MAX,
        in_time=lambda starts_at: in_time(starts_at, now),
        form_state=form_state or FormState(),
        **data,
    )


@get("/my/appointments/{appointment_id:int}/calendar.ics", opt=READ, include_in_schema=False)
async def appointment_ics(
    request: Request[Any, Any, Any], appointment_id: FromPath[int]
) -> Response[str]:
    actor, client_id = await _client(request)
    row = await client_portal.own_appointment(actor, appointment_id, client_id)
    if row is None:
        raise NotFoundException()
    # A neutral title, as the confirmation's: a calendar is seen over one's shoulder.
    entry = CalendarEntry(
        f"appointment-{appointment_id}@atwork",
        row["starts_at"],
        row["ends_at"],
        "Afspraak",
        cancelled=row["attendance"] != "planned",
    )
    return Response(
        calendar([entry]),
        media_type="text/calendar",  # Litestar adds the charset
        headers={"Content-Disposition": f'attachment; filename="appointment-{appointment_id}.ics"'},
    )


class RequestForm(msgspec.Struct):
    kind: Annotated[str, msgspec.Meta(max_length=16)] = ""
    # Only a bound against megabytes: the service says, beside the field, that the message
    # is over MESSAGE_MAX and keeps what was typed; a bound here would answer with the
    # error page and lose it.
    message: Annotated[str, msgspec.Meta(max_length=100 * MESSAGE_MAX)] = ""


@post(
    "/my/appointments/{appointment_id:int}/request",
    opt=WRITE,
    status_code=303,
    include_in_schema=False,
)
async def appointment_request(
    request: Request[Any, Any, Any],
    appointment_id: FromPath[int],
    data: Annotated[RequestForm, Form],
) -> Redirect | Template:
    """Ask to cancel or move an appointment (up to 24 hours before); the therapist hears."""
    actor, client_id = await _client(request)
    try:
        await appointment_requests.ask(
            actor,
            appointment_id=appointment_id,
            client_id=client_id,
            kind=data.kind,
            message=data.message,
            settings=request.app.state.settings,
            queue=request.app.state.queue,
        )
    except NotFound:
        raise NotFoundException() from None
    except (InvalidInput, Conflict) as exc:
        fields = exc.fields if isinstance(exc, InvalidInput) else {}
        message = exc.message if isinstance(exc, Conflict) else ""
        state = refused(request.url.path, msgspec.structs.asdict(data), fields, message)
        status = HTTP_400_BAD_REQUEST if isinstance(exc, InvalidInput) else HTTP_409_CONFLICT
        return await _home(request, form_state=state, status=status)
    return Redirect(path=f"/my#appointment-{appointment_id}", status_code=303)


@post("/my/questionnaires/{invitation_id:int}", opt=WRITE, status_code=303, include_in_schema=False)
async def open_questionnaire(
    request: Request[Any, Any, Any], invitation_id: FromPath[int]
) -> Redirect:
    """To the questionnaire's page with a fresh link (the mailed one stops working)."""
    _, client_id = await _client(request)
    token = await monitoring.fresh_link(invitation_id, client_id, datetime.now(UTC))
    if token is None:
        return Redirect(path="/my", status_code=303)
    return Redirect(path=f"/questionnaires/{token}", status_code=303)


@get("/my/documents/{document_id:int}", opt=READ, include_in_schema=False)
async def document(request: Request[Any, Any, Any], document_id: FromPath[int]) -> Response[bytes]:
    actor, _ = await _client(request)
    settings = request.app.state.settings
    found = await document_services.open_document(
        actor, document_id, datetime.now(settings.time_zone).date(), settings=settings
    )
    if found is None:
        raise NotFoundException()
    return Response(
        bytes(found["pdf"]),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="document-{document_id}.pdf"'},
    )


@get("/my/shared", opt=CLIENT, include_in_schema=False)
async def shared(request: Request[Any, Any, Any]) -> Template:
    """What was shared with whom and when, and who looked at the record."""
    actor, client_id = await _client(request)
    data = await client_portal.shared(client_id)
    log = await audit_log.client_access_log(
        actor, client_id, limit=ACCESS_LOG_SHOWN, before=None, others_only=True
    )
    return page(
        request,
        "reporting/client-portal/shared.html",
        tab="shared",
        log=log,
        audit_objects=AUDIT_OBJECT_LABELS,
        **data,
    )


# ---------------------------------------------------------------- reviewing a report

REVIEW = "reporting/client-portal/report.html"


async def _review_page(
    request: Request[Any, Any, Any],
    report_id: int,
    *,
    form_state: FormState | None = None,
    status: int = 200,
) -> Template:
    actor, client_id = await _client(request)
    try:
        report = await report_review.report_to_review(actor, report_id, client_id)
    except NotFound:
        raise NotFoundException() from None
    return page(
        request,
        REVIEW,
        status=status,
        tab="home",
        report=report,
        action=None,  # the portal's own review door (the mailed link's page sets its own)
        open=report_review.awaiting_review(report, datetime.now(UTC)),
        decisions=DECISION_LABELS,
        form_state=form_state or FormState(),
    )


@get("/my/reports/{report_id:int}", opt=READ, include_in_schema=False)
async def report_page(request: Request[Any, Any, Any], report_id: FromPath[int]) -> Template:
    """A report the therapist approved, as the client reads it before it leaves."""
    return await _review_page(request, report_id)


class ReviewForm(msgspec.Struct):
    decision: Annotated[str, msgspec.Meta(max_length=16)] = ""
    comment: Annotated[str, msgspec.Meta(max_length=4000)] = ""


@post("/my/reports/{report_id:int}/review", opt=WRITE, status_code=303, include_in_schema=False)
async def review(
    request: Request[Any, Any, Any], report_id: FromPath[int], data: Annotated[ReviewForm, Form]
) -> Redirect | Template:
    """Agree (it is delivered now) or withhold (it is not sent; the therapist hears)."""
    actor, client_id = await _client(request)
    try:
        await report_review.decide(
            actor,
            report_id=report_id,
            client_id=client_id,
            decision=data.decision,
            comment=data.comment,
            queue=request.app.state.queue,
        )
    except InvalidInput as exc:
        state = refused(request.url.path, msgspec.structs.asdict(data), exc.fields)
        return await _review_page(request, report_id, form_state=state, status=HTTP_400_BAD_REQUEST)
    except Conflict as exc:
        state = refused(request.url.path, msgspec.structs.asdict(data), {}, exc.message)
        return await _review_page(request, report_id, form_state=state, status=HTTP_409_CONFLICT)
    return Redirect(path=f"/my/reports/{report_id}", status_code=303)


# ---------------------------------------------------------------- consents


async def _consents_page(
    request: Request[Any, Any, Any],
    client_id: int,
    *,
    form_state: FormState | None = None,
    status: int = 200,
) -> Template:
    history = await consent_queries.consent_history(client_id, datetime.now(UTC))
    return page(
        request,
        "reporting/client-portal/consents.html",
        status=status,
        tab="consents",
        history=history,
        givable=GIVABLE,
        consent_purposes={r.value: [p.value for p in PURPOSES_OF[r]] for r in GIVABLE},
        purposes=list(Purpose),
        review_choice=await client_accounts.review_choice_of(client_id),
        review_choices=MY_REVIEW_CHOICE_LABELS,
        form_state=form_state or FormState(),
    )


@get("/my/consents", opt=CLIENT, include_in_schema=False)
async def consents_page(request: Request[Any, Any, Any]) -> Template:
    _, client_id = await _client(request)
    return await _consents_page(request, client_id)


class GiveForm(msgspec.Struct):
    recipient: Annotated[str, msgspec.Meta(max_length=32)] = ""
    purpose: Annotated[str, msgspec.Meta(max_length=32)] = ""


@post("/my/consents", opt=CLIENT, status_code=303, include_in_schema=False)
async def give(
    request: Request[Any, Any, Any], data: Annotated[GiveForm, Form]
) -> Redirect | Template:
    actor, client_id = await _client(request)
    problems = {}
    if data.recipient not in {r.value for r in GIVABLE}:
        problems["recipient"] = "required"
    if problems:
        state = refused(request.url.path, msgspec.structs.asdict(data), problems)
        return await _consents_page(
            request, client_id, form_state=state, status=HTTP_400_BAD_REQUEST
        )
    try:
        await consents.give_consent(
            actor,
            client_id=client_id,
            recipient=data.recipient,
            purpose=data.purpose,
            given_at=datetime.now(UTC),
        )
    except InvalidInput as exc:
        state = refused(request.url.path, msgspec.structs.asdict(data), exc.fields)
        return await _consents_page(
            request, client_id, form_state=state, status=HTTP_400_BAD_REQUEST
        )
    return Redirect(path="/my/consents", status_code=303)


@post(
    "/my/consents/{consent_id:int}/withdrawal", opt=CLIENT, status_code=303, include_in_schema=False
)
async def withdraw(
    request: Request[Any, Any, Any], consent_id: FromPath[int]
) -> Redirect | Template:
    """The client withdraws a consent of their own: every later send for it stops."""
    actor, client_id = await _client(request)
    try:
        await consents.withdraw_consent(
            actor, client_id=client_id, consent_id=consent_id, withdrawn_at=datetime.now(UTC)
        )
    except NotFound:
        # Not theirs (or none at all): refused like any other record, and audited.
        raise await access.refuse(actor, "consent", consent_id, None, write=True) from None
    except Conflict as exc:
        state = refused(request.url.path, {}, {}, exc.message)
        return await _consents_page(request, client_id, form_state=state, status=HTTP_409_CONFLICT)
    return Redirect(path="/my/consents", status_code=303)


@post("/my/report-review", opt=CLIENT, status_code=303, include_in_schema=False)
async def report_review_choice(
    request: Request[Any, Any, Any], data: Annotated[ReviewChoiceForm, Form]
) -> Redirect | Template:
    """The client's own answer: read each report first, or let reports leave unread."""
    actor, client_id = await _client(request)
    try:
        await client_accounts.record_review_choice(
            actor, client_id=client_id, choice=data.report_review
        )
    except InvalidInput as exc:
        state = refused(request.url.path, msgspec.structs.asdict(data), exc.fields)
        return await _consents_page(
            request, client_id, form_state=state, status=HTTP_400_BAD_REQUEST
        )
    return Redirect(path="/my/consents", status_code=303)


# ---------------------------------------------------------------- the record


@get("/my/record.zip", opt=CLIENT, include_in_schema=False)
async def record(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The client's own record (GDPR art. 15): the export, without what is kept internal."""
    actor, client_id = await _client(request)
    content = await export_client(actor, client_id, for_client=True)
    return Response(
        content,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="my-record.zip"'},
    )


@get("/my/record.fhir.json", opt=CLIENT, include_in_schema=False)
async def record_fhir(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """The same record as a FHIR R4 Bundle (JSON), for another practitioner's system."""
    actor, client_id = await _client(request)
    settings = request.app.state.settings
    bundle = await fhir_export.export_client(
        actor, client_id, base_url=settings.base_url, tz=settings.time_zone
    )
    return Response(
        bundle,
        media_type="application/fhir+json",
        headers={"Content-Disposition": 'attachment; filename="my-record.fhir.json"'},
    )


router = Router(
    path="/",
    route_handlers=[
        home,
        report_page,
        review,
        appointment_ics,
        appointment_request,
        open_questionnaire,
        document,
        shared,
        consents_page,
        report_review_choice,
        give,
        withdraw,
        record,
        record_fhir,
    ],
)
