"""The README's first command: one process serves the demo practice on the embedded default.

Runs ``practice serve --demo`` as a real process (SQLite file, embedded Redis, in-process
worker) on a free port, waits for the login page, and logs in as the demo therapist over
real HTTP.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from practice.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

START_LIMIT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_data_dir: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL", "PRACTICE_EMBEDDED_WORKER"}
    }
    env["PRACTICE_DATA_DIR"] = str(tmp_data_dir)
    log_path = tmp_data_dir / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from practice.cli import main; main()",
                "serve",
                "--demo",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_login_page(base_url: str, log_path: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < START_LIMIT_SECONDS:
        try:
            if httpx.get(f"{base_url}/login", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"no login page within {START_LIMIT_SECONDS}s:\n{log_path.read_text()[-3000:]}")


def test_the_quick_start_serves_a_login_page_and_the_demo_therapist_logs_in(
    served: tuple[str, Path],
) -> None:
    base_url, log_path = served
    _wait_for_login_page(base_url, log_path)
    output = log_path.read_text()
    assert f"{base_url}/" in output
    assert DEMO_PASSWORD in output
    therapist = next(a for a in DEMO_ACCOUNTS if a.role.value == "therapist")
    assert therapist.email in output

    with httpx.Client(base_url=base_url, headers={"accept": "text/html"}) as browser:
        page = browser.get("/login")
        match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert match
        response = browser.post(
            "/login",
            data={
                "email": therapist.email,
                "password": DEMO_PASSWORD,
                "_csrf_token": match.group(1),
            },
        )
        assert response.status_code == 303
        caseload = browser.get("/", follow_redirects=True)
        assert caseload.status_code == 200
        assert "<h1>Caseload</h1>" in caseload.text

    # The embedded worker runs in the same process and has swept once at start.
    deadline = time.monotonic() + 10
    while "sweep_due_work" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "sweep_due_work" in log_path.read_text()
