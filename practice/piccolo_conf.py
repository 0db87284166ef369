"""Piccolo's engine and app registry, chosen from DATABASE_URL (SQLite default, PostgreSQL)."""

import asyncio
from typing import Any

import aiosqlite
from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

from practice.platform.settings import Settings

RETURNING_SINCE = 3.35  # SQLite's RETURNING; before it Piccolo reads the rowid after inserts
# What a statement outside a transaction must start with to go to the kept reading connection.
_READS = ("SELECT", "WITH")


class PracticeSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with one hand-off to aiosqlite's thread per query inside a
    transaction instead of four, and a kept connection for single reads (below).

    Piccolo 1.38 sends ``PRAGMA foreign_keys = 1`` before every query in a transaction,
    then execute, fetchall and close, each a separate call into the connection's thread.
    The pragma is a no-op there (SQLite ignores it inside a transaction, and Piccolo's
    ``get_connection`` already set it on the connection), and each hand-off waits for the
    GIL: on a page of a dozen reads (``practice.platform.db.read_only``) that was a millisecond and
    a half per query (P-1 on SQLite). Same SQL, same rows (``dict_factory``), same errors.
    """

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if query_type == "insert" and self.get_version_sync() < RETURNING_SINCE:
            return await super()._run_in_existing_connection(
                connection, query, args, query_type, table
            )
        connection.row_factory = dict_factory
        return list(await connection.execute_fetchall(query, args or []))

    # ------------------------------------------------------------ the kept reading connection
    #
    # Outside a transaction Piccolo opens a new connection, and with it a new thread, for every
    # query (issue 21: a page's session check, its reads and its audit row each paid for one;
    # P-1 on SQLite). A process that opened the pool (``practice.platform.db.open_pool``: the
    # web app's lifespan, the worker) keeps one autocommit connection per event loop for the
    # single statements that only read. Autocommit: each read takes the latest committed
    # snapshot, so a request reads what it wrote a moment before on its own transaction's
    # connection; aiosqlite runs the statements of all requests one after another on the
    # connection's thread, each whole (``execute_fetchall``). Writes, DDL and transactions
    # (``write_tx``, ``read_only``) keep their own connections as before.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._readers: dict[asyncio.AbstractEventLoop, aiosqlite.Connection] = {}

    async def open_reader(self) -> None:
        loop = asyncio.get_running_loop()
        if loop not in self._readers:
            self._readers[loop] = await self.get_connection()

    async def close_reader(self) -> None:
        reader = self._readers.pop(asyncio.get_running_loop(), None)
        if reader is not None:
            await reader.close()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        reader = self._readers.get(asyncio.get_running_loop())
        if reader is None or not query.lstrip()[:6].upper().startswith(_READS):
            return await super()._run_in_new_connection(query, args, query_type, table)
        return list(await reader.execute_fetchall(query, args or []))


def make_engine(settings: Settings) -> Engine:  # type: ignore[type-arg]
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # timeout is sqlite3's busy timeout: writers wait for each other instead of failing.
    return PracticeSQLiteEngine(path=str(settings.sqlite_path), timeout=30)


DB = make_engine(Settings.from_env())

APP_REGISTRY = AppRegistry(
    apps=["practice.piccolo_app", "scheduling.piccolo_app", "reporting.piccolo_app"]
)
