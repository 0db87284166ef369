"""Making invoices (issue 22): load → plan (``reporting.billing``) → store, exactly once.

The worker's sweep calls ``make_due_invoices``; the practice manager can run it from the
invoices page too. Each invoice is written in its own transaction that first takes the
year's number row (``InvoiceNumber``) with an UPDATE, which holds its row lock until the
commit (SQLite: the write transaction is exclusive anyway). Under that lock the invoice's
key and its charges are checked again, so twenty runs at once make each invoice once, and
a run that finds its invoice made rolls back, its number with it: the numbers have no gaps.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Channel
from practice.errors import Conflict, NotFound
from practice.platform.db import write_tx
from practice.tables import Employer
from reporting import billing
from reporting.queries import invoices as queries
from reporting.tables import BillingTerms, Invoice, InvoiceLine, InvoiceNumber

log = logging.getLogger(__name__)
PURPOSE = "billing"
# Appended to the charge keys of a credited invoice whose charges are to be billed again
# ("session:12#credited:40"): the key is free for a new line, the old line says why.
REBILL_MARK = "#credited:"


class _AlreadyMade(Exception):
    """Another run made this invoice first: roll back, the number too."""


@dataclass(frozen=True, slots=True)
class Made:
    invoice_id: int
    auto_send: bool


async def make_due_invoices(
    today: date, tz: ZoneInfo, *, vat_exempt: bool, actor: Actor | None = None
) -> list[Made]:
    """Make every invoice the terms make due today; the ones made by this call."""
    history = await queries.terms_history()
    if not history:
        return []
    employers = list(history)
    plans = billing.plan_invoices(
        await queries.billing_episodes(employers, tz),
        lambda employer_id: history.get(employer_id, []),
        billed=await queries.billed_keys(employers),
        made=await queries.made_keys(employers),
        today=today,
    )
    made = []
    for plan in plans:
        terms = billing.terms_on(history[plan.employer_id], today) or plan.items[-1].terms
        try:
            invoice_id = await _make(plan, terms, today, vat_exempt, actor)
        except _AlreadyMade:
            continue
        made.append(Made(invoice_id, terms.auto_send))
    if made:
        log.debug("made %d invoices", len(made))
    return made


async def _next_number(year: int) -> str:
    """The year's next number, its row locked until the transaction ends."""
    await InvoiceNumber.insert(InvoiceNumber(year=year, last=0)).on_conflict(
        target=InvoiceNumber.year, action="DO NOTHING"
    )
    rows = await InvoiceNumber.raw(
        "UPDATE invoice_number SET last = last + 1 WHERE year = {} RETURNING last", year
    )
    return billing.invoice_number(year, int(rows[0]["last"]))


async def _make(
    plan: billing.InvoicePlan,
    terms: billing.Terms,
    today: date,
    vat_exempt: bool,
    actor: Actor | None,
) -> int:
    vat = billing.vat_of(vat_exempt)
    async with write_tx():
        number = await _next_number(today.year)
        if await Invoice.exists().where(Invoice.key == plan.key):
            raise _AlreadyMade(plan.key)
        billed = await queries.billed_keys([plan.employer_id])
        items = [item for item in plan.items if item.key not in billed]
        if not items:
            raise _AlreadyMade(plan.key)
        totals = billing.totals((i.unit_cents, vat.category, vat.rate) for i in items)
        terms_row = await BillingTerms.select().where(BillingTerms.id == terms.id).first()
        employer = (
            await Employer.select(Employer.name).where(Employer.id == plan.employer_id).first()
        )
        assert terms_row is not None and employer is not None
        start, end = billing.InvoicePlan(plan.key, plan.employer_id, tuple(items)).period
        rows = await Invoice.insert(
            Invoice(
                number=number,
                key=plan.key,
                kind=billing.InvoiceKind.INVOICE.value,
                employer=plan.employer_id,
                terms=terms.id,
                issued_on=today,
                due_on=today + timedelta(days=terms.payment_days),
                period_start=start,
                period_end=end,
                buyer_name=employer["name"],
                buyer_address=terms_row["buyer_address"],
                buyer_reference=terms_row["buyer_reference"],
                invoice_email=terms_row["invoice_email"],
                vat_exempt=vat_exempt,
                net_cents=totals.net_cents,
                vat_cents=totals.vat_cents,
                total_cents=totals.total_cents,
                created_by=None if actor is None else actor.user_id,
            )
        ).returning(Invoice.id)
        invoice_id = int(rows[0]["id"])
        await InvoiceLine.insert(
            *[
                InvoiceLine(
                    invoice=invoice_id,
                    position=position,
                    charge=item.charge.value,
                    charge_key=item.key,
                    offer=item.offer,
                    episode_id=item.episode.id,
                    client_initials=item.episode.client_initials[:16],
                    client_reference=item.episode.client_reference,
                    service_date=item.day,
                    quantity=1,
                    unit_cents=item.unit_cents,
                    net_cents=item.unit_cents,
                    vat_category=vat.category,
                    vat_rate=vat.rate,
                )
                for position, item in enumerate(items, 1)
            ]
        )
        await audit.record(
            actor or Actor.system(Channel.WORKER),
            Action.CREATE,
            "invoice",
            invoice_id,
            purpose=PURPOSE,
        )
    return invoice_id


async def credit(
    actor: Actor, invoice_id: int, reason: str, today: date, *, bill_again: bool = False
) -> int:
    """A credit note for the whole invoice: its lines again, without their charge keys.
    Once per invoice. The charges stay billed (nothing is billed twice by accident) unless
    ``bill_again``: then their keys on the credited lines are set aside (``REBILL_MARK``), and
    the sweep bills them again with the terms in force on their days, on the next monthly
    invoice still to make (the invoice of their own moment was made already). The printed lines and
    amounts of the credited invoice never change."""
    async with write_tx():
        number = await _next_number(today.year)
        invoice = await Invoice.select().where(Invoice.id == invoice_id).first()
        if invoice is None:
            raise NotFound("No such invoice.")
        if invoice["kind"] != billing.InvoiceKind.INVOICE:
            raise Conflict("A credit note cannot be credited.")
        if await Invoice.exists().where(Invoice.credits == invoice_id):
            raise Conflict("This invoice has been credited already.")
        lines = (
            await InvoiceLine.select()
            .where(InvoiceLine.invoice == invoice_id)
            .order_by(InvoiceLine.position)
        )
        rows = await Invoice.insert(
            Invoice(
                number=number,
                key=f"credit:{invoice_id}",
                kind=billing.InvoiceKind.CREDIT_NOTE.value,
                credits=invoice_id,
                employer=invoice["employer"],
                terms=invoice["terms"],
                issued_on=today,
                due_on=today,
                period_start=invoice["period_start"],
                period_end=invoice["period_end"],
                buyer_name=invoice["buyer_name"],
                buyer_address=invoice["buyer_address"],
                buyer_reference=invoice["buyer_reference"],
                invoice_email=invoice["invoice_email"],
                vat_exempt=invoice["vat_exempt"],
                net_cents=invoice["net_cents"],
                vat_cents=invoice["vat_cents"],
                total_cents=invoice["total_cents"],
                reason=reason.strip(),
                created_by=actor.user_id,
            )
        ).returning(Invoice.id)
        credit_id = int(rows[0]["id"])
        await InvoiceLine.insert(
            *[
                InvoiceLine(
                    **{
                        **{
                            k: v
                            for k, v in line.items()
                            if k not in ("id", "invoice", "charge_key")
                        },
                        "invoice": credit_id,
                        "charge_key": None,
                    }
                )
                for line in lines
            ]
        )
        if bill_again:
            await InvoiceLine.raw(
                "UPDATE invoice_line SET charge_key = charge_key || {} "
                "WHERE invoice = {} AND charge_key IS NOT NULL",
                f"{REBILL_MARK}{credit_id}",
                invoice_id,
            )
        await audit.record(actor, Action.CREATE, "credit_note", credit_id, purpose=PURPOSE)
    return credit_id


async def drafts_to_send_at_once() -> list[int]:
    """Invoices still to review whose terms send them without review (the sweep re-drives
    a send job that was lost)."""
    rows = await Invoice.select(Invoice.id, Invoice.terms.auto_send.as_alias("auto_send")).where(
        (Invoice.status == billing.InvoiceStatus.DRAFT.value)
        & (Invoice.kind == billing.InvoiceKind.INVOICE.value)
    )
    return [int(row["id"]) for row in rows if row["auto_send"]]
