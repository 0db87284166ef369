"""``practice migrate`` says what it did: the migrations it ran now and those that had run,
counted from the database (piccolo's own lines said "7 already complete" and "7 not yet
run" about the same seven)."""

import os
import re
import subprocess
import sys
from pathlib import Path


def migrate(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from practice.composition.cli import main; main()", "migrate"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_a_new_database_is_migrated_once_and_then_reported_up_to_date(tmp_data_dir: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_data_dir / 'fresh.sqlite'}",
        "PRACTICE_DATA_DIR": str(tmp_data_dir),
    }
    first = migrate(env)
    assert first.returncode == 0, first.stderr
    ran = re.fullmatch(
        r"database migrated: (\d+) migrations run now, 0 had already run\n", first.stdout
    )
    assert ran, first.stdout
    assert "not yet run" not in first.stdout + first.stderr
    again = migrate(env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"database up to date: all {ran[1]} migrations had already run\n"


def test_the_test_database_is_reported_up_to_date() -> None:
    """The suite's own database (SQLite, or PostgreSQL with TEST_DATABASE_URL) was migrated
    at the start of the run: nothing is left to run."""
    result = migrate(os.environ.copy())
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"database up to date: all \d+ migrations had already run\n", result.stdout)
