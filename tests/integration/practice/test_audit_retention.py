"""Audit retention (AUD-5): the purge removes only rows older than the retention period,
from the start of the chain, and the chain still verifies afterwards."""

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import time_machine

from practice.audit import trail as audit
from practice.audit.guard import append_only_suspended
from practice.audit.retention import purge_expired, retention_cutoff
from practice.audit.trail import Action, Actor, Channel
from practice.audit.verify import verify_chain
from practice.platform.db import write_tx
from practice.tables import AuditEvent

ACTOR = Actor(user_id=1, role="therapist", source="127.0.0.1", channel=Channel.WEB)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def write_row_at(moment: datetime, object_id: int) -> None:
    with time_machine.travel(moment, tick=False):
        async with write_tx():
            await audit.record(ACTOR, Action.READ, "episode", object_id, purpose="treatment")


async def kept_object_ids() -> list[str | None]:
    rows = await AuditEvent.select(AuditEvent.object_id).order_by(AuditEvent.id)
    return [r["object_id"] for r in rows]


def test_the_cutoff_is_whole_calendar_years_back() -> None:
    assert retention_cutoff(NOW, 20) == datetime(2006, 11, 23, 9, 0, tzinfo=UTC)
    leap_day = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert retention_cutoff(leap_day, 5) == datetime(2023, 2, 28, 12, 0, tzinfo=UTC)


async def test_the_purge_deletes_only_rows_older_than_the_retention_and_the_chain_verifies(
    db: None,
) -> None:
    await write_row_at(datetime(2000, 1, 1, tzinfo=UTC), 1)  # old
    await write_row_at(datetime(2006, 11, 22, tzinfo=UTC), 2)  # old: a day before the cutoff
    await write_row_at(datetime(2006, 11, 24, tzinfo=UTC), 3)  # young: a day after it
    await write_row_at(datetime(2001, 1, 1, tzinfo=UTC), 4)  # old, but after a young row
    await write_row_at(NOW, 5)

    report = await purge_expired(NOW, 20)

    assert report.purged == 2
    [anchor] = report.anchors.values()  # one chain: the writes ran one after another
    assert await kept_object_ids() == ["3", "4", "5", anchor]  # + the purge's own row
    purge_row = await AuditEvent.select().order_by(AuditEvent.id, ascending=False).first()
    assert purge_row is not None
    assert (purge_row["action"], purge_row["purpose"]) == ("delete", "retention")
    chain = await verify_chain(batch=2)
    assert chain.broken_at is None, chain.problem
    assert chain.rows == 4
    assert [c.starts_after for c in chain.chains] == [anchor]
    # A second purge at the same moment finds nothing more that is old enough at the start.
    assert (await purge_expired(NOW, 20)).purged == 0


async def test_a_dry_run_and_a_young_log_purge_nothing(db: None) -> None:
    await write_row_at(datetime(1999, 1, 1, tzinfo=UTC), 1)
    await write_row_at(NOW, 2)
    assert (await purge_expired(NOW, 20, dry_run=True)).purged == 1
    assert await kept_object_ids() == ["1", "2"]
    assert (await purge_expired(NOW, 30)).purged == 0  # everything younger than 30 years
    assert await kept_object_ids() == ["1", "2"]


async def test_rows_cut_off_the_start_of_the_chain_outside_a_purge_are_reported(
    db: None,
) -> None:
    for n in range(3):
        await write_row_at(NOW, n)
    ids = [r["id"] for r in await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)]
    async with append_only_suspended():
        await AuditEvent.delete().where(AuditEvent.id == ids[0])
    report = await verify_chain()
    assert report.broken_at == ids[1]
    assert "no retention purge" in (report.problem or "")


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
async def test_practice_audit_purge_removes_expired_rows_and_verify_still_passes(db: None) -> None:
    # One transaction, so one chain on PostgreSQL too: each committing transaction of a test
    # has a connection of its own there, and would start on a chain of its own.
    async with write_tx():
        for moment, object_id in [
            (datetime(1990, 5, 1, tzinfo=UTC), 1),
            (datetime(1991, 5, 1, tzinfo=UTC), 2),
            (datetime.now(UTC), 3),
        ]:
            with time_machine.travel(moment, tick=False):
                await audit.record(ACTOR, Action.READ, "episode", object_id, purpose="treatment")

    refused = await asyncio.to_thread(practice, "audit", "purge", AUDIT_RETENTION_YEARS="4")
    assert refused.returncode != 0
    assert "AUDIT_RETENTION_YEARS" in refused.stderr
    assert await AuditEvent.count() == 3

    purged = await asyncio.to_thread(practice, "audit", "purge")
    assert purged.returncode == 0, purged.stderr
    assert "purged 2 rows" in purged.stdout
    verified = await asyncio.to_thread(practice, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "2 rows" in verified.stdout and "retention purge" in verified.stdout
