"""Invoices in the portal (issue 22): the practice manager sets the terms, makes, sends,
records payments and credits in the browser's forms; the employer sees its own sent
invoices and nothing else; a generated matrix of every invoice route × role × relation."""

import re
from typing import Any

import httpx
import time_machine
from litestar import Litestar

from practice.accounts import Role
from practice.tables import EmployerContact, OutboundMessage
from reporting.tables import BillingTerms, Invoice, InvoicePayment
from tests.cast import Cast, make_user
from tests.integration.practice.test_portal_forms import post_page_form
from tests.integration.reporting.test_invoices import employer_of
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.web import login

TERMS_FORM = {
    "valid_from": "2026-01-01",
    "price_model": "package",
    "billing_moment": "monthly",
    "package_basic": "1.295,00",
    "package_compleet": "",
    "package_preventive": "",
    "session": "",
    "screening": "175",
    "no_show": "95,-",
    "late_cancellation": "",
    "late_cancellation_hours": "24",
    "payment_days": "30",
    "invoice_email": "crediteuren@zorgenco.nl",
    "buyer_address": "Postbus 12\r\n3500 AA Utrecht",
    "buyer_reference": "PO-7",
}


async def _invoices_made(client: httpx.AsyncClient, cast: Cast) -> int:
    """The story up to two invoices made through the manager's forms; the employer's id."""
    episode_id = await episode_with_ten_held_sessions(client, cast)
    employer_id = await employer_of(episode_id)
    await login(client, cast.practice_manager.email)
    saved = await post_page_form(
        client, "/invoices/terms", f"/invoices/terms/{employer_id}", TERMS_FORM
    )
    assert saved.status_code == 303
    made = await post_page_form(client, "/invoices", "/invoices/run", {})
    assert made.status_code == 303 and made.headers["location"] == "/invoices?standing=draft"
    return employer_id


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_practice_manager_sets_terms_sends_records_a_payment_and_credits_in_forms(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await _invoices_made(client, cast)
    terms = await BillingTerms.select().first()
    assert terms is not None
    assert (terms["package_basic_cents"], terms["screening_cents"], terms["no_show_cents"]) == (
        129500,
        17500,
        9500,
    )
    page = await client.get("/invoices?standing=draft")
    assert page.status_code == 200
    assert "2026-00001" in page.text and "2026-00002" in page.text
    package = await Invoice.select().where(Invoice.number == "2026-00002").first()
    assert package is not None
    detail = await client.get(f"/invoices/{package['id']}")
    assert detail.status_code == 200
    assert "€ 1.295,00" in detail.text and "A.J." in detail.text and "PO-7" in detail.text
    # Not sent yet: it says so, where it goes, and what will be owed (not "€ 0,00 owed").
    assert "Te versturen aan" in detail.text and "Verstuurd aan" not in detail.text
    assert "Nog niet verstuurd: verschuldigd zodra die is verstuurd (€ 1.295,00)." in detail.text

    sent = await post_page_form(
        client, f"/invoices/{package['id']}", f"/invoices/{package['id']}/sending", {}
    )
    assert sent.status_code == 303
    assert await OutboundMessage.count().where(OutboundMessage.key == f"invoice:{package['id']}")
    too_much = await post_page_form(
        client,
        f"/invoices/{package['id']}",
        f"/invoices/{package['id']}/payments",
        {"paid_on": "2026-06-15", "amount": "1.300,00"},
    )
    assert too_much.status_code == 400
    assert "Dit is meer dan er nog openstaat (€ 1.295,00)." in too_much.text
    assert 'value="1.300,00"' in too_much.text  # what was typed is kept
    assert await InvoicePayment.count() == 0
    paid = await post_page_form(
        client,
        f"/invoices/{package['id']}",
        f"/invoices/{package['id']}/payments",
        {"paid_on": "2026-06-15", "amount": "1295"},
    )
    assert paid.status_code == 303
    detail = await client.get(f"/invoices/{package['id']}")
    assert 'data-testid="standing">betaald<' in detail.text

    no_reason = await post_page_form(
        client, f"/invoices/{package['id']}", f"/invoices/{package['id']}/credit-note", {}
    )
    assert no_reason.status_code == 400 and "Vul dit veld in." in no_reason.text
    credited = await post_page_form(
        client,
        f"/invoices/{package['id']}",
        f"/invoices/{package['id']}/credit-note",
        {"reason": "Dubbel gefactureerd"},
    )
    assert credited.status_code == 303
    credit_page = await client.get(credited.headers["location"])
    assert "Creditnota 2026-00003" in credit_page.text and "Dubbel gefactureerd" in credit_page.text
    assert 'data-testid="total">€ -1.295,00<' in credit_page.text  # negative, as in its PDF
    listed = (await client.get("/invoices")).text
    row = listed.split('data-invoice="2026-00003"', 1)[1].split("</tr>", 1)[0]
    assert "€ -1.295,00" in row and "corrigeert 2026-00002" in row
    again = await post_page_form(
        client,
        f"/invoices/{package['id']}",
        f"/invoices/{package['id']}/credit-note",
        {"reason": "Nog eens"},
    )
    assert again.status_code == 409 and "Deze factuur is al gecrediteerd." in again.text

    credit_path = credited.headers["location"]
    sent_credit = await post_page_form(client, credit_path, f"{credit_path}/sending", {})
    assert sent_credit.status_code == 303
    csv = await client.get("/invoices/lines.csv?start=2026-06-01&end=2026-06-30")
    assert csv.status_code == 200
    assert "2026-00002,invoice,2026-06-15" in csv.text
    assert "2026-00003,credit_note,2026-06-15" in csv.text and "-1295.00" in csv.text


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_refused_terms_form_names_each_problem_beside_its_field_and_writes_nothing(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    employer_id = await employer_of(episode_id)
    await login(client, cast.practice_manager.email)
    refused = await post_page_form(
        client,
        "/invoices/terms",
        f"/invoices/terms/{employer_id}",
        {
            **TERMS_FORM,
            "package_basic": "12,3456",
            "invoice_email": "geen adres",
            "payment_days": "400",
        },
    )
    assert refused.status_code == 400
    text = refused.text
    assert "Gebruik hoogstens twee decimalen (centen)." in text
    assert "Vul een e-mailadres in, bijvoorbeeld crediteuren@werkgever.nl." in text
    assert 'value="geen adres"' in text
    assert await BillingTerms.count() == 0
    invalid = await post_page_form(
        client,
        "/invoices/terms",
        f"/invoices/terms/{employer_id}",
        {**TERMS_FORM, "payment_days": "400"},
    )
    assert (
        invalid.status_code == 400
        and "Geef de betaaltermijn in dagen, van 0 tot 120." in invalid.text
    )
    no_price = await post_page_form(
        client,
        "/invoices/terms",
        f"/invoices/terms/{employer_id}",
        {**TERMS_FORM, "price_model": "per_session"},
    )
    assert no_price.status_code == 400 and "Geef het tarief van een sessie." in no_price.text
    assert await BillingTerms.count() == 0


# ---------------------------------------------------------------- the generated matrix


def invoice_routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if "{invoice_id" not in route.path and not route.path.startswith(
            ("/invoices", "/employer/invoices")
        ):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method not in ("HEAD", "OPTIONS"):
                    found.append((method, route.path))
    return sorted(found)


def fill(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids[m.group(1)]), path)


def expected(method: str, path: str, role: Role, relation: str) -> set[int]:
    """What the one rule says: money is the practice manager's; an employer contact reads
    the sent invoices of its own organisations in the employer portal, nothing else."""
    employer_route = path.startswith("/employer/invoices")
    if employer_route:
        if role is not Role.EMPLOYER_CONTACT:
            return {403}
        if "{invoice_id" not in path:  # the list: each sees its own (checked below)
            return {200}
        return {200} if relation == "own, sent" else {404}
    if role is not Role.PRACTICE_MANAGER:
        return {403}
    return {200, 303, 400, 409} if method == "POST" else {200}


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_every_invoice_route_answers_each_role_and_relation_as_the_rule_says(
    app: Litestar, client: httpx.AsyncClient, cast: Cast
) -> None:
    employer_id = await _invoices_made(client, cast)
    rows = await Invoice.select(Invoice.id, Invoice.number).order_by(Invoice.number)
    sent_id, draft_id = int(rows[0]["id"]), int(rows[1]["id"])
    await post_page_form(client, f"/invoices/{sent_id}", f"/invoices/{sent_id}/sending", {})
    other_contact = await make_user(Role.EMPLOYER_CONTACT, "other@employer.test")
    from practice.tables import Employer

    other = await Employer.insert(Employer(name="Ander Bedrijf")).returning(Employer.id)
    await EmployerContact.insert(
        EmployerContact(
            employer=int(other[0]["id"]),
            user=other_contact.id,
            name="O. Ander",
            email="other@employer.test",
            contact_role="hr_adviser",
        )
    )
    requesters: list[tuple[str, Role, str, int]] = []
    for member in (
        cast.practice_manager,
        cast.therapist,
        cast.company_doctor,
        cast.administrator,
        cast.client,
    ):
        requesters.append((member.email, member.role, "practice", sent_id))
    requesters += [
        (cast.employer_contact.email, Role.EMPLOYER_CONTACT, "own, sent", sent_id),
        (cast.employer_contact.email, Role.EMPLOYER_CONTACT, "own, under review", draft_id),
        (other_contact.email, Role.EMPLOYER_CONTACT, "other organisation", sent_id),
    ]
    routes = invoice_routes(app)
    assert len(routes) >= 14
    misses: list[str] = []
    for email, role, relation, invoice_id in requesters:
        await login(client, email)
        ids = {"invoice_id": invoice_id, "employer_id": employer_id}
        for method, path in routes:
            url = fill(path, ids)
            if path == "/invoices/lines.csv":
                url += "?start=2026-01-01&end=2026-12-31"
            if method == "GET":
                response = await client.get(url)
            else:
                if role is Role.PRACTICE_MANAGER:
                    continue  # the writes are the story above; here: who is refused
                response = await post_page_form(client, "/account/totp", url, {})
            if response.status_code not in expected(method, path, role, relation):
                misses.append(f"{role} ({relation}) {method} {url}: {response.status_code}")
            if response.status_code in (403, 404):
                assert "A.J." not in response.text and "1.295" not in response.text
    assert misses == []
    employer_page: dict[str, Any] = {}
    await login(client, other_contact.email)
    employer_page["other"] = (await client.get("/employer/invoices")).text
    await login(client, cast.employer_contact.email)
    employer_page["own"] = (await client.get("/employer/invoices")).text
    assert "2026-00001" in employer_page["own"] and "2026-00002" not in employer_page["own"]
    assert "2026-00001" not in employer_page["other"]
