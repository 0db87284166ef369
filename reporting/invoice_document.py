"""An invoice as a document says it (issue 22): the one shape the PDF, the e-invoices (CII
for Factur-X, UBL) and the pages are built from. Pure: no I/O.

A line names the client by initials and the employer's own reference, the service (the
charge: screening, package, session, a missed or late-cancelled appointment), its date
and the amount. Never the kind of session, a diagnosis or a note: the type holds none.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from practice.labels import OFFER_LABELS
from reporting import billing
from reporting.labels import CHARGE_LABELS

POSTCODE_CITY = re.compile(r"^\s*(?P<postcode>\d{4}\s?[A-Za-z]{2})\s+(?P<city>.+?)\s*$")


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address: tuple[str, ...]  # street, then "postcode city"
    country: str = "NL"
    kvk: str | None = None
    agb_code: str | None = None
    vat_number: str | None = None

    @property
    def street(self) -> str:
        return self.address[0] if self.address else ""

    @property
    def postcode_city(self) -> tuple[str | None, str | None]:
        for line in reversed(self.address):
            match = POSTCODE_CITY.match(line)
            if match:
                return match["postcode"].upper(), match["city"]
        return None, self.address[-1] if len(self.address) > 1 else None


@dataclass(frozen=True, slots=True)
class Line:
    position: int
    charge: billing.Charge
    offer: str | None
    client_initials: str
    client_reference: str | None
    service_date: date
    quantity: int
    unit_cents: int
    net_cents: int
    vat_category: str
    vat_rate: int


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    id: int
    number: str
    kind: billing.InvoiceKind
    issued_on: date
    due_on: date
    period_start: date
    period_end: date
    seller: Party
    iban: str
    buyer: Party
    buyer_reference: str | None
    vat_exempt: bool
    lines: tuple[Line, ...]
    net_cents: int
    vat_cents: int
    total_cents: int
    credits_number: str | None = None  # the invoice a credit note corrects
    credits_issued_on: date | None = None
    reason: str = ""

    @property
    def is_credit_note(self) -> bool:
        return self.kind is billing.InvoiceKind.CREDIT_NOTE

    @property
    def breakdown(self) -> tuple[billing.VatLine, ...]:
        return billing.totals(
            (line.net_cents, line.vat_category, line.vat_rate) for line in self.lines
        ).breakdown

    @property
    def filename(self) -> str:
        return f"factuur-{self.number}" if not self.is_credit_note else f"creditnota-{self.number}"


def address_lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def payment_terms(document: InvoiceDocument) -> str:
    """BT-20, in Dutch as the invoice is: the due date and how to pay."""
    if document.is_credit_note:
        return f"Creditnota bij factuur {document.credits_number}; het bedrag wordt verrekend."
    return (
        f"Te betalen vóór {document.due_on:%d-%m-%Y} op {document.iban} "
        f"onder vermelding van factuurnummer {document.number}."
    )


def line_name(line: Line, translate: Callable[[str], str]) -> str:
    """BT-153 (the item's name) in the document's language: the charge and, for a
    package, the offer; never the kind of session."""
    name = translate(CHARGE_LABELS[line.charge])
    if line.charge is billing.Charge.PACKAGE and line.offer in OFFER_LABELS:
        return f"{name} ({translate(OFFER_LABELS[line.offer])})"
    return name


def line_description(line: Line) -> str:
    """BT-154: whom and when, by initials and the employer's reference only."""
    who = line.client_initials or "–"
    if line.client_reference:
        who = f"{who} (personeelsnr. {line.client_reference})"
    return f"{who}, {line.service_date:%d-%m-%Y}"


def euros(cents: int) -> str:
    """An amount as EN 16931 writes it: "1250.00"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def business_terms(document: InvoiceDocument, translate: Callable[[str], str]) -> dict[str, object]:
    """The invoice as EN 16931's business terms (BT-/BG- keys), as the factur-x library takes
    them; amounts of a credit note are positive, its type code (381) says it credits."""
    seller_postcode, seller_city = document.seller.postcode_city
    buyer_postcode, buyer_city = document.buyer.postcode_city
    seller: dict[str, object] = {
        "name": document.seller.name,
        "country_code": document.seller.country,
        "addr_l1": document.seller.street,
        "postcode": seller_postcode,
        "city": seller_city,
    }
    if document.seller.kvk:
        seller |= {"legal_identifier": document.seller.kvk, "legal_identifier_schemeid": "0106"}
    if document.seller.vat_number:
        seller["vat_identifier"] = document.seller.vat_number
    buyer = {
        "name": document.buyer.name,
        "country_code": document.buyer.country,
        "addr_l1": document.buyer.street,
        "postcode": buyer_postcode,
        "city": buyer_city,
    }
    terms: dict[str, object] = {
        "BT-1": document.number,
        "BT-2": document.issued_on,
        "BT-3": "381" if document.is_credit_note else "380",
        "BT-5": "EUR",
        "BT-20": payment_terms(document),
        "BT-72": document.period_end,
        "BT-73": document.period_start,
        "BT-74": document.period_end,
        "BT-81": "58",  # SEPA credit transfer
        "BT-83": document.number,
        "BT-84": document.iban,
        "BG-4": {k: v for k, v in seller.items() if v},
        "BG-7": {k: v for k, v in buyer.items() if v},
        "BT-106": euros(document.net_cents),
        "BT-109": euros(document.net_cents),
        "BT-110": euros(document.vat_cents),
        "BT-112": euros(document.total_cents),
        "BT-115": euros(0 if document.is_credit_note else document.total_cents),
        "BG-23": [_vat_line(line) for line in document.breakdown],
        "BG-25": [_line(line, translate) for line in document.lines],
    }
    if not document.is_credit_note:
        terms["BT-9"] = document.due_on
    if document.buyer_reference:
        terms["BT-10"] = document.buyer_reference
    notes = [note for note in (_exemption_note(document), document.reason) if note]
    if notes:
        terms["BG-1"] = [{"BT-22": note} for note in notes]
    if document.credits_number:
        terms["BG-3"] = [{"BT-25": document.credits_number, "BT-26": document.credits_issued_on}]
    return terms


def _exemption_note(document: InvoiceDocument) -> str:
    return billing.EXEMPTION_TEXT if document.vat_exempt else ""


def _vat_line(line: billing.VatLine) -> dict[str, object]:
    found: dict[str, object] = {
        "BT-116": euros(line.base_cents),
        "BT-117": euros(line.vat_cents),
        "BT-118": line.category,
        "BT-119": str(line.rate),
    }
    if line.category == billing.EXEMPT_CATEGORY:
        found |= {"BT-120": billing.EXEMPTION_TEXT, "BT-121": billing.EXEMPTION_CODE}
    return found


def _line(line: Line, translate: Callable[[str], str]) -> dict[str, object]:
    return {
        "BT-126": str(line.position),
        "BT-129": str(line.quantity),
        "BT-130": "C62",  # one (unit)
        "BT-131": euros(line.net_cents),
        "BT-134": line.service_date,
        "BT-135": line.service_date,
        "BT-146": euros(line.unit_cents),
        "BT-151": line.vat_category,
        "BT-152": str(line.vat_rate),
        "BT-153": line_name(line, translate),
        "BT-154": line_description(line),
    }


def lines_of(rows: Sequence[dict[str, object]]) -> tuple[Line, ...]:
    return tuple(
        Line(
            position=int(str(row["position"])),
            charge=billing.Charge(str(row["charge"])),
            offer=None if row["offer"] is None else str(row["offer"]),
            client_initials=str(row["client_initials"] or ""),
            client_reference=None
            if row["client_reference"] is None
            else str(row["client_reference"]),
            service_date=row["service_date"],  # type: ignore[arg-type]
            quantity=int(str(row["quantity"])),
            unit_cents=int(str(row["unit_cents"])),
            net_cents=int(str(row["net_cents"])),
            vat_category=str(row["vat_category"]),
            vat_rate=int(str(row["vat_rate"])),
        )
        for row in rows
    )
