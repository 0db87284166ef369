"""One function per performance target (targets.md P-1 … P-9), each returning its line.

Every A/B runs control and candidate interleaved in the same run (`bench.timing`).
The candidate is always the real app with its whole stack: session in Redis, role guard,
CSRF cookie, audit row, Piccolo, Jinja.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Actor, Channel
from practice.composition.bench.breakdown import dashboard_breakdown
from practice.composition.bench.client import BenchError, Browser, asgi_client
from practice.composition.bench.controls import BarePage, Replayer, bare_app, capture
from practice.composition.bench.datasets import Plan
from practice.composition.bench.report import FAIL, PASS, Outcome, not_measured, ratio_outcome
from practice.composition.bench.timing import Side, run_ab, summarise
from practice.episodes import ENDED_STATUSES, EpisodeStatus
from practice.platform.clock import today_in
from practice.platform.settings import Settings
from practice.tasks import derive_tasks
from practice.web.auth import CurrentUser
from reporting.statistics.facts import Source, facts_from

WRITERS = 20


@dataclass
class Bench:
    """What every measurement needs: the app, two logged-in people, the raw driver."""

    settings: Settings
    plan: Plan
    therapist: Browser
    manager: Browser
    replayer: Replayer
    rounds: int
    per_round: int
    rss_requests: int
    renders: int
    password: str

    def rounds_of(self) -> dict[str, int]:
        return {"rounds": self.rounds, "per_round": self.per_round}


# ---------------------------------------------------------------- P-1 caseload vs bare route


async def caseload_page(bench: Bench) -> Outcome:
    from practice.caseload_view import CaseloadView
    from practice.queries import caseload as caseload_queries
    from practice.web.today import caseload_context

    settings, plan = bench.settings, bench.plan
    actor = Actor(
        user_id=plan.bench_therapist, role="therapist", source="127.0.0.1", channel=Channel.WEB
    )
    today = today_in(settings.time_zone)
    with capture() as statements, _kept(caseload_queries, "load_facts") as facts:
        loaded = await caseload_queries.caseload_page(
            actor, today, settings.time_zone, CaseloadView()
        )
    entries = loaded.entries

    def derive_every_task() -> None:
        # The page's pure Python step, on the facts the candidate loaded.
        for fact, rules in facts[0].values():
            derive_tasks(fact, today, rules)

    user = CurrentUser(
        id=plan.bench_therapist,
        email=plan.email(plan.bench_therapist),
        display_name="Therapist 0001",
        role=Role.THERAPIST,
        locale="en",
    )
    page = BarePage(
        template="practice/caseload.html",
        context={"user": user, **caseload_context(loaded)},
        statements=statements,
        work=derive_every_task,
    )
    active = sum(1 for e in entries if EpisodeStatus(e["status"]) not in ENDED_STATUSES)
    async with asgi_client(
        bare_app(settings, bench.replayer, {"caseload": page}), settings.base_url
    ) as bare_http:
        bare = Browser(bare_http)
        shown = await bench.therapist.get("/caseload")
        missing = [e["client_name"] for e in entries if e["client_name"] not in shown.text]
        if missing:
            raise BenchError(f"/caseload does not show {len(missing)} of its clients")
        await bare.get("/bare/caseload")
        result = await run_ab(
            Side("bare", lambda: bare.get("/bare/caseload")),
            Side("app", lambda: bench.therapist.get("/caseload")),
            **bench.rounds_of(),
        )
    return ratio_outcome(
        "P-1",
        f"caseload page ({len(entries)} rows, {active} of them active episodes)",
        goal_ratio=2.0,
        result=result,
        control_label=(
            "bare Litestar route (no middleware, guard, session or audit): the page's "
            f"{len(statements)} SQL statements replayed on the driver, its tasks derived from "
            "the same facts, the same template and rows"
        ),
        candidate_label="GET /caseload, full stack",
        on=("p50", "p95"),
        note=(
            "the caseload lists every episode assigned to the therapist, closed ones too "
            "(closing an episode does not end its assignment)"
        ),
    )


@contextlib.contextmanager
def _kept(module: Any, name: str) -> Iterator[list[Any]]:
    """Keep what ``module.name`` returns while the block runs."""
    original = getattr(module, name)
    kept: list[Any] = []

    async def keeping(*args: Any, **kwargs: Any) -> Any:
        kept.append(await original(*args, **kwargs))
        return kept[-1]

    setattr(module, name, keeping)
    try:
        yield kept
    finally:
        setattr(module, name, original)


# ---------------------------------------------------------------- P-2 1,000 sessions vs 10


async def client_history(bench: Bench) -> Outcome:
    plan = bench.plan
    # The HTML episode page where the app has one, else the episode's JSON.
    probe = await bench.therapist.http.get(
        f"/episodes/{plan.light_episode}", headers={"accept": "text/html"}
    )
    html = probe.status_code == 200
    prefix, accept = ("/episodes", "text/html") if html else ("/api/episodes", "application/json")

    def episode(episode_id: int) -> Side:
        path = f"{prefix}/{episode_id}"
        return Side(path, lambda: bench.therapist.get(path, accept=accept))

    result = await run_ab(
        episode(plan.light_episode), episode(plan.heavy_episode), **bench.rounds_of()
    )
    return ratio_outcome(
        "P-2",
        "client (episode) page, 1,000 sessions vs 10",
        goal_ratio=1.3,
        result=result,
        control_label=f"GET {prefix}/{plan.light_episode} (10 sessions)",
        candidate_label=f"GET {prefix}/{plan.heavy_episode} (1,000 sessions, 50 reports)",
        note="" if html else "the JSON API: this app has no HTML episode page",
    )


# ---------------------------------------------------------------- P-4 statistics vs its SQL


async def statistics_dashboard(bench: Bench) -> Outcome:
    path = "/statistics/outcomes"
    with capture() as statements:
        await bench.manager.get(path)
    started = time.perf_counter()
    await bench.manager.get(path)
    took = time.perf_counter() - started
    # The second control: the same figures' SQL over the raw tables, as before the kept
    # facts (issue 21), replayed against the first, so the table shows the speed-up.
    with facts_from(Source.RAW), capture() as raw_statements:
        await bench.manager.get(path)
    # One dashboard took seconds on M: fewer rounds, each of about a second's requests (one
    # on M; on S, where a dashboard takes a tenth of a second, enough that a single slow
    # request does not decide the round).
    per_round = max(1, min(bench.per_round, int(1.0 / max(took, 0.001))))
    rounds = {"rounds": min(bench.rounds, 3), "per_round": per_round, "warmup": 1}
    result = await run_ab(
        Side("sql", lambda: bench.replayer.replay_at_once(statements)),
        Side("dashboard", lambda: bench.manager.get(path)),
        **rounds,
    )
    before = await run_ab(
        Side("kept", lambda: bench.replayer.replay_at_once(statements)),
        Side("raw", lambda: bench.replayer.replay_at_once(raw_statements)),
        **rounds,
    )
    kept, raw = summarise(before.control), summarise(before.candidate)
    # Where the page's time goes beyond its SQL, served after the A/B (not during it: the
    # stopwatches would cost the candidate alone).
    split = await dashboard_breakdown(
        lambda: bench.manager.get(path),
        requests=max(10, per_round),
        sql_ms=summarise(result.control).p50_ms,
    )
    outcome = ratio_outcome(
        "P-4",
        "outcome statistics dashboard",
        goal_ratio=1.3,
        result=result,
        control_label=(
            f"the dashboard's {len(statements)} SQL statements over the kept facts and "
            "cells, replayed on the driver as the app runs them (on PostgreSQL side by side; "
            "no HTTP, ORM, Python aggregation or template)"
        ),
        candidate_label=f"GET {path} (HTML with charts), full stack",
        note="; ".join(
            [
                f"the same figures' SQL over the raw tables: {raw.p50_ms:.0f} ms p50, "
                f"{raw.p50_ms / kept.p50_ms:.1f}× the kept facts' and cells' {kept.p50_ms:.0f} ms",
                *([split.note()] if split is not None else []),
            ]
        ),
    )
    if split is not None:
        outcome.data["breakdown"] = split.as_json()
    return outcome


# ---------------------------------------------------------------- P-7 audited vs stubbed


@contextlib.contextmanager
def audit_stubbed() -> Iterator[None]:
    """The audit sink replaced by a no-op (callers use ``audit.record`` by attribute)."""
    original = audit.record

    async def no_op(*args: Any, **kwargs: Any) -> None:
        return None

    audit.record = no_op
    try:
        yield
    finally:
        audit.record = original


async def audited_route(bench: Bench) -> Outcome:
    path = f"/api/episodes/{bench.plan.light_episode}"

    async def read() -> object:
        return await bench.therapist.get(path, accept="application/json")

    result = await run_ab(
        Side("stubbed", read, context=audit_stubbed), Side("audited", read), **bench.rounds_of()
    )
    return ratio_outcome(
        "P-7",
        "audited read route",
        goal_ratio=1.15,
        result=result,
        control_label=f"GET {path} with audit.record replaced by a no-op",
        candidate_label=f"GET {path} writing its audit row (hash chain)",
    )


# ---------------------------------------------------------------- P-9 SQLite writers


async def _writers_on_sqlite(bench: Bench, title: str, goal: str) -> Outcome:
    """P-9 is about the SQLite default: a PostgreSQL run asks a child bench on SQLite."""
    from practice.composition.bench.child import ChildFailed, outcome_of, run_child

    path = bench.settings.data_dir / "bench-p9.sqlite"
    try:
        line = await run_child(
            bench, f"sqlite:///{path}", "P-9", episodes=1_000, per_round=bench.per_round
        )
    except ChildFailed as exc:
        return not_measured("P-9", title, goal, f"the SQLite child run failed: {exc}")
    return outcome_of(line, f"measured by a child bench on SQLite ({path})")


class _LockedLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        if "database is locked" in text:
            self.count += 1


async def sqlite_writers(bench: Bench) -> Outcome:
    title, goal = f"SQLite: {WRITERS} concurrent writers", '0 "database is locked"'
    if bench.settings.is_postgres:
        return await _writers_on_sqlite(bench, title, goal)
    path = f"/api/episodes/{bench.plan.writer_episode}/task-overrides"
    handler = _LockedLog()
    logging.getLogger().addHandler(handler)
    latencies: list[float] = []
    statuses: list[int] = []
    try:
        for round_number in range(bench.rounds):

            async def write(writer: int, round_number: int = round_number) -> float:
                loop = asyncio.get_running_loop()
                started = loop.time()
                response = await bench.therapist.post_json(
                    path,
                    {"task_key": f"bench-writer-{writer}", "reason": f"round {round_number}"},
                )
                statuses.append(response.status_code)
                if "database is locked" in response.text:
                    handler.count += 1
                return loop.time() - started

            latencies += await asyncio.gather(*(write(w) for w in range(WRITERS)))
    finally:
        logging.getLogger().removeHandler(handler)
    failures = sum(1 for s in statuses if s != 200)
    stats = summarise(latencies)
    locked = handler.count
    return Outcome(
        target="P-9",
        title=title,
        goal=goal,
        control_label="goal",
        candidate_label=(
            f"{bench.rounds} rounds of {WRITERS} concurrent POST {path} (an audited write)"
        ),
        control="0 locked",
        candidate=f"{locked} locked, {failures} failed of {len(statuses)}",
        ratio=f"p95 {stats.p95_ms:.0f} ms",
        status=PASS if locked == 0 and failures == 0 else FAIL,
        note="each write waits for the one before it (IMMEDIATE transactions, busy timeout)",
        data={"writes": len(statuses), "locked": locked, "failed": failures, **stats.as_json()},
    )
