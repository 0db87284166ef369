"""The ``practice`` command: every operator action, each calling a service."""

import asyncio
import contextlib
import io
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from practice.platform.logs import configure_logging, library_level
from practice.platform.settings import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    EVERY_ADDRESS,
    Settings,
    SettingsError,
    served_url,
)

T = TypeVar("T")
# The service's own start lines (`practice serve`), at INFO: what was started, where.
start_log = logging.getLogger("practice.start")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _configure_logging(settings: Settings) -> None:
    configure_logging(settings.log_level)


async def _migrate() -> str:
    """Apply every pending migration; returns one line saying what was done.

    Piccolo's own report is kept back: it counts every migration as "already complete"
    and again as "not yet run" (on a new database: "7 already complete", "7 not yet run",
    then runs the seven). The count comes from its migration table, before and after.
    It is shown only when something fails, where it says which migration broke.
    """
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    await BaseMigrationManager().create_migration_table()
    before = await Migration.count()
    report = io.StringIO()
    try:
        with contextlib.redirect_stdout(report):
            result = await run_forwards(app_name="all")
    except Exception:
        click.echo(report.getvalue(), err=True)
        raise
    if not result.success:
        raise click.ClickException(f"migrations failed: {result.message}\n{report.getvalue()}")
    return migration_summary(before, await Migration.count())


def migration_summary(before: int, after: int) -> str:
    """What a migration run did, from the number of migrations recorded as run before and
    after it."""
    ran = after - before
    if ran == 0:
        return f"database up to date: all {after} migrations had already run"
    plural = "s" if ran != 1 else ""
    return f"database migrated: {ran} migration{plural} run now, {before} had already run"


@click.group()
def main() -> None:
    """@Work practice service."""


@main.command()
def migrate() -> None:
    """Apply every pending database migration (SQLite or PostgreSQL)."""
    click.echo(asyncio.run(_migrate()))


@main.command()
def demo() -> None:
    """Load the demo practice (idempotent)."""
    click.echo(asyncio.run(_migrate()))
    created = asyncio.run(_load_demo(_settings()))
    click.echo(f"demo practice ready ({created} episodes created)")


async def _load_demo(settings: Settings, today: date | None = None) -> int:
    """Every package adds its part of the demo practice, in flow order, as of ``today``
    (default: today; the acceptance tests load it as of each day of a week)."""
    from practice.composition import wiring as composition
    from practice.composition.demo import DEMO_PASSWORD, load_demo
    from reporting.demo import load_demo_reporting
    from reporting.demo_client import load_demo_client
    from reporting.demo_invoices import load_demo_invoices
    from reporting.statistics.fact_table import rebuild

    composition.connect()
    today = today or datetime.now(settings.time_zone).date()
    created = await load_demo(today, tz=settings.time_zone)
    if created:  # the clients, their sessions and the coming two weeks are there now
        # The reports due drafted, and the past work of telling others done (no mail for it).
        await load_demo_reporting(today, settings.time_zone, settings)
        # One client with an account, so the client portal shows something (issue 20).
        await load_demo_client(settings, DEMO_PASSWORD)
        # The employers' billing terms and the invoices of the past months (issue 22).
        await load_demo_invoices(today, settings)
        # The demo's statistics facts settled at once (the worker would, within minutes).
        await rebuild(settings.time_zone)
    return created


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["therapist", "company_doctor", "employer_contact", "practice_manager", "administrator"]
    ),
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--locale", default="nl", type=click.Choice(["nl", "en"]))
def create_user(email: str, display_name: str, role: str, password: str, locale: str) -> None:
    """Create an account."""
    from practice.audit.trail import Actor, Channel
    from practice.errors import DomainError, InvalidInput
    from practice.services import accounts

    try:
        user_id = asyncio.run(
            accounts.create_user(
                Actor.system(Channel.CLI),
                email=email,
                display_name=display_name,
                role=role,
                password=password,
                locale=locale,
            )
        )
    except InvalidInput as exc:
        raise click.ClickException(
            "; ".join(f"{name}: {problem}" for name, problem in exc.fields.items())
        ) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"user {user_id} created")


@main.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--demo/--no-demo", "with_demo", default=False, help="Load the demo practice.")
@click.option("--workers", default=1, show_default=True, type=int, help="Web processes.")
def serve(host: str, port: int, with_demo: bool, workers: int) -> None:
    """Run the web service; on the embedded default also Redis and the worker, in-process.

    Library chatter stays below WARNING (practice.platform.logs); the service's own start
    lines are logged at INFO; the address and, with --demo, the logins are printed last,
    once the server answers, so they are what a newcomer sees at the bottom of the screen.
    """
    from practice.platform import redis_conn

    settings = _settings()
    _configure_logging(settings)
    # SIGTERM (systemd, docker stop, kill) must end the process through the `finally`
    # below, like Ctrl+C does. uvicorn catches it for a graceful stop, but then restores
    # the previous handler and raises it again; with the default handler the process would
    # die there and leave the embedded Redis and the render processes running (OPS-1).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    url = served_url(host, port)
    if not os.environ.get("BASE_URL"):
        # Links in e-mails point where this process serves (the web workers, the embedded
        # worker and the demo below all read BASE_URL from the environment).
        os.environ["BASE_URL"] = url
        settings = _settings()
    if host in EVERY_ADDRESS and url == settings.base_url:
        start_log.info(
            "serving on every address; links in e-mails use %s: set BASE_URL to the "
            "address others reach this machine by",
            url,
        )
    catcher = None
    try:
        if not settings.redis_url:
            # Start the embedded Redis here and hand its socket to the web process(es).
            os.environ["REDIS_URL"] = redis_conn.redis_url(settings)
            os.environ.setdefault("PRACTICE_EMBEDDED_WORKER", "true")
            start_log.info("embedded Redis started under %s", settings.data_dir)
            if "SMTP_HOST" not in os.environ:
                from practice.platform import mail_catcher

                catcher = mail_catcher.start(settings.data_dir / "mail")
                os.environ["SMTP_HOST"], os.environ["SMTP_PORT"] = "127.0.0.1", str(catcher.port)
                start_log.info(
                    "outgoing mail is kept in %s (none is sent)", settings.data_dir / "mail"
                )
        start_log.info("%s", asyncio.run(_migrate()))
        announcement = [f"@Work practice service: {url}/  (Ctrl+C stops)"]
        if url != settings.base_url:
            announcement.insert(0, f"Links in e-mails point to {settings.base_url}/ (BASE_URL).")
        if with_demo:
            from practice.composition.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

            started = time.monotonic()
            asyncio.run(_load_demo(settings))
            start_log.info("demo practice ready in %.1f s", time.monotonic() - started)
            announcement[:0] = [
                f"Demo logins (password for all: {DEMO_PASSWORD}):",
                *(f"  {a.role.value:<18} {a.email}" for a in DEMO_ACCOUNTS),
                "",
            ]
        _serve(settings, host, port, workers, ["", *announcement, ""])
    finally:
        _stop_children(catcher)


def _serve(settings: Settings, host: str, port: int, workers: int, announcement: list[str]) -> None:
    """uvicorn, with ``announcement`` printed once it serves (and its start-up, the
    embedded worker's included, is done)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "practice.composition.app:app",
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level=library_level(settings.log_level).lower(),
        # uvicorn would rewrite the client from X-Forwarded-For for any peer in its own
        # list (127.0.0.1 by default); the app reads that header itself, from
        # TRUSTED_PROXIES only (practice.proxies), so uvicorn must leave it alone.
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    if workers > 1:
        # The supervisor binds the port before it starts the web processes, so whatever
        # answers on it afterwards is one of them.
        sock = config.bind_socket()
        local = served_url("127.0.0.1" if host in EVERY_ADDRESS else host, port)
        _announce_when(lambda: _answers(f"{local}/healthz"), announcement)
        Multiprocess(config, sockets=[sock]).run()
        return
    _announce_when(lambda: server.started, announcement, gave_up=lambda: server.should_exit)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise SystemExit(3)  # uvicorn's STARTUP_FAILURE: the port was taken, the app broke


def _announce_when(
    ready: Callable[[], bool], lines: list[str], gave_up: Callable[[], bool] = lambda: False
) -> None:
    def wait_then_print() -> None:
        while not ready():
            if gave_up():
                return
            time.sleep(0.05)
        click.echo("\n".join(lines))
        sys.stdout.flush()

    threading.Thread(target=wait_then_print, name="announce", daemon=True).start()


def _answers(url: str) -> bool:
    import urllib.request

    # No proxy: an HTTP_PROXY in the environment must not answer for this very process.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1) as response:
            return int(response.status) == 200
    except OSError:
        return False


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop_children(catcher: Any) -> None:
    """Everything `serve` and `worker` started, stopped on the way out (OPS-1). A SIGKILL
    skips this; then each child notices its parent's death itself (practice.platform.lifeline)."""
    from practice.platform import redis_conn
    from reporting.documents import shutdown_render_pool

    shutdown_render_pool()  # renders outside the app (the demo's); the app stops its own
    if catcher is not None:
        catcher.stop()  # a thread of this process; stopped so its port closes cleanly
    redis_conn.stop_embedded()


@main.command()
def worker() -> None:
    """Run a background worker (start as many as needed)."""
    from practice.composition import worker as worker_module
    from practice.platform import redis_conn

    settings = _settings()
    _configure_logging(settings)
    # arq stops gracefully on SIGTERM and returns; this handler covers the start-up before.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        url = redis_conn.redis_url(settings)
        # Its own start line (arq's are below WARNING); no queue URL: it may hold a password.
        start_log.info("background worker starting")
        if not os.environ.get("BASE_URL"):
            # Only `practice serve` knows where it serves; a worker of its own must be told.
            start_log.warning("BASE_URL is not set: e-mails link to %s", settings.base_url)
        worker_module.run(settings, url)
    finally:
        _stop_children(None)


@main.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup(target: Path) -> None:
    """Write a backup of the whole database to TARGET (pg_dump, or SQLite's backup API)."""
    from practice.platform.backup import BackupError
    from practice.platform.backup import backup as run_backup

    try:
        run_backup(_settings(), target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {target}")


@main.command()
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.confirmation_option(prompt="This replaces the database's contents. Continue?")
def restore(source: Path) -> None:
    """Replace the database's contents with the backup in SOURCE."""
    from practice.platform.backup import BackupError
    from practice.platform.backup import restore as run_restore

    try:
        run_restore(_settings(), source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("restored; run 'practice audit verify' to check the audit chain")


@main.command("export-client")
@click.argument("client_id", type=int)
@click.option("--out", "target", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "kind",
    default="zip",
    show_default=True,
    type=click.Choice(["zip", "fhir"]),
    help="ZIP (JSON + PDFs) or a FHIR R5 Bundle.",
)
def export_client(client_id: int, target: Path, kind: str) -> None:
    """Everything held about one client, for the client (data-subject access)."""
    from practice.audit.trail import Actor, Channel
    from practice.errors import DomainError

    actor = Actor.system(Channel.CLI)

    async def run() -> bytes:
        from practice.composition import wiring as composition

        composition.connect()
        if kind == "fhir":
            from reporting.fhir.export import export_client_bundle

            bundle = await export_client_bundle(client_id, actor)
            return json.dumps(bundle, ensure_ascii=False, indent=2).encode()
        from reporting.client_export import export_client as export_zip

        return await export_zip(actor, client_id)

    try:
        content = asyncio.run(run())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    target.write_bytes(content)
    click.echo(f"{len(content)} bytes written to {target}")


@main.command("erase-client")
@click.argument("client_id", type=int)
@click.option("--request-ref", required=True, help="The practice's reference of the request.")
@click.option("--by", "by_email", required=True, help="E-mail of the manager carrying it out.")
@click.option("--requested-on", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
def erase_client(
    client_id: int, request_ref: str, by_email: str, requested_on: datetime | None
) -> None:
    """Destroy everything held about one client, at the client's request (WGBO 7:455)."""
    from practice.services import erasure

    settings = _settings()
    today = datetime.now(settings.time_zone).date()
    result = _run_erasure(
        settings,
        lambda redis: erasure.erase_on_request(
            client_id,
            request_ref=request_ref,
            by_email=by_email,
            requested_on=requested_on.date() if requested_on else today,
            redis=redis,
        ),
    )
    if result.already_erased:
        click.echo(f"client {client_id} was already erased (erasure record {result.record_id})")
    else:
        click.echo(
            f"client {client_id} erased: {result.rows_destroyed} rows destroyed "
            f"(erasure record {result.record_id})"
        )


@main.command("purge-expired")
def purge_expired() -> None:
    """Destroy the records whose retention period (WGBO 7:454) has ended."""
    from practice.services import erasure

    settings = _settings()
    today = datetime.now(settings.time_zone).date()
    results = _run_erasure(
        settings, lambda redis: erasure.purge_expired(settings, today, redis=redis)
    )
    for result in results:
        click.echo(f"client {result.client_id} erased (erasure record {result.record_id})")
    click.echo(f"{len(results)} expired records destroyed")


def _run_erasure(settings: Settings, operation: Callable[[Any], Awaitable[T]]) -> T:
    """Run an erasure with the packages connected and, when REDIS_URL is set, the queue at
    hand to drop jobs naming erased rows (the embedded Redis keeps no queue across runs)."""
    from practice.composition import wiring as composition
    from practice.errors import DomainError, InvalidInput
    from practice.platform import redis_conn
    from practice.services import erasure

    async def run() -> T:
        composition.connect()
        redis = redis_conn.client(settings.redis_url) if settings.redis_url else None
        try:
            result = await operation(redis)
        finally:
            if redis is not None:
                await redis.aclose()
        await erasure.flush_storage()
        return result

    try:
        return asyncio.run(run())
    except InvalidInput as exc:
        raise click.ClickException(
            "; ".join(f"{name}: {problem}" for name, problem in exc.fields.items())
        ) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


@main.group()
def statistics() -> None:
    """The kept statistics facts behind the outcome figures."""


@statistics.command("rebuild")
def statistics_rebuild() -> None:
    """Compute every episode's statistics facts again from the raw tables (after a bulk
    load or a restore from elsewhere; the worker keeps them settled otherwise)."""
    from practice.composition import wiring as composition
    from reporting.statistics.fact_table import rebuild, vacuum

    settings = _settings()

    async def run() -> None:
        composition.connect()
        settled = await rebuild(settings.time_zone)
        await vacuum()
        click.echo(f"statistics facts rebuilt: {settled.episodes} episodes, {settled.left} pending")

    asyncio.run(run())


@main.group()
def privacy() -> None:
    """Checks of what is stored against the privacy rules of today."""


@privacy.command()
def recheck() -> None:
    """List the records whose employer-bound text the employer-text guard refuses now
    (stored before the guard, or before the lexicon grew): kind, id and episode, never the
    text. The employer never reads them (they are withheld); the therapist rephrases them.
    Exits with 1 when there is any."""
    from reporting.queries.employer_texts import recheck_lines, refused_texts

    found = asyncio.run(refused_texts())
    for line in recheck_lines(found):
        click.echo(line)
    click.echo(f"{len(found)} stored employer texts fail the employer-text guard now")
    if found:
        sys.exit(1)


from practice.audit.verify import audit as audit_commands  # noqa: E402 - the audit group

main.add_command(audit_commands)

from practice.composition.bench.command import bench as bench_command  # noqa: E402 - the bench command

main.add_command(bench_command)
