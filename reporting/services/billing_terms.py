"""An employer's billing terms (issue 22): recorded from a date on, the history kept.

New terms never change an invoice already made: an invoice keeps the amounts it was made
with, and a charge is priced by the terms in force on its own day (``reporting.billing``).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from practice import timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import InvalidInput, NotFound
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.tables import Employer
from reporting import billing
from reporting.tables import BillingTerms

PURPOSE = "billing"
MAX_PAYMENT_DAYS = 120
MAX_LATE_HOURS = 168  # a week

NOT_AN_EMAIL = N_("Enter an e-mail address, for example crediteuren@werkgever.nl.")
PAYMENT_DAYS = N_("Give the days to pay, from 0 to 120.")
LATE_HOURS = N_("Give the hours before the appointment, from 1 to 168.")
NO_PRICE = N_("Give at least one price: the package of the offer or a session.")
NO_SESSION_PRICE = N_("Give the price of a session.")


@dataclass(frozen=True, slots=True)
class TermsIn:
    """What the form and the JSON door give, amounts in cents."""

    valid_from: date
    price_model: str
    billing_moment: str
    invoice_email: str
    screening_cents: int = 0
    package_basic_cents: int = 0
    package_compleet_cents: int = 0
    package_preventive_cents: int = 0
    session_cents: int = 0
    no_show_cents: int = 0
    late_cancellation_cents: int = 0
    late_cancellation_hours: int = 24
    payment_days: int = 30
    auto_send: bool = False
    buyer_address: str = ""
    buyer_reference: str | None = None


def problems_of(terms: TermsIn) -> dict[str, str]:
    """Every problem at once, as message ids next to their fields."""
    problems: dict[str, str] = {}
    if terms.price_model not in {m.value for m in billing.PriceModel}:
        problems["price_model"] = N_("Choose one of the options.")
    if terms.billing_moment not in {m.value for m in billing.BillingMoment}:
        problems["billing_moment"] = N_("Choose one of the options.")
    email = terms.invoice_email.strip()
    if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
        problems["invoice_email"] = NOT_AN_EMAIL
    if not 0 <= terms.payment_days <= MAX_PAYMENT_DAYS:
        problems["payment_days"] = PAYMENT_DAYS
    if not 1 <= terms.late_cancellation_hours <= MAX_LATE_HOURS:
        problems["late_cancellation_hours"] = LATE_HOURS
    packages = (
        terms.package_basic_cents + terms.package_compleet_cents + terms.package_preventive_cents
    )
    if terms.price_model == billing.PriceModel.PACKAGE and packages == 0:
        problems["package_basic_cents"] = NO_PRICE
    if terms.price_model == billing.PriceModel.PER_SESSION and terms.session_cents == 0:
        problems["session_cents"] = NO_SESSION_PRICE
    return problems


async def record_terms(actor: Actor, employer_id: int, terms: TermsIn) -> int:
    """New terms for the employer from ``valid_from`` on; the earlier ones stay on record."""
    problems = problems_of(terms)
    # Terms of 1900 or 2099 were taken (the UTC day is near enough for bounds of years).
    problems |= timeline.within_the_practice(
        "valid_from", terms.valid_from, datetime.now(UTC).date()
    )
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        if not await Employer.exists().where(Employer.id == employer_id):
            raise NotFound("No such employer.")
        rows = await BillingTerms.insert(
            BillingTerms(
                employer=employer_id,
                valid_from=terms.valid_from,
                price_model=terms.price_model,
                billing_moment=terms.billing_moment,
                screening_cents=terms.screening_cents,
                package_basic_cents=terms.package_basic_cents,
                package_compleet_cents=terms.package_compleet_cents,
                package_preventive_cents=terms.package_preventive_cents,
                session_cents=terms.session_cents,
                no_show_cents=terms.no_show_cents,
                late_cancellation_cents=terms.late_cancellation_cents,
                late_cancellation_hours=terms.late_cancellation_hours,
                payment_days=terms.payment_days,
                auto_send=terms.auto_send,
                invoice_email=terms.invoice_email.strip(),
                buyer_address=terms.buyer_address.strip(),
                buyer_reference=(terms.buyer_reference or "").strip() or None,
                created_by=actor.user_id,
            )
        ).returning(BillingTerms.id)
        terms_id = int(rows[0]["id"])
        await audit.record(actor, Action.CREATE, "billing_terms", terms_id, purpose=PURPOSE)
    return terms_id
