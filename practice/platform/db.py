"""Database helpers shared by every service: the write transaction and after-commit hooks.

Services wrap each business operation in ``write_tx()``. On SQLite it begins IMMEDIATE:
a DEFERRED read-then-write transaction fails with "database is locked" under concurrency
(stack-notes §1.3). Inner ``write_tx()`` blocks join the outer one, so two services compose
into one transaction. Work for the queue is registered with ``after_commit`` and runs only
once the outermost transaction has committed: a job never sees uncommitted rows, and a
rolled-back operation enqueues nothing.
"""

import asyncio
import contextlib
import contextvars
import json
import logging
import sqlite3
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Sequence,
)
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Where, WhereRaw
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString

from practice.platform import foreign_keys

log = logging.getLogger(__name__)
foreign_keys.install()

AfterCommit = Callable[[], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]
_pending: contextvars.ContextVar[list[AfterCommit] | None] = contextvars.ContextVar(
    "practice_after_commit", default=None
)
_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("practice_read_only", default=False)
_local: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "practice_write_tx_local", default=None
)
_memo: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "practice_request_memo", default=None
)
# Idle pooled SQLite connections a write beside reads needs (`can_write_beside`): one for it
# and one left for another request.
SPARE_FOR_BESIDE = 2
# The SQLite engines this process switched to WAL (`enable_sqlite_wal`; `can_write_beside`).
_in_wal: set[int] = set()
# The SQLite transaction ``read_only`` opened for its reads (`can_write_beside`).
_own_reads: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "practice_own_reads", default=None
)


# Every PostgreSQL session of the app (and of the bench's bare controls): no JIT. PostgreSQL
# compiles a plan whose estimated cost passes `jit_above_cost`; the statistics' per-absence
# statement on 100,000 episodes spent 3.4 of its 4.2 s compiling (issue 21, P-4), and no
# statement of this app runs long enough to win that back.
POSTGRES_SESSION = {"jit": "off"}


def engine() -> Engine:  # type: ignore[type-arg]
    db = engine_finder()
    if db is None:  # pragma: no cover - piccolo_conf always defines DB
        raise RuntimeError("no Piccolo engine configured (PICCOLO_CONF)")
    return db


def among(column: Column, ids: Iterable[int]) -> Where | WhereRaw:
    """``column`` is one of ``ids``, with the ids bound as one parameter: a JSON array that
    SQLite reads with ``json_each``, an array PostgreSQL compares with ``= ANY``.

    Piccolo's ``is_in`` binds one parameter per value, each run through its conversions and
    the query builder; for the hundreds of ids the caseload and the client page pass, that
    was a tenth of the page's time (targets P-1, P-2). One parameter also gives one
    statement text whatever the number of ids, so PostgreSQL prepares it once per
    connection. Both engines still probe the column's index per id (SQLite plans the
    ``IN (SELECT value FROM json_each(?))`` as a list subquery, as it plans ``IN (?, ...)``).
    Like ``is_in``, refuses an empty list. A column reached through a join keeps ``is_in``
    with one parameter per id: Piccolo adds a query's joins for the columns of its
    conditions, and sees none in raw SQL.
    """
    values = [int(i) for i in ids]
    if not values:
        raise ValueError("among() needs at least one id")
    if column._meta.call_chain:
        return column.is_in(QueryString(", ".join("{}" for _ in values), *values))
    # The column's full name as ``get_where_string`` gives it (Array alone differs, and is no
    # id), read from its meta: on a foreign key every method call costs a pass through
    # Piccolo's ``ForeignKey.__getattribute__``.
    meta = column._meta
    return WhereRaw("{}", _one_of(meta.get_full_name(with_alias=False), values, meta.engine_type))


def ids_in(column: str, ids: Iterable[int]) -> QueryString:
    """``among`` for raw SQL: ``column`` (SQL fixed in code, e.g. ``"episode"``) is one of
    ``ids``, bound as one parameter."""
    values = [int(i) for i in ids]
    if not values:
        raise ValueError("ids_in() needs at least one id")
    return _one_of(column, values, engine().engine_type)


def _one_of(column: str, values: list[int], engine_type: str) -> QueryString:
    if engine_type == "sqlite":
        # A column name of the table's own (fixed in code); the ids are a bound parameter.
        raw = f"{column} IN (SELECT value FROM json_each({{}}))"  # noqa: S608
        return QueryString(raw, json.dumps(values))
    return QueryString(f"{column} = ANY({{}})", values)


def _transaction(db: Engine) -> Any:  # type: ignore[type-arg]
    if db.engine_type == "sqlite":
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


class WriteInReadOnly(RuntimeError):
    """A write was started inside ``read_only()``: a programming error."""


@contextlib.asynccontextmanager
async def read_only() -> AsyncIterator[None]:
    """The reads of one page, together: on SQLite one connection and one snapshot instead of
    a new connection (with a thread) per query, which is what Piccolo does outside a
    transaction and was most of the caseload page there (P-1 on SQLite). On PostgreSQL each
    query already takes a pooled connection, and the block only marks the reads.

    Reads only. A write inside would upgrade a DEFERRED SQLite transaction, which fails at
    once with "database is locked" when another writer got there first (no busy wait):
    ``write_tx()`` inside raises ``WriteInReadOnly`` on both engines, so tests catch it.
    Audit rows of the reads are written after the block.
    """
    if _reading.get() or _pending.get() is not None:  # nested, or inside a write: join
        yield
        return
    db = engine()
    token = _reading.set(True)
    try:
        if db.engine_type == "sqlite" and db.current_transaction.get() is None:
            async with db.transaction(transaction_type=TransactionType.deferred) as reads:
                own = _own_reads.set(reads)
                try:
                    yield
                finally:
                    _own_reads.reset(own)
        else:
            yield
    finally:
        _reading.reset(token)


def side_by_side() -> bool:
    """Whether the server runs this context's statements side by side: PostgreSQL outside a
    transaction, where each takes a pooled connection of its own."""
    db = engine()
    return db.engine_type == "postgres" and db.current_transaction.get() is None


def can_write_beside() -> bool:
    """Whether a write transaction may run beside this context's reads (`alongside`): no
    transaction is open here but, on SQLite, the reading one ``read_only`` opened (the write
    takes a connection of its own; SQLite's WAL lets it commit while those reads keep their
    snapshot). Not inside a write, nor inside a transaction someone else opened (a test's,
    rolled back: a write beside it would outlive it, or wait for its lock); on SQLite only
    in WAL (`enable_sqlite_wal`: the app's start) and with pooled connections to spare."""
    db = engine()
    if db.engine_type == "sqlite":
        if id(db) not in _in_wal:
            return False  # a rollback journal: a reader's lock would hold the write's commit
        count = getattr(db, "idle_count", None)
        idle = None if count is None else count()
        if idle is not None and idle < SPARE_FOR_BESIDE:
            # Only while the pool has connections to spare: under load, connections (and
            # threads) opened and closed for writes beside cost the web process memory (P-8).
            return False
    current = db.current_transaction.get()
    return current is None or current is _own_reads.get()


@contextlib.asynccontextmanager
async def alongside(write: Callable[[], Coroutine[Any, Any, None]]) -> AsyncIterator[None]:
    """The block's reads, and `write` (a write transaction of its own, e.g. the audit row of
    a read whose object the block then loads) beside them where it may (`can_write_beside`):
    the reads do not wait for the write's round trips and commit, and the block ends only
    once the write has committed; if it failed, its error is raised (an audited read stays
    fail-closed: nothing is returned without its row). Elsewhere (inside a transaction
    around: one connection) `write` runs after the block.

    Begun beside the reads, the write commits even when a read then fails: an access log
    may then hold a row for a read that answered with an error, never the reverse."""
    if not can_write_beside():
        yield
        await write()
        return
    # A context of its own: none of this one's transaction, reads or memo.
    task = asyncio.create_task(write(), context=contextvars.Context())
    try:
        yield
    except BaseException:
        # The block's error is the answer; the write is still waited for, not abandoned.
        await asyncio.gather(task, return_exceptions=True)
        raise
    await task


async def concurrently(*reads: Callable[[], Awaitable[Any]]) -> tuple[Any, ...]:
    """Independent reads, at once where the engine allows it: on PostgreSQL outside a
    transaction each takes a pooled connection of its own, so the server works on them
    side by side (the statistics' figure groups, P-4). On SQLite inside ``read_only`` they
    share its one connection and snapshot: aiosqlite runs their statements one at a time
    on the connection's thread, each whole, while the event loop turns one read's rows into
    figures and builds the next one's SQL (P-4 on S: 8 ms of 112). Inside a transaction of
    PostgreSQL (one connection: a test's, or a write's), and in a write, one after the
    other."""
    db = engine()
    if side_by_side():
        return tuple(await asyncio.gather(*(read() for read in reads)))
    if db.engine_type == "sqlite" and _reading.get() and _pending.get() is None:
        return tuple(await asyncio.gather(*(read() for read in reads)))
    return tuple([await read() for read in reads])


@contextlib.asynccontextmanager
async def write_tx() -> AsyncIterator[None]:
    """One business operation: commit on success, roll back on any exception."""
    if _reading.get():
        raise WriteInReadOnly("write_tx() inside read_only(): write after the reads")
    if _pending.get() is not None:  # nested in our own transaction: join it
        yield
        return
    db = engine()
    forget_reads()
    # Inside a transaction we did not open (a test's rolled-back one), piccolo makes ours
    # a no-op and "commit" means the end of this block: callbacks run then.
    token = _pending.set([])
    local_token = _local.set({})
    try:
        transaction = _transaction(db)
        try:
            async with transaction:
                yield
        except Exception as exc:
            if _abandoned(db, transaction):
                await _discard(db, transaction)
                raise ConnectionLost("the database connection was lost mid-transaction") from exc
            raise
        callbacks = _pending.get() or []
    finally:
        _local.reset(local_token)
        _pending.reset(token)
    for callback in callbacks:
        await _run_safely(callback)


class ConnectionLost(ConnectionError):
    """The connection died inside a write transaction; the server rolled it back.

    A ``ConnectionError``, so the web layer answers 503 ("try again"), not 500."""


def _abandoned(db: Engine, transaction: Any) -> bool:  # type: ignore[type-arg]
    # Piccolo's PostgreSQL transaction resets "the current transaction" and returns the
    # connection only after its rollback succeeded. When the connection is gone, the
    # rollback raises first, and the dead transaction would stay current for every later
    # query in this context. (A nested block returns its parent: never current itself.)
    return db.engine_type == "postgres" and db.current_transaction.get() is transaction


async def _discard(db: Engine, transaction: Any) -> None:  # type: ignore[type-arg]
    db.current_transaction.reset(transaction.context)
    connection = transaction.connection
    if db.pool:  # type: ignore[attr-defined]
        # No-op when asyncpg already released it on close; else the pool resets or drops it.
        await db.pool.release(connection)  # type: ignore[attr-defined]
    elif not connection.is_closed():
        connection.terminate()


# ---------------------------------------------------------------- one request's reads
#
# A request may read the same rows twice on its way: the relation guard reads the episode's
# client and the requester's seats to decide, and the route's own check reads them again a
# moment later (three statements a write, issue 21). The request's memo lets a later step
# take what an earlier one read, under two rules: it lives for one request
# (`remembering_reads`, a middleware), and it is emptied when a write begins, since the write
# may change what was read. Outside a request (a job, the CLI) and inside a write there is
# none, and every read goes to the database.


@contextlib.contextmanager
def request_reads() -> Iterator[None]:
    """A memo of reads for the block (one request): `remembered` gives it."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembering_reads(app: ASGIApp) -> ASGIApp:
    """Middleware: each HTTP request gets a memo of its own (`request_reads`)."""

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        with request_reads():
            await app(scope, receive, send)

    return middleware


def remembered() -> dict[Any, Any] | None:
    """This request's memo of reads; None outside a request and inside a write (whose
    transaction reads afresh)."""
    if _pending.get() is not None:
        return None
    return _memo.get()


def forget_reads() -> None:
    """Empty the request's memo (a write begins)."""
    memo = _memo.get()
    if memo:
        memo.clear()


def in_write_tx() -> bool:
    """Whether the caller runs inside ``write_tx()`` (audit.record requires it)."""
    return _pending.get() is not None


async def insert_plain(prefix: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``prefix`` (``INSERT INTO t (c1, …) VALUES ``) followed by one row of parameters per
    row of ``rows`` (all as long as the prefix's column list), run on the current
    transaction's connection with the driver's own placeholders (``?`` on SQLite, ``$n`` on
    PostgreSQL).

    For many rows of plain values (str, int, None, aware datetime), which both drivers bind
    as Piccolo would pass them, so the stored values are the same: Piccolo's query builder
    runs each value through its conversions, which for the caseload's 56 audit rows (784
    values) was a millisecond a page (P-1). Only inside a transaction: outside one, Piccolo
    chooses the connection.
    """
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_plain() outside a transaction")
    if not rows:
        return
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError("insert_plain() rows of different lengths")
    values = [value for row in rows for value in row]
    if engine().engine_type == "sqlite":
        row = "(" + ",".join("?" * width) + ")"
        await transaction.connection.execute_fetchall(prefix + ",".join(row for _ in rows), values)
        return
    numbered = (
        "(" + ",".join(f"${start + i}" for i in range(1, width + 1)) + ")"
        for start in range(0, len(values), width)
    )
    await transaction.connection.execute(prefix + ",".join(numbered), *values)


def tx_local() -> dict[str, Any]:
    """State that lives as long as the current ``write_tx()`` and no longer: e.g. which
    audit chain's lock this transaction holds (``practice.audit.trail``). Each outermost
    ``write_tx()`` starts it empty; inner blocks share their outer block's."""
    local = _local.get()
    if local is None:
        raise RuntimeError("tx_local outside write_tx(): open a write transaction first")
    return local


def after_commit(callback: AfterCommit) -> None:
    """Run ``callback`` after the current write transaction commits (now if there is none)."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("after_commit outside write_tx(): open a write transaction first")
    pending.append(callback)


async def _run_safely(callback: AfterCommit) -> None:
    # The database already holds the truth; a failed enqueue is repaired by the sweep.
    try:
        await callback()
    except Exception:
        log.exception("after-commit callback failed; the due-work sweep will retry it")


async def keep_session(connection: object) -> None:
    """What a PostgreSQL connection needs before the pool lends it again: nothing more than
    asyncpg always does (it rolls back a transaction left open, and forgets listeners).

    asyncpg's default reset sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL`` on every release, a round trip for each statement run outside a transaction: a
    write of P-10 released eight connections, the caseload twenty-six. This app leaves no
    session state to undo: its advisory locks are transaction-level
    (``pg_advisory_xact_lock``, released at commit), it sets no parameter with SET (its one
    setting, ``POSTGRES_SESSION``, comes with the connection, and RESET ALL would keep it
    anyway), and it opens no cursor and listens to no channel. A test holds that after the
    app's own requests (``tests/integration/practice/test_pool_reset.py``)."""


async def open_pool(db: Engine, max_size: int) -> None:  # type: ignore[type-arg]
    """PostgreSQL: a connection pool (without one Piccolo connects per query). SQLite: a
    kept connection for single reads and a small pool for transactions
    (``practice.piccolo_conf.PracticeSQLiteEngine``)."""
    if db.engine_type == "postgres":
        # asyncpg's min_size defaults to 10, above a small max_size
        await db.start_connection_pool(min_size=1, max_size=max_size, reset=keep_session)  # type: ignore[no-untyped-call, call-arg]
    elif (open_reader := getattr(db, "open_reader", None)) is not None:
        await open_reader()


async def close_pool(db: Engine) -> None:  # type: ignore[type-arg]
    if db.engine_type == "postgres":
        await db.close_connection_pool()  # type: ignore[no-untyped-call]
    elif (close_reader := getattr(db, "close_reader", None)) is not None:
        await close_reader()


WAL_SWITCH_ATTEMPTS = 20


async def enable_sqlite_wal(db: Engine) -> None:  # type: ignore[type-arg]
    """WAL lets readers run beside the one writer; the setting is kept in the file.

    Reading the mode needs no lock, so a file already in WAL (every start but the first) is
    left alone. The switch itself needs the file to itself: a worker that starts beside the
    first web process may hold it for a moment, so a busy file is tried again shortly after
    instead of failing the start.
    """
    if db.engine_type != "sqlite":
        return
    for attempt in range(WAL_SWITCH_ATTEMPTS):
        try:
            rows = await db.run_ddl("PRAGMA journal_mode")
            if not rows or str(next(iter(rows[0].values()))).lower() != "wal":
                await db.run_ddl("PRAGMA journal_mode=WAL")
            _in_wal.add(id(db))
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_SWITCH_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.05 * (attempt + 1))
