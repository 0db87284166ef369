"""P-8: the resident memory of a real web worker after many requests, and of a render
process over many renders.

Not in-process: the bench process also holds the load generator, the render measurements
and the data generator, so its RSS says little about a web worker. This starts the web
service as production runs it (``uvicorn practice.composition.app:app``, one worker, the same
database and Redis), logs in over real HTTP, sends the requests from a few concurrent
connections, and reads the worker's VmRSS from /proc after the warm-up and at ten
checkpoints. With fewer requests than the target's 10,000 (a full M run has 15 minutes),
the RSS is also projected to 10,000 requests from its slope over the second half of the
checkpoints, and the verdict takes the higher of the measured and the projected value.

The render side is the app's own render path: the interim report through
``render_pdf_async`` into the pool of ``reporting.documents``, whose processes are sampled
(`bench.rendering.pool_render_memory`). Its peak RSS over the second half of the
renders may not exceed that of the first half by more than 10 % (WeasyPrint keeps memory,
issues #220 and #611; the pool replaces its processes to bound that).
"""

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from practice.composition.bench.client import log_in_with
from practice.composition.bench.measurements import Bench
from practice.composition.bench.rendering import pool_render_memory
from practice.composition.bench.report import FAIL, PASS, Outcome, not_measured
from practice.composition.bench.server import ServerFailed, web_worker

RSS_LIMIT_MB = 150.0
RENDER_GROWTH_LIMIT = 0.10
WARMUP_REQUESTS = 20
TARGET_REQUESTS = 10_000
CONNECTIONS = 4  # concurrent requests, as a few browsers send them
CHECKPOINTS = 10
TITLE, GOAL = "web worker and render-process memory", f"≤ {RSS_LIMIT_MB:g} MB"


def rss_mb(pid: int) -> float | None:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


async def web_worker_memory(bench: Bench) -> Outcome:
    if rss_mb(os.getpid()) is None:
        return not_measured("P-8", TITLE, GOAL, "no /proc on this system")
    settings = bench.settings
    try:
        async with web_worker(settings.database_url, settings.redis_url or "") as worker:
            return await _measure(bench, worker.process, worker.base_url)
    except ServerFailed as exc:
        return not_measured("P-8", TITLE, GOAL, str(exc))


def _slope_per_request(points: list[tuple[int, float]]) -> float:
    """Least-squares slope (MB per request) of RSS over the second half of the points."""
    tail = points[len(points) // 2 :]
    if len(tail) < 2:
        return 0.0
    mean_x = sum(x for x, _ in tail) / len(tail)
    mean_y = sum(y for _, y in tail) / len(tail)
    spread = sum((x - mean_x) ** 2 for x, _ in tail)
    if not spread:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in tail) / spread


async def _measure(bench: Bench, process: asyncio.subprocess.Process, base_url: str) -> Outcome:
    from reporting.documents import MAX_TASKS_PER_CHILD

    plan = bench.plan
    limits = httpx.Limits(max_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:
        browser = await log_in_with(http, plan.email(plan.bench_therapist), bench.password)
        paths = ["/caseload", f"/api/episodes/{plan.light_episode}"]
        for n in range(WARMUP_REQUESTS):
            await browser.get(paths[n % 2], accept="*/*")
        before = rss_mb(process.pid) or 0.0
        sent = 0
        points: list[tuple[int, float]] = [(0, before)]
        step = max(1, -(-bench.rss_requests // CHECKPOINTS))
        started = time.monotonic()
        while sent < bench.rss_requests:
            batch = range(sent, min(sent + step, bench.rss_requests))
            queue = iter(batch)

            async def connection(queue: "Iterator[int]" = queue) -> None:
                for n in queue:
                    await browser.get(paths[n % 2], accept="*/*")

            await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
            sent = batch.stop
            points.append((sent, rss_mb(process.pid) or 0.0))
        seconds = time.monotonic() - started
        after = points[-1][1]
    total = WARMUP_REQUESTS + bench.rss_requests
    slope = _slope_per_request(points)
    projected = after + max(0.0, slope) * max(0, TARGET_REQUESTS - total)
    worst = max(after, projected)
    memory = await pool_render_memory(bench.renders)
    growth = memory.growth
    passed = worst <= RSS_LIMIT_MB and growth <= RENDER_GROWTH_LIMIT
    short = total < TARGET_REQUESTS
    candidate = f"{after:.0f} MB after {total:,} requests"
    if short:
        candidate += f" (→ {projected:.0f} MB at {TARGET_REQUESTS:,})"
    half = bench.renders // 2
    return Outcome(
        target="P-8",
        title=TITLE,
        goal=f"{GOAL}; renders +≤ {RENDER_GROWTH_LIMIT:.0%}",
        control_label=(
            f"RSS of a uvicorn web worker after {WARMUP_REQUESTS} warm-up requests; the "
            f"highest RSS of a render-pool process over renders 1–{half}"
        ),
        candidate_label=(
            f"the worker's RSS after {total:,} requests (caseload and episode, alternating, "
            f"{CONNECTIONS} connections); the highest RSS of a render-pool process over "
            f"renders {half + 1}–{bench.renders}"
        ),
        control=f"{before:.0f} MB; render {memory.first_half_peak:.0f} MB",
        candidate=f"{candidate}; render {memory.second_half_peak:.0f} MB",
        ratio=f"{after / before:.2f}×; {growth:+.1%}" if before else "–",
        status=PASS if passed else FAIL,
        note=(
            (
                f"{total:,} requests in {seconds:.0f} s, not the target's {TARGET_REQUESTS:,} "
                f"(--rss-requests): projected from the slope over the second half of the "
                f"checkpoints, {slope * 1000:+.2f} MB per 1,000 requests; "
                if short
                else f"{total:,} requests in {seconds:.0f} s; "
            )
            + f"renders through reporting.documents.render_pdf_async, one at a time, "
            f"{memory.processes} pool processes seen (replaced after "
            f"{MAX_TASKS_PER_CHILD} renders each)"
        ),
        data={
            "requests": total,
            "request_seconds": round(seconds, 1),
            "rss_before_mb": round(before, 1),
            "rss_after_mb": round(after, 1),
            "rss_checkpoints": [[n + WARMUP_REQUESTS, round(mb, 1)] for n, mb in points],
            "rss_slope_mb_per_1000": round(slope * 1000, 3),
            "rss_projected_10k_mb": round(projected, 1) if short else None,
            "render_rss_first_half_peak_mb": round(memory.first_half_peak, 1),
            "render_rss_second_half_peak_mb": round(memory.second_half_peak, 1),
            "render_processes": memory.processes,
            "render_growth": round(growth, 4),
        },
    )
