"""The database itself keeps the audit log append-only (AUD-4): UPDATE, DELETE and
TRUNCATE of audit rows are refused, whoever sends them; appending and verifying still work.

These tests commit (``@pytest.mark.commits``): on PostgreSQL a refused statement aborts the
transaction it runs in, so each statement gets its own.
"""

import asyncio

import pytest

from practice.audit import trail as audit
from practice.audit.guard import append_only_suspended, append_only_triggers
from practice.audit.trail import Action, Actor, Channel
from practice.audit.verify import verify_chain
from practice.platform.db import engine, write_tx
from practice.tables import AuditEvent
from tests.integration.practice.test_audit_chain import practice

ACTOR = Actor(user_id=1, role="therapist", source="127.0.0.1", channel=Channel.WEB)
REFUSED = "append-only"


async def write_rows(count: int) -> list[int]:
    for n in range(count):
        async with write_tx():
            await audit.record(ACTOR, Action.READ, "episode", n, purpose="treatment")
    return [r["id"] for r in await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)]


@pytest.mark.commits
async def test_changing_an_audit_row_is_refused_by_the_database(db) -> None:
    ids = await write_rows(3)
    with pytest.raises(Exception, match=REFUSED):
        await AuditEvent.update({AuditEvent.purpose: "curiosity"}).where(AuditEvent.id == ids[1])
    row = await AuditEvent.select(AuditEvent.purpose).where(AuditEvent.id == ids[1]).first()
    assert row == {"purpose": "treatment"}
    assert (await verify_chain()).broken_at is None


@pytest.mark.commits
async def test_deleting_audit_rows_is_refused_by_the_database(db) -> None:
    ids = await write_rows(3)
    with pytest.raises(Exception, match=REFUSED):
        await AuditEvent.delete().where(AuditEvent.id == ids[0])
    with pytest.raises(Exception, match=REFUSED):
        await AuditEvent.delete(force=True)  # the whole table
    assert await AuditEvent.count() == 3
    assert (await verify_chain()).rows == 3


@pytest.mark.commits
async def test_truncating_the_audit_table_is_refused_on_postgresql(db) -> None:
    if engine().engine_type != "postgres":
        pytest.skip("SQLite has no TRUNCATE; its DELETE FROM is refused (test above)")
    await write_rows(2)
    with pytest.raises(Exception, match=REFUSED):
        await engine().run_ddl("TRUNCATE audit_event")
    assert await AuditEvent.count() == 2


@pytest.mark.commits
async def test_appending_and_practice_audit_verify_work_with_the_guard_on(db) -> None:
    assert len(await append_only_triggers()) >= 2  # UPDATE and DELETE (and TRUNCATE on PG)
    await write_rows(4)
    result = await asyncio.to_thread(practice, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "4 rows" in result.stdout


@pytest.mark.commits
async def test_the_guard_is_back_on_after_it_was_suspended_even_after_an_error(db) -> None:
    before = await append_only_triggers()
    ids = await write_rows(2)
    async with append_only_suspended():
        await AuditEvent.update({AuditEvent.object_id: "x"}).where(AuditEvent.id == ids[0])
    assert await append_only_triggers() == before

    async def delete_then_fail() -> None:
        async with append_only_suspended():
            await AuditEvent.delete().where(AuditEvent.id == ids[1])
            raise ZeroDivisionError  # the whole suspension rolls back, the delete included

    with pytest.raises(ZeroDivisionError):
        await delete_then_fail()
    assert await append_only_triggers() == before
    assert await AuditEvent.count() == 2
    with pytest.raises(Exception, match=REFUSED):
        await AuditEvent.delete().where(AuditEvent.id == ids[1])
