"""Piccolo's engine and app registry, chosen from DATABASE_URL (SQLite default, PostgreSQL)."""

import asyncio
from typing import Any

import aiosqlite
from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from practice.platform.db import POSTGRES_SESSION
from practice.platform.settings import Settings

RETURNING_SINCE = 3.35  # SQLite's RETURNING; before it Piccolo reads the rowid after inserts
# What a statement outside a transaction must start with to go to the kept reading connection.
_READS = ("SELECT", "WITH")
# Idle connections a process keeps for its transactions (per event loop); more at once open
# new ones, which are closed at the end instead of kept.
POOL_SIZE = 4
# Prepared statements each connection keeps (sqlite3's LRU, Python's default 128; asyncpg's,
# default 100). SQLite plans a statistics statement in up to a tenth of a second and runs it
# in a millisecond: the per-absence figure's ~100 ms on S are all preparation. The kept
# connections serve every page and job, so the defaults were too few to keep the cells' and
# figures' statements between a worker's settlings or a test's figures: the facts property
# test took 150 s at 128 and 38 s at 512 on SQLite, 53 s and 27 s on PostgreSQL (where a
# backend's memory grew by 4 MB of 300). The texts are bounded (values are bound, never
# written in), and a big one costs SQLite about half a megabyte; P-8's memory did not move.
STATEMENT_CACHE = 512


class PooledTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction on a connection of the engine's small pool: taken at the
    start, given back after the commit or rollback (closed instead when either failed, or
    the pool is full). Where no pool was opened (a script, a test without the app), the
    engine hands out and closes a connection of its own, as Piccolo does."""

    async def get_connection(self) -> Any:
        return await self.engine.acquire()  # type: ignore[attr-defined]

    async def __aenter__(self) -> "PooledTransaction":
        if self._parent is not None:
            return self._parent  # type: ignore[return-value]
        self.connection = await self.get_connection()
        try:
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException:
            await self.engine.release(self.connection, reusable=False)  # type: ignore[attr-defined]
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:  # the caller may have rolled back already
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        except BaseException:
            await self.engine.release(self.connection, reusable=False)  # type: ignore[attr-defined]
            self.engine.current_transaction.reset(self.context)
            raise
        await self.engine.release(self.connection, reusable=True)  # type: ignore[attr-defined]
        self.engine.current_transaction.reset(self.context)
        return exception is None


class PracticeSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with one hand-off to aiosqlite's thread per query inside a
    transaction instead of four, a kept connection for single reads and a small pool of
    connections for transactions (below).

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
    # connection's thread, each whole (``execute_fetchall``). Writes and DDL outside a
    # transaction keep Piccolo's new connection. Transactions (``write_tx``, ``read_only``)
    # take a connection of a small pool (``PooledTransaction``): measured on S, P-1 went from
    # 2.02-2.12x to 1.77x and P-4 from 1.19-1.21x to 1.11-1.12x (README, Performance).

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._readers: dict[asyncio.AbstractEventLoop, aiosqlite.Connection] = {}
        self._idle: dict[asyncio.AbstractEventLoop, list[aiosqlite.Connection]] = {}

    async def open_reader(self) -> None:
        """The kept reading connection and the transactions' pool, for this event loop."""
        loop = asyncio.get_running_loop()
        if loop not in self._readers:
            self._readers[loop] = await self.get_connection()
            self._idle[loop] = []

    async def close_reader(self) -> None:
        loop = asyncio.get_running_loop()
        reader = self._readers.pop(loop, None)
        for connection in [*([reader] if reader is not None else []), *self._idle.pop(loop, [])]:
            await connection.close()

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledTransaction:
        return PooledTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    def idle_count(self) -> int | None:
        """The connections of this loop's pool nobody is using; None without a pool (each
        transaction then opens a connection of its own). See
        ``practice.platform.db.can_write_beside``."""
        idle = self._idle.get(asyncio.get_running_loop())
        return None if idle is None else len(idle)

    async def acquire(self) -> aiosqlite.Connection:
        """An idle connection of this loop's pool, or a new one."""
        idle = self._idle.get(asyncio.get_running_loop())
        if idle:
            return idle.pop()
        connection: aiosqlite.Connection = await self.get_connection()
        return connection

    async def release(self, connection: aiosqlite.Connection, *, reusable: bool) -> None:
        """Back to the pool when it ended cleanly and there is room; else closed."""
        idle = self._idle.get(asyncio.get_running_loop())
        if (
            reusable
            and idle is not None
            and len(idle) < POOL_SIZE
            and not connection.in_transaction
        ):
            idle.append(connection)
            return
        await connection.close()

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
        return PostgresEngine(
            config={
                "dsn": settings.database_url,
                "server_settings": POSTGRES_SESSION,
                "statement_cache_size": STATEMENT_CACHE,
            }
        )
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # timeout is sqlite3's busy timeout: writers wait for each other instead of failing.
    return PracticeSQLiteEngine(
        path=str(settings.sqlite_path), timeout=30, cached_statements=STATEMENT_CACHE
    )


DB = make_engine(Settings.from_env())

APP_REGISTRY = AppRegistry(
    apps=["practice.piccolo_app", "scheduling.piccolo_app", "reporting.piccolo_app"]
)
