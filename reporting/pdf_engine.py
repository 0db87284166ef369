"""The PDF engine: WeasyPrint with a deny-by-default URL fetcher (targets PDF-1).

Imported only in the render pool's processes (``reporting.documents`` preloads it in the
forkserver): the web process never lays out a page, so it does not carry WeasyPrint.

WeasyPrint loads images, stylesheets, fonts and attachments through a URL fetcher. Its
default fetcher follows ``file:``, ``http:`` and redirects, which would turn a document
containing user text into a local-file read or a request from inside our network. Ours
denies by default: ``data:`` URLs and files under ``templates/pdf/`` only. A refused
resource fails alone; the document renders without it.
"""

import functools
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from practice.platform import templating

ASSETS_DIR = templating.TEMPLATE_DIR / "pdf"
PDF_VARIANT = "pdf/a-3b"  # archival, fonts embedded; WeasyPrint does not validate it
_ASSET_BASE_URL = ASSETS_DIR.resolve().as_uri() + "/"  # "print.css" resolves into the folder


class RefusedURL(ValueError):
    """A resource outside the allow-list. WeasyPrint logs it and renders without it."""


class AssetFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types
    """Deny-by-default fetcher: ``data:`` URLs and regular files under one folder.

    It subclasses ``URLFetcher`` because WeasyPrint 70 reads ``_fail_on_errors`` from the
    fetcher (``urls.fetch``); that stays False so a refusal drops only the one resource.
    Nothing here opens a socket: ``data:`` goes to the base class, which is restricted to
    that scheme and to no redirects, and files are read directly after resolving symlinks
    and ``..`` so nothing outside the folder can be reached.
    """

    def __init__(self, root: Path = ASSETS_DIR) -> None:
        super().__init__(
            timeout=5,
            allowed_protocols=frozenset({"data"}),
            allow_redirects=False,
            fail_on_errors=False,
        )
        self._root = root.resolve(strict=True)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            return self._packaged_file(url)
        raise RefusedURL(f"resource not allowed in documents: {url[:200]}")

    def _packaged_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):  # file://host/... would be a network share
            raise RefusedURL(f"resource not allowed in documents: {url[:200]}")
        try:
            path = Path(unquote(parts.path)).resolve(strict=True)
        except (OSError, ValueError, RuntimeError) as error:  # missing, NUL byte, symlink loop
            raise RefusedURL(f"resource not allowed in documents: {url[:200]}") from error
        if not path.is_relative_to(self._root) or not path.is_file():
            raise RefusedURL(f"resource not allowed in documents: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
        )


# ---------------------------------------------------------------- the render


@functools.cache
def _font_config() -> Any:
    # One per process: it caches fontconfig look-ups and @font-face files between renders.
    return FontConfiguration()


def render(html: str, title: str) -> bytes:
    """The actual WeasyPrint call. Runs in a pool worker; never call it on an event loop."""
    document = HTML(string=html, base_url=_ASSET_BASE_URL, url_fetcher=AssetFetcher()).render(
        font_config=_font_config(), pdf_variant=PDF_VARIANT
    )
    document.metadata.title = title
    # No embedded files (PDF-1): <link rel=attachment> and <a rel=attachment> would embed
    # whatever the fetcher returns, and a report is never a container for other files.
    document.metadata.attachments = []
    for page in document.pages:
        page.links[:] = [link for link in page.links if link[0] != "attachment"]
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
