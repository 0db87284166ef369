"""Invoices find their own due work: the terms make them due, each is made once, numbered
without gaps, and a credit note restores the balance (issue 22)."""

import asyncio
import dataclasses
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import facturx
import httpx
import pytest
import time_machine
from pypdf import PdfReader

from practice.audit.trail import Actor, Channel
from practice.platform import outbox
from practice.platform.settings import Settings
from practice.tables import OutboundMessage, TreatmentEpisode
from reporting import billing, e_invoice
from reporting import jobs as reporting_jobs
from reporting.services import billing_terms, invoice_sending, invoices
from reporting.services.billing_terms import TermsIn
from reporting.tables import Invoice, InvoiceLine, InvoiceNumber
from tests.cast import Cast
from tests.conftest import make_client
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.mailbox import Mailbox

TODAY = date(2026, 6, 15)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SYSTEM = Actor.system(Channel.WORKER)


async def employer_of(episode_id: int) -> int:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.referral.employer.as_alias("employer"))
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    return int(row["employer"])


def terms(**overrides: object) -> TermsIn:
    values: dict[str, object] = {
        "valid_from": date(2026, 1, 1),
        "price_model": "package",
        "billing_moment": "monthly",
        "invoice_email": "crediteuren@zorgenco.nl",
        "screening_cents": 15000,
        "package_basic_cents": 125000,
        "no_show_cents": 9500,
        "buyer_address": "Postbus 12\n3500 AA Utrecht",
    }
    values.update(overrides)
    return TermsIn(**values)  # type: ignore[arg-type]


async def make(today: date = TODAY) -> list[invoices.Made]:
    return await invoices.make_due_invoices(today, AMSTERDAM, vat_exempt=True)


async def invoice_rows() -> list[dict[str, object]]:
    return list(await Invoice.select().order_by(Invoice.number))


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_monthly_package_terms_bill_the_screening_and_the_package_in_their_months_once(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    employer_id = await employer_of(episode_id)
    await billing_terms.record_terms(SYSTEM, employer_id, terms())

    made = await make()
    assert len(made) == 2
    assert await make() == []  # a rerun of the sweep creates nothing new
    rows = await invoice_rows()
    assert [(r["number"], r["key"], r["total_cents"]) for r in rows] == [
        ("2026-00001", f"month:{employer_id}:2026-04", 15000),
        ("2026-00002", f"month:{employer_id}:2026-05", 125000),
    ]
    assert rows[0]["period_start"] == date(2026, 4, 1)
    assert rows[0]["period_end"] == date(2026, 4, 30)
    assert rows[1]["due_on"] == date(2026, 7, 15)  # 30 days
    lines = await InvoiceLine.select().order_by(InvoiceLine.id)
    assert [(line["charge"], line["client_initials"], line["vat_category"]) for line in lines] == [
        ("screening", "A.J.", "E"),
        ("package", "A.J.", "E"),
    ]


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_per_session_terms_billed_at_the_end_wait_for_the_end(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    employer_id = await employer_of(episode_id)
    await billing_terms.record_terms(
        SYSTEM,
        employer_id,
        terms(price_model="per_session", billing_moment="end", session_cents=9500),
    )
    assert await make() == []
    await TreatmentEpisode.update({TreatmentEpisode.status: "closed"}).where(
        TreatmentEpisode.id == episode_id
    )
    made = await make()
    assert len(made) == 1
    (invoice,) = await invoice_rows()
    assert invoice["key"] == f"end:{episode_id}"
    assert invoice["total_cents"] == 15000 + 10 * 9500
    assert (invoice["period_start"], invoice["period_end"]) == (
        date(2026, 4, 24),
        date(2026, 5, 29),
    )


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_credit_note_restores_the_balance_and_takes_the_next_number(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await billing_terms.record_terms(SYSTEM, await employer_of(episode_id), terms())
    first, _ = await make()
    credit_id = await invoices.credit(SYSTEM, first.invoice_id, "Verkeerd tarief", TODAY)
    credit_note = await Invoice.select().where(Invoice.id == credit_id).first()
    assert credit_note is not None
    assert credit_note["number"] == "2026-00003"
    assert credit_note["credits"] == first.invoice_id
    assert credit_note["kind"] == billing.InvoiceKind.CREDIT_NOTE
    assert credit_note["total_cents"] == 15000
    assert billing.outstanding(15000, credited_cents=15000, paid_cents=0) == 0
    assert await make() == []  # the credited charges are not billed again by themselves


@pytest.mark.commits
@time_machine.travel("2026-06-15 10:00 +0200", tick=True)
async def test_twenty_runs_at_once_make_each_invoice_once_with_gapless_numbers(
    app, cast: Cast
) -> None:
    async with make_client(app) as client:
        episode_id = await episode_with_ten_held_sessions(client, cast)
    await billing_terms.record_terms(
        SYSTEM,
        await employer_of(episode_id),
        terms(price_model="per_session", session_cents=9500),
    )
    runs = await asyncio.gather(*(make() for _ in range(20)))
    assert sum(len(run) for run in runs) == 2
    rows = await invoice_rows()
    assert [r["number"] for r in rows] == ["2026-00001", "2026-00002"]
    assert len({r["key"] for r in rows}) == 2
    counter = await InvoiceNumber.select().where(InvoiceNumber.year == 2026).first()
    assert counter is not None and counter["last"] == 2
    keys = [line["charge_key"] for line in await InvoiceLine.select(InvoiceLine.charge_key)]
    assert len(keys) == len(set(keys)) == 11  # the screening and ten sessions, once each


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_an_invoice_is_a_pdf_a_3_with_a_factur_x_xml_and_leaves_with_its_ubl_once(
    client: httpx.AsyncClient, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await billing_terms.record_terms(SYSTEM, await employer_of(episode_id), terms())
    _, package = await make()
    mail = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port)

    pdf = await invoice_sending.invoice_pdf(package.invoice_id, mail)
    assert await invoice_sending.invoice_pdf(package.invoice_id, mail) == pdf  # made once
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "2026-00002" in text and "A.J." in text and "1.250,00" in text
    assert "Vrijgesteld van btw" in text or "Vrijgesteld" in text
    _, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert e_invoice.check(xml)
    assert b"<ram:ID>2026-00002</ram:ID>" in xml
    assert b"1250.00" in xml and b"VATEX-EU-132-1C" in xml
    assert b"angst" not in xml.lower() and b"Anna" not in xml
    ubl = await invoice_sending.ubl_of(package.invoice_id, mail)
    assert e_invoice.check(ubl, flavor="ubl-2.1")

    message_id = await invoice_sending.send(SYSTEM, package.invoice_id, mail)
    assert message_id is not None
    assert await invoice_sending.send(SYSTEM, package.invoice_id, mail) is None  # once
    assert await outbox.send_message(mail, message_id)
    (message,) = mailbox.messages
    assert message["To"] == "crediteuren@zorgenco.nl"
    assert message["Subject"] == "Factuur 2026-00002 van Praktijk @Work (demo)"
    files = {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.walk()
        if part.get_filename()
    }
    assert files["factuur-2026-00002.pdf"] == pdf
    attached_ubl = files["factuur-2026-00002.xml"]
    assert isinstance(attached_ubl, bytes) and e_invoice.check(attached_ubl, flavor="ubl-2.1")


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_sweep_sends_what_the_terms_send_at_once_and_reminds_an_unpaid_invoice_twice(
    client: httpx.AsyncClient, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await billing_terms.record_terms(SYSTEM, await employer_of(episode_id), terms(auto_send=True))
    mail = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port)
    jobs = await reporting_jobs.due_invoices(TODAY, mail)
    assert sorted(job.name for job in jobs) == ["send_invoice", "send_invoice"]
    assert await reporting_jobs.due_invoices(TODAY, mail) == jobs  # lost jobs come back
    for job in jobs:
        assert await reporting_jobs.send_invoice({"settings": mail}, *job.args)
        assert not await reporting_jobs.send_invoice({"settings": mail}, *job.args)  # once
    assert await reporting_jobs.due_invoices(TODAY, mail) == []
    screening, package = await invoice_rows()
    await invoice_sending.record_payment(
        SYSTEM, int(str(screening["id"])), paid_on=TODAY, amount_cents=15000, today=TODAY
    )

    due = package["due_on"]
    assert isinstance(due, date)
    assert await reporting_jobs.due_invoices(due + timedelta(days=6), mail) == []
    first = await reporting_jobs.due_invoices(due + timedelta(days=7), mail)
    assert [job.name for job in first] == ["send_message"]
    assert await reporting_jobs.due_invoices(due + timedelta(days=8), mail) == []  # once
    second = await reporting_jobs.due_invoices(due + timedelta(days=21), mail)
    assert [job.name for job in second] == ["send_message"]
    keys = [
        row["key"]
        for row in await OutboundMessage.select(OutboundMessage.key).order_by(OutboundMessage.id)
        if str(row["key"]).startswith("invoice")
    ]
    assert keys == [
        f"invoice:{screening['id']}",
        f"invoice:{package['id']}",
        f"invoice-reminder:{package['id']}:1",
        f"invoice-reminder:{package['id']}:2",
    ]
    for job in (*first, *second):
        assert await outbox.send_message(mail, *job.args)
    subjects = [m["Subject"] for m in mailbox.messages if "Herinnering" in str(m["Subject"])]
    assert subjects == ["Herinnering: factuur 2026-00002 van Praktijk @Work (demo)"] * 2


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_credit_note_asked_to_bill_again_puts_the_charges_on_this_month_s_invoice(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    employer_id = await employer_of(episode_id)
    await billing_terms.record_terms(SYSTEM, employer_id, terms())
    _, package = await make()
    # New terms from May on: the package was priced too low.
    await billing_terms.record_terms(
        SYSTEM,
        employer_id,
        terms(valid_from=date(2026, 5, 1), package_basic_cents=139500),
    )
    await invoices.credit(SYSTEM, package.invoice_id, "Nieuw tarief", TODAY, bill_again=True)
    assert await make() == []  # this month is not over yet
    again = await make(date(2026, 7, 1))
    assert len(again) == 1
    rebilled = await Invoice.select().where(Invoice.id == again[0].invoice_id).first()
    assert rebilled is not None
    assert (rebilled["key"], rebilled["total_cents"]) == (f"month:{employer_id}:2026-06", 139500)
    keys = {line["charge_key"] for line in await InvoiceLine.select(InvoiceLine.charge_key)}
    assert f"package:{episode_id}" in keys  # billed once more, on the new invoice
    assert any(str(k).startswith(f"package:{episode_id}#credited:") for k in keys)
    assert await make(date(2026, 7, 1)) == []


async def refused_by_the_database(statement: str) -> None:
    """The statement fails with the triggers' message; a savepoint keeps the test's own
    transaction usable afterwards (PostgreSQL aborts a transaction on an error)."""
    await Invoice.raw("SAVEPOINT refused")
    with pytest.raises(Exception, match="invoices are kept as issued"):
        await Invoice.raw(statement)
    await Invoice.raw("ROLLBACK TO SAVEPOINT refused")


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_database_keeps_an_invoice_as_issued_and_its_numbers_without_gaps(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    """Whoever writes (the app, an import, a hand-typed statement): an invoice, its lines,
    payments and numbers are not deleted, what they say is not changed, and a year's last
    number only goes up by one. Sending, the PDF made once and a charge set free to be
    billed again still work."""
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await billing_terms.record_terms(SYSTEM, await employer_of(episode_id), terms())
    first, _ = await make()
    refused = (
        "DELETE FROM invoice_line",
        "DELETE FROM invoice",
        "DELETE FROM invoice_number",
        "UPDATE invoice SET total_cents = 1",
        "UPDATE invoice SET issued_on = '2026-01-01'",
        "UPDATE invoice_line SET net_cents = 1",
        "UPDATE invoice_number SET last = last + 5",
        "UPDATE invoice_number SET last = last - 1",
    )
    for statement in refused:
        await refused_by_the_database(statement)
    await invoice_sending.record_past_sending(SYSTEM, first.invoice_id, datetime.now(UTC))
    await Invoice.update({Invoice.pdf: b"%PDF-1.7"}).where(Invoice.id == first.invoice_id)
    await refused_by_the_database("UPDATE invoice SET pdf = NULL")
    await invoices.credit(SYSTEM, first.invoice_id, "Nieuw tarief", TODAY, bill_again=True)
    counter = await InvoiceNumber.select().where(InvoiceNumber.year == 2026).first()
    assert counter is not None and counter["last"] == 3
