"""A write beside a block's reads (`practice.platform.db.alongside`): with no transaction
around (but ``read_only``'s own) it runs while the block reads, and the block ends only once
it has committed; inside a transaction it runs after the block. Either way a failed write
fails the block (an audited read stays fail-closed). These tests commit: the path beside
the reads needs no transaction around the test."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, AuditUnavailable, Channel
from practice.platform.db import (
    alongside,
    can_write_beside,
    enable_sqlite_wal,
    engine,
    read_only,
    write_tx,
)
from practice.tables import AuditEvent

SYSTEM = Actor.system(Channel.WORKER)


async def _rows(object_type: str) -> int:
    return int(await AuditEvent.count().where(AuditEvent.object_type == object_type))


@contextlib.asynccontextmanager
async def nothing() -> AsyncIterator[None]:
    yield


@pytest.fixture(autouse=True)
async def _in_wal() -> None:
    """SQLite in WAL, as the app's start leaves it (a write beside reads needs it)."""
    await enable_sqlite_wal(engine())


@pytest.mark.commits
@pytest.mark.parametrize("around", [nothing, read_only], ids=["alone", "in read_only"])
async def test_the_write_runs_while_the_block_reads_and_has_committed_when_it_ends(
    around: Callable[[], AbstractAsyncContextManager[None]],
) -> None:
    began = asyncio.Event()
    order: list[str] = []
    before = await _rows("alongside_test")  # the trail is append-only: not emptied

    async def write() -> None:
        order.append("write")
        began.set()
        async with write_tx():
            await audit.record(SYSTEM, Action.READ, "alongside_test", 1, purpose="test")
        order.append("committed")

    async with around():
        assert can_write_beside()
        async with alongside(write):
            # The block waits for the write to have begun: possible only beside it.
            await asyncio.wait_for(began.wait(), timeout=5)
            order.append("read")  # while the write has its round trips and commit ahead
            await AuditEvent.count()

    assert order == ["write", "read", "committed"]
    assert await _rows("alongside_test") == before + 1


@pytest.mark.commits
async def test_inside_a_write_the_write_runs_after_the_block_in_that_transaction() -> None:
    order: list[str] = []
    before = await _rows("alongside_after")

    async def write() -> None:
        order.append("write")
        async with write_tx():
            await audit.record(SYSTEM, Action.READ, "alongside_after", 2, purpose="test")

    async with write_tx():
        assert not can_write_beside()
        async with alongside(write):
            assert await _rows("alongside_after") == before
            order.append("read")
        assert order == ["read", "write"]
    assert await _rows("alongside_after") == before + 1


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
    # The write had begun beside the block, and was waited for.
    assert done == ["write"]


@pytest.mark.commits
async def test_on_sqlite_a_write_goes_beside_only_while_the_pool_has_connections_to_spare() -> None:
    db: Any = engine()
    if db.engine_type != "sqlite":
        pytest.skip("SQLite's own pool of connections")
    await db.open_reader()
    try:
        assert not can_write_beside()  # a pool with nobody idle: the write waits its turn
        spare = [await db.acquire() for _ in range(2)]
        for connection in spare:
            await db.release(connection, reusable=True)
        assert can_write_beside()
    finally:
        await db.close_reader()
