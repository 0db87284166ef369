"""Database faults during a request: a clear 503, nothing half-written, no client data out.

- PostgreSQL loses the request's connection in the middle of a multi-row write or read
  (``pg_terminate_backend`` from a second connection, fired from inside the request).
- The audit row cannot be written (a trigger refuses it): the read returns no client data
  and the write leaves nothing behind (AUD-2, audit fails closed).

These tests commit (``@pytest.mark.commits``): the fault must hit a real transaction on a
real connection of the app's pool, not the test's shared, rolled-back one.
"""

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from practice.audit import trail as audit
from practice.platform.db import close_pool, engine, open_pool
from practice.platform.settings import Settings
from practice.tables import (
    AuditEvent,
    CaseAssignment,
    Client,
    Employment,
    Referral,
    StatusChange,
    TreatmentEpisode,
)
from tests.cast import Cast
from tests.story import ok, refer, setup_parties
from tests.web import api

JSON = {"accept": "application/json"}
CLIENT_NAME = "Anna Jansen"
UNAVAILABLE_NL = "Probeer het over een moment opnieuw."  # the 503 message, in Dutch


async def snapshot() -> dict[str, int]:
    """Row counts of everything a referral or a read may write."""
    tables = [AuditEvent, CaseAssignment, Client, Employment, Referral, StatusChange]
    counts = {table._meta.tablename: await table.count() for table in tables}
    counts["treatment_episode"] = await TreatmentEpisode.count()
    return counts


async def new_client(http: httpx.AsyncClient, employer_id: int, name: str) -> int:
    created = await ok(
        await api(
            http,
            "POST",
            "/api/clients",
            {
                "name": name,
                "employer_id": employer_id,
                "contract_hours": "24",
                "contract_from": "2021-01-01",
                "date_of_birth": "1990-02-03",
            },
        ),
        201,
    )
    return int(created["client_id"])


def referral_of(client_id: int, parties: dict[str, int]) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "received_at": "2026-04-20T09:00:00+02:00",
        "referrer_type": "company_doctor",
        "requested_offer": "atwork_basic",
        "absence_status": "sickness",
        "first_sick_day": "2026-04-01",
        "company_doctor_id": parties["doctor"],
        "manager_id": parties["contact"],
        "consent_at_referral": True,
    }


def assert_unavailable_json(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.json()["detail"]  # says to try again, in words
    assert CLIENT_NAME not in response.text


def assert_unavailable_page(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert UNAVAILABLE_NL in response.text
    assert CLIENT_NAME not in response.text


# ---------------------------------------------------------------- PostgreSQL connection drop


class ConnectionKiller:
    """Wraps ``audit.record`` and ``audit.record_many``: when armed, the request's own
    backend is terminated first.

    The audit row comes last in every service (a list page writes its rows with
    ``record_many``), so by then the request's rows are staged in its transaction; ``staged``
    records how many referrals the transaction could see."""

    def __init__(
        self,
        dsn: str,
        original: Callable[..., Awaitable[None]],
        original_many: Callable[..., Awaitable[None]],
    ) -> None:
        self.dsn = dsn
        self.original = original
        self.original_many = original_many
        self.armed = False
        self.kills = 0
        self.staged: list[int] = []

    async def _kill_if_armed(self) -> None:
        if not self.armed:
            return
        self.armed = False  # once: the next request must find a working pool
        self.staged.append(await Referral.count())
        rows = await engine().run_ddl("SELECT pg_backend_pid() AS pid")
        killer = await asyncpg.connect(self.dsn)
        try:
            # The second argument waits (ms) until the backend has really gone.
            assert await killer.fetchval("SELECT pg_terminate_backend($1, 5000)", rows[0]["pid"])
        finally:
            await killer.close()
        self.kills += 1

    async def record(self, *args: Any, **kwargs: Any) -> None:
        await self._kill_if_armed()
        await self.original(*args, **kwargs)

    async def record_many(self, *args: Any, **kwargs: Any) -> None:
        await self._kill_if_armed()
        await self.original_many(*args, **kwargs)


@pytest.mark.commits
async def test_a_lost_database_connection_mid_write_gives_503_and_leaves_nothing_behind(
    client: httpx.AsyncClient, cast: Cast, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine().engine_type != "postgres":
        pytest.skip("needs PostgreSQL: a SQLite file has no connection to lose")
    # The app's real pool, with one connection: the request after the kill must reconnect.
    await open_pool(engine(), max_size=1)
    try:
        killer = ConnectionKiller(settings.database_url, audit.record, audit.record_many)
        monkeypatch.setattr(audit, "record", killer.record)
        monkeypatch.setattr(audit, "record_many", killer.record_many)
        parties = await setup_parties(client, cast)
        await refer(client, cast, parties)  # the therapist, logged in, with one client
        second = await new_client(client, parties["employer"], "Bram de Vries")

        before = await snapshot()
        killer.armed = True
        response = await api(client, "POST", "/api/referrals", referral_of(second, parties))
        assert killer.kills == 1
        assert killer.staged == [before["referral"] + 1]  # the write was under way
        assert_unavailable_json(response)
        assert await snapshot() == before  # no referral, episode, status, team or audit row

        # The pool recovers: the same request now succeeds on a fresh connection.
        await ok(await api(client, "POST", "/api/referrals", referral_of(second, parties)), 201)
        assert (await snapshot())["referral"] == before["referral"] + 1

        # A browser reading client data gets the 503 page, without the data.
        before = await snapshot()
        killer.armed = True
        page = await client.get("/caseload")
        assert killer.kills == 2
        assert_unavailable_page(page)
        assert await snapshot() == before  # not even the audit row of the read
        page = await client.get("/caseload")
        assert page.status_code == 200
        assert CLIENT_NAME in page.text
    finally:
        await close_pool(engine())


# ---------------------------------------------------------------- the audit fails closed


@contextlib.asynccontextmanager
async def audit_rows_refused() -> AsyncIterator[None]:
    """A trigger that makes every audit INSERT fail, as a full disk or a broken table would."""
    db = engine()
    if db.engine_type == "postgres":
        await db.run_ddl(
            "CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit insert refused (fault injection)'; END $$"
        )
        await db.run_ddl(
            "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()"
        )
        drop = [
            "DROP TRIGGER test_refuse_audit ON audit_event",
            "DROP FUNCTION test_refuse_audit()",
        ]
    else:
        await db.run_ddl(
            "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit insert refused (fault injection)'); END"
        )
        drop = ["DROP TRIGGER test_refuse_audit"]
    try:
        yield
    finally:
        for statement in drop:
            await db.run_ddl(statement)


@pytest.mark.commits
async def test_when_the_audit_row_cannot_be_written_no_client_data_leaves_and_nothing_is_written(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    episode_id = await refer(client, cast, parties)  # the therapist, logged in
    second = await new_client(client, parties["employer"], "Bram de Vries")
    before = await snapshot()

    async with audit_rows_refused():
        # Reads: no client data in JSON or HTML.
        # (On PostgreSQL the episode's row is written beside its reads: still refused.)
        assert_unavailable_json(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
        assert_unavailable_page(await client.get(f"/episodes/{episode_id}"))
        assert_unavailable_page(await client.get("/caseload"))
        # Writes: a referral (episode, status, team) and a new client (client, employment).
        assert_unavailable_json(
            await api(client, "POST", "/api/referrals", referral_of(second, parties))
        )
        assert_unavailable_json(
            await api(
                client,
                "POST",
                "/api/clients",
                {
                    "name": "Carla Smit",
                    "employer_id": parties["employer"],
                    "contract_hours": "20",
                    "contract_from": "2022-01-01",
                    "date_of_birth": "1980-05-06",
                },
            )
        )
        assert await snapshot() == before

    # With the audit back, the same read works and is audited.
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    assert CLIENT_NAME in str(detail)
    assert (await snapshot())["audit_event"] > before["audit_event"]
