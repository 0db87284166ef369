"""The escalation digest (issue 19): one e-mail a day per person through a real SMTP server,
the therapist a working day before a screening or treatment-start deadline and when it
lapses, the practice manager when it lapses; the monitor and the start page show the same.

The referral of ``tests.story`` arrives on Monday 20 April 2026: its Screening is due on
Thursday 30 April (10 calendar days), so Wednesday 29 April is the day before and Friday
1 May the day it lapsed.
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from practice import jobs as practice_jobs
from practice.accounts import Role
from practice.composition import wiring, worker
from practice.composition.demo import load_demo
from practice.composition.demo.plan import THERAPISTS
from practice.deadlines import DEFAULT_WORKING_DAYS
from practice.disclosure import Addressee, Sender
from practice.platform import outbox, redis_conn
from practice.platform.settings import Settings
from practice.services import disclosure, erasure
from practice.services.escalation import OBJECT_TYPE, digest_key
from practice.tables import AuditEvent, OutboundMessage, TreatmentEpisode
from tests.cast import Cast, make_user
from tests.mailbox import Mailbox
from tests.story import ok, refer, setup_parties
from tests.web import api, login
from tests.worker import burst_worker

DAY_BEFORE, LAPSED_DAY, NEXT_WORKING_DAY = date(2026, 4, 29), date(2026, 5, 1), date(2026, 5, 4)
# What a digest may never hold: the client's name, and what the referral says of the case.
NEVER_IN_A_DIGEST = ("Anna", "Jansen", "anna.jansen", "depressi", "angst", "diagnos", "klacht")


def smtp(settings: Settings, box: Mailbox) -> Settings:
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=box.port)


async def send_all(settings: Settings) -> None:
    for job in await outbox.due_messages():
        await practice_jobs.send_message({"settings": settings}, *job.args)


def digest_texts(box: Mailbox) -> dict[str, str]:
    """The digests received, by addressee."""
    return {
        str(message["To"]): text
        for message, text in zip(box.messages, box.texts(), strict=True)
        if str(message["Subject"]).startswith(("Termijnen", "Deadlines"))
    }


@time_machine.travel("2026-04-29 08:00 +0200", tick=False)
async def test_the_therapist_alone_hears_of_a_screening_due_on_the_next_working_day(
    client: Any, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    episode_id = await refer(client, cast, await setup_parties(client, cast))

    jobs = await practice_jobs.due_escalation_digests(DAY_BEFORE, mail)
    await send_all(mail)

    texts = digest_texts(mailbox)
    assert len(jobs) == 1 and list(texts) == [cast.therapist.email]
    text = texts[cast.therapist.email]
    assert "Morgen" not in text  # the stage is named by working day, not by "tomorrow"
    assert "Verloopt op de volgende werkdag:" in text
    assert f"A.J. (traject {episode_id}): Screening, uiterlijk 30 april 2026" in text
    assert mail.link(f"/episodes/{episode_id}") in text
    for word in NEVER_IN_A_DIGEST:
        assert word.lower() not in text.lower(), word


@time_machine.travel("2026-05-01 08:00 +0200", tick=False)
async def test_a_lapsed_screening_reaches_the_therapist_and_each_manager_in_their_language(
    client: Any, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    english = await make_user(Role.PRACTICE_MANAGER, "manager.en@cast.test", locale="en")
    episode_id = await refer(client, cast, await setup_parties(client, cast))

    await practice_jobs.due_escalation_digests(LAPSED_DAY, mail)
    await send_all(mail)

    texts = digest_texts(mailbox)
    assert set(texts) == {cast.therapist.email, cast.practice_manager.email, english.email}
    dutch = texts[cast.practice_manager.email]
    assert "Verlopen:" in dutch
    assert f"A.J. (traject {episode_id}): Screening, uiterlijk 30 april 2026" in dutch
    assert "behandelaar: Test therapist" in dutch
    assert mail.link("/monitor") in dutch
    assert mail.link(f"/episodes/{episode_id}") not in dutch  # the manager has the monitor
    assert f"A.J. (episode {episode_id}): Screening, due April 30, 2026" in texts[english.email]
    for text in texts.values():
        for word in NEVER_IN_A_DIGEST:
            assert word.lower() not in text.lower(), word
    # The audit names the client of every digest that named them, as sent by the worker.
    audited = await AuditEvent.count().where(
        (AuditEvent.object_type == OBJECT_TYPE) & (AuditEvent.action == "send")
    )
    assert audited == 3


@time_machine.travel("2026-05-01 08:00 +0200", tick=False)
async def test_an_overridden_deadline_is_not_escalated(
    client: Any, cast: Cast, settings: Settings
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/task-overrides",
            {"task_key": "screening", "reason": "De cliënt is op vakantie tot 6 mei."},
        )
    )
    assert await practice_jobs.due_escalation_digests(LAPSED_DAY, settings) == []
    # The monitor still lists it, late, with the warning silenced (never "-1 days left").
    await login(client, cast.practice_manager.email)
    monitor = (await client.get("/monitor")).text
    assert 'dag te laat; <span data-testid="silenced">de behandelaar zette de' in monitor
    assert "nog -" not in monitor
    assert f'href="/statistics/episodes/{episode_id}"' in monitor  # the manager's overview
    # Narrowed to the late ones: a silenced warning is no longer overdue, so it is not there.
    late = (await client.get("/monitor", params={"overdue": "true"})).text
    assert 'data-testid="silenced"' not in late
    other = (await client.get("/monitor", params={"therapist": "Nobody by this name"})).text
    assert 'data-testid="silenced"' in other  # an unknown name narrows nothing


@time_machine.travel("2026-05-01 08:00 +0200", tick=False)
async def test_the_monitor_and_the_start_page_show_what_the_digests_say(
    client: Any, cast: Cast, settings: Settings
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))

    today = await client.get("/today")
    assert today.status_code == 200
    assert 'data-testid="escalation"' in today.text and "Verlopen" in today.text

    await login(client, cast.practice_manager.email)
    monitor = await client.get("/monitor")
    assert monitor.status_code == 200
    assert f'data-testid="escalation" data-episode="{episode_id}"' in monitor.text
    rows = await ok(await client.get("/api/monitor"))
    assert [(r["kind"], r["escalation"]) for r in rows if r["escalation"]] == [
        ("screening", "lapsed")
    ]


@pytest.mark.commits  # the worker runs jobs side by side: each needs its own connection
@time_machine.travel("2026-05-01 08:00 +0200", tick=False)
async def test_the_digest_is_sent_once_a_day_however_often_the_sweep_runs(
    client: Any, cast: Cast, settings: Settings, mailbox: Mailbox, redis: Any
) -> None:
    mail = smtp(settings, mailbox)
    await refer(client, cast, await setup_parties(client, cast))
    pool = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
    runner = burst_worker(mail, pool)
    try:
        ctx = {"settings": mail, "redis": pool}
        for _ in range(3):
            await worker.sweep_due_work(ctx)
        await pool.flushdb()  # Redis lost the send jobs: the database still knows
        await worker.sweep_due_work(ctx)
        await runner.main()
        await worker.sweep_due_work(ctx)
        await runner.main()
    finally:
        await pool.aclose(close_connection_pool=True)

    texts = digest_texts(mailbox)
    assert len(texts) == 2 == len(mailbox.messages)
    assert set(texts) == {cast.therapist.email, cast.practice_manager.email}
    stored = await OutboundMessage.select(OutboundMessage.key, OutboundMessage.sent_at).where(
        OutboundMessage.sender == Sender.ESCALATION_DIGEST.value
    )
    assert sorted(r["key"] for r in stored) == sorted(
        digest_key(LAPSED_DAY, member.id) for member in (cast.therapist, cast.practice_manager)
    )
    assert all(r["sent_at"] is not None for r in stored)


@time_machine.travel("2026-05-04 08:00 +0200", tick=False)
async def test_a_deadline_lapsed_last_week_is_not_told_again_on_the_next_working_day(
    client: Any, cast: Cast, settings: Settings
) -> None:
    await refer(client, cast, await setup_parties(client, cast))
    assert await practice_jobs.due_escalation_digests(NEXT_WORKING_DAY, settings) == []


async def test_the_demo_escalates_one_start_to_its_therapist_and_a_lapsed_one_to_the_manager(
    db, settings: Settings
) -> None:
    wiring.connect()  # the worker's start-up: fact sources and labels
    tz = settings.time_zone
    wednesday = _a_recent_wednesday()
    await load_demo(today=wednesday, tz=tz)
    await practice_jobs.due_escalation_digests(wednesday, settings)
    digests = {
        str(r["to_address"]): str(r["body_text"])
        for r in await OutboundMessage.select(
            OutboundMessage.to_address, OutboundMessage.body_text
        ).where(OutboundMessage.sender == "escalation_digest")
    }
    therapist = digests[THERAPISTS[0].email]
    assert "M.M." in therapist and "N.V." in therapist  # Mees Morgen, Noor Verlopen
    manager = digests["praktijkmanager@demo.atwork.nl"]
    assert "N.V." in manager and "M.M." not in manager


def _a_recent_wednesday() -> date:
    """A past Wednesday that is a working day (no digest goes out on a holiday)."""
    today = datetime.now(UTC).date()
    day = today - timedelta(days=(today.weekday() - 2) % 7 or 7)
    while not DEFAULT_WORKING_DAYS.is_working_day(day):
        day -= timedelta(days=7)
    return day


async def test_only_a_sender_needing_no_consent_is_cleared_for_a_message_about_several_clients(
    db: None, cast: Cast
) -> None:
    now = datetime.now(UTC)
    staff = await disclosure.clear(
        Sender.ESCALATION_DIGEST, None, Addressee.account(cast.practice_manager.id), now
    )
    assert isinstance(staff, disclosure.Clearance) and staff.client_id is None
    doctor = await disclosure.clear(
        Sender.HANDOVER_NOTICE, None, Addressee.account(cast.company_doctor.id), now
    )
    assert isinstance(doctor, disclosure.Refusal)
    assert "the one client it is about" in doctor.reason


@time_machine.travel("2026-05-01 08:00 +0200", tick=False)
async def test_an_erased_clients_items_leave_every_stored_digest_and_the_other_clients_stay(
    client: Any, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    parties = await setup_parties(client, cast)
    erased_episode = await refer(client, cast, parties)
    kept_episode = await refer(client, cast, parties)
    await practice_jobs.due_escalation_digests(LAPSED_DAY, mail)
    await send_all(mail)
    sent = digest_texts(mailbox)
    assert all(f"(traject {erased_episode})" in text for text in sent.values())
    erased_client = await TreatmentEpisode.select(TreatmentEpisode.client).where(
        TreatmentEpisode.id == erased_episode
    )

    await erasure.erase_on_request(
        int(erased_client[0]["client"]),
        request_ref="AVG-2026-019",
        by_email=cast.practice_manager.email,
        requested_on=LAPSED_DAY,
    )

    stored = [
        str(r["body_text"])
        for r in await OutboundMessage.select(OutboundMessage.body_text).where(
            OutboundMessage.key.like(digest_key(LAPSED_DAY, "%"))
        )
    ]
    assert len(stored) == len(sent) == 2  # the therapist's and the practice manager's
    for body in stored:
        assert f"(traject {erased_episode})" not in body
        assert mail.link(f"/episodes/{erased_episode}") not in body
        assert f"A.J. (traject {kept_episode}): Screening, uiterlijk 30 april 2026" in body
