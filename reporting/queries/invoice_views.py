"""Reading invoices for the pages, documents and CSV (issue 22): one invoice as its document,
the list with where each stands today, the figures the practice manager runs the money by,
and the invoices of the employers a contact belongs to."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import among, write_tx
from practice.platform.settings import Settings
from practice.tables import Employer, EmployerContact
from reporting import billing
from reporting.invoice_document import InvoiceDocument, Party, address_lines, lines_of
from reporting.tables import BillingTerms, Invoice, InvoiceLine, InvoicePayment


def seller_of(settings: Settings) -> Party:
    return Party(
        name=settings.practice_name,
        address=settings.practice_address,
        kvk=settings.practice_kvk,
        agb_code=settings.practice_agb_code,
        vat_number=settings.practice_vat_number,
    )


async def invoice_document(invoice_id: int, settings: Settings) -> InvoiceDocument | None:
    row = await Invoice.select().where(Invoice.id == invoice_id).first()
    if row is None:
        return None
    lines = (
        await InvoiceLine.select()
        .where(InvoiceLine.invoice == invoice_id)
        .order_by(InvoiceLine.position)
    )
    credited = None
    if row["credits"] is not None:
        credited = (
            await Invoice.select(Invoice.number, Invoice.issued_on)
            .where(Invoice.id == row["credits"])
            .first()
        )
    return InvoiceDocument(
        id=int(row["id"]),
        number=str(row["number"]),
        kind=billing.InvoiceKind(row["kind"]),
        issued_on=row["issued_on"],
        due_on=row["due_on"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        seller=seller_of(settings),
        iban=settings.practice_iban,
        buyer=Party(name=str(row["buyer_name"]), address=address_lines(str(row["buyer_address"]))),
        buyer_reference=row["buyer_reference"],
        vat_exempt=bool(row["vat_exempt"]),
        lines=lines_of(lines),
        net_cents=int(row["net_cents"]),
        vat_cents=int(row["vat_cents"]),
        total_cents=int(row["total_cents"]),
        credits_number=None if credited is None else str(credited["number"]),
        credits_issued_on=None if credited is None else credited["issued_on"],
        reason=str(row["reason"] or ""),
    )


@dataclass(frozen=True, slots=True)
class InvoiceSummary:
    """One invoice as a list shows it, with where it stands today."""

    id: int
    number: str
    kind: str
    employer_id: int
    employer: str
    issued_on: date
    due_on: date
    period_start: date
    period_end: date
    total_cents: int
    paid_cents: int
    credited_cents: int
    status: str
    standing: billing.Standing
    credits_id: int | None
    credit_note_id: int | None
    credits_number: str | None = None  # the number of the invoice a credit note corrects

    @property
    def outstanding_cents(self) -> int:
        if (
            self.kind == billing.InvoiceKind.CREDIT_NOTE
            or self.status == billing.InvoiceStatus.DRAFT
        ):
            return 0
        return billing.outstanding(self.total_cents, self.credited_cents, self.paid_cents)


async def invoice_summaries(
    today: date, employer_ids: Iterable[int] | None = None, *, sent_only: bool = False
) -> list[InvoiceSummary]:
    """Invoices and credit notes, newest first (only these employers' when given; only the
    sent ones for the employer, who never sees one still under review)."""
    query = Invoice.select(
        Invoice.id,
        Invoice.number,
        Invoice.kind,
        Invoice.employer,
        Invoice.employer.name.as_alias("employer_name"),
        Invoice.issued_on,
        Invoice.due_on,
        Invoice.period_start,
        Invoice.period_end,
        Invoice.total_cents,
        Invoice.status,
        Invoice.credits,
        Invoice.credits.number.as_alias("credits_number"),
    ).order_by(Invoice.id, ascending=False)
    if employer_ids is not None:
        ids = list(employer_ids)
        if not ids:
            return []
        query = query.where(among(Invoice.employer, ids))
    if sent_only:
        query = query.where(Invoice.status == billing.InvoiceStatus.SENT.value)
    rows = await query
    if not rows:
        return []
    paid: dict[int, int] = {}
    for payment in await InvoicePayment.select(InvoicePayment.invoice, InvoicePayment.amount_cents):
        paid[int(payment["invoice"])] = paid.get(int(payment["invoice"]), 0) + int(
            payment["amount_cents"]
        )
    credited: dict[int, int] = {}
    credit_note_of: dict[int, int] = {}
    for row in rows:
        if row["credits"] is None:
            continue
        credited_id = int(row["credits"])
        credit_note_of[credited_id] = int(row["id"])
        # A credit note settles its invoice once it is sent, not while it waits for review.
        if row["status"] == billing.InvoiceStatus.SENT:
            credited[credited_id] = credited.get(credited_id, 0) + int(row["total_cents"])
    summaries = []
    for row in rows:
        invoice_id = int(row["id"])
        summaries.append(
            InvoiceSummary(
                id=invoice_id,
                number=str(row["number"]),
                kind=str(row["kind"]),
                employer_id=int(row["employer"]),
                employer=str(row["employer_name"]),
                issued_on=row["issued_on"],
                due_on=row["due_on"],
                period_start=row["period_start"],
                period_end=row["period_end"],
                total_cents=int(row["total_cents"]),
                paid_cents=paid.get(invoice_id, 0),
                credited_cents=credited.get(invoice_id, 0),
                status=str(row["status"]),
                standing=billing.standing(
                    kind=str(row["kind"]),
                    status=str(row["status"]),
                    total_cents=int(row["total_cents"]),
                    credited_cents=credited.get(invoice_id, 0),
                    paid_cents=paid.get(invoice_id, 0),
                    due_on=row["due_on"],
                    today=today,
                ),
                credits_id=None if row["credits"] is None else int(row["credits"]),
                credit_note_id=credit_note_of.get(invoice_id),
                credits_number=None if row["credits"] is None else str(row["credits_number"]),
            )
        )
    return summaries


async def payments_of(invoice_id: int) -> list[dict[str, Any]]:
    return list(
        await InvoicePayment.select(
            InvoicePayment.paid_on,
            InvoicePayment.amount_cents,
            InvoicePayment.recorded_by.display_name.as_alias("recorded_by"),
            InvoicePayment.recorded_at,
        )
        .where(InvoicePayment.invoice == invoice_id)
        .order_by(InvoicePayment.paid_on)
    )


@dataclass(frozen=True, slots=True)
class Revenue:
    """Invoiced less credited, per employer and per charge/offer, in one calendar year."""

    year: int
    by_employer: list[tuple[str, int]]
    by_offer: list[tuple[str, str | None, int]]  # (charge, offer, cents)
    total_cents: int
    outstanding_cents: int
    overdue_cents: int


async def revenue(year: int, summaries: list[InvoiceSummary]) -> Revenue:
    """What the practice invoiced in ``year`` (credit notes subtracted), and what is unpaid."""
    in_year = [s for s in summaries if s.issued_on.year == year and s.status == "sent"]
    by_employer: dict[str, int] = {}
    for summary in in_year:
        sign = -1 if summary.kind == billing.InvoiceKind.CREDIT_NOTE else 1
        by_employer[summary.employer] = (
            by_employer.get(summary.employer, 0) + sign * summary.total_cents
        )
    by_offer: dict[tuple[str, str | None], int] = {}
    if in_year:
        kinds = {s.id: s.kind for s in in_year}
        lines = await InvoiceLine.select(
            InvoiceLine.invoice, InvoiceLine.charge, InvoiceLine.offer, InvoiceLine.net_cents
        ).where(among(InvoiceLine.invoice, kinds))
        for line in lines:
            sign = -1 if kinds[int(line["invoice"])] == billing.InvoiceKind.CREDIT_NOTE else 1
            key = (str(line["charge"]), line["offer"])
            by_offer[key] = by_offer.get(key, 0) + sign * int(line["net_cents"])
    return Revenue(
        year=year,
        by_employer=sorted(by_employer.items()),
        by_offer=[
            (charge, offer, cents)
            for (charge, offer), cents in sorted(
                by_offer.items(), key=lambda i: (i[0][0], i[0][1] or "")
            )
        ],
        total_cents=sum(by_employer.values()),
        outstanding_cents=sum(s.outstanding_cents for s in summaries),
        overdue_cents=sum(
            s.outstanding_cents for s in summaries if s.standing is billing.Standing.OVERDUE
        ),
    )


async def lines_between(start: date, end: date) -> list[dict[str, Any]]:
    """Every line of the invoices and credit notes issued from ``start`` to ``end``, for the
    bookkeeper's CSV (credit-note amounts negative)."""
    return list(
        await InvoiceLine.select(
            InvoiceLine.invoice.number.as_alias("number"),
            InvoiceLine.invoice.kind.as_alias("kind"),
            InvoiceLine.invoice.issued_on.as_alias("issued_on"),
            InvoiceLine.invoice.buyer_name.as_alias("employer"),
            InvoiceLine.position,
            InvoiceLine.charge,
            InvoiceLine.offer,
            InvoiceLine.client_initials,
            InvoiceLine.client_reference,
            InvoiceLine.service_date,
            InvoiceLine.quantity,
            InvoiceLine.unit_cents,
            InvoiceLine.net_cents,
            InvoiceLine.vat_category,
            InvoiceLine.vat_rate,
        )
        .where(
            (InvoiceLine.invoice.issued_on >= start)
            & (InvoiceLine.invoice.issued_on <= end)
            & (InvoiceLine.invoice.status == billing.InvoiceStatus.SENT.value)
        )
        .order_by(InvoiceLine.invoice.number)
        .order_by(InvoiceLine.position)
    )


async def contact_employers(user_id: int) -> list[int]:
    """The employers an employer contact's account belongs to."""
    rows = await EmployerContact.select(EmployerContact.employer).where(
        EmployerContact.user == user_id
    )
    return sorted({int(r["employer"]) for r in rows})


async def employer_choices() -> list[dict[str, Any]]:
    return list(
        await Employer.select(Employer.id, Employer.name, Employer.active).order_by(Employer.name)
    )


async def invoice_email(invoice_id: int) -> str | None:
    """The billing address an invoice goes to (as it was when the invoice was made)."""
    row = await Invoice.select(Invoice.invoice_email).where(Invoice.id == invoice_id).first()
    return None if row is None else str(row["invoice_email"])


PURPOSE = "billing"


async def audited(actor: Actor, action: Action, object_type: str, object_id: int | None) -> None:
    """Record a look at invoices (they name clients by initials): who, what, when."""
    async with write_tx():
        await audit.record(actor, action, object_type, object_id, purpose=PURPOSE)


async def employers_with_terms() -> list[int]:
    rows = await BillingTerms.select(BillingTerms.employer).distinct()
    return sorted(int(row["employer"]) for row in rows)
