"""E-mail through a real SMTP server: exactly once, to the right person, nothing medical."""

import dataclasses
from datetime import date
from typing import Any

import pytest
import time_machine
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from practice import jobs as practice_jobs
from practice.composition import worker
from practice.platform import redis_conn
from practice.platform.settings import Settings
from practice.tables import OutboundMessage
from scheduling import jobs as scheduling_jobs
from tests.cast import Cast
from tests.mailbox import Mailbox
from tests.story import ok, refer, setup_parties
from tests.web import api
from tests.worker import burst_worker

MEDICAL_WORDS = (
    "depressie",
    "angst",
    "diagnos",
    "therap",
    "behandel",
    "klacht",
    "EMDR",
    "CBT",
    "screening",
    "psycholo",
)


def smtp(settings: Settings, box: Mailbox) -> Settings:
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=box.port)


async def send_all(settings: Settings) -> list[bool]:
    """Run the send job for every unsent message, the way the worker would."""
    rows = await OutboundMessage.select(OutboundMessage.id).where(OutboundMessage.sent_at.is_null())
    return [await practice_jobs.send_message({"settings": settings}, int(r["id"])) for r in rows]


def assert_nothing_medical(texts: list[str]) -> None:
    for text in texts:
        for word in MEDICAL_WORDS:
            assert word.lower() not in text.lower(), word


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_a_reminder_is_sent_once_even_when_the_sweep_and_the_job_run_twice(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-04-28T09:00:00+02:00"
    )
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "treatment_session", "starts_at": "2026-05-04T09:30:00+02:00"},
        ),
        201,
    )
    await send_all(mail)  # the booking confirmation
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0]["To"] == "anna.jansen@example.org"
    assert mailbox.messages[0].get_content_type() == "multipart/mixed"  # with the .ics

    first = await scheduling_jobs.due_reminders(date(2026, 5, 3), mail)
    second = await scheduling_jobs.due_reminders(date(2026, 5, 3), mail)
    assert len(first) == 1
    assert second == []
    message_id = first[0].args[0]
    assert await practice_jobs.send_message({"settings": mail}, message_id) is True
    assert await practice_jobs.send_message({"settings": mail}, message_id) is False
    reminders = [m for m in mailbox.messages if "Herinnering" in str(m["Subject"])]
    assert len(reminders) == 1
    assert "maandag 4 mei 2026, 09:30" in mailbox.texts()[-1]
    assert_nothing_medical(mailbox.texts())


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_a_practice_cancellation_tells_the_client(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-04-28T09:00:00+02:00"
    )
    created = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "treatment_session", "starts_at": "2026-05-06T14:00:00+02:00"},
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{created['id']}/attendance",
            {"attendance": "cancelled_by_practice", "reason": "behandelaar ziek"},
        )
    )
    await send_all(mail)
    subjects = [str(m["Subject"]) for m in mailbox.messages]
    assert any("geannuleerd" in s for s in subjects)
    cancellation = mailbox.texts()[subjects.index(next(s for s in subjects if "geannuleerd" in s))]
    assert "METHOD:CANCEL" in cancellation
    assert "woensdag 6 mei 2026, 14:00" in cancellation
    assert_nothing_medical(mailbox.texts())  # the reason "behandelaar ziek" stays inside


@pytest.mark.commits  # the worker runs jobs side by side: each needs its own connection
@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_a_lost_queue_is_refilled_and_the_worker_sends_each_message_once(
    client, cast: Cast, settings: Settings, mailbox: Mailbox, redis: Any
) -> None:
    mail = smtp(settings, mailbox)
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-04-28T09:00:00+02:00"
    )
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "treatment_session", "starts_at": "2026-05-04T09:30:00+02:00"},
        ),
        201,
    )
    pool = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
    try:
        ctx = {"settings": mail, "redis": pool}
        await worker.sweep_due_work(ctx)
        await pool.flushdb()  # Redis lost everything
        counts = await worker.sweep_due_work(ctx)
        assert counts["send_message"] == 2  # the flush lost both jobs; the sweep queues them again
        runner = burst_worker(mail, pool)
        await runner.main()
        await worker.sweep_due_work(ctx)
        await runner.main()
    finally:
        await pool.aclose(close_connection_pool=True)
    subjects = sorted(str(m["Subject"]) for m in mailbox.messages)
    assert len(subjects) == 2  # the confirmation and the reminder, each once
    assert await OutboundMessage.count().where(OutboundMessage.sent_at.is_null()) == 0
