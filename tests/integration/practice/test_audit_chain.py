"""The audit log is hash-chained (AUD-4) and the client's access log is readable (AUD-6)."""

import asyncio
import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from litestar import Litestar

from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.chain import GENESIS, keyed_link, link_hash
from practice.audit.guard import append_only_suspended
from practice.audit.trail import Action, Actor, Channel, Outcome
from practice.audit.verify import verify_chain
from practice.platform.db import write_tx
from practice.tables import AuditEvent, Client
from tests.cast import Cast, make_user
from tests.conftest import make_client
from tests.web import api, assert_audited, login

ACTOR = Actor(user_id=1, role="therapist", source="127.0.0.1", channel=Channel.WEB)


async def write_rows(count: int, client_id: int | None = None) -> list[int]:
    for n in range(count):
        async with write_tx():
            await audit.record(
                ACTOR, Action.READ, "episode", n, purpose="treatment", client_id=client_id
            )
    rows = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)
    return [r["id"] for r in rows]


async def test_an_untouched_chain_verifies(db) -> None:
    assert (await verify_chain()).rows == 0
    ids = await write_rows(5)
    report = await verify_chain(batch=2)  # across batch boundaries
    assert report.broken_at is None and report.rows == 5
    first = await AuditEvent.select().where(AuditEvent.id == ids[0]).first()
    assert first is not None and first["prev_hash"] == GENESIS
    last = await AuditEvent.select().where(AuditEvent.id == ids[-1]).first()
    assert last is not None and [c.head for c in report.chains] == [last["row_hash"]]


async def test_a_changed_row_is_named(db) -> None:
    ids = await write_rows(5)
    async with append_only_suspended():  # tampering as the table owner
        await AuditEvent.update({AuditEvent.object_id: "999"}).where(AuditEvent.id == ids[2])
    report = await verify_chain()
    assert report.broken_at == ids[2] and "changed" in (report.problem or "")


async def test_a_deleted_row_is_named_by_the_row_after_it(db) -> None:
    ids = await write_rows(5)
    async with append_only_suspended():
        await AuditEvent.delete().where(AuditEvent.id == ids[2])
    report = await verify_chain()
    assert report.broken_at == ids[3] and "deleted" in (report.problem or "")


async def test_two_rows_swapped_are_named(db) -> None:
    ids = await write_rows(5)
    a, b = ids[1], ids[3]
    async with append_only_suspended():
        await AuditEvent.update({AuditEvent.id: -1}).where(AuditEvent.id == a)
        await AuditEvent.update({AuditEvent.id: a}).where(AuditEvent.id == b)
        await AuditEvent.update({AuditEvent.id: b}).where(AuditEvent.id == -1)
    report = await verify_chain()
    assert report.broken_at == a and "reordered" in (report.problem or "")


Link = Callable[[Mapping[str, Any], str], str]
WRONG_KEY = b"a-guessed-audit-key-of-32-bytes!"


async def rechain(first_id: int, link: Link, last_id: int | None = None) -> None:
    """As a database superuser (triggers off): recompute the links from ``first_id`` on, to
    ``last_id`` (the row after it then points at the new link) or to the head."""
    async with append_only_suspended():
        rows = await AuditEvent.select().where(AuditEvent.id >= first_id).order_by(AuditEvent.id)
        prev_hash = rows[0]["prev_hash"]
        for row in rows:
            if last_id is not None and row["id"] > last_id:
                await AuditEvent.update({AuditEvent.prev_hash: prev_hash}).where(
                    AuditEvent.id == row["id"]
                )
                return
            row_hash = link(row, prev_hash)
            await AuditEvent.update(
                {AuditEvent.prev_hash: prev_hash, AuditEvent.row_hash: row_hash}
            ).where(AuditEvent.id == row["id"])
            prev_hash = row_hash


async def rewrite(row_id: int, link: Link, last_id: int | None = None) -> None:
    """Change one row's content and recompute the chain from it (to the head) with ``link``."""
    async with append_only_suspended():
        await AuditEvent.update({AuditEvent.purpose: "curiosity"}).where(AuditEvent.id == row_id)
    await rechain(row_id, link, last_id)


@pytest.mark.parametrize(
    "link",
    [
        pytest.param(link_hash, id="plain-sha256"),
        pytest.param(lambda row, prev: keyed_link(row, prev, WRONG_KEY), id="wrong-key"),
    ],
)
async def test_a_row_rewritten_and_the_chain_recomputed_without_the_audit_key_is_named(
    db, link: Link
) -> None:
    ids = await write_rows(5)
    await rewrite(ids[2], link)
    report = await verify_chain()
    assert report.broken_at == ids[2], report.problem
    assert report.rows == 2


async def test_a_chain_recomputed_in_plain_sha256_from_its_first_row_is_refused(db) -> None:
    ids = await write_rows(3)
    await rewrite(ids[0], link_hash)  # no keyed row is left to pin the plain ones
    report = await verify_chain()
    assert report.broken_at == ids[0] and "without any keyed row" in (report.problem or "")


async def test_only_the_audit_key_recomputes_a_chain_that_verifies(db) -> None:
    # The control of the two tests above: the rewrite itself is faithful, the key is what
    # a superuser lacks.
    ids = await write_rows(4)
    await rewrite(ids[1], lambda row, prev: keyed_link(row, prev, audit.chain_key()))
    assert (await verify_chain()).broken_at is None
    assert (await verify_chain(key=WRONG_KEY)).broken_at == ids[0]


async def test_rows_linked_in_plain_sha256_before_keyed_rows_still_verify(db) -> None:
    ids = await write_rows(3)
    await rechain(ids[0], link_hash)  # the chain as written before AUD-8
    ids += (await write_rows(2))[3:]  # record links on from a plain head with the key
    assert (await verify_chain(batch=2)).broken_at is None
    # ... and the keyed rows pin the plain ones: rewriting those is found at the first keyed row.
    await rewrite(ids[1], link_hash, last_id=ids[2])
    report = await verify_chain()
    assert report.broken_at == ids[3], report.problem


async def test_recording_outside_a_write_transaction_is_refused(db) -> None:
    with pytest.raises(RuntimeError, match="write_tx"):
        await audit.record(ACTOR, Action.READ, "episode", 1, purpose="treatment")


def practice(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from practice.composition.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


@pytest.mark.commits
async def test_practice_audit_verify_exits_1_naming_the_tampered_row(db) -> None:
    ids = await write_rows(4)
    good = await asyncio.to_thread(practice, "audit", "verify")
    assert good.returncode == 0, good.stderr
    assert "4 rows" in good.stdout
    async with append_only_suspended():
        await AuditEvent.update({AuditEvent.purpose: "curiosity"}).where(AuditEvent.id == ids[1])
    bad = await asyncio.to_thread(practice, "audit", "verify")
    assert bad.returncode == 1
    assert f"row {ids[1]}" in bad.stderr


@pytest.mark.commits
async def test_practice_audit_verify_names_a_row_rechained_without_the_audit_key(db) -> None:
    ids = await write_rows(4)
    await rewrite(ids[2], link_hash)
    bad = await asyncio.to_thread(practice, "audit", "verify")
    assert bad.returncode == 1
    assert f"row {ids[2]}" in bad.stderr and "AUDIT_KEY" in bad.stderr
    # verify checks with the AUDIT_KEY of its settings: another key accepts no keyed row
    other = await asyncio.to_thread(practice, "audit", "verify", AUDIT_KEY="w" * 32)
    assert other.returncode == 1 and f"row {ids[0]}" in other.stderr
    short = await asyncio.to_thread(practice, "audit", "verify", AUDIT_KEY="short")
    assert short.returncode != 0 and "AUDIT_KEY" in short.stderr


@pytest.mark.commits
async def test_twenty_concurrent_logins_keep_every_chain_linear(app: Litestar, db, redis) -> None:
    members = [await make_user(Role.THERAPIST, f"t{n}@cast.test") for n in range(20)]

    async def log_in(email: str) -> int:
        async with make_client(app) as client:
            return (await login(client, email)).status_code

    statuses = await asyncio.gather(*[log_in(m.email) for m in members])
    assert statuses == [303] * 20
    report = await verify_chain()
    assert report.broken_at is None
    assert report.rows == await AuditEvent.count() == 40  # password step + code step each
    successes = await AuditEvent.count().where(AuditEvent.outcome == Outcome.SUCCESS.value)
    assert successes == 20


# ---------------------------------------------------------------- the client's access log


async def test_the_practice_manager_reads_and_exports_a_clients_access_log(
    client, cast: Cast
) -> None:
    rows = await Client.insert(Client(name="Anna")).returning(Client.id)
    client_id = int(rows[0]["id"])
    other = (await Client.insert(Client(name="Bert")).returning(Client.id))[0]["id"]
    therapist = Actor(cast.therapist.id, "therapist", "10.0.0.5", Channel.WEB)
    async with write_tx():
        await audit.record(
            therapist, Action.READ, "episode", 7, purpose="treatment", client_id=client_id
        )
        await audit.record(
            therapist, Action.READ, "episode", 8, purpose="treatment", client_id=other
        )

    await login(client, cast.practice_manager.email)
    response = await api(client, "GET", f"/api/clients/{client_id}/access-log")
    assert response.status_code == 200, response.text
    entries = response.json()
    assert len(entries) == 1
    entry = entries[0]
    assert entry["actor_id"] == cast.therapist.id
    assert entry["actor_name"] == "Test therapist"
    assert (entry["action"], entry["object_type"], entry["purpose"]) == (
        "read",
        "episode",
        "treatment",
    )
    await assert_audited(
        action=Action.READ.value,
        object_type="access_log",
        client_id=client_id,
        actor_id=cast.practice_manager.id,
    )

    exported = await client.get(f"/api/clients/{client_id}/access-log.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.text)))
    assert table[0][:3] == ["id", "occurred_at", "actor_id"]
    # the read of the log is in the export: reading it is an access too
    assert {row[6] for row in table[1:]} == {"episode", "access_log"}
    await assert_audited(action=Action.EXPORT.value, object_type="access_log", client_id=client_id)


async def test_only_the_practice_manager_reads_the_access_log(client, cast: Cast) -> None:
    rows = await Client.insert(Client(name="Anna")).returning(Client.id)
    await login(client, cast.therapist.email)
    response = await api(client, "GET", f"/api/clients/{rows[0]['id']}/access-log")
    assert response.status_code == 403


async def test_the_access_log_of_an_unknown_client_is_404(client, cast: Cast) -> None:
    await login(client, cast.practice_manager.email)
    response = await api(client, "GET", "/api/clients/999999/access-log")
    assert response.status_code == 404
