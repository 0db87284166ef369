"""Turn every refusal into a clear 4xx: an HTML page for browsers, JSON for API clients.

Never a 500 for bad input. Unexpected errors become a generic 500 page that reveals
nothing; the log names the exception type and where, not the data.

A lost dependency is a 503 with "try again", never a 500 and never a pass: PostgreSQL
gone mid-request (the transaction is lost with the connection, so nothing of the write
stays), Redis down (no session can be read, so nobody is let in), or an audit row that
cannot be written (the operation rolls back, so no client data leaves: fail closed).
"""

import logging
import traceback
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import redis.exceptions
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from practice.accounts import Role
from practice.audit.trail import AuditUnavailable
from practice.break_glass import offer_on_not_found
from practice.employer_text import MedicalText
from practice.errors import Conflict, DomainError, Gone, InvalidInput, NotFound
from practice.platform.i18n import N_, current_locale, pick_locale
from practice.platform.i18n import gettext as _
from practice.web.auth import CurrentUser
from practice.web.field_labels import field_label
from practice.web.forms import field_of, in_words, problem_of
from practice.web.security import without_token

log = logging.getLogger(__name__)

TITLES = {
    400: N_("The input is not valid"),
    401: N_("Please log in"),
    403: N_("No access"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("That is not possible now"),
    413: N_("Too large"),
    422: N_("This text cannot go to the employer"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
    503: N_("Temporarily unavailable"),
}


def _back_path(request: Request[Any, Any, Any]) -> str | None:
    """The page the browser came from, on this site: a failed form offers the way back to it
    (where the browser still has what was typed). Only a path, never another site."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return None
    if referer.path.startswith("//") or referer.path == request.url.path:
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def _break_glass_offer(request: Request[Any, Any, Any], status: int) -> str | None:
    """A therapist's 404 on an episode page offers the break-glass form for that id: the
    same link whether the episode exists or not, so the page still reveals nothing."""
    user = request.scope.get("user")
    if status != HTTP_404_NOT_FOUND or not isinstance(user, CurrentUser):
        return None
    if user.role is not Role.THERAPIST:
        return None
    return offer_on_not_found(request.url.path)


def choose_locale(request: Request[Any, Any, Any]) -> None:
    """The reader's language for this request: the cookie, else the account's, else the
    browser's. Chosen before each handler, and again by every error page: a guard's refusal
    and a path no route serves come before the handler's hooks, and were always Dutch."""
    user = request.scope.get("user")
    current_locale.set(
        pick_locale(
            request.cookies.get("lang"),
            user.locale if isinstance(user, CurrentUser) else None,
            request.headers.get("accept-language"),
        )
    )


def wants_html(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _respond(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    fields: dict[str, str] | None = None,
    allowed: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    fields = fields or {}
    choose_locale(request)
    if wants_html(request):
        return Template(
            template_name="errors/page.html",
            context={
                "user": request.scope.get("user"),
                "status": status,
                "title": _(TITLES.get(status, "Error")),
                # Domain messages are English message ids (a Message with its values); the
                # page shows them in the reader's language, each field by its label (the
                # JSON keeps the ids, the English text and the field names for API clients).
                "detail": _(detail),
                "fields": {
                    field_label(name): in_words(problem) for name, problem in fields.items()
                },
                "allowed": allowed or [],
                "back": _back_path(request),
                "break_glass": _break_glass_offer(request, status),
            },
            status_code=status,
            headers=headers,
        )
    body: dict[str, Any] = {"status_code": status, "detail": str(detail)}
    if fields:
        body["fields"] = {name: str(problem) for name, problem in fields.items()}
    if allowed is not None:
        body["allowed"] = allowed
    return Response(content=body, status_code=status, headers=headers)


def _validation_fields(exc: ValidationException) -> dict[str, str]:
    fields: dict[str, str] = {}
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict):
            key = str(item.get("key") or item.get("source") or "body")
            message = str(item.get("message", "invalid"))
            if key in {"data", "body"}:
                # the whole body was refused: msgspec's message names the field inside it
                named = field_of(message)
                key = named if named != "form" else key
            fields[key] = message
    return fields


def http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and wants_html(request):
        return Redirect(path="/login", status_code=303)
    if isinstance(exc, ValidationException):
        fields = _validation_fields(exc)
        if wants_html(request):
            # A page speaks the reader's language, not msgspec's ("Expected `int` …").
            fields = {name: problem_of(problem) for name, problem in fields.items()}
            names = ", ".join(map(field_label, fields))
        else:
            names = ", ".join(fields)
        detail = _("Check the fields: %(names)s") % {"names": names or "body"}
        return _respond(request, HTTP_400_BAD_REQUEST, detail, fields)
    headers = dict(exc.headers or {})
    # Litestar's own refusals (no such path, another method) carry the status's English
    # phrase ("Not Found"): a page's title already says it, in the reader's language; the
    # JSON keeps it for API clients.
    plain = exc.detail == HTTPStatus(exc.status_code).phrase and wants_html(request)
    choose_locale(request)
    detail = "" if plain or not exc.detail else _(exc.detail)
    return _respond(request, exc.status_code, detail, headers=headers)


def invalid_status(exc: InvalidInput) -> int:
    """400 for a value that breaks a rule; 422 for a text bound for an employer that names
    medical matters (well-formed, but its content cannot be processed)."""
    return HTTP_422_UNPROCESSABLE_ENTITY if isinstance(exc, MedicalText) else HTTP_400_BAD_REQUEST


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, InvalidInput):
        # The page names the fields by their labels (its list says what is wrong with each);
        # the JSON keeps "field: problem; …" in English.
        detail = exc.message
        if wants_html(request):
            names = ", ".join(map(field_label, exc.fields))
            detail = _("Check the fields: %(names)s") % {"names": names}
        return _respond(request, invalid_status(exc), detail, exc.fields)
    if isinstance(exc, NotFound):
        return _respond(request, HTTP_404_NOT_FOUND, exc.message)
    if isinstance(exc, Conflict):
        return _respond(request, HTTP_409_CONFLICT, exc.message, allowed=exc.allowed)
    if isinstance(exc, Gone):
        return _respond(request, HTTP_410_GONE, exc.message)
    return _respond(request, HTTP_400_BAD_REQUEST, exc.message)


def unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("dependency unavailable: %s", type(exc).__name__)
    return _respond(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        _("Please try again in a moment."),
        headers={"Retry-After": "5"},
    )


def audit_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    cause = exc.__cause__
    log.error("audit row not written (%s): request refused", type(cause).__name__)
    return unavailable(request, exc)


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Type and code locations only: an exception's message may quote the data it choked on.
    frames = "; ".join(
        f"{frame.filename}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)[-5:]
    )
    log.error(
        "unhandled %s at %s %s [%s]",
        type(exc).__name__,
        request.method,
        without_token(request.url.path),
        frames,
    )
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR, _("The error has been logged."))


def out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A number too large for the database or the calendar: in a URL read (an id), no such
    record exists; in a write, a value of the form is out of range (a form field without an
    upper bound of its own; logged, so that it gets one)."""
    if request.method in ("GET", "HEAD"):
        return _respond(request, HTTP_404_NOT_FOUND, _("Not found"))
    log.warning("a value out of range: %s %s", request.method, without_token(request.url.path))
    return _respond(request, HTTP_400_BAD_REQUEST, _("A value is out of range."))


def invalid_value(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database refused a value the type check let through (PostgreSQL range checks)."""
    return _respond(request, HTTP_400_BAD_REQUEST, _("A value is out of range."))


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HTTPException: http_exception,
    DomainError: domain_error,
    OverflowError: out_of_range,
    asyncpg.exceptions.DataError: invalid_value,
    ConnectionError: unavailable,  # incl. practice.platform.db.ConnectionLost
    # PostgreSQL: the connection broke (class 08, incl. ConnectionDoesNotExistError), the
    # server is shutting down or starting (class 57), or out of connections or resources (53).
    asyncpg.exceptions.PostgresConnectionError: unavailable,
    asyncpg.exceptions.OperatorInterventionError: unavailable,
    asyncpg.exceptions.InsufficientResourcesError: unavailable,
    # redis-py's own ConnectionError and TimeoutError do not derive from the built-in ones.
    redis.exceptions.ConnectionError: unavailable,
    redis.exceptions.TimeoutError: unavailable,
    AuditUnavailable: audit_unavailable,
    Exception: server_error,
}
