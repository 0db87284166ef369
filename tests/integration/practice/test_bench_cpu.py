"""`bench.cpu.measure` on real processes: the cores a server's process tree used while a
load ran, told apart from the rest of the machine."""

import asyncio
import shutil
import sys

from practice.composition.bench import cpu

BUSY = "import time\nend = time.monotonic() + 3\nwhile time.monotonic() < end: pass\n"


async def test_a_busy_grandchild_counts_for_the_server_and_an_idle_one_does_not() -> None:
    shell, sleep = shutil.which("sh"), shutil.which("sleep")
    assert shell and sleep
    # A shell standing in for uvicorn's parent process, its worker spinning on one core.
    server = await asyncio.create_subprocess_exec(
        shell, "-c", f'"{sys.executable}" -c "$0"; wait', BUSY
    )
    idle = await asyncio.create_subprocess_exec(sleep, "3")
    try:
        await asyncio.sleep(0.3)  # the worker started
        result, split = await cpu.measure(server.pid, lambda: asyncio.sleep(1.0))
        _, quiet = await cpu.measure(idle.pid, lambda: asyncio.sleep(0.5))
    finally:
        for process in (server, idle):
            process.kill()
            await process.wait()

    assert result is None
    assert split is not None and quiet is not None
    # A good share of one core, whatever else the machine runs meanwhile (a test worker on
    # each core in CI); a shell waiting for its child uses next to none.
    assert split.web > 0.3
    assert split.rest >= 0
    assert quiet.web < 0.05
