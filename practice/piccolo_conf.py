"""Piccolo's engine and app registry, chosen from DATABASE_URL (SQLite default, PostgreSQL)."""

from typing import Any

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

from practice.platform.settings import Settings

RETURNING_SINCE = 3.35  # SQLite's RETURNING; before it Piccolo reads the rowid after inserts


class PracticeSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with one hand-off to aiosqlite's thread per query inside a
    transaction instead of four.

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
