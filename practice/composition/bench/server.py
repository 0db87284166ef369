"""A real web worker for the bench: ``uvicorn practice.composition.app:app``, as production runs it.

Used where the bench process itself must not be the server: P-8 samples the worker's memory,
and P-3 runs two workers on two databases side by side (Piccolo binds its tables to one
engine per process) so that their requests can be interleaved like every other A/B.
"""

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

START_SECONDS = 60


class ServerFailed(RuntimeError):
    """The worker did not come up; the message holds the end of its log."""


@dataclass(frozen=True)
class WebWorker:
    base_url: str
    process: asyncio.subprocess.Process


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_until_up(base_url: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + START_SECONDS
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        while time.monotonic() < deadline and process.returncode is None:
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise ServerFailed("the web worker did not answer /healthz")


@contextlib.asynccontextmanager
async def web_worker(
    database_url: str,
    redis_url: str,
    *,
    processes: int = 1,
    app: str = "practice.composition.app:app",
) -> AsyncIterator[WebWorker]:
    """A uvicorn server of `processes` web processes (``--workers``) on a free loopback
    port, up and answering; stopped on exit."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
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
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(processes),
            "--no-access-log",
            "--log-level",
            "warning",
            stdout=log,
            stderr=log,
            env=env,
        )
        try:
            try:
                await _wait_until_up(base_url, process)
            except ServerFailed as exc:
                log.seek(0)
                raise ServerFailed(f"{exc}: {log.read().decode(errors='replace')[-500:]}") from None
            yield WebWorker(base_url, process)
        finally:
            if process.returncode is None:
                process.terminate()
                await process.wait()
