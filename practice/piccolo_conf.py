"""Piccolo's engine and app registry, chosen from DATABASE_URL (SQLite default, PostgreSQL)."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from practice.settings import Settings


def make_engine(settings: Settings) -> Engine:  # type: ignore[type-arg]
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # timeout is sqlite3's busy timeout: writers wait for each other instead of failing.
    return SQLiteEngine(path=str(settings.sqlite_path), timeout=30)


DB = make_engine(Settings.from_env())

APP_REGISTRY = AppRegistry(
    apps=["practice.piccolo_app", "scheduling.piccolo_app", "reporting.piccolo_app"]
)
