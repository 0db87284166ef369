"""``practice bench``: build (or reuse) a data set, measure every target, print and save.

Imports stay inside the command: ``--database-url`` must be in the environment before
anything asks Piccolo for its engine.
"""

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from practice.composition.bench.datasets import DEFAULT_SEED, SIZES

# The bench accounts' password: public on purpose, like the demo's. The bench refuses to
# load its accounts into a database that holds anything else.
BENCH_PASSWORD = "bench-werkgericht"  # noqa: S105

TARGETS = ("P-1", "P-2", "P-3", "P-4", "P-5", "P-6", "P-7", "P-8", "P-9", "P-10")


@click.command()
@click.option("--dataset", type=click.Choice(sorted(SIZES)), default="S", show_default=True)
@click.option("--episodes", type=int, default=None, help="Fewer episodes than the data set has.")
@click.option("--rounds", type=int, default=5, show_default=True, help="Interleaved A/B rounds.")
@click.option("--per-round", type=int, default=10, show_default=True, help="Requests per side.")
@click.option(
    "--rss-requests",
    type=int,
    default=2_000,
    show_default=True,
    help=(
        "Requests P-8 sends the web worker (the target says 10,000: fewer are projected "
        "to 10,000 from the RSS slope; 10,000 take 8–13 minutes on M here)."
    ),
)
@click.option(
    "--renders",
    type=int,
    default=100,
    show_default=True,
    help="Renders through the app's render pool that P-8 watches.",
)
@click.option("--database-url", default=None, help="Instead of DATABASE_URL.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reset", is_flag=True, help="Empty the database first (never the audit log).")
@click.option("--only", multiple=True, type=click.Choice(TARGETS), help="Measure only these.")
@click.option("--load-only", is_flag=True, help="Build or reuse the data set; measure nothing.")
def bench(
    dataset: str,
    episodes: int | None,
    rounds: int,
    per_round: int,
    rss_requests: int,
    renders: int,
    database_url: str | None,
    seed: int,
    json_path: Path | None,
    reset: bool,
    only: tuple[str, ...],
    load_only: bool,
) -> None:
    """Measure the performance targets P-1 … P-10 against bare controls (targets.md, issue 21)."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    from practice.composition.bench.datasets import make_plan
    from practice.platform.logs import configure_logging
    from practice.platform.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
        plan = make_plan(dataset, episodes=episodes, seed=seed)
    except (SettingsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    # One line per request would drown the table; warnings and errors still show.
    configure_logging("WARNING")
    options = {
        "rounds": max(1, rounds),
        "per_round": max(1, per_round),
        "rss_requests": max(0, rss_requests),
        "renders": max(2, renders),
        "reset": reset,
        "only": set(only or TARGETS),
        "json_path": json_path,
        "load_only": load_only,
    }
    from practice.platform import redis_conn

    if not settings.redis_url:
        os.environ["REDIS_URL"] = redis_conn.redis_url(settings)
        settings = Settings.from_env()
    try:
        asyncio.run(_run(settings, plan, options))
    finally:
        redis_conn.stop_embedded()


async def _run(settings: Any, plan: Any, options: dict[str, Any]) -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from practice.composition.app import create_app
    from practice.composition.bench import measurements as m
    from practice.composition.bench.client import BenchError, log_in, running
    from practice.composition.bench.controls import replaying
    from practice.composition.bench.loading import DatasetConflict, Progress, ensure_dataset
    from practice.composition.bench.memory import web_worker_memory
    from practice.composition.bench.rendering import interim_report, web_while_rendering
    from practice.composition.bench.report import (
        machine_facts,
        not_measured,
        table_text,
        write_json,
    )
    from practice.composition.bench.scale import caseload_at_scale
    from practice.composition.bench.writers import audited_writers
    from practice.platform.clock import today_in
    from practice.platform.db import engine
    from reporting.statistics.fact_table import (
        any_pending,
        cells_current,
        rebuild,
        refresh_cells,
        vacuum,
    )

    if (engine().engine_type == "postgres") != settings.is_postgres:
        raise click.ClickException("the engine was chosen before --database-url was read")
    migrated = await run_forwards(app_name="all")
    if not migrated.success:
        raise click.ClickException(f"migrations failed: {migrated.message}")
    started = time.monotonic()
    click.echo(f"data set {plan.name}: {plan.episodes:,} episodes (seed {plan.seed})", err=True)
    try:
        counts = await ensure_dataset(
            settings, plan, _password_hash(), reset=options["reset"], progress=Progress()
        )
    except DatasetConflict as exc:
        raise click.ClickException(str(exc)) from exc
    loaded = time.monotonic() - started
    click.echo("  reused" if not counts else f"  loaded in {loaded:.1f} s", err=True)
    if await any_pending():  # a bulk load (its rows marked by the triggers), or a new table
        settling = time.monotonic()
        settled = await rebuild(settings.time_zone)
        await vacuum()
        took = time.monotonic() - settling
        click.echo(f"  statistics facts of {settled.episodes:,} episodes in {took:.1f} s", err=True)
    elif not await cells_current(today_in(settings.time_zone)):  # a data set of another day
        settling = time.monotonic()
        months = await refresh_cells(settings.time_zone)
        await vacuum()
        took = time.monotonic() - settling
        click.echo(f"  statistics cells of {months} months in {took:.1f} s", err=True)
    if options["load_only"]:
        return

    selected: set[str] = options["only"]
    plan_of: list[tuple[str, Callable[[m.Bench], Awaitable[Any]], str, str]] = [
        ("P-1", m.caseload_page, "caseload page vs bare route", "≤ 2× (p50 and p95)"),
        ("P-2", m.client_history, "client page, 1,000 vs 10 sessions", "≤ 1.3×"),
        ("P-3", caseload_at_scale, "caseload on 1 M vs 10 k sessions", "≤ 1.2×"),
        ("P-4", m.statistics_dashboard, "statistics dashboard vs its SQL", "≤ 1.3×"),
        ("P-5", interim_report, "interim report vs bare WeasyPrint", "≤ 1.2×"),
        ("P-6", web_while_rendering, "web p95 while the worker renders", "≤ 1.5× idle"),
        ("P-7", m.audited_route, "audited vs unaudited route", "≤ 1.15×"),
        ("P-8", web_worker_memory, "web worker and render memory", "≤ 150 MB; +≤ 10 %"),
        ("P-9", m.sqlite_writers, "SQLite concurrent writers", '0 "database is locked"'),
        ("P-10", audited_writers, "audited writes, 4 processes vs 1", "≥ 1.4×; ≤ 1.15×"),
    ]
    outcomes = []
    app = create_app(settings, freeze_heap=True)  # as uvicorn's app is
    async with running(app), replaying(settings) as replayer:
        try:
            therapist = await log_in(
                app, settings, plan.email(plan.bench_therapist), BENCH_PASSWORD
            )
            manager = await log_in(app, settings, plan.email(plan.manager), BENCH_PASSWORD)
        except BenchError as exc:
            raise click.ClickException(str(exc)) from exc
        bench = m.Bench(
            settings=settings,
            plan=plan,
            therapist=therapist,
            manager=manager,
            replayer=replayer,
            rounds=options["rounds"],
            per_round=options["per_round"],
            rss_requests=options["rss_requests"],
            renders=options["renders"],
            password=BENCH_PASSWORD,
        )
        for target, measure, title, goal in plan_of:
            if target not in selected:
                outcomes.append(not_measured(target, title, goal, "not selected (--only)"))
                continue
            click.echo(f"measuring {target} {title} …", err=True)
            began = time.monotonic()
            try:
                outcomes.append(await measure(bench))
            except Exception as exc:
                # One broken measurement must not cost the others; it is reported, not hidden.
                why = f"the measurement failed: {type(exc).__name__}: {exc}"
                outcomes.append(not_measured(target, title, goal, why[:300]))
            outcomes[-1].data["seconds"] = round(time.monotonic() - began, 1)
            click.echo(f"  {outcomes[-1].status} in {outcomes[-1].data['seconds']} s", err=True)
        await therapist.http.aclose()
        await manager.http.aclose()

    dataset = {
        "name": plan.name,
        "episodes": plan.episodes,
        "appointments": await _count("appointment"),
        "seed": plan.seed,
        "load_seconds": round(loaded, 1) if counts else None,
        "rows_loaded": counts,
    }
    facts = machine_facts(*await _engine_facts())
    click.echo(table_text(outcomes, facts, dataset))
    if options["json_path"] is not None:
        write_json(options["json_path"], outcomes, facts, dataset)
        click.echo(f"\nwritten to {options['json_path']}", err=True)
    sys.stdout.flush()


def _password_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(BENCH_PASSWORD)


async def _count(table: str) -> int:
    from practice.tables import TreatmentEpisode

    rows = await TreatmentEpisode.raw(f'SELECT count(*) AS n FROM "{table}"')  # noqa: S608
    return int(rows[0]["n"])


async def _engine_facts() -> tuple[str, str]:
    from practice.platform.db import engine
    from practice.tables import TreatmentEpisode

    if engine().engine_type == "postgres":
        rows = await TreatmentEpisode.raw("SHOW server_version")
        return "PostgreSQL", str(rows[0]["server_version"])
    rows = await TreatmentEpisode.raw("SELECT sqlite_version() AS v")
    return "SQLite", str(rows[0]["v"])
