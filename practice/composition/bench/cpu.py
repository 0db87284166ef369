"""Where the cores go while a load runs: a web server's processes against everything else.

P-10 asks four web processes for 1.4× the audited writes of one, on two cores that the
web processes share with PostgreSQL, the load generator and the kernel. How far more
processes can go is bounded by what one write costs outside the web process: with one
process the web server uses ``web`` cores and everything else ``rest`` (both averaged over
the load), so a write costs ``web / R`` of a core in the web process and ``rest / R``
elsewhere at ``R`` writes a second. ``N`` processes on ``C`` cores then reach at most
``C / (web + rest) × R`` (the cores are full) and at most ``N / web × R`` (each process
on one core), so at most ``min(C / (web + rest), N / web)`` times one process, whatever
the code does with locks or chains, as long as a write costs what it did. The bench prints
that ceiling beside the ratio it measured (`ceiling`).

Read from /proc (Linux), as P-8 reads memory: the machine's busy time from /proc/stat, and
the server's from /proc/<pid>/stat of its process and every descendant (uvicorn's
``--workers`` are children of the process it starts).
"""

import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_PROC = Path("/proc")
# /proc/stat's first line: user nice system idle iowait irq softirq steal (guest time is
# counted in user already). Work done here: user, nice, system, irq and softirq; idle and
# iowait are the cores doing nothing, steal the time the hypervisor gave another machine.
_WORK_FIELDS = (0, 1, 2, 5, 6)


@dataclass(frozen=True, slots=True)
class Split:
    """Cores in use on average while a load ran: by the server's processes, by the rest."""

    web: float
    rest: float


def busy_ticks(stat_text: str) -> int:
    """Clock ticks all cores have worked so far, from the text of /proc/stat."""
    fields = [int(f) for f in stat_text.split("\n", 1)[0].split()[1:]]
    return sum(fields[index] for index in _WORK_FIELDS)


def process_ticks(stat_text: str) -> tuple[int, int]:
    """A process's parent pid and its CPU clock ticks so far (user + system), from the
    text of /proc/<pid>/stat. The command name may hold spaces and parentheses: the fields
    are counted from the last ``)``."""
    fields = stat_text.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def ceiling(split: Split, cores: int, processes: int) -> float | None:
    """The most ``processes`` web processes on ``cores`` cores can do, in times one process,
    if a write costs what it cost while ``split`` was measured (one process under load)."""
    if split.web <= 0:
        return None
    return min(cores / (split.web + split.rest), processes / split.web)


def available() -> bool:
    return (_PROC / "stat").exists()


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:  # the process ended between listing and reading
        return None


def _tree_ticks(root: int) -> int:
    """CPU ticks of ``root`` and its descendants alive now."""
    children: dict[int, list[int]] = {}
    ticks: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and (text := _read(entry / "stat")) is not None:
            parent, ticks[int(entry.name)] = process_ticks(text)
            children.setdefault(parent, []).append(int(entry.name))
    total, wanted = 0, [root]
    while wanted:
        pid = wanted.pop()
        total += ticks.get(pid, 0)
        wanted += children.get(pid, [])
    return total


async def measure(root: int, load: Callable[[], Awaitable[T]]) -> tuple[T, Split | None]:
    """Run ``load`` and say how the cores were used meanwhile: by the process ``root`` and
    its descendants, and by everything else. None where /proc is not there to read."""
    if not available():
        return await load(), None
    hz = os.sysconf("SC_CLK_TCK")
    began = time.monotonic()
    machine, server = busy_ticks((_PROC / "stat").read_text()), _tree_ticks(root)
    result = await load()
    seconds = time.monotonic() - began
    machine = busy_ticks((_PROC / "stat").read_text()) - machine
    server = _tree_ticks(root) - server
    if seconds <= 0:
        return result, None
    web = server / hz / seconds
    return result, Split(web=web, rest=max(0.0, machine / hz / seconds - web))
