"""Failed-login throttling, counted in Redis so every web process sees the same count.

Counted per source address and per (address, account): a burst of guesses gets 429, while
someone elsewhere cannot lock a colleague out by guessing at their account.
"""

import hashlib

from redis.asyncio import Redis

WINDOW_SECONDS = 60


def _keys(source: str, email: str) -> list[str]:
    account = hashlib.sha256(email.encode()).hexdigest()[:32]
    return [f"login-failures:ip:{source}", f"login-failures:ip-account:{source}:{account}"]


async def is_throttled(redis: "Redis", source: str, email: str, limit: int) -> bool:
    counts = await redis.mget(_keys(source, email))
    return any(int(count) >= limit for count in counts if count is not None)


async def count_failure(redis: "Redis", source: str, email: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        for key in _keys(source, email):
            # The window starts at the first failure; INCR keeps the key's expiry.
            # (SET NX rather than EXPIRE NX: the embedded Redis is 6.2.)
            pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)
            pipe.incr(key)
        await pipe.execute()
