"""Refuse a request body nested too deeply for the JSON decoders, before any handler sees it.

Litestar decodes a JSON body for every handler that takes ``data``, whatever the request's
content type says, and the FHIR import decodes its own. Both recurse per level, so the
check reads the body of every request that may carry one, once, before the handler (Litestar
keeps the bytes for the handler). Form posts pass: a browser percent-encodes brackets and
quotes, so a form body holds none. The size is Litestar's own limit
(``request_max_body_size``, set from ``practice.request_limits.MAX_BODY_BYTES``).
"""

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException
from litestar.status_codes import HTTP_400_BAD_REQUEST

from practice.platform.i18n import gettext as _
from practice.request_limits import MAX_JSON_DEPTH, nested_too_deep

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NestedTooDeeply(ClientException):
    """A body nested deeper than ``MAX_JSON_DEPTH`` levels (400)."""

    status_code = HTTP_400_BAD_REQUEST


async def refuse_deep_json(request: Request[Any, Any, Any]) -> None:
    """Raise ``NestedTooDeeply`` for a body over the depth limit; any other body passes.

    Runs as the app's ``before_request``: after the guards (an anonymous or refused caller
    gets 401/403/404 without the body being read) and after the locale is chosen (the
    message is in the caller's language).
    """
    if request.method not in BODY_METHODS:
        return
    # Over the size limit (announced or streamed), Litestar's read raises its 413 here,
    # also for a handler that would never have read the body.
    body = await request.body()
    if nested_too_deep(body):
        raise NestedTooDeeply(
            detail=_("The body is nested more than %(limit)d levels deep.")
            % {"limit": MAX_JSON_DEPTH}
        )
