"""Backup and restore of the whole database (DATA-1).

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean`` (the tools of the server
version on the machine). SQLite: the online backup API, which copies a consistent snapshot
while the service keeps running. The backup holds medical data: store it encrypted.
"""

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from practice.platform.settings import Settings


class BackupError(RuntimeError):
    pass


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return tool


def _pg_dsn(settings: Settings) -> str:
    parts = urlsplit(settings.database_url)
    return parts._replace(scheme="postgresql").geturl()


def backup(settings: Settings, target: Path) -> Path:
    """Write a backup to ``target`` (a file); returns it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if settings.is_postgres:
        result = subprocess.run(  # noqa: S603 - fixed tool, our own settings
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--file={target}",
                _pg_dsn(settings),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(result.stderr.strip()[-500:])
        return target
    source = sqlite3.connect(settings.sqlite_path)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target


def restore(settings: Settings, source: Path) -> None:
    """Replace the database's contents with the backup in ``source``."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    if settings.is_postgres:
        result = subprocess.run(  # noqa: S603 - fixed tool, our own settings
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                f"--dbname={_pg_dsn(settings)}",
                str(source),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(result.stderr.strip()[-500:])
        return
    backup_db = sqlite3.connect(source)
    live = sqlite3.connect(settings.sqlite_path)
    try:
        with live:
            backup_db.backup(live)
    finally:
        live.close()
        backup_db.close()


async def backup_async(settings: Settings, target: Path) -> Path:
    return await asyncio.to_thread(backup, settings, target)


async def restore_async(settings: Settings, source: Path) -> None:
    await asyncio.to_thread(restore, settings, source)
