"""The demo practice's invoicing (issue 22), done as the real flow does it.

Each demo employer has billing terms from the month of the practice's first referral: De
Linde a package per offer, invoiced monthly, with personnel numbers on its employments;
Gemeente Oost a price per held session, monthly, sent without review and with an order
number; Van Dijk a package per offer invoiced at the start of each treatment. The sweep's
``make_due_invoices`` runs on the first of every month since, so the invoices are dated and
numbered as they would have been. What a practice that kept up would have done by ``today``:
every invoice older than this month sent the day after it was made (no mail for the past),
paid 10 to 40 days later except a few left open and one overdue; one invoice credited
with the reason given; this month's invoices wait for review. Idempotent: employers with
terms are left alone. Deterministic: a fixed seed.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor, Channel
from practice.platform.settings import Settings
from practice.tables import Employer, Referral
from reporting import billing
from reporting.queries import invoice_views
from reporting.services import billing_terms, invoice_sending, invoices
from reporting.services.billing_terms import TermsIn

SEED = 22
ACTOR = Actor.system(Channel.CLI)
# Per demo employer, in the order the demo plan registers them.
TERMS = (
    {
        "price_model": "package",
        "billing_moment": "monthly",
        "screening_cents": 17500,
        "package_basic_cents": 129500,
        "package_compleet_cents": 164500,
        "package_preventive_cents": 79500,
        "no_show_cents": 9500,
        "invoice_email": "crediteuren@delinde.demo.atwork.nl",
        "buyer_address": "Lindelaan 4\n3511 AB Utrecht",
    },
    {
        "price_model": "per_session",
        "billing_moment": "monthly",
        "screening_cents": 16000,
        "session_cents": 11250,
        "no_show_cents": 11250,
        "late_cancellation_cents": 5600,
        "auto_send": True,
        "invoice_email": "facturen@oost.demo.atwork.nl",
        "buyer_address": "Stadhuisplein 1\n3811 LM Amersfoort",
        "buyer_reference": "INK-2025-0117",
    },
    {
        "price_model": "package",
        "billing_moment": "start",
        "screening_cents": 15000,
        "package_basic_cents": 119500,
        "package_compleet_cents": 154500,
        "package_preventive_cents": 69500,
        "invoice_email": "administratie@vandijk.demo.atwork.nl",
        "buyer_address": "Havenweg 12\n7418 AA Deventer",
    },
)


def _at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz)


async def load_demo_invoices(today: date, settings: Settings) -> int:
    """Terms, the invoices of the past months, their sending and payments; how many made."""
    tz = settings.time_zone
    employers = await Employer.select(Employer.id).order_by(Employer.id)
    first = await Referral.select(Referral.received_at).order_by(Referral.received_at).first()
    if first is None or not employers:
        return 0
    start = first["received_at"].astimezone(tz).date().replace(day=1)
    with_terms = set(await invoice_views.employers_with_terms())
    for employer, terms in zip(employers, TERMS, strict=False):
        if int(employer["id"]) in with_terms:
            return 0
        await billing_terms.record_terms(
            ACTOR,
            int(employer["id"]),
            TermsIn(valid_from=start, **terms),  # type: ignore[arg-type]
        )
    made = 0
    day = _next_month(start)
    while day <= today:
        made += len(
            await invoices.make_due_invoices(
                day, tz, vat_exempt=settings.practice_vat_exempt, actor=ACTOR
            )
        )
        day = _next_month(day)
    await _past_work(today, tz)
    return made


def _last_month(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


async def _past_work(today: date, tz: ZoneInfo) -> None:
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    this_month = today.replace(day=1)
    summaries = sorted(await invoice_views.invoice_summaries(today), key=lambda s: s.id)
    past = [s for s in summaries if s.issued_on < this_month]
    for summary in past:
        await invoice_sending.record_past_sending(
            ACTOR, summary.id, _at(summary.issued_on + timedelta(days=1), 10, tz)
        )
    # Credited this week (numbers follow the dates): last month's first invoice.
    credited = next((s for s in past if s.issued_on >= _last_month(this_month)), None)
    if credited is not None:
        on = max(this_month, today - timedelta(days=3))
        credit_id = await invoices.credit(ACTOR, credited.id, "Verkeerd tarief toegepast", on)
        await invoice_sending.record_past_sending(ACTOR, credit_id, _at(on, 15, tz))
    # Left unpaid: the latest invoice of each employer still in its term, and one overdue.
    latest: dict[int, int] = {}
    for summary in past:
        latest[summary.employer_id] = summary.id
    overdue = next((s.id for s in reversed(past) if s.due_on < today - timedelta(days=10)), None)
    for summary in past:
        if summary.kind == billing.InvoiceKind.CREDIT_NOTE or summary is credited:
            continue
        if summary.id in latest.values() or summary.id == overdue:
            continue
        paid_on = summary.issued_on + timedelta(days=rng.randint(10, 40))
        if paid_on >= today:
            continue
        await invoice_sending.record_payment(
            ACTOR, summary.id, paid_on=paid_on, amount_cents=summary.total_cents, today=today
        )
