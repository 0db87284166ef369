"""P-10: audited writes as web processes are added (PostgreSQL).

Every audited write appends to one of the audit log's hash chains (8 on PostgreSQL,
`practice.audit.trail`), holding that chain's lock (``CHAIN_LOCK + k``) from its first audit
row to its commit; a writer waits only when every chain is held. Before issue 21 there was
one chain and one lock, and every audited transaction queued behind the others. Whether the
audit still caps what more processes can do is measured here, with real processes: three
uvicorn servers on this data set, started alike and side by side — one web process, four,
and four whose audit sink is a no-op (`bench.stubbed_app`) — loaded in turn by ``wrk``
(Debian's package: a load generator in C, in a process of its own, so that the load costs
the two cores little) with 16 connections posting the audited write P-9 uses (a task
override: a delete, an insert and its audit row in one transaction), the order of the
servers reversed every round. Two ratios, of the medians of the rounds' throughputs:

* scale: writes per second with 4 processes / with 1 (goal ≥ 1.4×; 2 cores here are shared
  by the web processes, PostgreSQL and the load generator);
* audit: writes per second stubbed / audited, both with 4 processes (goal ≤ 1.15×).

Beside them, what the cores allow (`bench.cpu`): while one process takes the load, the
cores its processes use and those everything else uses (PostgreSQL, wrk, the kernel) bound
what four processes can do on this machine, whatever the audit does; the note prints that
ceiling, so a run says whether a missed 1.4× is the code's or the machine's.
"""

import asyncio
import functools
import os
import re
import shutil
import statistics
import tempfile
from pathlib import Path

import httpx

from practice.composition.bench import cpu
from practice.composition.bench.client import BenchError, log_in_with
from practice.composition.bench.measurements import Bench
from practice.composition.bench.report import FAIL, PASS, Outcome, not_measured
from practice.composition.bench.server import ServerFailed, web_worker

TITLE = "audited writes: 4 web processes vs 1, audited vs stubbed (16 connections)"
GOAL = "≥ 1.4× throughput; ≤ 1.15× audit"
CONNECTIONS = 16
PROCESSES = 4
SCALE_GOAL, AUDIT_GOAL = 1.4, 1.15
SECONDS_PER_WRITE_ROUND = 0.6  # times --per-round: the seconds each side is loaded a round

# wrk's script: every request a new task key, with the session's cookies and CSRF header.
_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Cookie"] = "{cookie}"
wrk.headers["X-CSRFToken"] = "{token}"
local counter = 0
request = function()
  counter = counter + 1
  local key = string.format("p10-%d-%d", math.random(1, 1000000000), counter)
  return wrk.format(nil, "{path}", nil, '{{"task_key":"' .. key .. '","reason":"bench P-10"}}')
end
"""
_RATE = re.compile(r"Requests/sec:\s+([0-9.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


async def _script(base_url: str, bench: Bench, path: str, folder: Path, name: str) -> Path:
    """Log in once (the connections share the session) and write wrk's script for it."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        browser = await log_in_with(
            http, bench.plan.email(bench.plan.bench_therapist), bench.password
        )
        probe = await browser.post_json(path, {"task_key": "p10-probe", "reason": "probe"})
        if probe.status_code != 200:
            raise BenchError(f"POST {path} answered {probe.status_code}")
        cookie = "; ".join(f"{key}={value}" for key, value in http.cookies.items())
        token = next((v for k, v in http.cookies.items() if k.endswith("csrftoken")), "")
    script = folder / f"{name}.lua"
    script.write_text(_SCRIPT.format(cookie=cookie, token=token, path=path))
    return script


async def _wrk(base_url: str, script: Path, seconds: float) -> tuple[float, int]:
    """Writes per second answered 2xx, and the requests that failed."""
    process = await asyncio.create_subprocess_exec(
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "-s",
        str(script),
        base_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    text = out.decode(errors="replace")
    rate = _RATE.search(text)
    if process.returncode != 0 or rate is None:
        raise RuntimeError(f"wrk failed: {(text + err.decode(errors='replace'))[-300:]}")
    failed = int(m.group(1)) if (m := _NON_2XX.search(text)) else 0
    if errors := _ERRORS.search(text):
        failed += sum(int(n) for n in errors.groups())
    requests = float(rate.group(1)) * max(1, round(seconds))
    return (requests - failed) / max(1, round(seconds)), failed


async def _remove_the_writes() -> None:
    """The task overrides the writes left (thousands a run, all on one episode of the bench
    therapist's caseload): kept, they would slow every later P-1, P-3 and P-8 on a reused
    data set. Their audit rows stay (append-only)."""
    from practice.tables import TaskOverride

    await TaskOverride.delete().where(TaskOverride.task_key.like("p10-%"))


async def audited_writers(bench: Bench) -> Outcome:
    settings = bench.settings
    if not settings.is_postgres:
        return not_measured("P-10", TITLE, GOAL, "PostgreSQL only: SQLite has one writer")
    if shutil.which("wrk") is None:
        return not_measured("P-10", TITLE, GOAL, "wrk is not installed (apt-get install wrk)")
    # 6 s a side and round by default (--per-round 10); the CI smoke's --per-round 1: 1 s.
    seconds = SECONDS_PER_WRITE_ROUND * bench.per_round
    path = f"/api/episodes/{bench.plan.writer_episode}/task-overrides"
    redis_url = settings.redis_url or ""
    rates: dict[str, list[float]] = {"one": [], "four": [], "stub": []}
    splits: list[cpu.Split] = []  # how the cores were used while one process took the load
    failed = 0
    try:
        async with (
            web_worker(settings.database_url, redis_url) as one,
            web_worker(settings.database_url, redis_url, processes=PROCESSES) as four,
            web_worker(
                settings.database_url,
                redis_url,
                processes=PROCESSES,
                app="practice.composition.bench.stubbed_app:app",
            ) as stub,
        ):
            servers = {"one": one.base_url, "four": four.base_url, "stub": stub.base_url}
            with tempfile.TemporaryDirectory() as folder:
                scripts = {
                    name: await _script(url, bench, path, Path(folder), name)
                    for name, url in servers.items()
                }
                for round_number in range(bench.rounds):
                    order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
                    for name in order:
                        load = functools.partial(_wrk, servers[name], scripts[name], seconds)
                        if name == "one":
                            (per_second, errors), split = await cpu.measure(one.process.pid, load)
                            splits += [split] if split is not None else []
                        else:
                            per_second, errors = await load()
                        rates[name].append(per_second)
                        failed += errors
    except (ServerFailed, BenchError, RuntimeError) as exc:
        return not_measured("P-10", TITLE, GOAL, str(exc)[:300])
    finally:
        await _remove_the_writes()
    rate = {name: statistics.median(values) for name, values in rates.items()}
    scale, audit = rate["four"] / rate["one"], rate["stub"] / rate["four"]
    passed = scale >= SCALE_GOAL and audit <= AUDIT_GOAL and failed == 0
    used = (
        cpu.Split(
            web=statistics.median(s.web for s in splits),
            rest=statistics.median(s.rest for s in splits),
        )
        if splits
        else None
    )
    cores = os.cpu_count() or 1  # as the report's machine facts count them
    bound = None if used is None else cpu.ceiling(used, cores, PROCESSES)
    notes = [f"{failed} failed writes"] if failed else []
    if used is not None and bound is not None:
        notes.append(
            f"the cores allow at most {bound:.2f}× (one web process used {used.web:.2f} of a "
            f"core, everything else {used.rest:.2f}, on {cores} cores)"
        )
    return Outcome(
        target="P-10",
        title=TITLE,
        goal=GOAL,
        control_label=f"1 web process, audited; {PROCESSES} processes with the audit stubbed",
        candidate_label=(
            f"{PROCESSES} web processes, audited: wrk, {CONNECTIONS} connections POSTing a "
            f"task override for {max(1, round(seconds))} s a round"
        ),
        control=f"{rate['one']:.0f} writes/s; stubbed {rate['stub']:.0f} writes/s",
        candidate=f"{rate['four']:.0f} writes/s",
        ratio=f"{scale:.2f}× throughput; {audit:.2f}× audit",
        status=PASS if passed else FAIL,
        note="; ".join(notes),
        data={
            "writes_per_second": {name: round(value, 1) for name, value in rate.items()},
            "rounds": {name: [round(v, 1) for v in values] for name, values in rates.items()},
            "scale_ratio": round(scale, 3),
            "audit_ratio": round(audit, 3),
            "failed": failed,
            "one_process_cores": None
            if used is None
            else {"web": round(used.web, 3), "rest": round(used.rest, 3)},
            "ceiling": None if bound is None else round(bound, 3),
        },
    )
