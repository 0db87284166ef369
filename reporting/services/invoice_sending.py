"""Sending invoices, recording payments, reminding (issue 22).

An invoice's PDF/A-3 (with its Factur-X XML) is made once, the first time anyone needs it,
and kept: every download and every e-mail carries the same bytes. Sending marks the invoice
sent and queues one e-mail (outbox key ``invoice:<id>``) to the employer's accounts-payable
address with the PDF and the UBL attached, made at sending (``attachments``); a second send
changes nothing. An unpaid invoice gets a reminder 7 and 21 days after its due date, each
once (``invoice-reminder:<id>:<n>``).
"""

import asyncio
import functools
import logging
from datetime import UTC, date, datetime

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Channel
from practice.disclosure import Addressee, Audience, Sender
from practice.errors import Conflict, InvalidInput, Message, NotFound
from practice.money import format_euros
from practice.platform import i18n, outbox
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.platform.mail import Attachment
from practice.platform.queue import DueJob, JobQueue, enqueue_after_commit
from practice.platform.settings import Settings
from practice.platform.templating import make_environment, render_email
from practice.services import disclosure
from practice.tables import OutboundMessage
from reporting import billing, e_invoice
from reporting.documents import letterhead, render_html, render_pdf_async
from reporting.invoice_document import InvoiceDocument
from reporting.queries import invoice_views
from reporting.tables import Invoice, InvoicePayment

log = logging.getLogger(__name__)
PURPOSE = "billing"
DOCUMENT_LOCALE = "nl"  # the invoice is a Dutch document, as the tax law reads it
SYSTEM = Actor.system(Channel.WORKER)

NOT_SENT = N_("Send the invoice before recording a payment.")
NOT_AN_INVOICE = N_("A credit note is not paid; it settles the invoice it credits.")
PAID_BEFORE_ISSUED = N_("The payment cannot be before the invoice date.")
PAID_IN_FUTURE = N_("The payment cannot be in the future.")
MORE_THAN_OWED = N_("This is more than is still owed (%(amount)s).")
NOTHING_PAID = N_("Enter the amount received.")


def _translate(message: str) -> str:
    return i18n.translations(DOCUMENT_LOCALE).gettext(message)


async def document_of(invoice_id: int, settings: Settings) -> InvoiceDocument:
    document = await invoice_views.invoice_document(invoice_id, settings)
    if document is None:
        raise NotFound("No such invoice.")
    return document


async def invoice_pdf(invoice_id: int, settings: Settings) -> bytes:
    """The invoice's PDF/A-3 with its Factur-X XML: made once, then always the same bytes."""
    row = await Invoice.select(Invoice.pdf).where(Invoice.id == invoice_id).first()
    if row is None:
        raise NotFound("No such invoice.")
    if row["pdf"] is not None:
        return bytes(row["pdf"])
    document = await document_of(invoice_id, settings)
    html = render_html(
        "reporting/invoice/document.html",
        {"invoice": document, "letterhead": letterhead(settings), "settings": settings},
        tz=settings.time_zone,
        locale=DOCUMENT_LOCALE,
    )
    title = f"{_translate(_title(document))} {document.number}"
    pdf = await render_pdf_async(html, title=title)
    cii = await asyncio.to_thread(e_invoice.cii_xml, document, _translate)
    made = await asyncio.to_thread(
        functools.partial(
            e_invoice.embed, pdf, cii, title=title, author=settings.practice_name, lang="nl-NL"
        )
    )
    async with write_tx():  # the first render wins; a render running beside it is dropped
        await Invoice.update({Invoice.pdf: made}).where(
            (Invoice.id == invoice_id) & Invoice.pdf.is_null()
        )
    kept = await Invoice.select(Invoice.pdf).where(Invoice.id == invoice_id).first()
    assert kept is not None and kept["pdf"] is not None
    return bytes(kept["pdf"])


def _title(document: InvoiceDocument) -> str:
    return N_("Credit note") if document.is_credit_note else N_("Invoice")


async def cii_of(invoice_id: int, settings: Settings) -> bytes:
    return await asyncio.to_thread(
        e_invoice.cii_xml, await document_of(invoice_id, settings), _translate
    )


async def ubl_of(invoice_id: int, settings: Settings) -> bytes:
    return await asyncio.to_thread(
        e_invoice.ubl_xml, await document_of(invoice_id, settings), _translate
    )


async def attachments(settings: Settings, invoice_id: int) -> list[Attachment]:
    """What an invoice's e-mail carries: the PDF (Factur-X inside) and the UBL."""
    document = await document_of(invoice_id, settings)
    return [
        Attachment(
            f"{document.filename}.pdf", "application/pdf", await invoice_pdf(invoice_id, settings)
        ),
        Attachment(
            f"{document.filename}.xml", "application/xml", await ubl_of(invoice_id, settings)
        ),
    ]


def send_job(invoice_id: int) -> DueJob:
    return DueJob("send_invoice", (invoice_id,), f"invoice:{invoice_id}")


async def send(
    actor: Actor, invoice_id: int, settings: Settings, queue: JobQueue | None = None
) -> int | None:
    """Mark the invoice sent and queue its e-mail; the message's id (None: sent before)."""
    await invoice_pdf(invoice_id, settings)  # made before the transaction: it takes a while
    document = await document_of(invoice_id, settings)
    row = (
        await Invoice.select(Invoice.invoice_email, Invoice.status)
        .where(Invoice.id == invoice_id)
        .first()
    )
    assert row is not None
    async with write_tx():
        changed = (
            await Invoice.update(
                {
                    Invoice.status: billing.InvoiceStatus.SENT.value,
                    Invoice.sent_at: datetime.now(UTC),
                    Invoice.sent_by: actor.user_id,
                }
            )
            .where(
                (Invoice.id == invoice_id) & (Invoice.status == billing.InvoiceStatus.DRAFT.value)
            )
            .returning(Invoice.id)
        )
        if not changed:
            return None
        message_id = await _queue(
            document,
            str(row["invoice_email"]),
            "reporting/invoice",
            f"invoice:{invoice_id}",
            settings,
        )
        await audit.record(actor, Action.SEND, "invoice", invoice_id, purpose=PURPOSE)
        if queue is not None and message_id is not None:
            enqueue_after_commit(queue, outbox.send_job(message_id))
    return message_id


async def record_past_sending(actor: Actor, invoice_id: int, sent_at: datetime) -> None:
    """An invoice sent in the past, recorded without mail (the demo's past work; an
    invoice sent by hand before this service): sent on ``sent_at``, audited now."""
    async with write_tx():
        changed = (
            await Invoice.update(
                {
                    Invoice.status: billing.InvoiceStatus.SENT.value,
                    Invoice.sent_at: sent_at,
                    Invoice.sent_by: actor.user_id,
                }
            )
            .where(
                (Invoice.id == invoice_id) & (Invoice.status == billing.InvoiceStatus.DRAFT.value)
            )
            .returning(Invoice.id)
        )
        if changed:
            await audit.record(actor, Action.SEND, "invoice", invoice_id, purpose=PURPOSE)


async def _queue(
    document: InvoiceDocument, to_address: str, folder: str, key: str, settings: Settings
) -> int | None:
    clearance = await disclosure.clear(
        Sender.INVOICE, None, Addressee(Audience.EMPLOYER_BILLING), datetime.now(UTC)
    )
    if isinstance(clearance, disclosure.Refusal):  # the registry says it cannot: a bug
        raise RuntimeError(f"invoice e-mail refused by the gate: {clearance.reason}")
    subject, body = render_email(
        make_environment(settings.time_zone),
        folder,
        {"invoice": document, "practice": settings.practice_name},
        DOCUMENT_LOCALE,
    )
    return await outbox.queue_message(
        clearance,
        key=key,
        to_address=to_address,
        subject=subject,
        body_text=body,
        attachments=f"invoice:{document.id}",
    )


async def remind_overdue(today: date, settings: Settings) -> list[int]:
    """Queue the reminder whose day has come for each sent invoice still unpaid."""
    created = []
    for summary in await invoice_views.invoice_summaries(today):
        if summary.standing is not billing.Standing.OVERDUE:
            continue
        due = billing.reminders_due(summary.due_on, today)
        if not due:
            continue
        key = f"invoice-reminder:{summary.id}:{due[-1]}"
        if await OutboundMessage.exists().where(OutboundMessage.key == key):
            continue  # reminded already: the sweep comes back every few minutes
        document = await document_of(summary.id, settings)
        row = await Invoice.select(Invoice.invoice_email).where(Invoice.id == summary.id).first()
        assert row is not None
        async with write_tx():
            message_id = await _queue(
                document, str(row["invoice_email"]), "reporting/invoice-reminder", key, settings
            )
            if message_id is not None:
                await audit.record(
                    SYSTEM, Action.SEND, "invoice_reminder", summary.id, purpose=PURPOSE
                )
                created.append(message_id)
    return created


async def record_payment(
    actor: Actor, invoice_id: int, *, paid_on: date, amount_cents: int, today: date
) -> int:
    """A payment received on an invoice; never more than is still owed."""
    async with write_tx():
        summaries = {s.id: s for s in await invoice_views.invoice_summaries(today)}
        summary = summaries.get(invoice_id)
        if summary is None:
            raise NotFound("No such invoice.")
        if summary.kind == billing.InvoiceKind.CREDIT_NOTE:
            raise Conflict(NOT_AN_INVOICE)
        if summary.status != billing.InvoiceStatus.SENT:
            raise Conflict(NOT_SENT)
        problems: dict[str, str] = {}
        if amount_cents <= 0:
            problems["amount"] = NOTHING_PAID
        elif amount_cents > summary.outstanding_cents:
            problems["amount"] = Message(
                MORE_THAN_OWED, amount=format_euros(summary.outstanding_cents, "nl")
            )
        if paid_on < summary.issued_on:
            problems["paid_on"] = PAID_BEFORE_ISSUED
        elif paid_on > today:
            problems["paid_on"] = PAID_IN_FUTURE
        if problems:
            raise InvalidInput(problems)
        rows = await InvoicePayment.insert(
            InvoicePayment(
                invoice=invoice_id,
                paid_on=paid_on,
                amount_cents=amount_cents,
                recorded_by=actor.user_id,
            )
        ).returning(InvoicePayment.id)
        await audit.record(actor, Action.UPDATE, "invoice_payment", invoice_id, purpose=PURPOSE)
    return int(rows[0]["id"])
