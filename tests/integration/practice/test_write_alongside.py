"""A write beside a block's reads (`practice.platform.db.alongside`): on PostgreSQL outside a
transaction it runs while the block reads, and the block ends only once it has committed;
elsewhere it runs after the block. Either way a failed write fails the block (an audited
read stays fail-closed). These tests commit: the side-by-side path needs no transaction
around the test."""

import asyncio

import pytest

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, AuditUnavailable, Channel
from practice.platform.db import alongside, side_by_side, write_tx
from practice.tables import AuditEvent

SYSTEM = Actor.system(Channel.WORKER)


async def _rows(object_type: str) -> int:
    return int(await AuditEvent.count().where(AuditEvent.object_type == object_type))


@pytest.mark.commits
async def test_the_write_runs_beside_the_reads_on_postgresql_and_after_them_elsewhere() -> None:
    began = asyncio.Event()
    order: list[str] = []

    async def write() -> None:
        order.append("write")
        began.set()
        async with write_tx():
            await audit.record(SYSTEM, Action.READ, "alongside_test", 1, purpose="test")
        order.append("committed")

    async with alongside(write):
        if side_by_side():
            # The block waits for the write to have begun: possible only side by side.
            await asyncio.wait_for(began.wait(), timeout=5)
        else:
            assert await _rows("alongside_test") == 0
        order.append("read")

    expected = ["write", "read", "committed"] if side_by_side() else ["read", "write", "committed"]
    assert order == expected
    assert await _rows("alongside_test") == 1


@pytest.mark.commits
async def test_a_write_that_fails_fails_the_block_even_when_the_reads_succeeded() -> None:
    async def write() -> None:
        raise AuditUnavailable("audit rows not written: test")

    with pytest.raises(AuditUnavailable):
        async with alongside(write):
            await AuditEvent.count()


@pytest.mark.commits
async def test_a_block_that_fails_answers_with_its_own_error_and_leaves_no_write_running() -> None:
    done: list[str] = []

    async def write() -> None:
        await asyncio.sleep(0.05)
        done.append("write")

    with pytest.raises(LookupError):
        async with alongside(write):
            raise LookupError("the read failed")
    # Side by side, the write had begun and was waited for; elsewhere it never began.
    assert done == (["write"] if side_by_side() else [])
