"""Billing rules (issue 22), pure: what an employer's terms make billable, and on which invoice.

@Work is paid by the employer. Its billing terms (``BillingTerms``, kept with a history by
``valid_from``) name a price model and a billing moment:

- **price model** ``package``: a price per offer (@Work, @Work Compleet, preventive), the
  sessions included; ``per_session``: a price per held session. Both may add a screening
  fee, a no-show fee and a late-cancellation fee (a cancellation by the client recorded less
  than ``late_cancellation_hours`` before the start).
- **billing moment** ``screening`` or ``start``: one invoice per episode when the screening
  is held or the treatment starts, with the screening fee and the package (billed in
  advance); whatever follows (sessions, fees) goes on the monthly invoice. ``monthly``: one
  invoice per employer per calendar month, made once the month is over, with every charge
  of that month. ``end``: one invoice per episode when it is closed, with all of it.

Every charge has a key (``screening:<episode>``, ``package:<episode>``,
``session:<appointment>``, ``no_show:<appointment>``, ``late_cancellation:<appointment>``)
that is billed once; every invoice has a key (``start:<episode>``, ``month:<employer>:<YYYY-MM>``,
...) that is made once. A charge whose invoice was already made when it turned up (a
session recorded late) goes on the next monthly invoice still to make. Prices are those of the terms
in force on the charge's day; a charge before an employer's first terms is not billed.

VAT is stated per line: exempt healthcare (art. 11 lid 1 sub g Wet OB) where the practice's
therapists are registered professionals (the setting ``PRACTICE_VAT_EXEMPT``, on by
default), else the standard rate. Amounts are whole cents; VAT is rounded half up per
rate, as EN 16931 computes it (BR-CO-17).
"""

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from practice.episodes import EpisodeStatus


class PriceModel(enum.StrEnum):
    PACKAGE = "package"
    PER_SESSION = "per_session"


class BillingMoment(enum.StrEnum):
    SCREENING = "screening"
    START = "start"
    MONTHLY = "monthly"
    END = "end"


class Charge(enum.StrEnum):
    """What a line bills. Never the kind of session: that would say what the treatment is."""

    SCREENING = "screening"
    PACKAGE = "package"
    SESSION = "session"
    NO_SHOW = "no_show"
    LATE_CANCELLATION = "late_cancellation"


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(enum.StrEnum):
    """What is stored: made (to review) or sent. Paid, overdue and credited are read off
    the payments and credit notes (``standing``)."""

    DRAFT = "draft"
    SENT = "sent"


class Standing(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    OVERDUE = "overdue"
    PAID = "paid"
    CREDITED = "credited"
    CREDIT_NOTE = "credit_note"


STANDARD_VAT_RATE = 21  # percent: the Dutch standard rate (art. 9 Wet OB)
EXEMPT_CATEGORY = "E"
STANDARD_CATEGORY = "S"
# BT-120/BT-121: why no VAT is charged (EU directive 2006/112 art. 132(1)(c), which art. 11
# lid 1 sub g Wet OB implements).
EXEMPTION_TEXT = "Vrijgesteld van btw op grond van art. 11 lid 1 sub g Wet OB"
EXEMPTION_CODE = "VATEX-EU-132-1C"
# Reminders of an overdue invoice, this many days after its due date (one e-mail each).
REMINDER_DAYS = (7, 21)
# The appointments a session price bills: every held conversation but the screening (its
# own fee) and the follow-up measurement (a questionnaire, not a conversation).
SESSION_KINDS = frozenset(
    {
        "treatment_session",
        "work_conversation",
        "alignment_meeting",
        "relapse_prevention_session",
        "follow_up_conversation",
    }
)
# An episode is over (its end invoice due) in these states.
ENDED = frozenset(
    {
        EpisodeStatus.CLOSED,
        EpisodeStatus.DECLINED,
        EpisodeStatus.DROPPED_OUT,
        EpisodeStatus.REFERRED_ELSEWHERE,
    }
)


def invoice_number(year: int, sequence: int) -> str:
    """The one format of an invoice number: the year and a gapless sequence, "2026-00042"."""
    return f"{year}-{sequence:05d}"


# ---------------------------------------------------------------- the terms


@dataclass(frozen=True, slots=True)
class Terms:
    id: int
    employer_id: int
    valid_from: date
    price_model: PriceModel
    billing_moment: BillingMoment
    screening_cents: int = 0
    package_cents: Mapping[str, int] = field(default_factory=dict)  # offer -> price
    session_cents: int = 0
    no_show_cents: int = 0
    late_cancellation_cents: int = 0
    late_cancellation_hours: int = 24
    payment_days: int = 30
    auto_send: bool = False

    def price(self, charge: Charge, offer: str | None) -> int:
        if charge is Charge.SCREENING:
            return self.screening_cents
        if charge is Charge.PACKAGE:
            return self.package_cents.get(offer or "", 0)
        if charge is Charge.SESSION:
            return self.session_cents
        if charge is Charge.NO_SHOW:
            return self.no_show_cents
        return self.late_cancellation_cents


def terms_on(history: Sequence[Terms], day: date) -> Terms | None:
    """The terms in force on ``day``: the latest ``valid_from`` on or before it."""
    in_force = [t for t in history if t.valid_from <= day]
    return max(in_force, key=lambda t: (t.valid_from, t.id)) if in_force else None


# ---------------------------------------------------------------- the charges


@dataclass(frozen=True, slots=True)
class Appointment:
    id: int
    day: date  # the local day it was (to be) held
    kind: str
    attendance: str
    # hours between recording a client's cancellation and the start; None: not known
    cancelled_hours_before: float | None = None


@dataclass(frozen=True, slots=True)
class Episode:
    """What billing needs of an episode: dates, the offer, the appointments. No content."""

    id: int
    employer_id: int
    status: str
    offer: str | None
    screening_held_on: date | None
    started_on: date | None
    closed_on: date | None
    client_initials: str
    client_reference: str | None
    appointments: tuple[Appointment, ...] = ()

    @property
    def ended(self) -> bool:
        return self.status in ENDED


@dataclass(frozen=True, slots=True)
class ChargeItem:
    key: str
    charge: Charge
    episode: Episode
    day: date
    unit_cents: int
    terms: Terms
    offer: str | None = None


def charges_of(episode: Episode, history: Sequence[Terms]) -> list[ChargeItem]:
    """Every charge the episode's record makes billable, priced by the terms of its day;
    none for a day before the first terms or at a price of nothing."""
    found: list[tuple[str, Charge, date, str | None]] = []
    if episode.screening_held_on is not None:
        found.append((f"screening:{episode.id}", Charge.SCREENING, episode.screening_held_on, None))
    package_day = _package_day(episode, history)
    if package_day is not None:
        found.append((f"package:{episode.id}", Charge.PACKAGE, package_day, episode.offer))
    for appointment in episode.appointments:
        charge = _appointment_charge(appointment, history)
        if charge is not None:
            found.append((f"{charge.value}:{appointment.id}", charge, appointment.day, None))
    items = []
    for key, charge, day, offer in found:
        terms = terms_on(history, day)
        if terms is None:
            continue
        if charge is Charge.PACKAGE and terms.price_model is not PriceModel.PACKAGE:
            continue
        if charge is Charge.SESSION and terms.price_model is not PriceModel.PER_SESSION:
            continue
        price = terms.price(charge, offer)
        if price > 0:
            items.append(ChargeItem(key, charge, episode, day, price, terms, offer))
    return items


def _package_day(episode: Episode, history: Sequence[Terms]) -> date | None:
    """The package is billed on the start, or in advance on the screening day when the
    terms bill at the screening; only once the offer is known."""
    if episode.offer is None:
        return None
    if episode.started_on is not None:
        at_screening = episode.screening_held_on
        if at_screening is not None:
            terms = terms_on(history, at_screening)
            if terms is not None and terms.billing_moment is BillingMoment.SCREENING:
                return at_screening
        return episode.started_on
    if episode.screening_held_on is not None:
        terms = terms_on(history, episode.screening_held_on)
        if terms is not None and terms.billing_moment is BillingMoment.SCREENING:
            return episode.screening_held_on
    return None


def _appointment_charge(appointment: Appointment, history: Sequence[Terms]) -> Charge | None:
    if appointment.attendance == "held" and appointment.kind in SESSION_KINDS:
        return Charge.SESSION
    if appointment.attendance == "no_show":
        return Charge.NO_SHOW
    hours = appointment.cancelled_hours_before
    if appointment.attendance == "cancelled_by_client" and hours is not None:
        terms = terms_on(history, appointment.day)
        if terms is not None and hours < terms.late_cancellation_hours:
            return Charge.LATE_CANCELLATION
    return None


# ---------------------------------------------------------------- which invoice, when


def month_key(employer_id: int, day: date) -> str:
    return f"month:{employer_id}:{day:%Y-%m}"


def invoice_key(item: ChargeItem, made: frozenset[str], today: date) -> str:
    """The invoice a charge goes on: its billing moment's, or, when that invoice was made
    before the charge turned up, the next monthly invoice still to make (from the charge's
    month on, at the latest this month's)."""
    moment = item.terms.billing_moment
    episode = item.episode
    if moment is BillingMoment.END:
        natural = f"end:{episode.id}"
    elif moment in (BillingMoment.SCREENING, BillingMoment.START) and item.charge in (
        Charge.SCREENING,
        Charge.PACKAGE,
    ):
        natural = f"{moment.value}:{episode.id}"
    else:
        natural = month_key(episode.employer_id, item.day)
    if natural not in made:
        return natural
    month = item.day.replace(day=1)
    while month < today.replace(day=1) and month_key(episode.employer_id, month) in made:
        month = _first_of_next_month(month.year, month.month)
    return month_key(episode.employer_id, month)


def is_due(key: str, episode: Episode, today: date) -> bool:
    """Whether the invoice ``key`` may be made today: a month once it is over, an episode's
    screening or start invoice once that happened, its end invoice once it ended."""
    kind, _, rest = key.partition(":")
    if kind == "month":
        year, month = (int(part) for part in rest.rsplit(":", 1)[1].split("-"))
        return today >= _first_of_next_month(year, month)
    if kind == "screening":
        return episode.screening_held_on is not None and episode.screening_held_on <= today
    if kind == "start":
        day = episode.started_on or episode.screening_held_on
        return day is not None and day <= today
    if kind == "end":
        return episode.ended
    raise ValueError(f"not an invoice key: {key!r}")


def _first_of_next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def month_period(key: str) -> tuple[date, date] | None:
    """The calendar month a monthly invoice is for; None for an episode's invoice."""
    kind, _, rest = key.partition(":")
    if kind != "month":
        return None
    year, month = (int(part) for part in rest.rsplit(":", 1)[1].split("-"))
    return date(year, month, 1), _first_of_next_month(year, month) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class InvoicePlan:
    """An invoice to make: its key, the employer and its charges, oldest first."""

    key: str
    employer_id: int
    items: tuple[ChargeItem, ...]

    @property
    def period(self) -> tuple[date, date]:
        first, last = self.items[0].day, self.items[-1].day
        month = month_period(self.key)
        if month is not None:  # the month, and any charge of before it that turned up late
            return min(month[0], first), max(month[1], last)
        return first, last


def plan_invoices(
    episodes: Iterable[Episode],
    terms_of: Callable[[int], Sequence[Terms]],
    *,
    billed: frozenset[str],
    made: frozenset[str],
    today: date,
) -> list[InvoicePlan]:
    """The invoices due today with the charges not yet billed, one per key."""
    groups: dict[str, list[ChargeItem]] = {}
    employer_of: dict[str, int] = {}
    for episode in episodes:
        for item in charges_of(episode, terms_of(episode.employer_id)):
            if item.key in billed or item.day > today:
                continue
            key = invoice_key(item, made, today)
            if key in made or not is_due(key, episode, today):
                continue
            groups.setdefault(key, []).append(item)
            employer_of[key] = episode.employer_id
    return [
        InvoicePlan(key, employer_of[key], tuple(sorted(items, key=lambda i: (i.day, i.key))))
        for key, items in sorted(groups.items())
    ]


# ---------------------------------------------------------------- amounts


@dataclass(frozen=True, slots=True)
class Vat:
    category: str
    rate: int  # percent


def vat_of(exempt: bool) -> Vat:
    return Vat(EXEMPT_CATEGORY, 0) if exempt else Vat(STANDARD_CATEGORY, STANDARD_VAT_RATE)


@dataclass(frozen=True, slots=True)
class VatLine:
    category: str
    rate: int
    base_cents: int
    vat_cents: int


@dataclass(frozen=True, slots=True)
class Totals:
    net_cents: int
    vat_cents: int
    total_cents: int
    breakdown: tuple[VatLine, ...]


def vat_amount(base_cents: int, rate: int) -> int:
    """VAT on a base, in cents, rounded half up (EN 16931 BR-CO-17)."""
    exact = Decimal(base_cents) * Decimal(rate) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def totals(lines: Iterable[tuple[int, str, int]]) -> Totals:
    """Totals of lines given as (net cents, VAT category, rate): VAT per category and rate."""
    bases: dict[tuple[str, int], int] = {}
    for net, category, rate in lines:
        bases[(category, rate)] = bases.get((category, rate), 0) + net
    breakdown = tuple(
        VatLine(category, rate, base, vat_amount(base, rate))
        for (category, rate), base in sorted(bases.items())
    )
    net = sum(line.base_cents for line in breakdown)
    vat = sum(line.vat_cents for line in breakdown)
    return Totals(net, vat, net + vat, breakdown)


def standing(
    *,
    kind: str,
    status: str,
    total_cents: int,
    credited_cents: int,
    paid_cents: int,
    due_on: date,
    today: date,
) -> Standing:
    """Where an invoice stands today, from what was recorded about it."""
    if kind == InvoiceKind.CREDIT_NOTE:
        return Standing.CREDIT_NOTE
    if status == InvoiceStatus.DRAFT:
        return Standing.DRAFT
    if credited_cents >= total_cents:
        return Standing.CREDITED
    if paid_cents + credited_cents >= total_cents:
        return Standing.PAID
    return Standing.OVERDUE if today > due_on else Standing.OPEN


def outstanding(total_cents: int, credited_cents: int, paid_cents: int) -> int:
    return max(0, total_cents - credited_cents - paid_cents)


def reminders_due(due_on: date, today: date) -> list[int]:
    """The reminders (1, 2) whose day has come for an invoice still unpaid."""
    return [n for n, days in enumerate(REMINDER_DAYS, 1) if today >= due_on + timedelta(days)]
