"""``read_only()``: a page's reads on one connection (SQLite), and no write slipped inside.

Committing tests (``@pytest.mark.commits``): inside the test's own rolled-back transaction
every query would share one connection anyway, and what is tested is the block's own.
"""

from collections.abc import Awaitable, Callable

import pytest

from practice.platform.db import WriteInReadOnly, concurrently, engine, read_only, write_tx
from practice.tables import Employer


@pytest.mark.commits
async def test_a_write_inside_read_only_is_refused_before_it_starts(db) -> None:
    async def write_among_reads() -> None:
        async with read_only():
            await Employer.count()
            async with write_tx():
                await Employer.insert(Employer(name="Nooit geschreven BV"))

    with pytest.raises(WriteInReadOnly):
        await write_among_reads()
    assert await Employer.count().where(Employer.name == "Nooit geschreven BV") == 0


@pytest.mark.commits
async def test_reads_inside_read_only_share_one_connection_on_sqlite(db) -> None:
    db_engine = engine()
    async with read_only():
        first = db_engine.current_transaction.get()
        await Employer.count()
        assert db_engine.current_transaction.get() is first
    if db_engine.engine_type == "sqlite":
        assert first is not None  # one DEFERRED transaction: one connection, one snapshot
    else:
        assert first is None  # PostgreSQL: pooled connections per query, as before
    assert db_engine.current_transaction.get() is None


@pytest.mark.commits
async def test_read_only_nests_and_a_write_after_it_works(db) -> None:
    async with read_only(), read_only():
        await Employer.count()
    async with write_tx():
        await Employer.insert(Employer(name="Na het lezen BV"))
    assert await Employer.count().where(Employer.name == "Na het lezen BV") == 1
    await Employer.delete().where(Employer.name == "Na het lezen BV")


@pytest.mark.commits
async def test_reads_side_by_side_in_read_only_answer_in_order_from_one_snapshot(db) -> None:
    """``concurrently`` runs the reads at once (SQLite: on read_only's one connection;
    PostgreSQL: each on a pooled connection) and answers in the order it was given them."""
    names = [f"Zij aan zij {n} BV" for n in range(6)]
    async with write_tx():
        for name in names:
            await Employer.insert(Employer(name=name))
    try:
        # Several reads queued on the same connection at once: each answers its own rows.
        def count_of(name: str) -> Callable[[], Awaitable[int]]:
            return lambda: Employer.count().where(Employer.name == name).run()

        async with read_only():
            counts = await concurrently(
                *(count_of(name) for name in names),
                lambda: Employer.count().where(Employer.name.like("Zij aan zij %")).run(),
            )
        assert counts == (1, 1, 1, 1, 1, 1, 6)
    finally:
        await Employer.delete().where(Employer.name.like("Zij aan zij %"))


async def test_reads_side_by_side_inside_a_write_run_one_after_the_other(db) -> None:
    order: list[str] = []

    async def read(name: str) -> str:
        order.append(f"{name} begins")
        await Employer.count()
        order.append(f"{name} ends")
        return name

    async with write_tx():
        answers = await concurrently(lambda: read("a"), lambda: read("b"))
    assert answers == ("a", "b")
    assert order == ["a begins", "a ends", "b begins", "b ends"]
