"""P-10: audited writes as web processes are added (PostgreSQL).

Every audited write appends to one hash chain, under one lock (`practice.audit.trail`,
``CHAIN_LOCK``) held from the audit row to the commit. Whether that queue caps what more
processes can do is measured here, with real processes: three uvicorn servers on this data
set, started alike and side by side — one web process, four, and four whose audit sink is
a no-op (`bench.stubbed_app`) — and a load generator in a process of its own
(`bench.load`) with 16 concurrent clients posting the audited write P-9 uses (a task
override: a delete, an insert and its audit row in one transaction), rounds alternating
between the servers. Two ratios, each of the medians of the rounds' throughputs:

* scale: writes per second with 4 processes / with 1 (goal ≥ 1.4×; 2 cores here are shared
  by the web processes, PostgreSQL and the load generator);
* audit: writes per second stubbed / audited, both with 4 processes (goal ≤ 1.15×).
"""

import asyncio
import json
import statistics
import sys

from practice.composition.bench.load import SideResult
from practice.composition.bench.measurements import Bench
from practice.composition.bench.report import FAIL, PASS, Outcome, not_measured
from practice.composition.bench.server import ServerFailed, web_worker
from practice.composition.bench.timing import summarise

TITLE = "audited writes: 4 web processes vs 1, audited vs stubbed (16 clients)"
GOAL = "≥ 1.4× throughput; ≤ 1.15× audit"
CLIENTS = 16
PROCESSES = 4
SCALE_GOAL, AUDIT_GOAL = 1.4, 1.15
SECONDS_PER_WRITE_ROUND = 0.6  # times --per-round: the seconds each side is loaded a round


async def _load(task: dict[str, object]) -> dict[str, SideResult]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "practice.composition.bench.load",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(json.dumps(task).encode())
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed: {err.decode(errors='replace')[-300:]}")
    result: dict[str, SideResult] = json.loads(out)
    return result


def _rate(writes: list[int], seconds: float) -> float:
    return statistics.median(writes) / seconds


async def audited_writers(bench: Bench) -> Outcome:
    settings = bench.settings
    if not settings.is_postgres:
        return not_measured("P-10", TITLE, GOAL, "PostgreSQL only: SQLite has one writer")
    # 6 s a side and round by default (--per-round 10); the CI smoke's --per-round 1: 0.6 s.
    seconds = SECONDS_PER_WRITE_ROUND * bench.per_round
    redis_url = settings.redis_url or ""
    try:
        async with (
            web_worker(settings.database_url, redis_url) as one,
            web_worker(settings.database_url, redis_url, processes=PROCESSES) as four,
            web_worker(
                settings.database_url,
                redis_url,
                processes=PROCESSES,
                app="practice.composition.bench.stubbed_app:app",
            ) as stubbed,
        ):
            result = await _load(
                {
                    "sides": {"one": one.base_url, "four": four.base_url, "stub": stubbed.base_url},
                    "email": bench.plan.email(bench.plan.bench_therapist),
                    "password": bench.password,
                    "path": f"/api/episodes/{bench.plan.writer_episode}/task-overrides",
                    "clients": CLIENTS,
                    "seconds": seconds,
                    "rounds": bench.rounds,
                }
            )
    except (ServerFailed, RuntimeError) as exc:
        return not_measured("P-10", TITLE, GOAL, str(exc)[:300])
    rate = {side: _rate(result[side]["writes"], seconds) for side in ("one", "four", "stub")}
    failed = sum(result[side]["failed"] for side in result)
    scale, audit = rate["four"] / rate["one"], rate["stub"] / rate["four"]
    latency = summarise(result["four"]["latencies"])
    passed = scale >= SCALE_GOAL and audit <= AUDIT_GOAL and failed == 0
    return Outcome(
        target="P-10",
        title=TITLE,
        goal=GOAL,
        control_label=f"1 web process, audited; {PROCESSES} processes with the audit stubbed",
        candidate_label=(
            f"{PROCESSES} web processes, audited: {CLIENTS} clients POSTing a task override "
            f"for {seconds:g} s a round, from a load generator in its own process"
        ),
        control=f"{rate['one']:.0f} writes/s; stubbed {rate['stub']:.0f} writes/s",
        candidate=f"{rate['four']:.0f} writes/s (p50 {latency.p50_ms:.0f} ms per write)",
        ratio=f"{scale:.2f}× throughput; {audit:.2f}× audit",
        status=PASS if passed else FAIL,
        note=f"{failed} failed writes" if failed else "",
        data={
            "writes_per_second": {side: round(value, 1) for side, value in rate.items()},
            "rounds": {side: result[side]["writes"] for side in result},
            "scale_ratio": round(scale, 3),
            "audit_ratio": round(audit, 3),
            "failed": failed,
        },
    )
