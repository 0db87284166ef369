"""The ``practice`` command: every operator action, each calling a service."""

import asyncio
import os
import sys
from datetime import datetime

import click

from practice.logs import configure_logging
from practice.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _configure_logging(settings: Settings) -> None:
    configure_logging(settings.log_level)


async def _migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all")
    if not result.success:
        raise click.ClickException(f"migrations failed: {result.message}")


@click.group()
def main() -> None:
    """@Work practice service."""


@main.command()
def migrate() -> None:
    """Apply every pending database migration (SQLite or PostgreSQL)."""
    asyncio.run(_migrate())


@main.command()
def demo() -> None:
    """Load the demo practice (idempotent)."""
    asyncio.run(_migrate())
    created = asyncio.run(_load_demo(_settings()))
    click.echo(f"demo practice ready ({created} episodes created)")


async def _load_demo(settings: Settings) -> int:
    """Every package adds its part of the demo practice, in flow order."""
    from practice import composition
    from practice.demo import load_demo
    from reporting.services import draft_due_reports
    from scheduling.demo import load_demo_sessions

    composition.connect()
    today = datetime.now(settings.time_zone).date()
    created = await load_demo(today, settings.time_zone)
    if created:
        await load_demo_sessions(today, settings.time_zone)
        await draft_due_reports(today)
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
    from practice.audit import Actor, Channel
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
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo/--no-demo", "with_demo", default=False, help="Load the demo practice.")
@click.option("--workers", default=1, show_default=True, type=int, help="Web processes.")
def serve(host: str, port: int, with_demo: bool, workers: int) -> None:
    """Run the web service; on the embedded default also Redis and the worker, in-process."""
    from practice import redis_conn

    settings = _settings()
    _configure_logging(settings)
    if not settings.redis_url:
        # Start the embedded Redis here and hand its socket to the web process(es).
        os.environ["REDIS_URL"] = redis_conn.redis_url(settings)
        os.environ.setdefault("PRACTICE_EMBEDDED_WORKER", "true")
    asyncio.run(_migrate())
    if with_demo:
        from practice.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        asyncio.run(_load_demo(settings))
        click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            click.echo(f"  {account.role.value:<18} {account.email}")
    click.echo(f"\n@Work practice service: http://{host}:{port}/  (Ctrl+C stops)\n")
    sys.stdout.flush()

    import uvicorn

    try:
        uvicorn.run(
            "practice.app:app",
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level=settings.log_level.lower(),
        )
    finally:
        redis_conn.stop_embedded()


@main.command()
def worker() -> None:
    """Run a background worker (start as many as needed)."""
    from practice import redis_conn
    from practice import worker as worker_module

    settings = _settings()
    _configure_logging(settings)
    worker_module.run(settings, redis_conn.redis_url(settings))


from practice.audit_verify import audit as audit_commands  # noqa: E402 - the audit group

main.add_command(audit_commands)
