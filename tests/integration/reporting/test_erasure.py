"""Erasure (WGBO 7:455) and retention (7:454): a client's record destroyed on request or 20
years after its last change leaves no marker in the database, the documents or Redis; only
the erasure record and the audit trail remain (DATA-3, DATA-4)."""

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any, cast

import httpx
import pytest
import pytest_asyncio
import time_machine
from arq.connections import ArqRedis
from pypdf import PdfReader
from redis.asyncio import ConnectionPool, Redis

from practice import client_data
from practice import jobs as practice_jobs
from practice.audit.verify import verify_chain
from practice.composition import wiring as composition
from practice.errors import InvalidInput, NotFound
from practice.platform import redis_conn
from practice.platform.outbox import send_job
from practice.platform.queue import ArqQueue
from practice.platform.settings import Settings
from practice.services import erasure
from practice.tables import ALL as PRACTICE_TABLES
from practice.tables import (
    Client,
    CompanyDoctor,
    Employer,
    EmployerContact,
    ErasureRecord,
    OutboundMessage,
    Referral,
    TreatmentEpisode,
)
from reporting import jobs as reporting_jobs
from reporting.client_export import export_client
from reporting.services.questionnaires import record_questionnaire
from reporting.services.reports import deliver_job
from reporting.tables import ALL as REPORTING_TABLES
from reporting.tables import Document, Report
from scheduling import jobs as scheduling_jobs
from scheduling.services import requests as request_services
from scheduling.tables import ALL as SCHEDULING_TABLES
from scheduling.tables import Appointment, AppointmentRequest
from tests.cast import Cast
from tests.integration.reporting.test_privacy_canary import (
    MARKERS,
    approve_and_deliver,
    seed_medical_markers,
)
from tests.story import ok, refer
from tests.web import api, assert_audited, login

MARKER = "Qx7ErasureMarker"
# The privacy canary's medical markers too; the therapist's qualifications are not the
# client's and stay.
NEEDLES = (MARKER, *(value for key, value in MARKERS.items() if key != "qualifications"))
TODAY = date(2026, 6, 15)
EVERY_TABLE = [*PRACTICE_TABLES, *SCHEDULING_TABLES, *REPORTING_TABLES]
# Not about one client: parties, staff, the calendar, and what is kept on purpose.
NOT_CLIENT_DATA = {
    "app_user",
    "totp_recovery_code",
    "employer",
    "department",
    "employer_contact",
    "company_doctor",
    "therapist",
    "therapist_affiliation",
    "location",
    "room",
    "working_hours",
    "therapist_absence",
    "closing_day",
    "calendar_feed",
    "audit_event",  # the legal access log: identifiers and categories only
    # Episode ids whose statistics facts are to be settled again: a number, nothing more.
    "statistics_pending",
    # The kept cells: each figure added up over a month's episodes by offer and diagnosis,
    # no client named. An erased episode takes its month's cells with it (a trigger); the
    # next settling counts the month again without it, and drops where the episode was
    # counted (its number, its client's and employments' numbers).
    "statistics_cell",
    "statistics_month",
    "statistics_cell_episode",
    "erasure_record",  # the minimal proof of each erasure
    "employer_statistics",  # an employer's monthly figures: aggregates, no client named
    # The employer's invoices are kept for the tax years (art. 52 AWR, seven years; AVG art.
    # 17 lid 3 sub b): a line names the client by initials and the employer's own reference
    # only, and holds the episode as a plain number, which erasure leaves without a record.
    "billing_terms",
    "invoice_number",
    "invoice",
    "invoice_line",
    "invoice_payment",
}


@pytest_asyncio.fixture
async def pool(settings: Settings, redis: Redis) -> AsyncIterator[ArqRedis]:
    connection = ArqRedis(connection_pool=ConnectionPool.from_url(redis_conn.redis_url(settings)))
    yield connection
    await connection.aclose(close_connection_pool=True)


def _text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        content = bytes(value)
        if content.startswith(b"%PDF"):  # compressed: read it as a person would
            return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        return content.decode("latin-1")
    return str(value)


async def tables_with(*needles: str) -> dict[str, int]:
    """Every text of every row of every table: how many rows per table hold a needle."""
    hits: dict[str, int] = {}
    for table in EVERY_TABLE:
        for row in await table.select(exclude_secrets=False):
            texts = [_text(value) for value in row.values()]
            if any(needle in text for needle in needles for text in texts):
                name = table._meta.tablename
                hits[name] = hits.get(name, 0) + 1
    return hits


async def redis_with(redis: Redis, *needles: str) -> list[str]:
    """Every Redis key whose name or value holds one of the needles."""
    readers: dict[str, Callable[[str], Any]] = {
        "string": lambda key: redis.get(key),
        "zset": lambda key: redis.zrange(key, 0, -1),
        "hash": lambda key: redis.hgetall(key),
        "list": lambda key: redis.lrange(key, 0, -1),
        "set": lambda key: redis.smembers(key),
    }
    found: list[str] = []
    async for raw_key in redis.scan_iter():
        key = raw_key.decode()
        kind = (await redis.type(key)).decode()
        value = await cast(Awaitable[Any], readers[kind](key))
        if any(needle in key + repr(value) for needle in needles):
            found.append(key)
    return found


async def client_with_markers(client: httpx.AsyncClient, cast: Cast, settings: Settings) -> int:
    """A client through the whole flow, with the marker in every free-text field we reach:
    name and e-mail (so in the PDFs, employer updates and e-mails too), clinical notes,
    agreements, minutes, reports, a reminder and a questionnaire."""
    episode_id = await seed_medical_markers(client, cast)
    path = f"/api/episodes/{episode_id}"
    episode = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    assert episode is not None
    client_id = int(episode["client"])
    await Client.update(
        {
            Client.name: f"Anna {MARKER}",
            Client.email: f"{MARKER.lower()}@example.org",
            Client.phone: f"06-{MARKER}",
        }
    ).where(Client.id == client_id)
    await Referral.update({Referral.referrer_name: f"Dr. {MARKER}"}).where(
        Referral.client == client_id
    )
    await Appointment.update({Appointment.notes: f"session notes {MARKER}"}).where(
        Appointment.episode == episode_id
    )
    agreement = {"agreed_on": "2026-06-01", "description": f"deal {MARKER}", "hours_per_week": "12"}
    await ok(await api(client, "POST", f"{path}/agreements", agreement), 201)
    await ok(
        await api(
            client,
            "POST",
            f"{path}/task-overrides",
            {"task_key": "company_doctor_briefing", "reason": f"override {MARKER}"},
        )
    )
    await record_questionnaire(
        _system(),
        episode_id=episode_id,
        instrument="PHQ-9",
        moment="interim",
        administered_on=TODAY,
        answers={f"phq9_{n}": 1 for n in range(1, 10)},
    )
    await approve_and_deliver(client, settings)
    await reporting_jobs.due_employer_updates(TODAY, settings)
    booked = await ok(
        await api(
            client,
            "POST",
            f"{path}/appointments",
            {"kind": "treatment_session", "starts_at": "2026-06-16T09:00:00+02:00"},
        ),
        201,
    )
    await scheduling_jobs.due_reminders(TODAY, settings)
    # The client asked to move it, and the therapist kept it: the answer's e-mail too.
    await AppointmentRequest.insert(
        AppointmentRequest(appointment=booked["id"], kind="move", message=f"asked {MARKER}")
    )
    await request_services.keep(
        _system(), appointment_id=booked["id"], reply=f"kept {MARKER}", settings=settings
    )
    return client_id


def _system() -> Any:
    from practice.audit.trail import Actor, Channel

    return Actor.system(Channel.CLI)


async def another_client(client: httpx.AsyncClient, cast: Cast) -> int:
    """A second client of the same employer and doctor, with an appointment."""
    employer = await Employer.select(Employer.id).first()
    doctor = await CompanyDoctor.select(CompanyDoctor.id).first()
    contact = await EmployerContact.select(EmployerContact.id).first()
    assert employer and doctor and contact
    parties = {"employer": employer["id"], "doctor": doctor["id"], "contact": contact["id"]}
    episode_id = await refer(client, cast, parties)
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "screening", "starts_at": "2026-06-17T10:00:00+02:00"},
        ),
        201,
    )
    episode = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    assert episode is not None
    return int(episode["client"])


async def held_rows(client_id: int) -> dict[str, list[int]]:
    found = await client_data.load_client_rows(client_id, full=False)
    return {table._meta.tablename: ids for table in found.rows if (ids := found.ids(table))}


def test_every_table_that_references_client_data_is_in_the_registry() -> None:
    composition.connect()
    registered = set(client_data.tables())
    names = {table._meta.tablename for table in registered}
    for table in EVERY_TABLE:
        name = table._meta.tablename
        references = {
            column._foreign_key_meta.resolved_references
            for column in table._meta.foreign_key_columns
        }
        if references & registered:
            assert table in registered, f"{name} references client data but is not registered"
        assert name in names or name in NOT_CLIENT_DATA, f"{name}: client data or not?"
    assert not names & NOT_CLIENT_DATA


def test_the_registry_lists_each_table_after_the_tables_it_references() -> None:
    composition.connect()
    order = client_data.tables()
    for position, table in enumerate(order):
        for column in table._meta.foreign_key_columns:
            parent = column._foreign_key_meta.resolved_references
            if parent in order and parent is not table:
                assert order.index(parent) < position, f"{table.__name__} before its {parent}"


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_an_erased_client_leaves_no_marker_in_the_database_documents_or_redis(
    client, cast: Cast, settings: Settings, pool: ArqRedis
) -> None:
    erased = await client_with_markers(client, cast, settings)
    their_messages = [r["id"] for r in await OutboundMessage.select(OutboundMessage.id)]
    their_documents = await Document.count()
    other = await another_client(client, cast)
    other_before = await held_rows(other)
    before = await tables_with(*NEEDLES)
    assert {
        "client",
        "referral",
        "screening",
        "advice",
        "work_goal",
        "relapse_prevention_plan",
        "work_resumption_agreement",
        "task_override",
        "appointment",
        "meeting_minutes",
        "report",
        "document",
        "employer_update",
        "outbound_message",
    } <= before.keys(), before
    assert their_messages and their_documents
    queue = ArqQueue(pool)
    reports = [r["id"] for r in await Report.select(Report.id)]
    appointments = await Appointment.select(Appointment.id).where(
        Appointment.episode._.client == erased
    )
    for job in [*(deliver_job(r) for r in reports), *(send_job(m) for m in their_messages)]:
        await queue.enqueue(job)
    other_messages = await OutboundMessage.select(OutboundMessage.id).where(
        OutboundMessage.id.not_in(their_messages)
    )
    assert other_messages, "the other client's appointment confirmation"
    await queue.enqueue(send_job(other_messages[0]["id"]))
    assert await pool.exists(f"arq:job:deliver-report:{reports[0]}")

    result = await erasure.erase_on_request(
        erased,
        request_ref="AVG-2026-017",
        by_email=cast.practice_manager.email,
        requested_on=date(2026, 6, 10),
        redis=pool,
    )

    assert result.rows_destroyed > 50
    assert await tables_with(*NEEDLES, MARKER.lower()) == {}
    assert await held_rows(erased) == {}
    assert await Document.count() == 0, "the client's PDFs are gone"
    assert not await OutboundMessage.exists().where(OutboundMessage.id.is_in(their_messages))
    jobs = {
        *(f"deliver-report:{r}" for r in reports),
        *(f"message:{m}" for m in their_messages),
        *(f"sweep:held:{a['id']}" for a in appointments),
    }
    assert await redis_with(pool, *NEEDLES) == []
    assert not await pool.exists(*(f"arq:job:{job}" for job in jobs))
    queued = {member.decode() for member in await pool.zrange("arq:queue", 0, -1)}
    kept = f"message:{other_messages[0]['id']}"
    assert kept in queued
    assert not queued & jobs
    assert await held_rows(other) == other_before
    record = await ErasureRecord.select().where(ErasureRecord.client_id == erased).first()
    assert record is not None
    assert (record["basis"], record["request_ref"], record["requested_on"]) == (
        "request",
        "AVG-2026-017",
        date(2026, 6, 10),
    )
    assert record["executed_by"] == cast.practice_manager.id
    await assert_audited(action="delete", object_type="client", object_id=str(erased))
    chain = await verify_chain()
    assert chain.broken_at is None, chain.problem
    with pytest.raises(NotFound):
        await export_client(_system(), erased)


async def test_erasing_a_client_twice_changes_nothing_the_second_time(
    client, cast: Cast, settings: Settings
) -> None:
    await login(client, cast.therapist.email)
    other = await another_client_without_story(client, cast)
    first = await erasure.erase_on_request(
        other, request_ref="REQ-1", by_email=cast.administrator.email, requested_on=TODAY
    )
    records = await ErasureRecord.count()
    second = await erasure.erase_on_request(
        other, request_ref="REQ-1", by_email=cast.administrator.email, requested_on=TODAY
    )
    assert second.already_erased
    assert second.record_id == first.record_id
    assert await ErasureRecord.count() == records


async def another_client_without_story(client: httpx.AsyncClient, cast: Cast) -> int:
    from tests.story import setup_parties

    parties = await setup_parties(client, cast)
    episode_id = await refer(client, cast, parties)
    episode = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    assert episode is not None
    return int(episode["client"])


async def test_erasing_an_unknown_client_says_so(cast: Cast) -> None:
    with pytest.raises(NotFound, match="No such client: 999999"):
        await erasure.erase_on_request(
            999999, request_ref="REQ-2", by_email=cast.practice_manager.email, requested_on=TODAY
        )


async def test_only_a_manager_or_administrator_may_carry_out_an_erasure_with_a_reference(
    cast: Cast,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await erasure.erase_on_request(
            1, request_ref="Anna Jansen", by_email=cast.therapist.email, requested_on=TODAY
        )
    assert set(refused.value.fields) == {"request_ref", "by"}


# ---------------------------------------------------------------- retention


async def declined_client(client: httpx.AsyncClient, cast: Cast) -> int:
    """A client whose referral was declined on 15 June 2026: the record's last change."""
    from tests.story import setup_parties

    episode_id = await refer(client, cast, await setup_parties(client, cast))
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/referral-outcome",
            {"outcome": "recovered_before_start", "note": f"note {MARKER}"},
        )
    )
    episode = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    assert episode is not None
    return int(episode["client"])


async def test_the_purge_destroys_a_record_only_after_twenty_years_from_its_last_change(
    client, cast: Cast, settings: Settings
) -> None:
    with time_machine.travel("2026-06-15 10:00 +0200", tick=False):
        expired = await declined_client(client, cast)
        still_open = await refer(
            client,
            cast,
            {
                "employer": (await Employer.select(Employer.id).first() or {})["id"],
                "doctor": (await CompanyDoctor.select(CompanyDoctor.id).first() or {})["id"],
                "contact": (await EmployerContact.select(EmployerContact.id).first() or {})["id"],
            },
        )
    with time_machine.travel("2046-06-15 12:00 +0200", tick=False):
        assert await erasure.purge_expired(settings, date(2046, 6, 15)) == []
        assert await practice_jobs.due_expired_records(date(2046, 6, 15), settings) == []
    with time_machine.travel("2046-06-16 09:00 +0200", tick=False):
        due = await practice_jobs.due_expired_records(date(2046, 6, 16), settings)
        assert [job.job_id for job in due] == [f"retention:{expired}"]
        assert await practice_jobs.erase_expired_record({"settings": settings}, expired)
        assert not await practice_jobs.erase_expired_record({"settings": settings}, expired)
        assert await erasure.purge_expired(settings, date(2046, 6, 16)) == []
    assert await held_rows(expired) == {}
    assert await tables_with(MARKER) == {}
    record = await ErasureRecord.select().where(ErasureRecord.client_id == expired).first()
    assert record is not None
    assert (record["basis"], record["executed_by"]) == ("retention", None)
    await assert_audited(action="delete", object_type="client", object_id=str(expired))
    # A record with an episode still open is kept, however old.
    with time_machine.travel("2070-01-01 09:00 +0100", tick=False):
        assert await erasure.purge_expired(settings, date(2070, 1, 1)) == []
    assert await TreatmentEpisode.exists().where(TreatmentEpisode.id == still_open)
    chain = await verify_chain()
    assert chain.broken_at is None, chain.problem


@pytest.mark.commits
async def test_the_erase_client_command_erases_once_and_then_says_it_was_done(
    db, settings: Settings
) -> None:
    from decimal import Decimal

    import anyio

    from practice.accounts import Role
    from practice.services import parties
    from tests.cast import make_user
    from tests.integration.practice.test_cli import practice

    actor = _system()
    employer_id = await parties.create_employer(actor, name="Erase BV")
    client_id, _ = await parties.register_client(
        actor,
        name=f"Cli {MARKER}",
        employer_id=employer_id,
        contract_hours=Decimal(32),
        contract_from=date(2024, 1, 1),
    )
    manager = await make_user(Role.PRACTICE_MANAGER, "erase-manager@cast.test")
    args = ("erase-client", str(client_id), "--request-ref", "REQ-9", "--by", manager.email)

    assert settings.is_postgres or MARKER.encode() in sqlite_bytes(settings)
    first = await anyio.to_thread.run_sync(lambda: practice(*args))
    assert first.returncode == 0, first.stderr
    assert f"client {client_id} erased" in first.stdout
    second = await anyio.to_thread.run_sync(lambda: practice(*args))
    assert second.returncode == 0, second.stderr
    assert "already erased" in second.stdout
    unknown = await anyio.to_thread.run_sync(
        lambda: practice("erase-client", "999999", "--request-ref", "R", "--by", manager.email)
    )
    assert unknown.returncode != 0
    assert "No such client: 999999" in unknown.stderr
    purge = await anyio.to_thread.run_sync(lambda: practice("purge-expired"))
    assert purge.returncode == 0, purge.stderr
    assert "0 expired records destroyed" in purge.stdout
    assert await tables_with(MARKER) == {}
    assert await ErasureRecord.count() == 1
    # SQLite: not even the file keeps the erased text (secure_delete, WAL checkpointed).
    assert settings.is_postgres or MARKER.encode() not in sqlite_bytes(settings)


def sqlite_bytes(settings: Settings) -> bytes:
    path = settings.sqlite_path
    return b"".join(
        file.read_bytes() for file in (path, path.with_name(path.name + "-wal")) if file.exists()
    )
