"""EN 16931 e-invoices (issue 22) through the factur-x library: the CII XML that Factur-X
embeds in the PDF/A-3, and the same invoice as UBL 2.1 for systems that read UBL (the
Dutch public sector's SI-UBL/NLCIUS builds on it).

The library builds the XML from the business terms (``reporting.invoice_document``) and
checks it against the official XML schema of each syntax, so an invoice that would not
validate is never stored or sent. Its Schematron checks need a Saxon (XSLT 2) server,
which this service does not run; the business rules they test (totals, VAT lines, dates)
are ours in ``reporting.billing`` and tested against hand-computed examples.
"""

import logging
from collections.abc import Callable
from typing import Any

from reporting.invoice_document import InvoiceDocument, business_terms

LEVEL = "en16931"
# The library logs the data it was given at DEBUG; the invoice names clients by initials.
logging.getLogger("factur-x").setLevel(logging.WARNING)


def _facturx() -> Any:
    """The library, imported when an invoice is first made or checked: with lxml and pypdf
    it adds 30 MB to a process, which a web worker that never makes an invoice should not
    carry (P-8 measured 156 MB against its 150 MB goal with it imported at start)."""
    import facturx

    return facturx


def cii_xml(document: InvoiceDocument, translate: Callable[[str], str]) -> bytes:
    """The Factur-X (UN/CEFACT CII D16B) XML, schema-checked."""
    return _generate(document, translate, "factur-x")


def ubl_xml(document: InvoiceDocument, translate: Callable[[str], str]) -> bytes:
    """The UBL 2.1 invoice or credit note, schema-checked."""
    return _generate(document, translate, "ubl-2.1")


def _generate(document: InvoiceDocument, translate: Callable[[str], str], flavor: str) -> bytes:
    xml: bytes = _facturx().generate_xml(
        business_terms(document, translate),
        flavor=flavor,
        level=LEVEL,
        check_xsd=True,
        check_schematron=False,
    )
    return xml


def embed(pdf: bytes, cii: bytes, *, title: str, author: str, lang: str) -> bytes:
    """The PDF/A-3 with the CII attached as factur-x.xml and the Factur-X XMP metadata."""
    metadata: dict[str, Any] = {
        "author": author,
        "keywords": "Factur-X",
        "title": title,
        "subject": title,
    }
    result: bytes = _facturx().generate_from_binary(
        pdf, cii, flavor="factur-x", level=LEVEL, check_xsd=False, pdf_metadata=metadata, lang=lang
    )
    return result


def check(xml: bytes, flavor: str = "factur-x") -> bool:
    """The library's own schema check (raises on an invalid document)."""
    return bool(_facturx().xml_check_xsd(xml, flavor=flavor, level=LEVEL))
