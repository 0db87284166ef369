"""Crash safety: worker processes killed with SIGKILL at random moments — while starting,
rendering PDFs or sending — still leave every approved report sent exactly once."""

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import pytest

from practice.tables import OutboundMessage
from reporting.tables import Delivery, Document, Report
from tests.cast import make_cast
from tests.conftest import make_client
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.mailbox import Mailbox
from tests.story import ok
from tests.web import api

KILLS = int(os.environ.get("CRASH_KILLS", "20"))
DEADLINE_SECONDS = int(os.environ.get("CRASH_DEADLINE", "120"))


def start_worker(data_dir: Path, smtp_port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PRACTICE_DATA_DIR": str(data_dir),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "LOG_LEVEL": "INFO",
    }
    env.pop("PRACTICE_EMBEDDED_WORKER", None)
    return subprocess.Popen(
        [sys.executable, "-c", "from practice.composition.cli import main; main()", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,  # its own process group: the kill takes the renderers too
    )


def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


async def _wait_until_all_sent(worker: subprocess.Popen[bytes], log_path: Path) -> None:
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not await all_sent():
            assert time.monotonic() < deadline, "not all sent; see the worker log in the data dir"
            await asyncio.sleep(1)
    finally:
        kill(worker, signal.SIGTERM)


async def all_sent() -> bool:
    unsent_reports = await Report.count().where(
        (Report.kind == "interim_report") & (Report.status != "sent")
    )
    unsent_messages = await OutboundMessage.count().where(OutboundMessage.sent_at.is_null())
    return bool(unsent_reports == 0 and unsent_messages == 0)


@pytest.mark.commits
async def test_killed_workers_deliver_every_report_exactly_once(
    app, db, redis, tmp_data_dir: Path, mailbox: Mailbox
) -> None:
    cast = await make_cast()
    async with make_client(app) as client:
        await episode_with_ten_held_sessions(client, cast)
        from reporting.services import reports as services

        await services.draft_due_reports(datetime.now(UTC).date(), ZoneInfo("Europe/Amsterdam"))
        for report in await Report.select(Report.id).where(Report.kind == "interim_report"):
            await ok(await api(client, "POST", f"/api/reports/{report['id']}/approval"))
    assert await Report.count().where(Report.status == "approved") == 2

    rng = random.Random(20261123)
    log_path = tmp_data_dir / "worker.log"
    with log_path.open("ab") as log:
        for _ in range(KILLS):
            worker = start_worker(tmp_data_dir, mailbox.port, log)
            await asyncio.sleep(rng.uniform(0.3, 2.0))
            kill(worker)
        worker = start_worker(tmp_data_dir, mailbox.port, log)
        await _wait_until_all_sent(worker, log_path)

    sent = await Report.select(Report.id).where(Report.kind == "interim_report")
    for report in sent:
        assert await Document.count().where(Document.report == report["id"]) == 1
    assert await Delivery.count() == 2
    notifications = await OutboundMessage.select(OutboundMessage.key).where(
        OutboundMessage.key.like("document-notification:%")
    )
    assert len(notifications) == 2
    received = [m for m in mailbox.messages if "Nieuw document" in str(m["Subject"])]
    assert len(received) >= 2  # SMTP is at-least-once: a kill after sending may repeat one
