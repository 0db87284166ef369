"""The one render path for documents: Jinja template -> HTML -> PDF/A-3b.

Why it is built this way (targets PDF-1 and PDF-2):

- Every document goes through the one Jinja environment (``practice.platform.templating``), so text
  typed by therapists or clients is escaped the same way in every document.
- WeasyPrint fetches resources only through a deny-by-default fetcher
  (``reporting.pdf_engine``, the one module that imports WeasyPrint).
- Rendering is CPU-bound, holds the GIL, and WeasyPrint keeps memory after big renders
  (issues #220, #611); a hostile document can lay out for minutes. So it runs in worker
  processes that are replaced after a number of renders and killed on timeout.
"""

import asyncio
import base64
import functools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from practice.platform import i18n, lifeline, metrics, templating
from practice.platform.settings import Settings

MAX_HTML_BYTES = 2 * 1024 * 1024  # a report is tens of kB; more is a bug or an attack
MAX_TASKS_PER_CHILD = 25  # bounds the memory a worker can keep (#220, #611)
MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))  # CPU-bound: about one per core
# Render processes run at a lower CPU priority than the web process and the database (P-6):
# on a 2-core machine a busy pool would otherwise take the cores from the pages people wait
# on. A render is a background job; it may wait, a page may not. 10 of Linux's 0..19.
RENDER_NICENESS = 10


class RenderError(RuntimeError):
    """The PDF could not be rendered (a worker died, twice)."""


class RenderTimeout(RenderError):
    """The render took longer than its time limit; its worker was killed."""


# ---------------------------------------------------------------- HTML


@dataclass(frozen=True)
class Letterhead:
    """The practice as a document names it (settings PRACTICE_*): the logo as a data: URL,
    so the PDF's fetcher and the preview page (CSP ``img-src data:``) both show it."""

    name: str
    address: tuple[str, ...]
    agb_code: str
    logo: str


def letterhead(settings: Settings) -> Letterhead:
    return Letterhead(
        name=settings.practice_name,
        address=settings.practice_address,
        agb_code=settings.practice_agb_code,
        logo=_logo_data_url(settings.practice_logo),
    )


@functools.cache
def _logo_data_url(path: Path) -> str:
    media_type = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    try:
        content = path.read_bytes()
    except OSError:  # the file went after start-up: the letterhead shows the name alone
        return ""
    return f"data:{media_type};base64," + base64.b64encode(content).decode("ascii")


@functools.cache
def _environment(tz: ZoneInfo) -> jinja2.Environment:
    # Built once per process (and zone): Jinja caches compiled templates on the environment.
    return templating.make_environment(tz)


def render_html(
    template_name: str, context: Mapping[str, Any], *, tz: ZoneInfo, locale: str = "nl"
) -> str:
    """Render a document template (``pdf/...``) in ``locale`` (``nl`` or ``en``), its times
    shown in ``tz`` (the practice's TIME_ZONE)."""
    if locale not in i18n.LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; expected one of {i18n.LOCALES}")
    # The catalogue, dates and <html lang> follow the document's reader, not the request.
    token = i18n.current_locale.set(locale)
    try:
        return _environment(tz).get_template(template_name).render(context)
    finally:
        i18n.current_locale.reset(token)


def _start_render_process() -> None:
    """Pool-process initializer: die with the process that owns the pool, and yield the
    CPU to the web process (``RENDER_NICENESS``).

    Without the first, a SIGKILL of the web or worker process leaves its render processes
    (and so its forkserver, see ``practice.platform.lifeline``) behind for ever, blocked on their
    task queue (OPS-1). SIGKILL: a render process holds nothing that needs a clean stop.
    """
    lifeline.die_with_owner(signal.SIGKILL)
    os.nice(RENDER_NICENESS)


def _render_in_worker(html: str, title: str) -> bytes:
    """Runs in a pool worker. The engine is imported here, not at the top: the web process
    only submits renders, and WeasyPrint would cost it some 40 MB it never uses (P-8)."""
    from reporting.pdf_engine import render

    return render(html, title)


def _check_size(html: str) -> None:
    if len(html) > MAX_HTML_BYTES or len(html.encode("utf-8")) > MAX_HTML_BYTES:
        raise ValueError(f"document HTML is larger than {MAX_HTML_BYTES} bytes")


# ---------------------------------------------------------------- the pool (PDF-2)


class _Pool:
    """The process pool, replaced whole when a render times out or a worker dies.

    A stuck worker cannot be interrupted, only killed, and killing a worker breaks its
    ``ProcessPoolExecutor``; so the executor is dropped and a fresh one starts on the next
    render. Workers come from a ``forkserver`` that has imported WeasyPrint once: cheap to
    start, and no fork of a process that runs threads (the web server, the event loop).
    As with any spawn/forkserver pool, workers re-import the ``__main__`` script, so a
    script that renders must guard its entry point (uvicorn, arq, pytest, ``practice`` do).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["reporting.pdf_engine"])
                self._executor = ProcessPoolExecutor(
                    max_workers=MAX_WORKERS,
                    mp_context=context,
                    max_tasks_per_child=MAX_TASKS_PER_CHILD,
                    initializer=_start_render_process,
                )
            return self._executor

    def discard(self, executor: ProcessPoolExecutor) -> None:
        """Kill ``executor``'s workers; renders still running on it fail and are retried."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        # Python 3.11 has no public way to kill workers (3.14 adds kill_workers()). Queued
        # renders are not cancelled: the dead worker breaks the pool, which fails them with
        # BrokenProcessPool, and that is what the retry below recognises.
        for process in list((executor._processes or {}).values()):
            process.kill()
        executor.shutdown(wait=False)

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            self.discard(executor)


_pool = _Pool()


def shutdown_render_pool() -> None:
    """Stop the workers (application shutdown, tests). The next render starts a new pool."""
    _pool.shutdown()


def _submit(executor: ProcessPoolExecutor, html: str, title: str) -> Future[bytes]:
    try:
        return executor.submit(_render_in_worker, html, title)
    except RuntimeError as error:  # another thread's timeout shut this executor down
        raise BrokenProcessPool("the render pool was replaced") from error


def _attempt(html: str, title: str, deadline: float) -> bytes:
    executor = _pool.get()
    try:
        future = _submit(executor, html, title)
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        _pool.discard(executor)
        raise RenderTimeout("PDF render exceeded its time limit") from None
    except BrokenProcessPool:
        _pool.discard(executor)
        raise


async def _attempt_async(html: str, title: str, deadline: float) -> bytes:
    executor = _pool.get()

    async def submit_and_wait() -> bytes:
        # submit() itself can block: it forks a worker, and the very first one waits for
        # the forkserver to import WeasyPrint (about a second). Keep that off the loop too.
        future = await asyncio.to_thread(_submit, executor, html, title)
        return await asyncio.wrap_future(future)

    try:
        return await asyncio.wait_for(submit_and_wait(), max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        _pool.discard(executor)
        raise RenderTimeout("PDF render exceeded its time limit") from None
    except BrokenProcessPool:
        _pool.discard(executor)
        raise


# A pool breaks when a worker dies: another render's timeout killed it, or WeasyPrint
# crashed. The first is not this document's fault, so it gets one more try on a fresh pool,
# within the same deadline; a second death is reported as RenderError.
_WORKER_DIED = "the PDF worker died while rendering this document"


def render_pdf(html: str, *, title: str, timeout_s: float = 30.0) -> bytes:
    """Render ``html`` to PDF/A-3b in a worker process; blocks the calling thread.

    For synchronous callers (CLI, scripts). On an event loop use ``render_pdf_async``.
    Raises ``ValueError`` for oversized HTML, ``RenderTimeout`` after ``timeout_s`` (the
    worker is killed) and ``RenderError`` if workers keep dying.
    """
    _check_size(html)
    deadline = time.monotonic() + timeout_s
    try:
        return _attempt(html, title, deadline)
    except BrokenProcessPool:
        pass
    try:
        return _attempt(html, title, deadline)
    except BrokenProcessPool as error:
        raise RenderError(_WORKER_DIED) from error


async def render_pdf_async(html: str, *, title: str, timeout_s: float = 30.0) -> bytes:
    """Like ``render_pdf``, but awaits the worker so the event loop keeps serving."""
    _check_size(html)
    deadline = time.monotonic() + timeout_s
    with metrics.RENDER_SECONDS.time():
        try:
            return await _attempt_async(html, title, deadline)
        except BrokenProcessPool:
            pass
        try:
            return await _attempt_async(html, title, deadline)
        except BrokenProcessPool as error:
            raise RenderError(_WORKER_DIED) from error
