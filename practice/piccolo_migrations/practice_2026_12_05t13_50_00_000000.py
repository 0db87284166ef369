"""``audit_take_chain``: a transaction's first audit row takes a free chain and reads its head
in one round trip (PostgreSQL only; issue 21, P-10).

Written by hand. Before, taking the chain (one statement of ``pg_try_advisory_xact_lock``
tries) and reading its head were two statements, because under READ COMMITTED a statement
sees only what was committed before it started: one statement that took the lock and read
the head could miss the row the chain's previous holder committed just before releasing
it. A PL/pgSQL function keeps that order in one call: each SQL statement a VOLATILE
function runs takes a fresh snapshot, so its head read, after the lock, sees that row.

The constants stay with their owner (``practice.audit.trail``: ``CHAIN_LOCK``, ``CHAINS``),
passed on every call. On SQLite this migration does nothing: one writer, one chain.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T13:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_take_chain(): an audit chain's lock and head in one round trip"

FORWARDS = """
CREATE OR REPLACE FUNCTION audit_take_chain(lock_base bigint, chains integer)
RETURNS TABLE (taken integer, head varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    start integer := pg_backend_pid() % chains;
BEGIN
    -- The first free chain from this connection's own on, without waiting.
    FOR step IN 0 .. chains - 1 LOOP
        IF pg_try_advisory_xact_lock(lock_base + (start + step) % chains) THEN
            taken := (start + step) % chains;
            EXIT;
        END IF;
    END LOOP;
    -- All taken: wait for the first one tried.
    IF taken IS NULL THEN
        PERFORM pg_advisory_xact_lock(lock_base + start);
        taken := start;
    END IF;
    -- A statement of its own, so a snapshot taken after the lock: it sees the row the
    -- chain's previous holder committed. The range keeps the planner on (chain, id)
    -- (practice.audit.trail.in_chain).
    SELECT e.row_hash INTO head FROM audit_event e
     WHERE e.chain >= taken AND e.chain <= taken
     ORDER BY e.chain DESC, e.id DESC LIMIT 1;
    RETURN NEXT;
END
$$
"""
BACKWARDS = "DROP FUNCTION IF EXISTS audit_take_chain(bigint, integer)"


async def _run(statement: str) -> None:
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "postgres":
        await engine.run_ddl(statement)


async def _forwards() -> None:
    await _run(FORWARDS)


async def _backwards() -> None:
    await _run(BACKWARDS)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
