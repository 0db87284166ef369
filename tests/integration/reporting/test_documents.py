"""Documents: a real PDF/A-3b from a template (PDF-1 fetcher, PDF-2 time and size limits).

PDFs are checked structurally with pypdf (text, metadata, catalogue), never byte-compared:
they carry timestamps and ids.
"""

import asyncio
import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
import pytest
from pypdf import PdfReader

from practice.platform import i18n
from reporting import documents, pdf_engine
from reporting.documents import (
    MAX_HTML_BYTES,
    RenderTimeout,
    render_html,
    render_pdf,
    render_pdf_async,
)
from reporting.pdf_engine import ASSETS_DIR, AssetFetcher, RefusedURL

TITLE = "Voortgangsrapportage A. Jansen"
AMS = ZoneInfo("Europe/Amsterdam")
# A 1x1 transparent PNG.
PNG_DATA_URL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


# Enough "../" to climb from the assets folder to / wherever the checkout lives (CI clones deeper).
UP_TO_ROOT = "../" * len(ASSETS_DIR.resolve().parts)


def _payloads(port: int) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">',
        f'<img src="http://127.0.0.1:{port}/y.png">',
        f'<img src="{UP_TO_ROOT}etc/hostname">',
    ]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _squashed(text: str) -> str:
    # pypdf breaks long lines where the layout did; compare without whitespace
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module", autouse=True)
def _render_pool() -> Iterator[None]:
    yield
    documents.shutdown_render_pool()


class _Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port: int = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, peer = self._server.accept()
            except TimeoutError:
                continue
            self.connections.append(peer)
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._server.close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    server = _Listener()
    yield server
    server.close()


def _svg_with_external_images(port: int) -> str:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<image href="file:///etc/group" width="5" height="5"/>'
        f'<image href="http://127.0.0.1:{port}/in-svg.png" width="5" height="5"/></svg>'
    )
    return "data:image/svg+xml," + quote(svg)


def _raw_payload_html(port: int) -> str:
    """Hostile HTML as it would arrive if someone bypassed the template (no escaping)."""
    extra = [
        f'<img src="{_svg_with_external_images(port)}">',
        f'<style>@import url("http://127.0.0.1:{port}/imported.css");</style>',
        '<div style="background: url(file:///etc/shadow)">bg</div>',
        '<img src="%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd">',
        '<object data="file:///etc/passwd" type="text/plain"></object>',
        f'<img src="https://127.0.0.1:{port}/z.png">',
    ]
    body = "\n".join([*_payloads(port), *extra])
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<link rel="stylesheet" href="print.css">'
        f"</head><body><p>Rapport</p>{body}"
        f'<img alt="pixel" src="{PNG_DATA_URL}"></body></html>'
    )


# ---------------------------------------------------------------- the document itself


def test_the_sample_renders_to_a_pdf_a3b_with_title_diacritics_and_footer() -> None:
    html = render_html(
        "pdf/sample.html", {"title": TITLE, "note": "Werkhervatting: 2 × 3 uur"}, tz=AMS
    )
    pdf = render_pdf(html, title=TITLE)

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert reader.metadata is not None
    assert reader.metadata.title == TITLE
    assert reader.metadata.author == "HSK @Work"
    text = reader.pages[0].extract_text()
    assert TITLE in text
    assert "Cliënt, één, ë" in text
    assert "Werkhervatting: 2 × 3 uur" in text
    assert "Pagina 1 van 1" in text

    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    intents = root["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part="3"', xmp), xmp
    assert re.search(r'pdfaid:conformance="B"', xmp), xmp
    assert TITLE in xmp  # dc:title agrees with /Title


def test_an_english_document_has_an_english_footer_and_language() -> None:
    html = render_html(
        "pdf/sample.html", {"title": "Progress report", "note": "-"}, tz=AMS, locale="en"
    )
    assert '<html lang="en">' in html
    assert i18n.current_locale.get() == "nl"  # the render's locale did not leak out
    pdf = render_pdf(html, title="Progress report")
    assert "Page 1 of 1" in _text(pdf)
    root: Any = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"


def test_render_html_is_strict() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_html("pdf/sample.html", {"title": TITLE}, tz=AMS)  # no note
    with pytest.raises(ValueError, match="locale"):
        render_html("pdf/sample.html", {"title": TITLE, "note": ""}, tz=AMS, locale="fr")


# ---------------------------------------------------------------- PDF-1: nothing is fetched


def test_markup_in_the_context_is_escaped_not_rendered() -> None:
    payload = "".join(_payloads(9))
    html = render_html("pdf/sample.html", {"title": TITLE, "note": payload}, tz=AMS)
    assert "<img" not in html
    assert html.count("<link") == 1  # base.html's own print.css, nothing the context adds
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html

    text = _text(render_pdf(html, title=TITLE))
    assert _squashed(payload) in _squashed(text)  # shown as text, literally
    assert "root:" not in text


def test_raw_hostile_html_fetches_nothing_from_the_network_or_the_disk(
    listener: _Listener,
) -> None:
    pdf = render_pdf(_raw_payload_html(listener.port), title=TITLE)

    time.sleep(0.2)  # a connection attempt, had there been one, has arrived by now
    assert listener.connections == []
    text = _text(pdf)
    assert "Rapport" in text
    assert "root:" not in text
    hostname = Path("/etc/hostname")
    if hostname.exists() and len(hostname.read_text().strip()) >= 6:
        assert hostname.read_text().strip() not in text


# WeasyPrint 70 opens its sRGB profile for PDF/A output and never closes it
# (pdf/__init__.py); harmless in a worker, but a ResourceWarning when rendering in-process.
@pytest.mark.filterwarnings("ignore:unclosed file.*sRGB2014.icc:ResourceWarning")
def test_the_fetcher_refuses_each_payload_and_allows_only_data_and_assets(
    listener: _Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed: list[str] = []
    refused: list[str] = []
    original = AssetFetcher.fetch

    def spy(self: AssetFetcher, url: str, headers: Any = None) -> Any:
        try:
            response = original(self, url, headers)
        except RefusedURL:
            refused.append(url)
            raise
        allowed.append(url)
        return response

    connects: list[object] = []

    def no_network(self: socket.socket, address: object) -> None:
        connects.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(AssetFetcher, "fetch", spy)
    monkeypatch.setattr(socket.socket, "connect", no_network)

    # The worker's own function, run in this process so the spy sees every fetch.
    pdf = pdf_engine.render(_raw_payload_html(listener.port), TITLE)

    assets = ASSETS_DIR.resolve().as_uri()
    svg = _svg_with_external_images(listener.port)
    assert sorted(allowed) == sorted([f"{assets}/print.css", PNG_DATA_URL, svg])
    port = listener.port
    for url in [
        "file:///etc/group",
        f"http://127.0.0.1:{port}/in-svg.png",
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/x.css",
        f"http://127.0.0.1:{port}/y.png",
        "file:///etc/hostname",
        f"http://127.0.0.1:{port}/imported.css",
        "file:///etc/shadow",
        f"https://127.0.0.1:{port}/z.png",
    ]:
        assert url in refused, (url, refused)
    assert connects == []
    assert listener.connections == []
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1  # the data: pixel


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://fileserver/share/x.css",
        f"{ASSETS_DIR.resolve().as_uri()}/../base.html",
        f"{ASSETS_DIR.resolve().as_uri()}/%2e%2e/%2e%2e/pyproject.toml",
        f"{ASSETS_DIR.resolve().as_uri()}/missing.css",
        f"{ASSETS_DIR.resolve().as_uri()}/",
        f"{ASSETS_DIR.resolve().as_uri()}/print.css%00.png",
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.css",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1:9/",
        "javascript:alert(1)",
        "../../../../etc/hostname",
        "print.css",
    ],
)
def test_the_fetcher_refuses(url: str) -> None:
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch(url)


def test_the_fetcher_resolves_symlinks_before_deciding(tmp_path: Path) -> None:
    root = tmp_path / "assets"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("root:x:0:0")
    (root / "innocent.css").symlink_to(tmp_path / "secret.txt")
    (root / "real.css").write_text("p { color: black }")

    fetcher = AssetFetcher(root)
    with pytest.raises(RefusedURL):
        fetcher.fetch((root / "innocent.css").as_uri())
    response = fetcher.fetch((root / "real.css").as_uri())
    assert response.content_type == "text/css"
    assert response.read() == b"p { color: black }"


def test_a_data_image_is_allowed() -> None:
    html = f'<html><body><p>Pixel</p><img src="{PNG_DATA_URL}"></body></html>'
    reader = PdfReader(io.BytesIO(render_pdf(html, title="Pixel")))
    assert len(reader.pages[0].images) == 1


def test_no_file_is_ever_attached() -> None:
    html = (
        '<html><head><link rel="attachment" href="data:text/plain,geheim1"></head><body>'
        '<a rel="attachment" href="data:text/plain,geheim2">bijlage</a></body></html>'
    )
    pdf = render_pdf(html, title="Bijlagen")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    root: Any = reader.trailer["/Root"]
    assert "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]
    assert all("/Annots" not in page for page in reader.pages)


# ---------------------------------------------------------------- PDF-2: limits


def _slow_html() -> str:
    """Just under the size limit: tens of seconds of layout, far beyond the test's limit."""
    paragraph = "<p>" + "Lorem ipsum dolor sit amet, één cliënt. " * 4 + "</p>\n"
    count = (MAX_HTML_BYTES - 1000) // len(paragraph.encode("utf-8"))
    return "<html><body>" + paragraph * count + "</body></html>"


@pytest.fixture
def killed_workers(monkeypatch: pytest.MonkeyPatch) -> list[BaseProcess]:
    """The worker processes of every pool the module discards."""
    killed: list[BaseProcess] = []
    original = documents._pool.discard

    def recording_discard(executor: Any) -> None:
        killed.extend((executor._processes or {}).values())
        original(executor)

    monkeypatch.setattr(documents._pool, "discard", recording_discard)
    return killed


def _assert_dead(processes: list[BaseProcess]) -> None:
    assert processes, "the timed-out pool had workers"
    for process in processes:
        process.join(timeout=5)
        assert not process.is_alive()


def test_a_render_over_its_time_limit_is_killed_and_the_next_one_works(
    killed_workers: list[BaseProcess],
) -> None:
    started = time.monotonic()
    with pytest.raises(RenderTimeout):
        render_pdf(_slow_html(), title="Te groot", timeout_s=0.5)
    assert time.monotonic() - started < 3
    _assert_dead(killed_workers)

    html = render_html("pdf/sample.html", {"title": TITLE, "note": "daarna"}, tz=AMS)
    assert "daarna" in _text(render_pdf(html, title=TITLE))


async def test_the_async_render_keeps_the_event_loop_free_and_times_out(
    killed_workers: list[BaseProcess],
) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    try:
        with pytest.raises(RenderTimeout):
            await render_pdf_async(_slow_html(), title="Te groot", timeout_s=0.5)
    finally:
        ticking.cancel()
    assert ticks >= 10  # the loop kept running while the worker laid out
    _assert_dead(killed_workers)

    html = render_html("pdf/sample.html", {"title": TITLE, "note": "async daarna"}, tz=AMS)
    assert "async daarna" in _text(await render_pdf_async(html, title=TITLE))


async def test_a_timeout_does_not_fail_the_render_running_next_to_it() -> None:
    paragraph = "<p>" + "Lorem ipsum dolor sit amet, één cliënt. " * 4 + "</p>\n"
    medium = "<html><body><p>Naast de trage</p>" + paragraph * 600 + "</body></html>"
    slow, neighbour = await asyncio.gather(
        render_pdf_async(_slow_html(), title="Te groot", timeout_s=0.5),
        render_pdf_async(medium, title="Buurman"),
        return_exceptions=True,
    )
    assert isinstance(slow, RenderTimeout)
    # killed along with the pool, or queued behind the slow one: retried on the new pool
    assert isinstance(neighbour, bytes), neighbour
    assert "Naast de trage" in _text(neighbour)


async def test_oversized_html_is_refused_before_rendering() -> None:
    too_long = "x" * (MAX_HTML_BYTES + 1)
    too_many_bytes = "é" * (MAX_HTML_BYTES // 2 + 1)  # fewer characters, more UTF-8 bytes
    for html in (too_long, too_many_bytes):
        with pytest.raises(ValueError, match="larger than"):
            render_pdf(html, title="x")
        with pytest.raises(ValueError, match="larger than"):
            await render_pdf_async(html, title="x")
