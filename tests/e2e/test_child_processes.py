"""No process outlives the one that started it (OPS-1): SIGTERM stops them all cleanly, and
after a SIGKILL of the parent every child goes too.

Runs ``practice serve`` on the demo practice and a separate ``practice worker`` as real
processes on the embedded default, with every kind of child running: the embedded
redis-server, uvicorn's web workers (``--workers 2``), and a PDF render pool (forkserver,
render processes and multiprocessing's resource tracker) in a web process and in the
worker. The trees are read from ``/proc`` before the signal; afterwards none of those
processes may be alive.
"""

import contextlib
import os
import re
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

from practice.composition.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.e2e.served import START_LIMIT_SECONDS, _free_port

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the child processes do not depend on the engine; the SQLite run, on the embedded "
    "default, has every kind of them (embedded Redis, render pool, web workers)",
)

STOP_LIMIT_SECONDS = 20  # a graceful stop: in-flight requests and jobs finish first
ORPHAN_LIMIT_SECONDS = 10  # after a SIGKILL each child must notice on its own
RENDER_LIMIT_SECONDS = 40

_PRACTICE = [sys.executable, "-c", "from practice.composition.cli import main; main()"]
_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


# ---------------------------------------------------------------- /proc


@dataclass(frozen=True)
class Proc:
    """A process, told apart from a later one with the same pid by its start time."""

    pid: int
    started: int
    command: str


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, start time) from /proc/<pid>/stat, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # the command name may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "?"


def descendants(root: int) -> set[Proc]:
    """Every living process below ``root``, found by walking the ppid of every process."""
    children: dict[int, list[int]] = {}
    started: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            state, ppid, start = stat
            if state not in "ZX":
                children.setdefault(ppid, []).append(int(entry.name))
                started[int(entry.name)] = start
    found: set[Proc] = set()
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.add(Proc(pid, started[pid], _command(pid)))
        todo.extend(children.get(pid, []))
    return found


def alive(process: Proc) -> bool:
    stat = _stat(process.pid)
    return stat is not None and stat[0] not in "ZX" and stat[2] == process.started


def depth(root: int, process: Proc) -> int:
    level, pid = 0, process.pid
    while pid not in (root, 0, 1):
        stat = _stat(pid)
        if stat is None:
            return 0
        pid, level = stat[1], level + 1
    return level


# ---------------------------------------------------------------- the processes


@dataclass
class Service:
    serve: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path
    web_workers: int


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "AUDIT_KEY", "BASE_URL", "SMTP_HOST"}
    }
    # The render job must go to the separate worker, not to one inside a web process.
    return env | {"PRACTICE_DATA_DIR": str(data_dir), "PRACTICE_EMBEDDED_WORKER": "false"}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the demo practice, loaded once for both tests (it takes seconds)."""
    path = tmp_path_factory.mktemp("children")
    subprocess.run(
        [*_PRACTICE, "demo"],
        env=_env(path),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=START_LIMIT_SECONDS,
    )
    return path


@pytest.fixture
def service(request: pytest.FixtureRequest, demo_dir: Path) -> Iterator[Service]:
    """``practice serve --workers N`` (N from the test's parameter) and a worker."""
    workers: int = request.param
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _env(demo_dir)
    command = [*_PRACTICE, "serve", "--workers", str(workers), "--port", str(port)]
    with (demo_dir / "serve.log").open("wb") as serve_log:
        serve = subprocess.Popen(command, env=env, stdout=serve_log, stderr=subprocess.STDOUT)
    worker = None
    try:
        # Started once serve's embedded Redis answers, so it attaches to that server, and
        # while serve is still starting, which saves seconds.
        _wait_for_redis(serve, demo_dir)
        with (demo_dir / "worker.log").open("wb") as worker_log:
            worker = subprocess.Popen(
                [*_PRACTICE, "worker"], env=env, stdout=worker_log, stderr=subprocess.STDOUT
            )
        _wait_for_login_page(serve, base_url, demo_dir / "serve.log")
        yield Service(serve, worker, base_url, demo_dir, workers)
    finally:
        for process in (serve, worker):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


def _wait_for_redis(serve: subprocess.Popen[bytes], data_dir: Path) -> None:
    deadline = time.monotonic() + START_LIMIT_SECONDS
    while time.monotonic() < deadline and serve.poll() is None:
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
            probe.settimeout(1)
            probe.connect(str(data_dir / "redis.sock"))
            probe.sendall(b"PING\r\n")
            if probe.recv(16).startswith(b"+PONG"):
                return
        time.sleep(0.1)
    log = (data_dir / "serve.log").read_text()[-3000:]
    pytest.fail(f"no embedded Redis within {START_LIMIT_SECONDS}s:\n{log}")


def _wait_for_login_page(serve: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_LIMIT_SECONDS
    while time.monotonic() < deadline and serve.poll() is None:
        try:
            if httpx.get(f"{base_url}/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"no login page within {START_LIMIT_SECONDS}s:\n{log_path.read_text()[-3000:]}")


@contextlib.contextmanager
def _logged_in(base_url: str, role: str) -> Iterator[httpx.Client]:
    account = next(a for a in DEMO_ACCOUNTS if a.role.value == role)
    with httpx.Client(base_url=base_url, headers={"accept": "text/html"}, timeout=30) as browser:
        match = _TOKEN.search(browser.get("/login").text)
        assert match
        form = {"email": account.email, "password": DEMO_PASSWORD, "_csrf_token": match.group(1)}
        response = browser.post("/login", data=form)
        assert response.status_code == 303, response.text[:500]
        yield browser


def _render_in_a_web_process(base_url: str) -> None:
    with _logged_in(base_url, "practice_manager") as manager:
        response = manager.get("/statistics/outcomes.pdf")
        assert response.status_code == 200, response.text[:500]
        assert response.content.startswith(b"%PDF")


def _render_in_the_worker(base_url: str) -> None:
    """Approve a drafted report of the demo: the worker renders and delivers it."""
    with _logged_in(base_url, "therapist") as therapist:
        token = therapist.cookies.get("csrftoken") or ""
        headers = {"accept": "application/json", "x-csrftoken": token}
        caseload = therapist.get("/api/caseload", headers=headers)
        assert caseload.status_code == 200, caseload.text[:500]
        for entry in caseload.json():
            reports = therapist.get(f"/api/episodes/{entry['episode_id']}/reports", headers=headers)
            draft = next((r for r in reports.json() if r["status"] == "draft"), None)
            if draft is not None:
                approval = therapist.post(f"/api/reports/{draft['id']}/approval", headers=headers)
                assert approval.status_code == 200, approval.text[:500]
                return
    pytest.fail("the demo practice has no drafted report to approve")


def _wait_for_render_processes(service: Service) -> None:
    """Until a render process runs below the worker and below a web process."""
    deadline = time.monotonic() + RENDER_LIMIT_SECONDS
    while time.monotonic() < deadline:
        # worker -> forkserver -> render process; serve (-> web worker) -> forkserver -> render
        web_depth = 2 if service.web_workers == 1 else 3
        worker, serve = service.worker.pid, service.serve.pid
        if any(depth(worker, p) >= 2 for p in descendants(worker)) and any(
            depth(serve, p) >= web_depth for p in descendants(serve)
        ):
            return
        time.sleep(0.2)
    log = (service.data_dir / "worker.log").read_text()[-3000:]
    pytest.fail(f"no render processes within {RENDER_LIMIT_SECONDS}s; worker log:\n{log}")


def _started_everything(service: Service) -> set[Proc]:
    _render_in_a_web_process(service.base_url)
    _render_in_the_worker(service.base_url)
    _wait_for_render_processes(service)
    tree = descendants(service.serve.pid) | descendants(service.worker.pid)
    commands = " | ".join(p.command for p in tree)
    assert "redis-server" in commands, commands
    assert "forkserver" in commands, commands
    return tree


def _stopped(process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Waits for a graceful stop; on a timeout the failure shows what the process was doing."""
    try:
        process.wait(timeout=STOP_LIMIT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"not stopped within {STOP_LIMIT_SECONDS}s:\n{log_path.read_text()[-3000:]}")


def _survivors(tree: set[Proc], limit_s: float) -> set[Proc]:
    deadline = time.monotonic() + limit_s
    while (left := {p for p in tree if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


# The quick start's single process: uvicorn re-raises the SIGTERM it handled gracefully.
@pytest.mark.parametrize("service", [1], indirect=True, ids=["one-web-process"])
def test_a_sigterm_to_serve_and_worker_stops_every_process_they_started(
    service: Service,
) -> None:
    tree = _started_everything(service)

    service.serve.send_signal(signal.SIGTERM)
    service.worker.send_signal(signal.SIGTERM)
    _stopped(service.serve, service.data_dir / "serve.log")
    _stopped(service.worker, service.data_dir / "worker.log")

    assert _survivors(tree, ORPHAN_LIMIT_SECONDS) == set()


# With web workers: their supervisor's death must reach them, and through them their pools.
@pytest.mark.parametrize("service", [2], indirect=True, ids=["two-web-workers"])
def test_a_sigkill_of_serve_and_worker_leaves_no_process_they_started(
    service: Service,
) -> None:
    tree = _started_everything(service)

    service.serve.kill()
    service.worker.kill()
    service.serve.wait()
    service.worker.wait()

    assert _survivors(tree, ORPHAN_LIMIT_SECONDS) == set()
