"""P-8: the resident memory of a real web worker after many requests, and of a render
process over many renders.

Not in-process: the bench process also holds the load generator, the render measurements
and the data generator, so its RSS says little about a web worker. This starts the web
service as production runs it (``uvicorn practice.app:app``, one worker, the same
database and Redis), logs in over real HTTP, sends the requests, and reads the worker's
VmRSS from /proc before and after. The render process renders the interim report again
and again (`practice.bench.rendering`); its RSS may not grow by more than 10 % over the
second half of the renders (WeasyPrint keeps memory, issues #220 and #611).
"""

import asyncio
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import httpx

from practice.bench.client import log_in_with
from practice.bench.measurements import Bench
from practice.bench.rendering import render_memory_growth
from practice.bench.report import FAIL, PASS, Outcome, not_measured

RSS_LIMIT_MB = 150.0
RENDER_GROWTH_LIMIT = 0.10
WARMUP_REQUESTS = 20
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


async def _measure(bench: Bench, process: asyncio.subprocess.Process, base_url: str) -> Outcome:
    plan = bench.plan
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        await _wait_until_up(http, process)
        browser = await log_in_with(http, plan.email(plan.bench_therapist), bench.password)
        paths = ["/caseload", f"/api/episodes/{plan.light_episode}"]
        for n in range(WARMUP_REQUESTS):
            await browser.get(paths[n % 2], accept="*/*")
        before = rss_mb(process.pid) or 0.0
        for n in range(bench.rss_requests):
            await browser.get(paths[n % 2], accept="*/*")
        after = rss_mb(process.pid) or 0.0
    total = WARMUP_REQUESTS + bench.rss_requests
    half, last = await render_memory_growth(bench.renders)
    growth = last / half - 1 if half else 0.0
    passed = after <= RSS_LIMIT_MB and growth <= RENDER_GROWTH_LIMIT
    return Outcome(
        target="P-8",
        title=TITLE,
        goal=f"{GOAL}; renders +≤ {RENDER_GROWTH_LIMIT:.0%}",
        control_label=(
            f"RSS of a uvicorn web worker after {WARMUP_REQUESTS} warm-up requests; of a "
            f"render process after {bench.renders // 2} renders"
        ),
        candidate_label=(
            f"the worker's RSS after {total:,} requests (caseload and episode, alternating); "
            f"the render process's after {bench.renders} renders"
        ),
        control=f"{before:.0f} MB; render {half:.0f} MB",
        candidate=f"{after:.0f} MB; render {last:.0f} MB",
        ratio=f"{after / before:.2f}×; {growth:+.1%}" if before else "–",
        status=PASS if passed else FAIL,
        note=(
            f"{total:,} requests (the target says 10,000: --rss-requests); the render process "
            "is bare WeasyPrint: the app's render pool replaces each of its processes after "
            "25 renders (reporting.documents.MAX_TASKS_PER_CHILD)"
        ),
        data={
            "rss_before_mb": round(before, 1),
            "rss_after_mb": round(after, 1),
            "render_rss_half_mb": round(half, 1),
            "render_rss_last_mb": round(last, 1),
            "render_growth": round(growth, 4),
        },
    )
