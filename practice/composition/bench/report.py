"""The bench's output: one table (target, control, candidate, ratio, goal, result), the
machine facts, and the same as JSON.

A target that was not measured says so; it never passes by default.
"""

import json
import os
import platform
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from practice.composition.bench.timing import ABResult, Stats, summarise

PASS, FAIL, NOT_MEASURED = "pass", "FAIL", "not measured"


@dataclass
class Outcome:
    """One target's line: what was compared with what, the ratio, and the verdict."""

    target: str
    title: str
    goal: str
    control_label: str = ""
    candidate_label: str = ""
    control: str = "–"
    candidate: str = "–"
    ratio: str = "–"
    status: str = NOT_MEASURED
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "title": self.title,
            "goal": self.goal,
            "control": {"label": self.control_label, "shown": self.control},
            "candidate": {"label": self.candidate_label, "shown": self.candidate},
            "ratio": self.ratio,
            "status": self.status,
            "note": self.note,
            **self.data,
        }


def not_measured(target: str, title: str, goal: str, why: str) -> Outcome:
    return Outcome(target=target, title=title, goal=goal, note=why)


def _shown(stats: Stats) -> str:
    return f"p50 {stats.p50_ms:.2f} / p95 {stats.p95_ms:.2f} ms"


def ratio_outcome(
    target: str,
    title: str,
    *,
    goal_ratio: float,
    result: ABResult,
    control_label: str,
    candidate_label: str,
    on: tuple[str, ...] = ("p50",),
    note: str = "",
) -> Outcome:
    """Pass when every named statistic's ratio (candidate / control) is within the goal."""
    a, b = summarise(result.control), summarise(result.candidate)
    ratios = {"p50": b.p50_ms / a.p50_ms, "p95": b.p95_ms / a.p95_ms}
    passed = all(ratios[name] <= goal_ratio for name in on)
    spread = (min(result.round_ratios), max(result.round_ratios))
    return Outcome(
        target=target,
        title=title,
        goal=f"≤ {goal_ratio:g}× ({' and '.join(on)})",
        control_label=control_label,
        candidate_label=candidate_label,
        control=_shown(a),
        candidate=_shown(b),
        ratio=" / ".join(f"{ratios[name]:.2f}×" for name in on),
        status=PASS if passed else FAIL,
        note=note,
        data={
            "control_stats": a.as_json(),
            "candidate_stats": b.as_json(),
            "ratio_p50": round(ratios["p50"], 3),
            "ratio_p95": round(ratios["p95"], 3),
            "goal_ratio": goal_ratio,
            "noise": {
                "round_ratio_min": round(spread[0], 3),
                "round_ratio_max": round(spread[1], 3),
                "round_ratio_median": round(statistics.median(result.round_ratios), 3),
                "rounds": len(result.round_ratios),
            },
        },
    )


def machine_facts(engine: str, engine_version: str) -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": engine,
        "database_version": engine_version,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def table_text(outcomes: list[Outcome], facts: dict[str, Any], dataset: dict[str, Any]) -> str:
    header = ("Target", "Control", "Candidate", "Ratio", "Goal", "Result")
    rows = [(o.target, o.control, o.candidate, o.ratio, o.goal, o.status.upper()) for o in outcomes]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    out.append("")
    out += [f"- {o.target} {o.title}: {_described(o)}" for o in outcomes]
    out.append("")
    out.append(
        f"Machine: {facts['cpu_count']} CPUs ({facts['cpu']}), Python {facts['python']}, "
        f"{facts['database']} {facts['database_version']}, {facts['platform']}"
    )
    out.append(
        "Data set {name}: {episodes:,} episodes, {appointments:,} appointments, seed {seed}".format(
            **dataset
        )
    )
    return "\n".join(out)


def _described(o: Outcome) -> str:
    parts = []
    if o.candidate_label:
        parts.append(f"candidate = {o.candidate_label}; control = {o.control_label}")
    if o.note:
        parts.append(o.note)
    noise = o.data.get("noise")
    if noise:
        parts.append(
            f"per-round ratios {noise['round_ratio_min']:.2f}–{noise['round_ratio_max']:.2f}"
            f" over {noise['rounds']} rounds"
        )
    return "; ".join(parts) or "–"


def write_json(
    path: Path, outcomes: list[Outcome], facts: dict[str, Any], dataset: dict[str, Any]
) -> None:
    document = {
        "machine": facts,
        "dataset": dataset,
        "targets": [o.as_json() for o in outcomes],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
