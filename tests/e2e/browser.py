"""A real Chromium (Debian's ``chromium``) driven by Playwright, and the served demo practice.

No browser is downloaded: Playwright starts the system's Chromium (``CHROMIUM`` or
``/usr/bin/chromium``). Without one the browser tests are skipped with the reason shown,
so the README's test command passes on a bare machine; ``REQUIRE_BROWSER=1`` (set by
``.ci/run``) turns a missing browser into a failure.
"""

import os
import shutil
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

START_LIMIT_SECONDS = 60
# The flags the machine needs: no sandbox as root, and no calls home (the network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", "test-artefacts")) / "screenshots"


def chromium_path() -> str:
    """The system Chromium, or skip (fail under ``REQUIRE_BROWSER``) with the reason."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    reason = None
    if not Path(path).exists():
        reason = f"no Chromium at {path}: apt-get install chromium (or set CHROMIUM)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[test]')"
    if reason is not None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set, but {reason}")
        pytest.skip(reason)
    return path


_PRACTICE = [sys.executable, "-c", "from practice.cli import main; main()"]


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
    started = time.monotonic()
    while time.monotonic() - started < START_LIMIT_SECONDS:
        try:
            if httpx.get(f"{base_url}/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"no login page within {START_LIMIT_SECONDS}s:\n{log_path.read_text()[-3000:]}")
