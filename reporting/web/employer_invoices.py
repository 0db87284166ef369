"""The employer portal's invoices (issue 22): the invoices and credit notes sent to the
organisations the contact belongs to, where each stands, and the PDF (Factur-X inside) and
UBL to download. Another organisation's invoice, or one still under review, is not there
(404, the refusal audited); nothing medical is on any of them (``invoice_document``)."""

from typing import Any

from litestar import Request, Response, Router, get
from litestar.params import FromPath
from litestar.response import Template

from practice.accounts import Role
from practice.audit.trail import Action
from practice.queries import access
from practice.web.auth import roles
from practice.web.episode_common import request_context
from practice.web.portal import page
from reporting.queries import invoice_views
from reporting.web.invoices import pdf_response, ubl_response

EMPLOYER = roles(Role.EMPLOYER_CONTACT)


@get("/employer/invoices", opt=EMPLOYER, include_in_schema=False)
async def employer_invoices_page(request: Request[Any, Any, Any]) -> Template:
    actor, today, settings = request_context(request)
    employers = await invoice_views.contact_employers(actor.user_id or 0)
    shown = await invoice_views.invoice_summaries(today, employers, sent_only=True)
    await invoice_views.audited(actor, Action.READ, "invoices", None)
    return page(
        request,
        "reporting/employer/invoices.html",
        invoices=shown,
        several=len(employers) > 1,
        iban=settings.practice_iban,
        today=today,
    )


async def _own(request: Request[Any, Any, Any], invoice_id: int) -> None:
    """404 (audited) unless the invoice was sent to an organisation of this contact."""
    actor, today, _ = request_context(request)
    employers = await invoice_views.contact_employers(actor.user_id or 0)
    visible = {
        s.id for s in await invoice_views.invoice_summaries(today, employers, sent_only=True)
    }
    if invoice_id not in visible:
        raise await access.refuse(actor, "invoice", invoice_id, None, write=False)


@get("/employer/invoices/{invoice_id:int}/invoice.pdf", opt=EMPLOYER, include_in_schema=False)
async def employer_invoice_pdf(
    request: Request[Any, Any, Any], invoice_id: FromPath[int]
) -> Response[bytes]:
    await _own(request, invoice_id)
    actor, _, settings = request_context(request)
    return await pdf_response(actor, invoice_id, settings)


@get("/employer/invoices/{invoice_id:int}/ubl.xml", opt=EMPLOYER, include_in_schema=False)
async def employer_invoice_ubl(
    request: Request[Any, Any, Any], invoice_id: FromPath[int]
) -> Response[bytes]:
    await _own(request, invoice_id)
    actor, _, settings = request_context(request)
    return await ubl_response(actor, invoice_id, settings)


router = Router(
    path="/",
    route_handlers=[employer_invoices_page, employer_invoice_pdf, employer_invoice_ubl],
)
