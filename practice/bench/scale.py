"""P-3: the caseload page on the big data set against the same page on a small one.

The small data set (1,000 episodes, about 10 k appointments: five therapists of exactly
the bench therapist's shape) is measured by a child bench (`practice.bench.child`,
``--only P-1``) against a database of its own
(``<database>_p3`` on PostgreSQL, ``<file>.p3.sqlite`` on SQLite; built once, then
reused). The bench therapist's caseload has the same 200 episodes and 30 active ones in
both; only the tables around it differ in size. Child first, then this process, the same
number of requests each: sequential, not interleaved, so this ratio carries more machine
noise than the others.
"""

import time
from urllib.parse import urlsplit, urlunsplit

from practice.bench.child import ChildFailed, run_child
from practice.bench.measurements import Bench
from practice.bench.report import FAIL, PASS, Outcome, not_measured
from practice.bench.timing import summarise
from practice.settings import Settings

SMALL_EPISODES = 1_000
TITLE, GOAL = "caseload on the big data set vs a 10 k-session one", "≤ 1.2× (p50)"


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
    per_round = max(1, bench.per_round // 2)
    url = await _small_database(bench.settings)
    try:
        line = await run_child(bench, url, "P-1", episodes=SMALL_EPISODES, per_round=per_round)
    except ChildFailed as exc:
        return not_measured("P-3", TITLE, GOAL, f"the small run failed: {exc}")
    small: dict[str, float] = line["candidate_stats"]
    samples = []
    for _ in range(2 + bench.rounds * per_round):
        started = time.perf_counter()
        await bench.therapist.get("/caseload")
        samples.append(time.perf_counter() - started)
    big = summarise(samples[2:])
    ratio = big.p50_ms / small["p50_ms"]
    return Outcome(
        target="P-3",
        title=TITLE,
        goal=GOAL,
        control_label=(
            f"GET /caseload of the same therapist shape on {SMALL_EPISODES:,} episodes "
            "(a child bench on its own database)"
        ),
        candidate_label="GET /caseload on this data set",
        control=f"p50 {small['p50_ms']:.2f} / p95 {small['p95_ms']:.2f} ms",
        candidate=f"p50 {big.p50_ms:.2f} / p95 {big.p95_ms:.2f} ms",
        ratio=f"{ratio:.2f}×",
        status=PASS if ratio <= 1.2 else FAIL,
        note="sequential, not interleaved (two databases need two processes)",
        data={
            "control_stats": small,
            "candidate_stats": big.as_json(),
            "ratio_p50": round(ratio, 3),
            "goal_ratio": 1.2,
        },
    )
