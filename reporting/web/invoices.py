"""The practice manager's invoices (issue 22): the money at a glance, the invoices with where
each stands, one invoice with its lines, payments and credit note, the billing terms per
employer, and the bookkeeper's CSV. Forms post to the services and come back to the page
(post/redirect/get); a refused form shows what was typed, each problem next to its field.

Money is the practice manager's alone: a therapist sees none of it (403), an employer
contact sees its own organisation's invoices in the employer portal (``employer_invoices``).
"""

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from practice import money
from practice.accounts import Role
from practice.audit.trail import Action, Actor
from practice.errors import Conflict, InvalidInput, NotFound
from practice.platform.csv_safe import CSV_MEDIA_TYPE, csv_text
from practice.web.auth import roles
from practice.web.episode_common import request_context
from practice.web.forms import (
    FormData,
    FormState,
    flat,
    form_struct,
    refusal_state,
    refusal_status,
)
from practice.web.portal import page
from reporting import billing
from reporting.queries import invoice_views
from reporting.queries import invoices as invoice_queries
from reporting.services import billing_terms, invoice_sending, invoices
from reporting.services.billing_terms import TermsIn

MANAGER = roles(Role.PRACTICE_MANAGER)
# The price fields the form takes in euros; the terms keep cents (``<name>_cents``).
PRICE_FIELDS = (
    "screening",
    "package_basic",
    "package_compleet",
    "package_preventive",
    "session",
    "no_show",
    "late_cancellation",
)


async def _audited_read(actor: Actor, object_type: str, object_id: int | None) -> None:
    await invoice_views.audited(actor, Action.READ, object_type, object_id)


# ---------------------------------------------------------------- the list and the figures


@get("/invoices", opt=MANAGER, include_in_schema=False)
async def invoices_page(
    request: Request[Any, Any, Any],
    standing: FromQuery[str | None] = None,
    employer_id: FromQuery[int | None] = None,
    year: FromQuery[int | None] = None,
) -> Template:
    """The money at a glance (a year's revenue per employer and per offer, what is unpaid
    and overdue), then the invoices, filtered by where they stand and by employer."""
    return await _invoices_page(request, standing, employer_id, year)


async def _invoices_page(
    request: Request[Any, Any, Any],
    standing: str | None = None,
    employer_id: int | None = None,
    year: int | None = None,
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    actor, today, _ = request_context(request)
    summaries = await invoice_views.invoice_summaries(today)
    chosen_year = year if year is not None and 2000 <= year <= 2100 else today.year
    shown = [
        s
        for s in summaries
        if (not standing or s.standing == standing)
        and (employer_id is None or s.employer_id == employer_id)
        # a year's invoices, but what is still owed whatever its year
        and (s.issued_on.year == chosen_year or s.outstanding_cents > 0)
    ]
    await _audited_read(actor, "invoices", None)
    return page(
        request,
        "reporting/invoices/list.html",
        status=status,
        invoices=shown,
        revenue=await invoice_views.revenue(chosen_year, summaries),
        employers=await invoice_views.employer_choices(),
        standings=[s.value for s in billing.Standing],
        chosen={"standing": standing or "", "employer_id": employer_id, "year": chosen_year},
        years=sorted({s.issued_on.year for s in summaries} | {today.year}, reverse=True),
        today=today,
        form_state=form_state or FormState(),
    )


@post("/invoices/run", opt=MANAGER, include_in_schema=False)
async def run_invoices(request: Request[Any, Any, Any]) -> Redirect:
    """Make now what the worker's sweep would make within minutes: the invoices due today."""
    actor, today, settings = request_context(request)
    await invoices.make_due_invoices(
        today, settings.time_zone, vat_exempt=settings.practice_vat_exempt, actor=actor
    )
    return Redirect(path="/invoices?standing=draft", status_code=303)


class PeriodIn(msgspec.Struct, forbid_unknown_fields=True):
    start: date
    end: date


@get("/invoices/lines.csv", opt=MANAGER, include_in_schema=False)
async def invoice_lines_csv(
    request: Request[Any, Any, Any],
    start: FromQuery[str | None] = None,
    end: FromQuery[str | None] = None,
) -> Response[str]:
    """Every line of the invoices and credit notes sent in the period (by default this
    month up to today), for the bookkeeper; a credit note's amounts negative."""
    actor, today, _ = request_context(request)
    period = form_struct(
        PeriodIn,
        {"start": start or today.replace(day=1).isoformat(), "end": end or today.isoformat()},
    )
    if period.end < period.start:
        raise InvalidInput({"end": "The end of the period cannot be before its start."})
    rows: list[list[object]] = [
        [
            "number",
            "kind",
            "issued_on",
            "employer",
            "line",
            "service",
            "offer",
            "client_initials",
            "client_reference",
            "service_date",
            "quantity",
            "unit_price",
            "net_amount",
            "vat_category",
            "vat_rate",
        ]
    ]
    for line in await invoice_views.lines_between(period.start, period.end):
        sign = -1 if line["kind"] == billing.InvoiceKind.CREDIT_NOTE else 1
        rows.append(
            [
                line["number"],
                line["kind"],
                line["issued_on"],
                line["employer"],
                line["position"],
                line["charge"],
                line["offer"] or "",
                line["client_initials"],
                line["client_reference"] or "",
                line["service_date"],
                line["quantity"],
                _plain_euros(line["unit_cents"]),
                _plain_euros(sign * int(line["net_cents"])),
                line["vat_category"],
                line["vat_rate"],
            ]
        )
    await invoice_views.audited(actor, Action.EXPORT, "invoice_lines", None)
    filename = f"factuurregels-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        csv_text(rows),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _plain_euros(cents: int) -> str:
    """ "1250.00": a bookkeeping program reads a point as the decimal sign."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


# ---------------------------------------------------------------- one invoice


@get("/invoices/{invoice_id:int}", opt=MANAGER, include_in_schema=False)
async def invoice_page(request: Request[Any, Any, Any], invoice_id: FromPath[int]) -> Template:
    return await _invoice_page(request, invoice_id)


async def _invoice_page(
    request: Request[Any, Any, Any],
    invoice_id: int,
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    actor, today, settings = request_context(request)
    document = await invoice_views.invoice_document(invoice_id, settings)
    summary = next(
        (s for s in await invoice_views.invoice_summaries(today) if s.id == invoice_id), None
    )
    if document is None or summary is None:
        raise NotFound("No such invoice.")
    await _audited_read(actor, "invoice", invoice_id)
    return page(
        request,
        "reporting/invoices/invoice.html",
        status=status,
        invoice=document,
        summary=summary,
        payments=await invoice_views.payments_of(invoice_id),
        email=await invoice_views.invoice_email(invoice_id),
        today=today,
        form_state=form_state or FormState(),
    )


@post("/invoices/{invoice_id:int}/sending", opt=MANAGER, include_in_schema=False)
async def send_invoice(request: Request[Any, Any, Any], invoice_id: FromPath[int]) -> Redirect:
    """Send the invoice to the employer's billing address (once; again changes nothing)."""
    actor, _, settings = request_context(request)
    await invoice_sending.document_of(invoice_id, settings)  # 404 before anything is made
    await invoice_sending.send(actor, invoice_id, settings, request.app.state.queue)
    return Redirect(path=f"/invoices/{invoice_id}", status_code=303)


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    paid_on: date
    amount: str


@post("/invoices/{invoice_id:int}/payments", opt=MANAGER, include_in_schema=False)
async def record_payment(
    request: Request[Any, Any, Any], invoice_id: FromPath[int], data: FormData
) -> Redirect | Template:
    actor, today, _ = request_context(request)
    action = f"/invoices/{invoice_id}/payments"
    try:
        form = form_struct(PaymentIn, data)
        try:
            cents = money.parse_euros(form.amount)
        except money.InvalidAmount as exc:
            raise InvalidInput({"amount": exc.message}) from None
        await invoice_sending.record_payment(
            actor, invoice_id, paid_on=form.paid_on, amount_cents=cents, today=today
        )
    except (InvalidInput, Conflict) as exc:
        return await _invoice_page(
            request, invoice_id, refusal_state(action, data, exc), refusal_status(exc)
        )
    return Redirect(path=f"/invoices/{invoice_id}#payments", status_code=303)


@post("/invoices/{invoice_id:int}/credit-note", opt=MANAGER, include_in_schema=False)
async def credit_invoice(
    request: Request[Any, Any, Any], invoice_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """A credit note for the whole invoice, with the reason; it is sent like an invoice. With
    ``bill_again`` its charges go on the next monthly invoice (at the terms of their days)."""
    actor, today, _ = request_context(request)
    action = f"/invoices/{invoice_id}/credit-note"
    reason = flat(data).get("reason", "").strip()
    try:
        if not reason:
            raise InvalidInput({"reason": "Fill in this field."})
        if len(reason) > 500:
            raise InvalidInput({"reason": "Use at most 500 characters."})
        bill_again = flat(data).get("bill_again") in {"true", "on", "1"}
        credit_id = await invoices.credit(actor, invoice_id, reason, today, bill_again=bill_again)
    except (InvalidInput, Conflict) as exc:
        return await _invoice_page(
            request, invoice_id, refusal_state(action, data, exc), refusal_status(exc)
        )
    return Redirect(path=f"/invoices/{credit_id}", status_code=303)


@get("/invoices/{invoice_id:int}/invoice.pdf", opt=MANAGER, include_in_schema=False)
async def invoice_pdf(
    request: Request[Any, Any, Any], invoice_id: FromPath[int]
) -> Response[bytes]:
    actor, _, settings = request_context(request)
    return await pdf_response(actor, invoice_id, settings)


@get("/invoices/{invoice_id:int}/ubl.xml", opt=MANAGER, include_in_schema=False)
async def invoice_ubl(
    request: Request[Any, Any, Any], invoice_id: FromPath[int]
) -> Response[bytes]:
    actor, _, settings = request_context(request)
    return await ubl_response(actor, invoice_id, settings)


async def pdf_response(actor: Actor, invoice_id: int, settings: Any) -> Response[bytes]:
    """The kept PDF/A-3 (Factur-X inside), its download audited (shared with the employer)."""
    document = await invoice_sending.document_of(invoice_id, settings)
    pdf = await invoice_sending.invoice_pdf(invoice_id, settings)
    await invoice_views.audited(actor, Action.EXPORT, "invoice", invoice_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{document.filename}.pdf"'},
    )


async def ubl_response(actor: Actor, invoice_id: int, settings: Any) -> Response[bytes]:
    document = await invoice_sending.document_of(invoice_id, settings)
    xml = await invoice_sending.ubl_of(invoice_id, settings)
    await invoice_views.audited(actor, Action.EXPORT, "invoice", invoice_id)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{document.filename}.xml"'},
    )


# ---------------------------------------------------------------- the billing terms


@get("/invoices/terms", opt=MANAGER, include_in_schema=False)
async def terms_page(request: Request[Any, Any, Any]) -> Template:
    """Each employer's billing terms in force and their history, and a form for new terms."""
    return await _terms_page(request)


async def _terms_page(
    request: Request[Any, Any, Any],
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    _, today, _ = request_context(request)
    employers = []
    for employer in await invoice_views.employer_choices():
        history = await invoice_queries.terms_rows(int(employer["id"]))
        in_force = next((t for t in history if t["valid_from"] <= today), None)
        employers.append({**employer, "history": history, "in_force": in_force})
    return page(
        request,
        "reporting/invoices/terms.html",
        status=status,
        employers=employers,
        price_models=[m.value for m in billing.PriceModel],
        moments=[m.value for m in billing.BillingMoment],
        price_fields=PRICE_FIELDS,
        today=today,
        form_state=form_state or FormState(),
    )


class TermsForm(msgspec.Struct, forbid_unknown_fields=True):
    valid_from: date
    price_model: str
    billing_moment: str
    invoice_email: Annotated[str, msgspec.Meta(max_length=254)]
    late_cancellation_hours: int = 24
    payment_days: int = 30
    auto_send: bool = False
    buyer_address: str = ""
    buyer_reference: Annotated[str, msgspec.Meta(max_length=64)] | None = None


@post("/invoices/terms/{employer_id:int}", opt=MANAGER, include_in_schema=False)
async def record_terms(
    request: Request[Any, Any, Any], employer_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """New billing terms for the employer from a date on; earlier invoices keep theirs."""
    actor, _, _ = request_context(request)
    action = f"/invoices/terms/{employer_id}"
    try:
        terms = _terms_form(data)
        await billing_terms.record_terms(actor, employer_id, terms)
    except (InvalidInput, Conflict) as exc:
        if isinstance(exc, InvalidInput):
            exc = InvalidInput({_euro_field(k): v for k, v in exc.fields.items()})
        return await _terms_page(request, refusal_state(action, data, exc), refusal_status(exc))
    return Redirect(path=f"/invoices/terms#employer-{employer_id}", status_code=303)


def _euro_field(name: str) -> str:
    base = name.removesuffix("_cents")
    return base if base in PRICE_FIELDS else name


def _terms_form(data: FormData) -> TermsIn:
    """The terms form: prices typed in euros ("1.250,00"), every problem at once."""
    values = flat(data)
    problems: dict[str, str] = {}
    cents: dict[str, int] = {}
    for name in PRICE_FIELDS:
        typed = values.get(name, "").strip()
        try:
            cents[f"{name}_cents"] = money.parse_euros(typed) if typed else 0
        except money.InvalidAmount as exc:
            problems[name] = exc.message
            cents[f"{name}_cents"] = 0
    rest = {k: v for k, v in data.items() if k not in PRICE_FIELDS}
    if "buyer_address" in rest:
        rest["buyer_address"] = values.get("buyer_address", "")
    try:
        form = form_struct(TermsForm, rest)
    except InvalidInput as exc:
        raise InvalidInput({**exc.fields, **problems}) from None
    address = form.buyer_address.strip()
    if len(address) > 500:
        problems["buyer_address"] = "Use at most 500 characters."
    terms = TermsIn(
        valid_from=form.valid_from,
        price_model=form.price_model,
        billing_moment=form.billing_moment,
        invoice_email=form.invoice_email,
        late_cancellation_hours=form.late_cancellation_hours,
        payment_days=form.payment_days,
        auto_send=form.auto_send,
        buyer_address=address,
        buyer_reference=form.buyer_reference,
        **cents,
    )
    # The service's own checks too, so every problem shows at once (an amount that did not
    # read keeps its own problem).
    found = {_euro_field(k): v for k, v in billing_terms.problems_of(terms).items()}
    found.update(problems)
    if found:
        raise InvalidInput(found)
    return terms


router = Router(
    path="/",
    route_handlers=[
        invoices_page,
        run_invoices,
        invoice_lines_csv,
        invoice_page,
        send_invoice,
        record_payment,
        credit_invoice,
        invoice_pdf,
        invoice_ubl,
        terms_page,
        record_terms,
    ],
)
