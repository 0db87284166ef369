"""A child ``practice bench`` on another database, for what one process cannot measure.

Piccolo binds every table to one engine per process, so a measurement that needs a second
database (P-3's small data set; P-9's SQLite file during a PostgreSQL run) runs the bench
again as a child process, limited to one target, and reads that target's JSON line.
"""

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from practice.composition.bench.measurements import Bench
from practice.composition.bench.report import Outcome


class ChildFailed(RuntimeError):
    """The child bench exited with an error; the message holds the end of its output."""


async def run_child(
    bench: Bench, database_url: str, target: str, *, episodes: int, per_round: int
) -> dict[str, Any]:
    """The child's JSON line for ``target`` (its data set is built once, then reused)."""
    with tempfile.TemporaryDirectory(prefix="practice-bench-") as folder:
        report = Path(folder) / "child.json"
        options = ["--only", target, "--rounds", str(bench.rounds)]
        options += ["--per-round", str(per_round), "--json", str(report)]
        await _child(bench, database_url, episodes, options)
        if not report.exists():
            raise ChildFailed(f"the child bench wrote no {report.name}")
        document = json.loads(report.read_text())
    line: dict[str, Any] = next(t for t in document["targets"] if t["target"] == target)
    return line


async def load_in_child(bench: Bench, database_url: str, *, episodes: int) -> None:
    """Build (or reuse) a data set of ``episodes`` on another database, measuring nothing."""
    await _child(bench, database_url, episodes, ["--load-only"])


async def _child(bench: Bench, database_url: str, episodes: int, options: list[str]) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from practice.composition.cli import main; main()",
        "bench",
        "--dataset",
        "S",
        "--episodes",
        str(episodes),
        "--seed",
        str(bench.plan.seed),
        "--database-url",
        database_url,
        *options,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    _, errors = await child.communicate()
    if child.returncode != 0:
        raise ChildFailed(errors.decode(errors="replace")[-1000:])


def outcome_of(line: dict[str, Any], note: str) -> Outcome:
    """A child's JSON line as this run's line, saying where it was measured."""
    known = {"target", "title", "goal", "control", "candidate", "ratio", "status", "note"}
    return Outcome(
        target=line["target"],
        title=line["title"],
        goal=line["goal"],
        control_label=line["control"]["label"],
        candidate_label=line["candidate"]["label"],
        control=line["control"]["shown"],
        candidate=line["candidate"]["shown"],
        ratio=line["ratio"],
        status=line["status"],
        note="; ".join(part for part in (line["note"], note) if part),
        data={key: value for key, value in line.items() if key not in known},
    )
