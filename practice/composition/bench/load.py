"""P-10's load generator, in a process of its own (``python -m
practice.composition.bench.load``), so that its own work does not share the web processes'
event loop or core (`bench.writers` starts it).

It reads its task as JSON on stdin: the servers to load (``sides``: name → base URL), the
account, the audited write (``path``), how many concurrent clients, the seconds per round
and the rounds. Each side gets its clients logged in once; then every round runs each side
in turn (ABBA…: the order reverses every round), all clients posting as fast as the side
answers. It prints one JSON object: per side, the writes completed in each round, the
failures, and every write's latency in seconds.
"""

import asyncio
import json
import sys
import time
from typing import Any, TypedDict

import httpx

from practice.composition.bench.client import Browser, log_in_with


class SideResult(TypedDict):
    writes: list[int]  # completed per round
    failed: int
    latencies: list[float]  # seconds, every completed write


async def _clients(base_url: str, task: dict[str, Any]) -> list[Browser]:
    browsers = []
    for _ in range(task["clients"]):
        http = httpx.AsyncClient(base_url=base_url, timeout=60)
        browsers.append(await log_in_with(http, task["email"], task["password"]))
    return browsers


async def _round(
    side: str, browsers: list[Browser], task: dict[str, Any], round_number: int
) -> tuple[int, int, list[float]]:
    deadline = time.monotonic() + task["seconds"]
    latencies: list[float] = []
    failed = 0

    async def client(number: int) -> None:
        nonlocal failed
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            body = {
                "task_key": f"p10-{side}-{round_number}-{number}-{sequence}",
                "reason": "bench P-10",
            }
            started = time.monotonic()
            response = await browsers[number].post_json(task["path"], body)
            if response.status_code == 200:
                latencies.append(time.monotonic() - started)
            else:
                failed += 1

    await asyncio.gather(*(client(n) for n in range(len(browsers))))
    return len(latencies), failed, latencies


async def run(task: dict[str, Any]) -> dict[str, SideResult]:
    sides = list(task["sides"].items())
    browsers = {name: await _clients(url, task) for name, url in sides}
    result: dict[str, SideResult] = {
        name: {"writes": [], "failed": 0, "latencies": []} for name, _ in sides
    }
    try:
        for round_number in range(task["rounds"]):
            order = sides if round_number % 2 == 0 else list(reversed(sides))
            for name, _ in order:
                writes, failed, latencies = await _round(name, browsers[name], task, round_number)
                result[name]["writes"].append(writes)
                result[name]["failed"] += failed
                result[name]["latencies"] += latencies
    finally:
        for group in browsers.values():
            for browser in group:
                await browser.http.aclose()
    return result


def main() -> None:
    task = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(run(task))))


if __name__ == "__main__":
    main()
