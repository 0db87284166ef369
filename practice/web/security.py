"""What every response carries, error pages included: security headers and one log line.

Applied in ``before_send``, which wraps the whole app (not per route), so a 404 for an
unknown path or a 500 gets the same headers as a normal page. The log line holds method,
path and status only: no query string, headers, cookies or bodies (they may hold medical
data or secrets).
"""

import logging
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

log = logging.getLogger("practice.requests")

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Paths whose last part is a credential (a calendar feed, a questionnaire link, an invitation):
# never written to a log.
TOKEN_PATHS = ("/calendar/", "/questionnaires/", "/client-account/", "/report-review/")


def without_token(path: str) -> str:
    """``path`` with the token of a ``TOKEN_PATHS`` path replaced, for logs."""
    for prefix in TOKEN_PATHS:
        if path.startswith(prefix):
            return f"{prefix}<token>"
    return path


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    path: str = scope.get("path", "")
    if not path.startswith("/static/"):
        # Pages and documents about clients must never sit in a browser or proxy cache.
        headers["Cache-Control"] = "no-store"
    method: Any = scope.get("method", "-")
    path = without_token(path)
    log.info("%s %s %s", method, path, message["status"])
