"""The audit log holds several hash chains (issue 21, P-10): on PostgreSQL concurrent audited
transactions take different chains instead of queueing behind one lock, a transaction keeps
its chain, and ``practice audit verify`` checks and reports each chain; SQLite stays on
chain 0."""

import asyncio
import os
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from practice.audit import trail as audit
from practice.audit.chain import GENESIS, keyed_link
from practice.audit.guard import append_only_suspended
from practice.audit.retention import purge_expired
from practice.audit.trail import Action, Actor, Channel
from practice.audit.verify import CUT_OFF, verify_chain
from practice.platform.db import engine, insert_plain, write_tx
from practice.tables import AuditEvent
from tests.integration.practice.test_audit_chain import practice

ACTOR = Actor(user_id=1, role="therapist", source="127.0.0.1", channel=Channel.WEB)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OLD = datetime(2000, 1, 1, tzinfo=UTC)


def on_postgres() -> bool:
    return engine().engine_type == "postgres"


async def append(chain: int, object_id: int, occurred_at: datetime = NOW) -> int:
    """One row linked onto ``chain`` as ``record`` links it, whatever the engine: the
    verifier's and the purge's tests need several chains on SQLite too."""
    row: dict[str, Any] = {
        "occurred_at": occurred_at,
        "actor_id": ACTOR.user_id,
        "actor_role": ACTOR.role,
        "action": Action.READ.value,
        "object_type": "episode",
        "object_id": str(object_id),
        "client_id": None,
        "purpose": "treatment",
        "source": ACTOR.source,
        "channel": ACTOR.channel.value,
        "outcome": "success",
    }
    last = (
        await AuditEvent.select(AuditEvent.row_hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.id, ascending=False)
        .first()
    )
    prev_hash = (last or {}).get("row_hash") or GENESIS
    link = keyed_link(row, prev_hash, audit.chain_key())
    inserted = await AuditEvent.insert(
        AuditEvent(**row, chain=chain, prev_hash=prev_hash, row_hash=link)
    ).returning(AuditEvent.id)
    return int(inserted[0]["id"])


async def two_chains(rows: int = 4) -> dict[int, list[int]]:
    """Rows alternating between chains 0 and 5, so their ids interleave."""
    ids: dict[int, list[int]] = {0: [], 5: []}
    for n in range(rows):
        for chain in ids:
            ids[chain].append(await append(chain, n))
    return ids


async def chains_of(ids: list[int]) -> set[int]:
    rows = await AuditEvent.select(AuditEvent.chain).where(AuditEvent.id.is_in(ids))
    return {int(r["chain"]) for r in rows}


async def record_one(object_id: int) -> None:
    await audit.record(ACTOR, Action.READ, "episode", object_id, purpose="treatment")


# ---------------------------------------------------------------- writers and their chains


@pytest.mark.commits
async def test_concurrent_audited_writers_on_postgresql_take_every_chain_and_one_more_waits(
    db: None,
) -> None:
    if not on_postgres():
        pytest.skip("PostgreSQL only: SQLite has one writer and one chain")
    recorded = 0
    all_in = asyncio.Event()
    release = asyncio.Event()

    async def writer(n: int) -> None:
        nonlocal recorded
        async with write_tx():  # each transaction its own connection (no pool in tests)
            await record_one(n)
            recorded += 1
            if recorded == audit.CHAINS:
                all_in.set()
            await release.wait()  # every chain's lock held at once, until these commit

    holders = [asyncio.create_task(writer(n)) for n in range(audit.CHAINS)]
    await asyncio.wait_for(all_in.wait(), 30)
    late = asyncio.create_task(writer(audit.CHAINS))  # no chain is free
    await asyncio.sleep(0.5)
    assert recorded == audit.CHAINS, "a writer got a chain while all were held"
    release.set()
    await asyncio.wait_for(asyncio.gather(*holders, late), 30)

    assert recorded == audit.CHAINS + 1
    chains = [r["chain"] for r in await AuditEvent.select(AuditEvent.chain)]
    assert sorted(set(chains)) == list(range(audit.CHAINS))  # each writer its own chain
    report = await verify_chain(batch=2)
    assert report.broken_at is None, report.problem
    assert report.rows == audit.CHAINS + 1
    assert [c.chain for c in report.chains] == list(range(audit.CHAINS))
    assert sorted(c.rows for c in report.chains) == [1] * (audit.CHAINS - 1) + [2]


@pytest.mark.commits
async def test_concurrent_audited_transactions_spread_over_chains_and_every_chain_verifies(
    db: None,
) -> None:
    async def writer(n: int) -> None:
        async with write_tx():
            await record_one(n)
            await asyncio.sleep(0.05)  # hold the chain a while, as a real write would
            await record_one(n)

    await asyncio.gather(*[writer(n) for n in range(12)])
    report = await verify_chain()
    assert report.broken_at is None, report.problem
    assert report.rows == 24
    used = {c.chain for c in report.chains}
    if on_postgres():
        assert len(used) > 1
    else:
        assert used == {0}


async def test_a_transaction_writing_several_rows_keeps_the_chain_it_took(db: None) -> None:
    blocker = None
    async with write_tx():
        if on_postgres():
            # Another session holds the chain this connection would try first, so the
            # transaction takes the next one; once that other chain is free again, the
            # transaction's later rows must still go to the chain it holds.
            pid = (await AuditEvent.raw("SELECT pg_backend_pid() AS pid"))[0]["pid"]
            first_choice = pid % audit.CHAINS
            blocker = await asyncpg.connect(os.environ["DATABASE_URL"])
            await blocker.execute("SELECT pg_advisory_lock($1)", audit.CHAIN_LOCK + first_choice)
        await record_one(1)
        if blocker is not None:
            await blocker.close()  # its session lock goes with it
        await audit.record_many(ACTOR, Action.READ, "client", [(2, 2), (3, 3)], purpose="treatment")
        await record_one(4)
    ids = [r["id"] for r in await AuditEvent.select(AuditEvent.id)]
    assert len(ids) == 4
    chains = await chains_of(ids)
    assert len(chains) == 1
    if on_postgres():
        assert chains != {first_choice}
    else:
        assert chains == {0}
    assert (await verify_chain()).broken_at is None


async def test_sqlite_writes_every_audit_row_to_chain_0(db: None) -> None:
    if on_postgres():
        pytest.skip("SQLite only")
    for n in range(3):
        async with write_tx():
            await record_one(n)
    async with write_tx():
        await audit.record_many(ACTOR, Action.READ, "client", [(7, 7), (8, 8)], purpose="x")
    assert {r["chain"] for r in await AuditEvent.select(AuditEvent.chain)} == {0}
    report = await verify_chain()
    assert [(c.chain, c.rows) for c in report.chains] == [(0, 5)]


async def test_on_postgresql_a_chains_head_and_walk_go_along_the_chain_index(db: None) -> None:
    # Not the primary key filtered on the chain: the planner picks that when a chain's rows
    # look spread evenly, and then scans every row written since the chain last wrote (an
    # idle chain: all of them). Rows of eight chains, as the writers leave them, and their
    # statistics (rolled back with the test).
    if not on_postgres():
        pytest.skip("PostgreSQL's planner; SQLite has chain 0 only")
    await AuditEvent.raw(
        "INSERT INTO audit_event (occurred_at, action, object_type, purpose, channel, outcome, "
        "chain, prev_hash, row_hash) SELECT now(), 'read', 'episode', 'treatment', 'web', "
        "'success', g % 8, 'x', 'y' FROM generate_series(1, 20000) AS g"
    )
    await AuditEvent.raw("ANALYZE audit_event")
    queries = [
        AuditEvent.select(AuditEvent.row_hash)  # the head, as record reads it
        .where(audit.in_chain(5))
        .order_by(AuditEvent.chain, AuditEvent.id, ascending=False)
        .limit(1),
        AuditEvent.select()  # a batch of the walk, as verify reads it
        .where(audit.in_chain(5) & (AuditEvent.id > 1000))
        .order_by(AuditEvent.chain, AuditEvent.id)
        .limit(5000),
    ]
    for query in queries:
        plan = "\n".join(r["QUERY PLAN"] for r in await AuditEvent.raw(f"EXPLAIN {query}"))
        assert "audit_event_chain_id" in plan and "pkey" not in plan, plan


# ---------------------------------------------------------------- verify, per chain


async def test_every_chain_is_walked_and_reported_with_its_head_and_rows(db: None) -> None:
    ids = await two_chains()
    report = await verify_chain(batch=3)  # across batch boundaries, per chain
    assert report.broken_at is None and report.rows == 8
    assert [(c.chain, c.rows) for c in report.chains] == [(0, 4), (5, 4)]
    for chain in report.chains:
        head = await AuditEvent.select(AuditEvent.row_hash).where(
            AuditEvent.id == ids[chain.chain][-1]
        )
        assert chain.head == head[0]["row_hash"]


async def test_a_row_changed_in_one_chain_is_reported_with_that_chain(db: None) -> None:
    ids = await two_chains()
    async with append_only_suspended():
        await AuditEvent.update({AuditEvent.purpose: "curiosity"}).where(AuditEvent.id == ids[5][2])
    report = await verify_chain()
    assert [c.chain for c in report.broken] == [5]
    assert report.chain(5).broken_at == ids[5][2] and "changed" in (report.problem or "")
    assert report.chain(5).rows == 2
    assert report.chain(0).broken_at is None and report.chain(0).rows == 4


async def test_a_row_deleted_in_one_chain_is_reported_with_that_chain(db: None) -> None:
    ids = await two_chains()
    async with append_only_suspended():
        await AuditEvent.delete().where(AuditEvent.id == ids[5][1])
    report = await verify_chain()
    assert [(c.chain, c.broken_at) for c in report.broken] == [(5, ids[5][2])]
    assert "deleted" in (report.problem or "")


async def test_rows_reordered_within_one_chain_are_reported_with_that_chain(db: None) -> None:
    ids = await two_chains()
    a, b = ids[0][1], ids[0][3]
    async with append_only_suspended():
        await AuditEvent.update({AuditEvent.id: -1}).where(AuditEvent.id == a)
        await AuditEvent.update({AuditEvent.id: a}).where(AuditEvent.id == b)
        await AuditEvent.update({AuditEvent.id: b}).where(AuditEvent.id == -1)
    report = await verify_chain()
    assert [(c.chain, c.broken_at) for c in report.broken] == [(0, a)]
    assert "reordered" in (report.problem or "")


async def test_a_row_moved_to_another_chain_breaks_both_chains(db: None) -> None:
    # Why the chain number need not be hashed (practice.audit.chain).
    ids = await two_chains()
    async with append_only_suspended():
        await AuditEvent.update({AuditEvent.chain: 0}).where(AuditEvent.id == ids[5][1])
    report = await verify_chain()
    assert [(c.chain, c.broken_at) for c in report.broken] == [(0, ids[5][1]), (5, ids[5][2])]


async def test_rows_cut_off_the_start_of_one_chain_are_reported_with_that_chain(
    db: None,
) -> None:
    ids = await two_chains()
    async with append_only_suspended():
        await AuditEvent.delete().where(AuditEvent.id == ids[5][0])
    report = await verify_chain()
    assert [(c.chain, c.broken_at, c.problem) for c in report.broken] == [(5, ids[5][1], CUT_OFF)]
    assert report.chain(0).broken_at is None


# ---------------------------------------------------------------- retention, per chain


async def test_the_purge_purges_each_chain_from_its_start_and_every_chain_verifies(
    db: None,
) -> None:
    old0 = [await append(0, 1, OLD), await append(0, 2, OLD)]
    await append(0, 3)
    old5 = [await append(5, 4, OLD)]
    await append(5, 5)
    await append(5, 6, OLD)  # old, but after a young row of its chain: waits
    await append(3, 7)  # a chain with nothing old: untouched

    report = await purge_expired(NOW, 20)

    assert report.purged == 3 and set(report.anchors) == {0, 5}
    assert not await AuditEvent.exists().where(AuditEvent.id.is_in([*old0, *old5]))
    purge_rows = await AuditEvent.select(AuditEvent.object_id, AuditEvent.chain).where(
        AuditEvent.purpose == "retention"
    )
    # One purge row per purged chain, naming its anchor; they go to the chain the purge
    # holds, so at least one names the anchor of another chain than its own.
    assert sorted(r["object_id"] for r in purge_rows) == sorted(report.anchors.values())
    assert len({r["chain"] for r in purge_rows}) == 1
    verified = await verify_chain(batch=2)
    assert verified.broken_at is None, verified.problem
    for chain, anchor in report.anchors.items():
        assert verified.chain(chain).starts_after == anchor
    assert verified.chain(3).starts_after is None
    assert (await purge_expired(NOW, 20)).purged == 0


async def test_a_forged_cut_at_the_start_of_one_chain_after_a_purge_is_still_reported(
    db: None,
) -> None:
    await append(0, 1, OLD)
    await append(0, 2)
    await append(5, 3, OLD)
    kept = [await append(5, 4), await append(5, 5)]
    await purge_expired(NOW, 20)
    assert (await verify_chain()).broken_at is None
    async with append_only_suspended():  # one more row off chain 5 than the purge took
        await AuditEvent.delete().where(AuditEvent.id == kept[0])
    report = await verify_chain()
    assert [(c.chain, c.broken_at, c.problem) for c in report.broken] == [(5, kept[1], CUT_OFF)]


async def test_a_dry_run_counts_every_chain_and_purges_nothing(db: None) -> None:
    await append(0, 1, OLD)
    await append(2, 2, OLD)
    await append(2, 3)
    before = await AuditEvent.count()
    report = await purge_expired(NOW, 20, dry_run=True)
    assert report.purged == 2 and set(report.anchors) == {0, 2}
    assert await AuditEvent.count() == before


# ---------------------------------------------------------------- the command


@pytest.mark.commits
async def test_practice_audit_verify_prints_every_chains_head_and_names_the_broken_one(
    db: None,
) -> None:
    ids = await two_chains(3)
    good = await asyncio.to_thread(practice, "audit", "verify")
    assert good.returncode == 0, good.stderr
    heads = {
        chain: (await AuditEvent.select(AuditEvent.row_hash).where(AuditEvent.id == rows[-1]))[0][
            "row_hash"
        ]
        for chain, rows in ids.items()
    }
    assert f"audit chain 0 intact: 3 rows, head {heads[0]}" in good.stdout
    assert f"audit chain 5 intact: 3 rows, head {heads[5]}" in good.stdout
    assert "6 rows in 2 chains" in good.stdout

    async with append_only_suspended():
        await AuditEvent.update({AuditEvent.purpose: "curiosity"}).where(AuditEvent.id == ids[5][1])
    bad = await asyncio.to_thread(practice, "audit", "verify")
    assert bad.returncode == 1
    assert f"audit chain 5 BROKEN at row {ids[5][1]}" in bad.stderr
    assert f"audit chain 0 intact: 3 rows, head {heads[0]}" in bad.stdout


async def test_a_row_written_through_the_driver_reads_back_as_the_same_row_piccolo_writes(
    db: None,
) -> None:
    # record_many's INSERT goes to the driver itself (insert_plain); what verify reads back
    # must be what Piccolo's own insert stores for the same values, on either engine.
    values: dict[str, Any] = {
        "occurred_at": NOW,
        "actor_id": 1,
        "actor_role": "therapist",
        "action": "read",
        "object_type": "client",
        "object_id": "7",
        "client_id": None,
        "purpose": "treatment",
        "source": "127.0.0.1",
        "channel": "web",
        "outcome": "success",
        "chain": 0,
        "prev_hash": "p",
        "row_hash": "r",
    }
    async with write_tx():
        await AuditEvent.insert(AuditEvent(**values))
        await insert_plain(audit._MANY_INSERT, [tuple(values.values())] * 2)
    rows = await AuditEvent.select(*(getattr(AuditEvent, name) for name in values)).order_by(
        AuditEvent.id
    )
    assert len(rows) == 3
    assert rows[0] == rows[1] == rows[2] == values


@pytest.mark.commits  # outside the test's own transaction
async def test_the_driver_insert_refuses_to_run_outside_a_transaction(db: None) -> None:
    with pytest.raises(RuntimeError, match="outside a transaction"):
        await insert_plain(audit._MANY_INSERT, [tuple(range(14))])


async def test_the_driver_insert_refuses_rows_of_different_lengths(db: None) -> None:
    async with write_tx():
        with pytest.raises(ValueError, match="different lengths"):
            await insert_plain(audit._MANY_INSERT, [tuple(range(14)), tuple(range(13))])
