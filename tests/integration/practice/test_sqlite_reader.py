"""On SQLite a serving process keeps one connection for single reads and a small pool for
its transactions (issue 21: Piccolo opens a connection, and a thread, per query outside a
transaction and per transaction); reads still see every commit at once, and a connection goes
back to the pool only clean."""

import pytest

from practice.platform.db import close_pool, engine, open_pool, write_tx
from practice.tables import Client


@pytest.mark.commits
async def test_single_reads_go_to_one_kept_connection_and_see_each_commit_at_once(
    db: None,
) -> None:
    sqlite = engine()
    if sqlite.engine_type != "sqlite":
        pytest.skip("the kept reading connection is SQLite's; PostgreSQL has its pool")
    await open_pool(sqlite, max_size=1)
    try:
        reader = next(iter(sqlite._readers.values()))  # type: ignore[attr-defined]
        # A temporary table lives on one connection only: reading it proves where reads go.
        await reader.execute("CREATE TEMP TABLE probe (n INTEGER)")
        await reader.execute("INSERT INTO probe VALUES (7)")
        for _ in range(3):
            assert await Client.raw("SELECT n FROM temp.probe") == [{"n": 7}]
        for count in range(1, 4):
            async with write_tx():  # its own connection, committed at the end
                await Client.insert(Client(name=f"Lezer {count}"))
            assert await Client.count() == count  # read on the kept connection: seen at once
        async with write_tx():  # a transaction's reads stay on the transaction's connection
            await Client.insert(Client(name="Nog niet gecommit"))
            assert await Client.count() == 4
    finally:
        await close_pool(sqlite)
    assert await Client.count() == 4  # without the kept connection, reads work as before


@pytest.mark.commits
async def test_transactions_take_a_kept_connection_and_give_it_back_clean(db: None) -> None:
    import asyncio

    from practice.piccolo_conf import POOL_SIZE

    sqlite = engine()
    if sqlite.engine_type != "sqlite":
        pytest.skip("the transactions' pool is SQLite's; PostgreSQL has asyncpg's")
    await open_pool(sqlite, max_size=1)
    try:
        idle = next(iter(sqlite._idle.values()))  # type: ignore[attr-defined]
        async with write_tx():
            await Client.insert(Client(name="Eerste"))
        assert len(idle) == 1
        kept = idle[0]
        async with write_tx():
            await Client.insert(Client(name="Tweede"))
        assert idle == [kept]  # the same connection, taken and given back

        async def failing() -> None:
            async with write_tx():
                await Client.insert(Client(name="Teruggedraaid"))
                raise RuntimeError("the operation fails after its first write")

        with pytest.raises(RuntimeError):
            await failing()
        assert await Client.count() == 2  # rolled back
        assert idle == [kept] and not kept.in_transaction  # back, and clean

        async def one(n: int) -> None:
            async with write_tx():
                await Client.insert(Client(name=f"Gelijktijdig {n}"))

        await asyncio.gather(*(one(n) for n in range(12)))  # SQLite's writers wait in turn
        assert await Client.count() == 14
        assert 1 <= len(idle) <= POOL_SIZE
        assert not any(connection.in_transaction for connection in idle)
    finally:
        await close_pool(sqlite)
    assert sqlite._idle == {}  # type: ignore[attr-defined]
