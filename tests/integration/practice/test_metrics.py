"""The operator's metrics (issue 21): served at /metrics only with the token, in the
Prometheus exposition format, with every family an operator watches, and no label that holds
an id, a name or an e-mail address."""

import contextlib
import re
from dataclasses import replace

import httpx
from arq.connections import ArqRedis
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import ConnectionPool

from practice.composition import worker
from practice.composition.app import create_app
from practice.platform import redis_conn
from practice.platform.metrics import timed_job
from practice.platform.settings import Settings
from reporting.documents import render_pdf_async
from tests.cast import Cast
from tests.conftest import make_client
from tests.web import login

TOKEN = "a-scraper-token-that-nobody-guesses-0123"
FAMILIES = {
    "atwork_http_request_duration_seconds",
    "atwork_job_duration_seconds",
    "atwork_job_failures",  # the parser names a counter's family without "_total"
    "atwork_due_work",
    "atwork_queue_depth",
    "atwork_pdf_render_duration_seconds",
    "atwork_audit_chain_wait_seconds",
    "atwork_sweep_finder_duration_seconds",
}


async def test_without_a_token_configured_there_are_no_metrics(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/metrics")).status_code == 404


async def _a_failing_job(ctx: dict[str, object]) -> None:
    raise RuntimeError("a job that fails, for the failure counter")


async def test_a_scraper_with_the_token_reads_every_family_and_no_label_names_anyone(
    settings: Settings, cast: Cast, db: None
) -> None:
    app = create_app(replace(settings, metrics_token=TOKEN))
    try:
        async with make_client(app) as client:
            assert (await client.get("/metrics")).status_code == 401
            wrong = {"authorization": "Bearer " + "x" * len(TOKEN)}
            assert (await client.get("/metrics", headers=wrong)).status_code == 401

            # Requests with ids and a user's address in them, a sweep, a failing job, a PDF.
            await login(client, cast.therapist.email)
            assert (await client.get("/episodes/987654")).status_code == 404
            pool = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
            try:
                await worker.sweep_due_work({"settings": settings, "redis": pool})
            finally:
                await pool.aclose(close_connection_pool=True)
            with contextlib.suppress(RuntimeError):
                await timed_job(_a_failing_job)({})
            await render_pdf_async("<p>Een meting</p>", title="meting")

            scraped = await client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    finally:
        await app.state.redis.aclose(close_connection_pool=True)

    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    assert families.keys() >= FAMILIES
    values = {
        value
        for family in families.values()
        if family.name.startswith("atwork_")
        for sample in family.samples
        for label, value in sample.labels.items()
        if label != "le"
    }
    assert "/episodes/{episode_id}" in values  # the route's template, not its path
    assert "987654" not in scraped.text
    assert {"4xx", "GET", "sweep_due_work", "_a_failing_job", "due_reports"} <= values
    for value in values:
        assert "@" not in value, value  # no e-mail address
        assert not re.search(r"\d{3,}", value), value  # no id
        assert "Test " not in value, value  # no person's name (the cast's)
    failures = families["atwork_job_failures"].samples
    assert any(s.labels["job"] == "_a_failing_job" and s.value >= 1 for s in failures)
    due = {s.labels["kind"] for s in families["atwork_due_work"].samples}
    assert "deliver_report" in due
