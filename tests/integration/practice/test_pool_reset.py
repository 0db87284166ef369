"""A pooled PostgreSQL connection goes back to the pool without asyncpg's reset round trip
(``practice.platform.db.keep_session``): that holds only while the app leaves no session
state behind. Here the app serves reads and audited writes on its real pool of one
connection, and that connection is then as a new one would be."""

import httpx
import pytest

from practice.platform.db import close_pool, engine, open_pool
from tests.cast import Cast
from tests.story import ok, refer, setup_parties
from tests.web import api

# What asyncpg's reset would undo: parameters whose value RESET ALL would change (asyncpg's
# own type introspection sets ``jit`` again, to the value it had: no change), advisory
# locks held at session level, channels listened to, cursors and prepared statements opened
# by SQL. A transaction left open is rolled back by asyncpg on every release regardless.
SESSION_STATE = """
SELECT
  (SELECT count(*) FROM pg_settings WHERE source = 'session' AND setting <> reset_val)
    AS settings,
  (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks,
  (SELECT count(*) FROM pg_listening_channels()) AS channels,
  (SELECT count(*) FROM pg_cursors WHERE name <> '') AS cursors,  -- '': this query's own portal
  (SELECT count(*) FROM pg_prepared_statements WHERE from_sql) AS sql_statements
"""


@pytest.mark.commits
async def test_the_app_leaves_no_session_state_on_a_pooled_connection(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    if engine().engine_type != "postgres":
        pytest.skip("PostgreSQL's pool: SQLite has no server session")
    await open_pool(engine(), max_size=1)  # every request on the same connection
    try:
        parties = await setup_parties(client, cast)
        episode_id = await refer(client, cast, parties)
        await ok(
            await api(
                client,
                "POST",
                f"/api/episodes/{episode_id}/task-overrides",
                {"task_key": "screening", "reason": "telefonisch besproken"},
            ),
            200,
        )
        assert (await client.get("/caseload")).status_code == 200
        assert (await client.get(f"/episodes/{episode_id}")).status_code == 200

        pool = engine().pool  # type: ignore[attr-defined]
        async with pool.acquire() as connection:
            state = dict(await connection.fetchrow(SESSION_STATE))
    finally:
        await close_pool(engine())

    assert state == {
        "settings": 0,
        "locks": 0,
        "channels": 0,
        "cursors": 0,
        "sql_statements": 0,
    }
