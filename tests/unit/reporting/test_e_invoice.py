"""EN 16931 e-invoices (issue 22): for every price model, taxed and exempt, invoice and credit
note, the CII (Factur-X) and the UBL validate against the official schemas (the factur-x
library), and they say the amounts computed by hand; nothing but initials names a client."""

from datetime import date
from xml.etree import ElementTree

import pytest

from reporting import billing, e_invoice
from reporting.billing import Charge, InvoiceKind
from reporting.invoice_document import InvoiceDocument, Line, Party, business_terms

SELLER = Party(
    name="Praktijk @Work",
    address=("Stationsplein 1", "3511 ED Utrecht"),
    kvk="12345678",
    agb_code="94000000",
)
BUYER = Party(name="Zorg & Co", address=("Postbus 12", "3500 AA Utrecht"))
CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def line(
    position: int, charge: Charge, cents: int, *, vat: billing.Vat, offer: str | None = None
) -> Line:
    return Line(
        position=position,
        charge=charge,
        offer=offer,
        client_initials="A.J.",
        client_reference="00042" if position % 2 else None,
        service_date=date(2026, 5, position),
        quantity=1,
        unit_cents=cents,
        net_cents=cents,
        vat_category=vat.category,
        vat_rate=vat.rate,
    )


def document(
    lines: list[Line], *, exempt: bool, kind: InvoiceKind = InvoiceKind.INVOICE
) -> InvoiceDocument:
    totals = billing.totals((x.net_cents, x.vat_category, x.vat_rate) for x in lines)
    return InvoiceDocument(
        id=1,
        number="2026-00007",
        kind=kind,
        issued_on=date(2026, 6, 1),
        due_on=date(2026, 7, 1),
        period_start=date(2026, 5, 1),
        period_end=date(2026, 5, 31),
        seller=SELLER,
        iban="NL91ABNA0417164300",
        buyer=BUYER,
        buyer_reference="PO-7",
        vat_exempt=exempt,
        lines=tuple(lines),
        net_cents=totals.net_cents,
        vat_cents=totals.vat_cents,
        total_cents=totals.total_cents,
        credits_number="2026-00003" if kind is InvoiceKind.CREDIT_NOTE else None,
        credits_issued_on=date(2026, 5, 1) if kind is InvoiceKind.CREDIT_NOTE else None,
        reason="Verkeerd tarief" if kind is InvoiceKind.CREDIT_NOTE else "",
    )


EXEMPT, TAXED = billing.vat_of(True), billing.vat_of(False)
CASES = {
    "package, exempt": (
        [
            line(1, Charge.SCREENING, 17500, vat=EXEMPT),
            line(2, Charge.PACKAGE, 129500, vat=EXEMPT, offer="atwork_basic"),
        ],
        True,
        ("1470.00", "0.00", "1470.00"),
    ),
    "per session with fees, taxed": (
        [
            line(1, Charge.SESSION, 11250, vat=TAXED),
            line(2, Charge.SESSION, 11250, vat=TAXED),
            line(3, Charge.SESSION, 11250, vat=TAXED),
            line(4, Charge.NO_SHOW, 9500, vat=TAXED),
            line(5, Charge.LATE_CANCELLATION, 5600, vat=TAXED),
        ],
        False,
        # 3 × 112,50 + 95,00 + 56,00 = 488,50; 21 % = 102,585 → 102,59; 591,09
        ("488.50", "102.59", "591.09"),
    ),
    "preventive package, exempt": (
        [line(1, Charge.PACKAGE, 79500, vat=EXEMPT, offer="preventive")],
        True,
        ("795.00", "0.00", "795.00"),
    ),
}


def dutch(message: str) -> str:
    return message


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("kind", [InvoiceKind.INVOICE, InvoiceKind.CREDIT_NOTE])
def test_every_price_model_gives_an_e_invoice_the_schemas_accept_with_the_amounts_by_hand(
    case: str, kind: InvoiceKind
) -> None:
    lines, exempt, (net, vat, total) = CASES[case]
    invoice = document(lines, exempt=exempt, kind=kind)
    cii = e_invoice.cii_xml(invoice, dutch)
    ubl = e_invoice.ubl_xml(invoice, dutch)
    assert e_invoice.check(cii)
    assert e_invoice.check(ubl, flavor="ubl-2.1")
    tree = ElementTree.fromstring(cii)  # noqa: S314 - our own XML, just made

    def texts(path: str) -> list[str | None]:
        return [found.text for found in tree.iterfind(path, CII)]

    settlement = ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    assert texts(settlement + "ram:LineTotalAmount") == [net]
    assert texts(settlement + "ram:TaxTotalAmount") == [vat]
    assert texts(settlement + "ram:GrandTotalAmount") == [total]
    type_code = texts("rsm:ExchangedDocument/ram:TypeCode")
    assert type_code == ["381" if kind is InvoiceKind.CREDIT_NOTE else "380"]
    due = texts(settlement + "ram:DuePayableAmount")
    assert due == ["0.00" if kind is InvoiceKind.CREDIT_NOTE else total]
    if kind is InvoiceKind.CREDIT_NOTE:
        assert b"2026-00003" in cii and b"<CreditNote" in ubl
    if exempt:
        assert b"VATEX-EU-132-1C" in cii and b"art. 11 lid 1 sub g Wet OB" in cii
    assert b"A.J." in cii and b"Anna" not in cii


def test_a_line_names_the_charge_and_the_client_by_initials_and_reference_only() -> None:
    invoice = document(
        [line(1, Charge.PACKAGE, 129500, vat=EXEMPT, offer="atwork_compleet")], exempt=True
    )
    terms = business_terms(invoice, dutch)
    lines = terms["BG-25"]
    assert isinstance(lines, list) and len(lines) == 1
    only: dict[str, object] = lines[0]
    assert only["BT-153"] == "Treatment package (@Work Compleet)"
    assert only["BT-154"] == "A.J. (personeelsnr. 00042), 01-05-2026"
    assert terms["BT-10"] == "PO-7" and terms["BT-84"] == "NL91ABNA0417164300"
    assert terms["BG-4"]["legal_identifier"] == "12345678"  # type: ignore[index]
