"""P-8: the resident memory of a real web worker after many requests, and of a render
process over many renders.

Not in-process: the bench process also holds the load generator, the render measurements
and the data generator, so its RSS says little about a web worker. This starts the web
service as production runs it (``uvicorn practice.app:app``, one worker, the same
database and Redis), logs in over real HTTP, sends the requests from a few concurrent
connections, and reads the worker's VmRSS from /proc after the warm-up and at ten
checkpoints. With fewer requests than the target's 10,000 (a full M run has 15 minutes),
the RSS is also projected to 10,000 requests from its slope over the second half of the
checkpoints, and the verdict takes the higher of the measured and the projected value.

The render side is the app's own render path: the interim report through
``render_pdf_async`` into the pool of ``reporting.documents``, whose processes are sampled
(`practice.bench.rendering.pool_render_memory`). Its peak RSS over the second half of the
renders may not exceed that of the first half by more than 10 % (WeasyPrint keeps memory,
issues #220 and #611; the pool replaces its processes to bound that).
"""

import asyncio
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from practice.bench.client import log_in_with
from practice.bench.measurements import Bench
from practice.bench.rendering import pool_render_memory
from practice.bench.report import FAIL, PASS, Outcome, not_measured

RSS_LIMIT_MB = 150.0
RENDER_GROWTH_LIMIT = 0.10
WARMUP_REQUESTS = 20
TARGET_REQUESTS = 10_000
CONNECTIONS = 4  # concurrent requests, as a few browsers send them
CHECKPOINTS = 10
START_SECONDS = 60
TITLE, GOAL = "web worker and render-process memory", f"≤ {RSS_LIMIT_MB:g} MB"


def rss_mb(pid: int) -> float | None:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_until_up(http: httpx.AsyncClient, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.returncode is None:
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.25)
    raise RuntimeError("the web worker did not answer /healthz")


async def web_worker_memory(bench: Bench) -> Outcome:
    if rss_mb(os.getpid()) is None:
        return not_measured("P-8", TITLE, GOAL, "no /proc on this system")
    settings, port = bench.settings, _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        # Plain HTTP on loopback: cookies without Secure, or the client would not send them.
        "BASE_URL": base_url,
        "PRACTICE_EMBEDDED_WORKER": "false",
        "LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "uvicorn",
            "practice.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
            stdout=log,
            stderr=log,
            env=env,
        )
        try:
            return await _measure(bench, process, base_url)
        except RuntimeError as exc:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-500:]
            return not_measured("P-8", TITLE, GOAL, f"{exc}: {tail}")
        finally:
            if process.returncode is None:
                process.terminate()
                await process.wait()


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
        await _wait_until_up(http, process)
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
