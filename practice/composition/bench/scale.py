"""P-3: the caseload page on the big data set against the same page on a small one.

The small data set (1,000 episodes, about 10 k appointments: five therapists of exactly
the bench therapist's shape) lives on a database of its own (``<database>_p3`` on
PostgreSQL, ``<file>.p3.sqlite`` on SQLite), built once by a child bench and then reused.
The bench therapist's caseload has the same 200 episodes and 30 active ones in both; only
the tables around it differ in size.

Piccolo binds its tables to one engine per process, so each database gets a web worker of
its own (``uvicorn``, `bench.server`), the two started alike; the bench process is
only the load generator, and it interleaves the two sides in rounds like every other A/B,
so a slow minute of the machine hurts both.
"""

from urllib.parse import urlsplit, urlunsplit

import httpx

from practice.composition.bench.child import ChildFailed, load_in_child
from practice.composition.bench.client import BenchError, log_in_with
from practice.composition.bench.datasets import make_plan
from practice.composition.bench.measurements import Bench
from practice.composition.bench.report import Outcome, not_measured, ratio_outcome
from practice.composition.bench.server import ServerFailed, web_worker
from practice.composition.bench.timing import Side, run_ab
from practice.platform.settings import Settings

SMALL_EPISODES = 1_000
TITLE, GOAL = "caseload on the big data set vs a 10 k-session one", "≤ 1.2×"


async def _small_database(settings: Settings) -> str:
    if not settings.is_postgres:
        return f"sqlite:///{settings.sqlite_path}.p3.sqlite"
    import asyncpg

    parts = urlsplit(settings.database_url)
    name = f"{parts.path.lstrip('/')}_p3"
    connection = await asyncpg.connect(settings.database_url)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


async def caseload_at_scale(bench: Bench) -> Outcome:
    if bench.plan.episodes <= SMALL_EPISODES:
        return not_measured("P-3", TITLE, GOAL, "the data set is no bigger than the control's")
    settings = bench.settings
    small_url = await _small_database(settings)
    small_plan = make_plan("S", episodes=SMALL_EPISODES, seed=bench.plan.seed)
    try:
        await load_in_child(bench, small_url, episodes=SMALL_EPISODES)
    except ChildFailed as exc:
        return not_measured("P-3", TITLE, GOAL, f"the small data set failed: {exc}")
    redis_url = settings.redis_url or ""
    try:
        async with (
            web_worker(small_url, redis_url) as small_worker,
            web_worker(settings.database_url, redis_url) as big_worker,
            httpx.AsyncClient(base_url=small_worker.base_url, timeout=120) as small_http,
            httpx.AsyncClient(base_url=big_worker.base_url, timeout=120) as big_http,
        ):
            small = await log_in_with(
                small_http, small_plan.email(small_plan.bench_therapist), bench.password
            )
            big = await log_in_with(
                big_http, bench.plan.email(bench.plan.bench_therapist), bench.password
            )
            result = await run_ab(
                Side("small", lambda: small.get("/caseload")),
                Side("big", lambda: big.get("/caseload")),
                **bench.rounds_of(),
            )
    except (ServerFailed, BenchError) as exc:
        return not_measured("P-3", TITLE, GOAL, str(exc))
    return ratio_outcome(
        "P-3",
        TITLE,
        goal_ratio=1.2,
        result=result,
        control_label=(
            f"GET /caseload of the same therapist shape on {SMALL_EPISODES:,} episodes "
            "(a uvicorn worker on its own database)"
        ),
        candidate_label=(
            f"GET /caseload on this data set ({bench.plan.episodes:,} episodes; an identical "
            "uvicorn worker)"
        ),
        note="two web workers, requests interleaved in rounds from this process",
    )
