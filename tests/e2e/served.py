"""The demo practice served by a real process, as the README's first command starts it.

``practice serve --demo`` on a free port on the embedded default (SQLite file, embedded
Redis, in-process worker), with its output in ``serve.log``; stopped with SIGINT.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

# The first start loads the whole demo practice (some 12 s on a calm machine of two cores);
# on a machine busy with other work it has taken 50-85 s, so the limit leaves room for that.
START_LIMIT_SECONDS = 300  # a demo start beside the running suite on two shared cores

_PRACTICE = [sys.executable, "-c", "from practice.composition.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Served:
    base_url: str
    log_path: Path


def serve_demo(data_dir: Path) -> Iterator[Served]:
    """``practice serve --demo`` as a real process on the embedded default (SQLite, Redis)."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL", "PRACTICE_EMBEDDED_WORKER"}
    }
    env["PRACTICE_DATA_DIR"] = str(data_dir)
    log_path = data_dir / "serve.log"
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*_PRACTICE, "serve", "--demo", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            _wait_for_login_page(base_url, log_path)
            yield Served(base_url, log_path)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_login_page(base_url: str, log_path: Path) -> None:
    """Until the login page answers and the start has announced its address: a thread
    prints it once uvicorn has started, and the first request may be served before that
    thread is scheduled (a CI run read the log 0.1 s too early)."""
    started = time.monotonic()
    while time.monotonic() - started < START_LIMIT_SECONDS:
        try:
            answers = httpx.get(f"{base_url}/login", timeout=2).status_code == 200
        except httpx.TransportError:
            answers = False
        if answers and f"{base_url}/" in log_path.read_text():
            return
        time.sleep(0.25)
    pytest.fail(f"no login page within {START_LIMIT_SECONDS}s:\n{log_path.read_text()[-3000:]}")
