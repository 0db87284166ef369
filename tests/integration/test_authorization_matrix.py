"""The authorization matrix: every route, every role, every relation (AZ-1, AZ-2, AUD-3).

``MATRIX`` is the reviewed declaration of who may call what. A route that is added without
an entry here, or whose roles change, fails the first test until the table is updated on
purpose. The other tests walk the table: a role outside a route gets 403, a therapist
outside the case gets 404, and neither answer carries client data.
"""

import re
from typing import Any

import httpx
import pytest
import time_machine
from litestar import Litestar

from practice.accounts import Role
from practice.audit.trail import Outcome
from practice.tables import AuditEvent
from tests.cast import Cast, make_user
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.web import api, login

T, CD, E, PM, A, C = (
    "therapist",
    "company_doctor",
    "employer_contact",
    "practice_manager",
    "administrator",
    "client",
)
EVERYONE = {T, CD, E, PM, A, C}
PUBLIC = "PUBLIC"
EP = "/api/episodes/{episode_id:int}"

MATRIX: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/"): EVERYONE,
    ("GET", "/account/totp"): EVERYONE,
    ("POST", "/account/totp"): EVERYONE,
    ("GET", "/admin/users"): {A},
    ("GET", "/admin/employers"): {A},
    ("POST", "/admin/employers"): {A},
    ("POST", "/admin/employers/{employer_id:int}/contacts"): {A},
    ("POST", "/admin/employers/{employer_id:int}/departments"): {A},
    ("POST", "/admin/employers/{employer_id:int}"): {A},
    ("POST", "/admin/employers/{employer_id:int}/activation"): {A},
    ("GET", "/admin/therapists"): {A},
    ("POST", "/admin/therapists"): {A},
    ("GET", "/admin/locations"): {A, PM},
    ("POST", "/admin/locations"): {A, PM},
    ("GET", "/admin/company-doctors"): {A},
    ("POST", "/admin/company-doctors"): {A},
    ("GET", "/admin/handovers"): {A},
    ("POST", "/admin/handovers"): {A},
    ("POST", "/admin/users"): {A},
    ("POST", "/admin/users/{user_id:int}/registration"): {A},
    ("GET", "/admin/users/{user_id:int}"): {A},
    ("POST", "/admin/users/{user_id:int}"): {A},
    ("POST", "/admin/users/{user_id:int}/activation"): {A},
    ("POST", "/api/absences"): {T},
    ("POST", "/api/appointments/{appointment_id:int}/attendance"): {T},
    ("POST", "/api/appointments/{appointment_id:int}/minutes"): {T},
    ("POST", "/api/appointments/{appointment_id:int}/participants"): {T},
    ("POST", "/api/appointments/{appointment_id:int}/rebooking"): {T},
    ("GET", "/api/calendar"): {T},
    ("DELETE", "/api/calendar-feed"): {T},
    ("POST", "/api/calendar-feed"): {T},
    ("GET", "/api/caseload"): {T},
    ("POST", "/api/clients"): {PM, T},
    ("GET", "/api/clients/{client_id:int}/access-log"): {PM},
    ("GET", "/clients/{client_id:int}/access-log"): {PM},
    ("GET", "/api/clients/{client_id:int}/access-log.csv"): {PM},
    ("POST", "/api/closing-days"): {A, PM},
    ("GET", "/api/company-doctor/documents"): {CD},
    ("GET", "/api/company-doctors"): {A, PM, T},
    ("POST", "/api/company-doctors"): {A, PM, T},
    ("GET", "/api/employer/employees"): {E},
    ("GET", "/api/employer/employees.csv"): {E},
    ("GET", "/employer/employees.xlsx"): {E},
    ("GET", "/api/employer/statistics"): {E},
    ("GET", "/api/employers"): {A, PM, T},
    ("POST", "/api/employers"): {A, PM},
    ("GET", "/api/employers/{employer_id:int}/contacts"): {A, PM, T},
    ("POST", "/api/employers/{employer_id:int}/contacts"): {A, PM, T},
    ("POST", "/api/employers/{employer_id:int}/departments"): {A, PM},
    ("GET", EP): {PM, T},
    # The absence record: kept by the therapist and the company doctor of the case.
    ("GET", EP + "/absences"): {CD, T},
    ("POST", EP + "/absences"): {CD, T},
    ("POST", EP + "/absences/{absence_id:int}"): {CD, T},
    ("POST", EP + "/absences/{absence_id:int}/recovery"): {CD, T},
    ("POST", EP + "/leave"): {CD, T},
    ("POST", EP + "/advice"): {T},
    # The capacity-advice loop: the advisers of the case, the therapist and the company doctor.
    ("GET", EP + "/capacity"): {CD, T},
    ("POST", EP + "/capacity-advice"): {CD, T},
    ("POST", EP + "/advice-conflict-resolutions"): {CD, T},
    ("POST", EP + "/company-doctor-consultations"): {CD, T},
    ("POST", EP + "/agreements"): {T},
    ("PATCH", EP + "/agreements/{agreement_id:int}"): {T},
    ("POST", EP + "/appointment-series"): {T},
    ("GET", EP + "/appointments"): {PM, T},
    ("POST", EP + "/appointments"): {T},
    ("POST", EP + "/break-glass"): {T},
    ("POST", EP + "/consents"): {T},
    ("POST", EP + "/consents/{consent_id:int}/withdrawal"): {T},
    ("POST", EP + "/contract-hours"): {T},
    ("POST", EP + "/follow-ups"): {T},
    ("POST", EP + "/handovers"): {T},
    ("POST", EP + "/manager-consultations"): {T},
    ("POST", EP + "/setbacks"): {T},
    ("POST", EP + "/offer"): {T},
    ("GET", EP + "/outcome-chart"): {T},
    ("PATCH", EP + "/plan"): {T},
    ("POST", EP + "/questionnaires"): {T},
    ("POST", EP + "/referral-outcome"): {T},
    ("POST", EP + "/relapse-prevention-plan"): {T},
    ("POST", EP + "/relapse-prevention-plan/document"): {T},
    ("POST", EP + "/reintegration-extract/sending"): {T},
    ("GET", EP + "/reports"): {T},
    ("POST", EP + "/screening"): {T},
    ("POST", EP + "/screening-plan"): {T},
    ("POST", EP + "/task-overrides"): {T},
    ("POST", EP + "/transitions"): {T},
    ("POST", EP + "/work-goals"): {T},
    ("POST", EP + "/work-goals/{goal_id:int}/achievement"): {T},
    ("POST", EP + "/work-participation"): {T},
    ("GET", "/api/free-slots"): {T},
    ("GET", "/api/locations"): {A, PM, T},
    ("POST", "/api/locations"): {A, PM},
    ("GET", "/api/monitor"): {PM},
    ("POST", "/api/referrals"): {PM, T},
    ("GET", "/api/reports/{report_id:int}"): {T},
    ("PATCH", "/api/reports/{report_id:int}"): {T},
    ("POST", "/api/reports/{report_id:int}/approval"): {T},
    ("GET", "/api/statistics/outcomes"): {PM},
    ("POST", "/api/therapists"): {A},
    ("GET", "/api/users"): {A},
    ("POST", "/api/users"): {A},
    ("PUT", "/api/working-hours"): {T},
    ("GET", "/calendar/{token:str}"): PUBLIC,
    # The client's own account (issue 20): the therapist invites and revokes; the client sets
    # it up by the invitation's token and logs in with a code by e-mail.
    ("POST", "/episodes/{episode_id:int}/client-account/invitation"): {T},
    ("POST", "/episodes/{episode_id:int}/client-account/revocation"): {T},
    ("POST", "/episodes/{episode_id:int}/report-review"): {T},
    ("GET", "/report-review/{token:str}"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/report-review/{token:str}"): PUBLIC,
    ("GET", "/client-account/{token:str}"): PUBLIC,
    ("POST", "/client-account/{token:str}"): PUBLIC,
    ("GET", "/login/email-code"): PUBLIC,
    ("POST", "/login/email-code"): PUBLIC,
    ("POST", "/login/email-code/new"): PUBLIC,
    # The client portal: the client alone, on their own record.
    ("GET", "/my"): {C},
    ("GET", "/my/appointments/{appointment_id:int}/calendar.ics"): {C},
    ("POST", "/my/appointments/{appointment_id:int}/request"): {C},
    ("POST", "/my/questionnaires/{invitation_id:int}"): {C},
    ("POST", "/my/report-review"): {C},
    ("GET", "/my/documents/{document_id:int}"): {C},
    ("GET", "/my/shared"): {C},
    ("GET", "/my/consents"): {C},
    ("POST", "/my/consents"): {C},
    ("POST", "/my/consents/{consent_id:int}/withdrawal"): {C},
    ("GET", "/my/record.zip"): {C},
    ("GET", "/my/record.fhir.json"): {C},
    ("GET", "/my/reports/{report_id:int}"): {C},
    ("POST", "/my/reports/{report_id:int}/review"): {C},
    # The client's questionnaires behind a secure link: the token is the authority.
    ("GET", "/questionnaires/{token:str}"): PUBLIC,
    ("POST", "/questionnaires/{token:str}"): PUBLIC,
    ("GET", "/api/fhir/clients/{client_id:int}"): {PM, T},
    ("GET", "/api/fhir/episodes/{episode_id:int}"): {PM, T},
    ("POST", "/api/fhir/referrals"): {CD, PM},
    ("GET", "/fhir/CodeSystem/{name:str}"): PUBLIC,
    ("GET", "/fhir/Questionnaire/{name:str}"): PUBLIC,
    ("GET", "/caseload"): {T},
    ("GET", "/today"): {T},
    ("GET", "/calendar"): {T},
    ("GET", "/episodes/{episode_id:int}"): {T},
    ("POST", "/episodes/{episode_id:int}/agreements"): {T},
    ("POST", "/episodes/{episode_id:int}/agreements/{agreement_id:int}"): {T},
    ("GET", "/episodes/{episode_id:int}/absence-record"): {CD, T},
    ("GET", "/episodes/{episode_id:int}/capacity"): {CD, T},
    ("POST", "/episodes/{episode_id:int}/capacity-advice"): {CD, T},
    ("POST", "/episodes/{episode_id:int}/advice-conflict-resolutions"): {CD, T},
    ("POST", "/episodes/{episode_id:int}/company-doctor-consultations"): {CD, T},
    ("POST", "/episodes/{episode_id:int}/absences"): {CD, T},
    ("POST", "/episodes/{episode_id:int}/absences/{absence_id:int}"): {CD, T},
    ("POST", "/episodes/{episode_id:int}/absences/{absence_id:int}/recovery"): {CD, T},
    ("POST", "/episodes/{episode_id:int}/leave"): {CD, T},
    ("POST", "/episodes/{episode_id:int}/re-referrals"): {T},
    ("POST", "/episodes/{episode_id:int}/contract-hours"): {T},
    ("POST", "/episodes/{episode_id:int}/consents/{consent_id:int}/withdrawal"): {T},
    ("POST", "/episodes/{episode_id:int}/questionnaires"): {T},
    ("POST", "/episodes/{episode_id:int}/appointments"): {T},
    ("POST", "/episodes/{episode_id:int}/appointments/cancellation"): {T},
    ("GET", "/episodes/{episode_id:int}/break-glass"): {T},
    ("POST", "/episodes/{episode_id:int}/break-glass"): {T},
    ("POST", "/episodes/{episode_id:int}/consents"): {T},
    ("POST", "/episodes/{episode_id:int}/follow-ups"): {T},
    ("POST", "/episodes/{episode_id:int}/relapse-prevention-plan"): {T},
    ("POST", "/episodes/{episode_id:int}/relapse-prevention-plan/document"): {T},
    ("GET", "/episodes/{episode_id:int}/reintegration-extract.pdf"): {T},
    ("POST", "/episodes/{episode_id:int}/reintegration-extract/sending"): {T},
    ("POST", "/episodes/{episode_id:int}/handovers"): {T},
    ("POST", "/episodes/{episode_id:int}/work-participation"): {T},
    ("POST", "/episodes/{episode_id:int}/manager-consultations"): {T},
    ("POST", "/episodes/{episode_id:int}/setbacks"): {T},
    ("POST", "/episodes/{episode_id:int}/screening"): {T},
    ("POST", "/episodes/{episode_id:int}/screening-plan"): {T},
    ("POST", "/episodes/{episode_id:int}/transitions"): {T},
    ("POST", "/episodes/{episode_id:int}/offer"): {T},
    ("POST", "/episodes/{episode_id:int}/referral-outcome"): {T},
    ("POST", "/episodes/{episode_id:int}/task-overrides"): {T},
    ("POST", "/episodes/{episode_id:int}/work-goals"): {T},
    ("POST", "/episodes/{episode_id:int}/work-goals/{goal_id:int}/achievement"): {T},
    ("POST", "/episodes/{episode_id:int}/advice"): {T},
    ("POST", "/episodes/{episode_id:int}/plan"): {T},
    ("POST", "/appointments/{appointment_id:int}/attendance"): {T},
    ("POST", "/appointments/{appointment_id:int}/notes"): {T},
    ("GET", "/appointments/{appointment_id:int}"): {T},
    ("POST", "/appointments/{appointment_id:int}/move"): {T},
    ("POST", "/appointments/{appointment_id:int}/kept"): {T},
    ("POST", "/appointments/{appointment_id:int}/participants"): {T},
    ("POST", "/appointments/{appointment_id:int}/rebooking"): {T},
    ("POST", "/episodes/{episode_id:int}/alignment-meeting"): {T},
    ("GET", "/calendar/book"): {T},
    ("POST", "/calendar/book"): {T},
    ("GET", "/calendar/settings"): {T},
    ("POST", "/calendar/working-hours"): {T},
    ("POST", "/calendar/absences"): {T},
    ("GET", "/calendar/closing-days"): {A, PM},
    ("POST", "/calendar/closing-days"): {A, PM},
    ("POST", "/reports/{report_id:int}/approval"): {T},
    ("GET", "/reports/{report_id:int}/approval"): {T},
    ("GET", "/reports/{report_id:int}/edit"): {T},
    ("POST", "/reports/{report_id:int}/edit"): {T},
    ("GET", "/reports/{report_id:int}/print.css"): {T},
    ("POST", "/appointments/{appointment_id:int}/minutes"): {T},
    ("GET", "/referrals/new"): {T},
    ("POST", "/referrals"): {T},
    ("GET", "/monitor"): {PM},
    # Money (issue 22): the practice manager's; the employer sees its own sent invoices.
    ("GET", "/invoices"): {PM},
    ("POST", "/invoices/run"): {PM},
    ("GET", "/invoices/lines.csv"): {PM},
    ("GET", "/invoices/terms"): {PM},
    ("POST", "/invoices/terms/{employer_id:int}"): {PM},
    ("GET", "/invoices/{invoice_id:int}"): {PM},
    ("POST", "/invoices/{invoice_id:int}/sending"): {PM},
    ("POST", "/invoices/{invoice_id:int}/payments"): {PM},
    ("POST", "/invoices/{invoice_id:int}/credit-note"): {PM},
    ("GET", "/invoices/{invoice_id:int}/invoice.pdf"): {PM},
    ("GET", "/invoices/{invoice_id:int}/ubl.xml"): {PM},
    ("GET", "/employer/invoices"): {E},
    ("GET", "/employer/invoices/{invoice_id:int}/invoice.pdf"): {E},
    ("GET", "/employer/invoices/{invoice_id:int}/ubl.xml"): {E},
    ("GET", "/company-doctor"): {CD},
    ("GET", "/documents/{document_id:int}"): {CD, T},
    ("GET", "/employer"): {E},
    ("GET", "/employer/statistics"): {E},
    ("GET", "/employer/updates/{update_id:int}"): {E},
    ("GET", "/employer/episodes/{episode_id:int}/reintegration-extract.pdf"): {E},
    ("GET", "/favicon.ico"): PUBLIC,  # the icon a browser asks for (practice.web.favicon)
    ("GET", "/healthz"): PUBLIC,
    ("POST", "/language"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/enrol"): PUBLIC,
    ("POST", "/login/enrol"): PUBLIC,
    ("GET", "/login/totp"): PUBLIC,
    ("POST", "/login/totp"): PUBLIC,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/reports/{report_id:int}/preview"): {T},
    ("GET", "/schema"): PUBLIC,
    ("GET", "/schema/openapi.json"): PUBLIC,
    ("GET", "/schema/scalar"): PUBLIC,
    ("GET", "/schema/{path:str}"): PUBLIC,
    ("GET", "/static/{file_path:path}"): PUBLIC,
    ("HEAD", "/static/{file_path:path}"): PUBLIC,
    ("GET", "/statistics/episodes"): {PM},
    ("GET", "/statistics/episodes/{episode_id:int}"): {PM},
    ("GET", "/statistics/outcomes"): {PM},
    ("GET", "/statistics/outcomes.csv"): {PM},
    ("GET", "/statistics/outcomes.pdf"): {PM},
    ("GET", "/statistics/outcomes.xlsx"): {PM},
}


def registered(app: Litestar) -> dict[tuple[str, str], set[str] | str]:
    found: dict[tuple[str, str], set[str] | str] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.handler_name == "options_handler":
                continue
            roles = handler.opt.get("roles")
            declared: set[str] | str = (
                PUBLIC if handler.opt.get("public") else {r.value for r in roles or ()}
            )
            for method in handler.http_methods:
                found[(method, route.path)] = declared
    return found


def test_every_route_is_declared_in_the_matrix_with_its_roles(app: Litestar) -> None:
    actual = registered(app)
    undeclared = sorted(set(actual) - set(MATRIX))
    gone = sorted(set(MATRIX) - set(actual))
    changed = sorted(k for k in set(actual) & set(MATRIX) if actual[k] != MATRIX[k])
    assert (undeclared, gone, changed) == ([], [], [])


def fill(path: str, ids: dict[str, int]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(ids.get(name, 999999)) if not name.endswith(("token", "path")) else "x"

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


async def call(client: httpx.AsyncClient, method: str, path: str) -> httpx.Response:
    body: Any = {} if method in {"POST", "PATCH", "PUT"} else None
    return await api(client, method, path, body)


async def story(client: httpx.AsyncClient, cast: Cast) -> dict[str, int]:
    """One client in treatment with sessions, an appointment and a report draft."""
    from reporting import jobs
    from reporting.tables import Report
    from scheduling.tables import Appointment

    episode_id = await episode_with_ten_held_sessions(client, cast)
    from datetime import date

    from practice.platform.settings import Settings

    await jobs.due_reports(date(2026, 6, 15), Settings.from_env())
    appointment = await Appointment.select(Appointment.id).first()
    report = await Report.select(Report.id).first()
    assert appointment is not None and report is not None
    return {
        "episode_id": episode_id,
        "appointment_id": appointment["id"],
        "report_id": report["id"],
    }


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_role_outside_a_route_gets_403_without_client_data(client, cast: Cast) -> None:
    ids = await story(client, cast)
    for role in Role:
        await login(client, cast.by_role(role).email)
        for (method, path), allowed in MATRIX.items():
            if allowed == PUBLIC or role.value in allowed or method == "HEAD":
                continue
            response = await call(client, method, fill(path, ids))
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert "Anna" not in response.text


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_therapist_outside_the_case_gets_404_without_client_data_and_is_audited(
    client, cast: Cast
) -> None:
    ids = await story(client, cast)
    outsider = await make_user(Role.THERAPIST, "outsider@cast.test")
    await login(client, outsider.email)
    scoped = [
        (m, p)
        for (m, p), allowed in MATRIX.items()
        if allowed != PUBLIC
        and T in allowed
        and any(f"{{{name}:int}}" in p for name in ("episode_id", "appointment_id", "report_id"))
        # Breaking the glass is open to every therapist by design (practice.access_policy)
        and "/break-glass" not in p
    ]
    assert len(scoped) > 30
    for method, path in scoped:
        response = await call(client, method, fill(path, ids))
        # An empty body may be refused as invalid before the case is looked up; that
        # answer says nothing about the case. Reads, and the valid writes below, get 404.
        expected = {404} if method == "GET" else {400, 404}
        assert response.status_code in expected, (method, path, response.status_code)
        assert "Anna" not in response.text
    valid_writes = [
        (EP + "/transitions", {"to_status": "paused"}),
        (
            EP + "/appointments",
            {"kind": "treatment_session", "starts_at": "2026-06-17T10:00:00+02:00"},
        ),
        (EP + "/agreements", {"agreed_on": "2026-06-15", "description": "x"}),
        ("/api/appointments/{appointment_id:int}/attendance", {"attendance": "no_show"}),
        ("/api/reports/{report_id:int}/approval", None),
    ]
    before = await AuditEvent.count().where(AuditEvent.outcome == Outcome.SUCCESS.value)
    for path, body in valid_writes:
        response = await api(client, "POST", fill(path, ids), body)
        assert response.status_code == 404, (path, response.status_code)
    after = await AuditEvent.count().where(AuditEvent.outcome == Outcome.SUCCESS.value)
    assert after == before  # nothing was done
    denied = await AuditEvent.count().where(
        (AuditEvent.actor_id == outsider.id) & (AuditEvent.outcome == Outcome.DENIED.value)
    )
    assert denied >= len(valid_writes)  # every refused look at the case left a row


@pytest.mark.parametrize("path", ["/api/caseload", "/api/episodes/1", "/employer", "/admin/users"])
async def test_an_anonymous_caller_is_refused_everywhere_but_public_routes(
    client, db, path: str
) -> None:
    response = await client.get(path, headers={"accept": "application/json"})
    assert response.status_code == 401
