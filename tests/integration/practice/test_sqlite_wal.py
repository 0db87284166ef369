"""The embedded database switches to WAL even when a second process holds the new file."""

import asyncio
import sqlite3
import threading
from pathlib import Path

from piccolo.engine.sqlite import SQLiteEngine

from practice.platform.db import enable_sqlite_wal


def _journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


async def test_a_file_held_by_another_process_is_switched_to_wal_once_it_is_free(
    tmp_path: Path,
) -> None:
    path = tmp_path / "practice.sqlite"
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")  # as a worker migrating the new file would
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    try:
        await enable_sqlite_wal(SQLiteEngine(path=str(path), timeout=0))
    finally:
        release.join()
        holder.close()
    assert _journal_mode(path) == "wal"


async def test_a_file_already_in_wal_is_left_alone_even_while_it_is_busy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "practice.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        await asyncio.wait_for(enable_sqlite_wal(SQLiteEngine(path=str(path), timeout=0)), 2)
    finally:
        holder.rollback()
        holder.close()
    assert _journal_mode(path) == "wal"
