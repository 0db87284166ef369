"""The bare controls: the same SQL without the ORM, and the same template without the stack.

A control must do the same work as its candidate minus the cost under test. So the SQL of
a control is not a rewrite that might fetch less: it is the candidate's own SQL, captured
while the candidate serves one request (`capture`) and replayed straight on the driver
(asyncpg, or aiosqlite on one open connection), with the rows returned as the driver gives
them. Statements on the audit log and the account table are left out: audit and session
are part of the stack under test, not of the page's data.

`bare_app` is a Litestar app with no middleware, guard, session, CSRF or audit: one route
that replays a page's SQL, does the page's pure Python work, and renders its template with
the same rows.
"""

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, get
from litestar.response import Template
from litestar.template.config import TemplateConfig

from practice.platform.db import POSTGRES_SESSION, engine
from practice.platform.settings import Settings
from practice.platform.templating import make_environment

Statement = tuple[str, list[Any]]
STACK_TABLES = ("audit_event", "app_user")


_FIRST_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?', re.IGNORECASE)


def _of_the_stack(sql: str) -> bool:
    """A statement of the stack: the first table it reads is the account or the audit table
    (the session's user, the chain's head). A page's statement that joins the account table
    for a name (the dashboard's caseload by therapist, the filter's therapists) is the
    page's own: mentioning the table is not enough (it was, and left the dashboard's
    slowest statement out of P-4's control)."""
    first = _FIRST_TABLE.search(sql)
    return first is not None and first.group(1) in STACK_TABLES


@contextlib.contextmanager
def capture() -> Iterator[list[Statement]]:
    """Record the read statements the app sends while the block runs (compiled, with args)."""
    # Engines have __slots__: the method is wrapped on the class, for the block only.
    engine_class: Any = type(engine())
    original = engine_class.run_querystring
    captured: list[Statement] = []

    async def recording(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        sql, values = querystring.compile_string(engine_type=self.engine_type)
        lead = sql.lstrip().upper()
        if lead.startswith(("SELECT", "WITH")) and not _of_the_stack(sql):
            captured.append((sql, list(values)))
        return await original(self, querystring, *args, **kwargs)

    engine_class.run_querystring = recording
    try:
        yield captured
    finally:
        engine_class.run_querystring = original


class Replayer:
    """Runs captured statements on a plain driver connection."""

    async def replay(self, statements: list[Statement]) -> int:
        raise NotImplementedError

    async def replay_at_once(self, statements: list[Statement]) -> int:
        """The statements side by side where the app runs them so (`db.concurrently`: on
        PostgreSQL); one after the other on SQLite."""
        return await self.replay(statements)

    async def close(self) -> None:
        raise NotImplementedError


class PostgresReplayer(Replayer):
    def __init__(self, pool: Any) -> None:
        self.pool = pool

    async def replay(self, statements: list[Statement]) -> int:
        rows = 0
        async with self.pool.acquire() as connection:
            for sql, values in statements:
                rows += len(await connection.fetch(sql, *values))
        return rows

    async def replay_at_once(self, statements: list[Statement]) -> int:
        async def one(sql: str, values: list[Any]) -> int:
            async with self.pool.acquire() as connection:
                return len(await connection.fetch(sql, *values))

        return sum(await asyncio.gather(*(one(sql, values) for sql, values in statements)))

    async def close(self) -> None:
        await self.pool.close()


class SqliteReplayer(Replayer):
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def replay(self, statements: list[Statement]) -> int:
        rows = 0
        for sql, values in statements:
            async with self.connection.execute(sql, values) as cursor:
                rows += len(await cursor.fetchall())
        return rows

    async def close(self) -> None:
        await self.connection.close()


async def open_replayer(settings: Settings) -> Replayer:
    if settings.is_postgres:
        import asyncpg

        # As many connections as the web process's pool (practice.composition.app).
        pool = await asyncpg.create_pool(
            settings.database_url, min_size=1, max_size=10, server_settings=POSTGRES_SESSION
        )
        return PostgresReplayer(pool)
    import aiosqlite

    return SqliteReplayer(await aiosqlite.connect(settings.sqlite_path, timeout=30))


@dataclass
class BarePage:
    """What the bare route shows: the template, its context, and the SQL behind it; and the
    pure Python the page needs besides (e.g. deriving tasks from the facts), if any."""

    template: str
    context: dict[str, Any]
    statements: list[Statement]
    work: Callable[[], object] = lambda: None


def bare_app(settings: Settings, replayer: Replayer, pages: dict[str, BarePage]) -> Litestar:
    """A Litestar app with nothing but ``GET /bare/{name}``: replay the SQL, render."""
    from litestar.plugins.jinja import JinjaTemplateEngine

    @get("/bare/{name:str}")
    async def bare(name: str) -> Template:
        shown = pages[name]
        await replayer.replay(shown.statements)
        shown.work()
        return Template(template_name=shown.template, context=shown.context)

    environment = make_environment(settings.time_zone)
    return Litestar(
        route_handlers=[bare],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment)),
        logging_config=None,
        openapi_config=None,
    )


@contextlib.asynccontextmanager
async def replaying(settings: Settings) -> AsyncIterator[Replayer]:
    replayer = await open_replayer(settings)
    try:
        yield replayer
    finally:
        await replayer.close()
