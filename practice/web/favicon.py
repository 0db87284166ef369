"""The browser's own question for an icon: ``GET /favicon.ico``.

Pages name their icon (``/static/favicon.svg`` in base.html), but a browser asks
``/favicon.ico`` for everything else it shows: a PDF, a CSV, JSON, the schema page. A 404
there is an error in every console; the same SVG answers instead (browsers read an icon by
its content type, not by the name they asked for).
"""

from litestar import Response, Router, get

from practice.platform.templating import TEMPLATE_DIR
from practice.web.auth import PUBLIC

FAVICON = TEMPLATE_DIR / "static" / "favicon.svg"
_ICON = FAVICON.read_bytes()
# The <link> for pages not built from templates/base.html (the API schema's).
LINK = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


@get("/favicon.ico", opt=PUBLIC, include_in_schema=False)
async def favicon() -> Response[bytes]:
    """The practice's icon, for browsers that ask by the old name."""
    return Response(_ICON, media_type="image/svg+xml")


router = Router(path="/", route_handlers=[favicon])
