"""What an operator watches, in the Prometheus exposition format (issue 21), with
``prometheus-client`` (the Prometheus project's own client library).

No label ever holds an id, a name or an e-mail address: a request is labelled by its route's
*template* (``/episodes/{episode_id}``), its method and its status class (``2xx``); a job
by its function's name; due work by the job kind. The families:

- ``atwork_http_request_duration_seconds`` (histogram: method, route, status);
- ``atwork_job_duration_seconds`` (histogram: job, outcome) and ``atwork_job_failures_total``;
- ``atwork_due_work`` (gauge: kind): what the last sweep found due, per job kind;
- ``atwork_queue_depth`` (gauge): the jobs waiting in the queue at the last sweep;
- ``atwork_pdf_render_duration_seconds`` (histogram): a document's PDF;
- ``atwork_audit_chain_wait_seconds`` (histogram): taking an audit hash chain's lock, once per
  audited transaction on PostgreSQL (a round trip when a chain is free, the wait when all are
  held).

Served by the web process at ``/metrics`` only with ``METRICS_TOKEN`` set (a bearer token),
and by the worker on its own loopback port with ``METRICS_PORT`` (see README, Operations).
Several processes behind one port share one view with prometheus-client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``).
"""

import functools
import os
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

P = ParamSpec("P")
R = TypeVar("R")

# A label for a request no route matched: its path is whatever the caller typed.
UNMATCHED = "unmatched"

REQUEST_SECONDS = Histogram(
    "atwork_http_request_duration_seconds",
    "Time from a request's arrival to its response, by route template and status class.",
    ("method", "route", "status"),
)
JOB_SECONDS = Histogram(
    "atwork_job_duration_seconds",
    "Time a background job ran, by job and outcome (ok or failed).",
    ("job", "outcome"),
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
JOB_FAILURES = Counter(
    "atwork_job_failures_total", "Background job runs that raised (the queue retries).", ("job",)
)
DUE_WORK = Gauge(
    "atwork_due_work",
    "What the last sweep found due, per job kind (the backlog the database holds).",
    ("kind",),
    multiprocess_mode="livemax",
)
QUEUE_DEPTH = Gauge(
    "atwork_queue_depth",
    "Jobs waiting in the queue at the last sweep.",
    multiprocess_mode="livemax",
)
SWEEP_FINDER_SECONDS = Histogram(
    "atwork_sweep_finder_duration_seconds",
    "Time each of the sweep's finders took to find its due work: the sweep runs them one "
    "after another under the worker's job timeout (30 s), so one slow finder starves the rest.",
    ("finder",),
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30),
)
RENDER_SECONDS = Histogram(
    "atwork_pdf_render_duration_seconds",
    "Time to render one document's PDF.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 30),
)
AUDIT_CHAIN_WAIT = Histogram(
    "atwork_audit_chain_wait_seconds",
    "Time to take a free audit hash chain's lock (or wait for one when all are taken) before "
    "a transaction's first audit row (PostgreSQL).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)


def status_class(status: int) -> str:
    """``404`` -> ``4xx``: the class is what an alert needs; the code would add nothing."""
    return f"{status // 100}xx"


def route_of(scope: dict[str, Any]) -> str:
    """The matched route's template, never the path itself (it holds ids)."""
    template = scope.get("path_template")
    return template if isinstance(template, str) and template else UNMATCHED


def exposition() -> tuple[bytes, str]:
    """The current metrics and their content type; in multiprocess mode, every process's."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def serve_on(port: int) -> None:
    """The worker's own exporter, on loopback only: a scraper on the same host reads it."""
    start_http_server(port, addr="127.0.0.1")


def timed_job(job: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """The job, timed and its failures counted under its function's name."""
    name = getattr(job, "__name__", "job")

    @functools.wraps(job)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            result = await job(*args, **kwargs)
        except BaseException:
            JOB_FAILURES.labels(name).inc()
            JOB_SECONDS.labels(name, "failed").observe(time.perf_counter() - started)
            raise
        JOB_SECONDS.labels(name, "ok").observe(time.perf_counter() - started)
        return result

    return run


ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


def request_metrics(app: ASGIApp) -> ASGIApp:
    """Middleware: each HTTP request's duration by method, route template and status class.
    Litestar puts an exception handler between the route and this middleware, so the status
    seen here is the one the client gets."""

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sent(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await app(scope, receive, sent)
        finally:
            REQUEST_SECONDS.labels(
                scope.get("method", ""), route_of(scope), status_class(status)
            ).observe(time.perf_counter() - started)

    return middleware
