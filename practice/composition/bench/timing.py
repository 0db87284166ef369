"""A/B timing: control and candidate in the same run, interleaved, medians and p95.

Shared machines are noisy; a ratio of two things measured side by side is not. Each round
runs both sides, the order alternating (ABBA…), so a slow minute hurts both. The spread of
the per-round ratios is reported as the noise of the measurement.
"""

import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field

Call = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Stats:
    n: int
    p50_ms: float
    p95_ms: float

    def as_json(self) -> dict[str, float]:
        return {"n": self.n, "p50_ms": round(self.p50_ms, 3), "p95_ms": round(self.p95_ms, 3)}


def summarise(samples_s: list[float]) -> Stats:
    ordered = sorted(samples_s)
    p95_index = min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))
    return Stats(
        n=len(ordered),
        p50_ms=statistics.median(ordered) * 1000,
        p95_ms=ordered[p95_index] * 1000,
    )


@dataclass(frozen=True)
class Side:
    label: str
    call: Call
    # Entered around the side's requests of one round (e.g. the audit sink stubbed); an
    # async one is awaited on both ends (e.g. renders started, and finished before the
    # other side is timed).
    context: Callable[[], AbstractContextManager[object] | AbstractAsyncContextManager[object]] = (
        contextlib.nullcontext
    )


@dataclass
class ABResult:
    control: list[float] = field(default_factory=list)
    candidate: list[float] = field(default_factory=list)
    round_ratios: list[float] = field(default_factory=list)


async def _calls(side: Side, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await side.call()
        samples.append(time.perf_counter() - started)
    return samples


async def _timed(side: Side, count: int) -> list[float]:
    context = side.context()
    if isinstance(context, AbstractAsyncContextManager):
        async with context:
            return await _calls(side, count)
    with context:
        return await _calls(side, count)


# Requests each side serves before the rounds. On PostgreSQL a page's reads go to up to ten
# pooled connections; asyncpg prepares each statement once per connection, and PostgreSQL
# plans a prepared statement afresh for its first executions on each. So a fresh process's
# first twenty or so caseloads are slower (P-1 on M: 45-60 ms, then 40 ms). The targets are
# about a process that has been running: two requests left that start-up in the first
# round, where it decided P-1's p95. (At most three rounds' worth: the CI smoke runs rounds
# of one.)
WARMUP = 30


async def run_ab(
    control: Side, candidate: Side, *, rounds: int, per_round: int, warmup: int | None = None
) -> ABResult:
    if warmup is None:
        warmup = min(WARMUP, 3 * per_round)
    await _timed(control, warmup)
    await _timed(candidate, warmup)
    result = ABResult()
    for round_number in range(rounds):
        if round_number % 2 == 0:
            a = await _timed(control, per_round)
            b = await _timed(candidate, per_round)
        else:
            b = await _timed(candidate, per_round)
            a = await _timed(control, per_round)
        result.control.extend(a)
        result.candidate.extend(b)
        result.round_ratios.append(statistics.median(b) / statistics.median(a))
    return result
