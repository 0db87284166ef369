"""On SQLite a serving process keeps one connection for single reads (issue 21: Piccolo
opens a connection, and a thread, per query outside a transaction), and those reads still
see every commit at once."""

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
