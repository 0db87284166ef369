"""Failed-login throttling, counted in Redis so every web process sees the same count.

Three counters, each a fixed window that starts at its first failure:

- **account + address**: ``LOGIN_FAILURES_PER_MINUTE`` (5) failures a minute. One person's
  typos stop that person at that desk only: a colleague behind the same address (one office
  network, one NAT) logs in to their own account as before.
- **address**: ``ADDRESS_FACTOR`` times that (30) failures a minute, whatever the accounts.
  Many accounts tried from one address is credential stuffing; a whole office mistyping
  stays far below it.
- **account**: ``ACCOUNT_LIMIT`` (50) failures an hour from all addresses together. Guesses
  spread over many addresses get 50 an hour at one account instead of thousands; the price
  is that someone who knows an e-mail address can keep that account waiting for an hour,
  which is why the limit sits well above anyone's typing (the second factor guards the
  account as well, ``practice.totp``).

Failures are counted for any e-mail address, known or not, so the answer reveals nothing.
"""

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

WINDOW_SECONDS = 60
ADDRESS_FACTOR = 6  # the address limit: 6 × the account+address limit (30 by default)
ACCOUNT_WINDOW_SECONDS = 3600
ACCOUNT_LIMIT = 50  # failures per account per hour, from all addresses together


@dataclass(frozen=True, slots=True)
class Counter:
    key: str
    window_seconds: int
    limit: int


def counters(source: str, email: str, per_minute: int) -> list[Counter]:
    """The counters a failed login of ``email`` from ``source`` adds to, with their limits
    (``per_minute``: the account + address limit, ``LOGIN_FAILURES_PER_MINUTE``)."""
    account = hashlib.sha256(email.encode()).hexdigest()[:32]
    return [
        Counter(f"login-failures:ip-account:{source}:{account}", WINDOW_SECONDS, per_minute),
        Counter(f"login-failures:ip:{source}", WINDOW_SECONDS, per_minute * ADDRESS_FACTOR),
        Counter(f"login-failures:account:{account}", ACCOUNT_WINDOW_SECONDS, ACCOUNT_LIMIT),
    ]


async def retry_after(redis: "Redis", source: str, email: str, per_minute: int) -> int | None:
    """Seconds to wait before the next attempt, or None when a login may be tried now."""
    found = counters(source, email, per_minute)
    counts = await redis.mget([c.key for c in found])
    full = [c for c, n in zip(found, counts, strict=True) if n is not None and int(n) >= c.limit]
    if not full:
        return None
    waits = [await redis.ttl(c.key) for c in full]
    # TTL is -1/-2 only when the key vanished between the two reads: wait a whole window.
    return max(w if w > 0 else c.window_seconds for c, w in zip(full, waits, strict=True))


async def is_throttled(redis: "Redis", source: str, email: str, per_minute: int) -> bool:
    return await retry_after(redis, source, email, per_minute) is not None


async def count_failure(redis: "Redis", source: str, email: str, per_minute: int) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        for counter in counters(source, email, per_minute):
            # The window starts at the first failure; INCR keeps the key's expiry.
            # (SET NX rather than EXPIRE NX: the embedded Redis is 6.2.)
            pipe.set(counter.key, 0, ex=counter.window_seconds, nx=True)
            pipe.incr(counter.key)
        await pipe.execute()
