"""The ``practice`` command, run as an operator would run it."""

import os
import subprocess
import sys

from practice.tables import User


def practice(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from practice.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        check=False,
    )


def _delete(email: str) -> None:
    User.delete().where(User.email == email).run_sync()


def test_create_user_makes_an_account_and_refuses_a_weak_password() -> None:
    email = "cli-made@cast.test"
    try:
        weak = practice(
            "create-user",
            "--email",
            email,
            "--name",
            "Cli",
            "--role",
            "therapist",
            "--password",
            "short",
        )
        assert weak.returncode != 0
        assert "password" in weak.stderr
        made = practice(
            "create-user",
            "--email",
            email,
            "--name",
            "Cli",
            "--role",
            "therapist",
            "--password",
            "a long enough password",
        )
        assert made.returncode == 0, made.stderr
        assert User.exists().where(User.email == email).run_sync()
    finally:
        _delete(email)


def test_migrate_is_idempotent() -> None:
    result = practice("migrate")
    assert result.returncode == 0, result.stderr


def test_a_bad_setting_stops_the_command_with_its_name() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from practice.cli import main; main()", "migrate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TIME_ZONE": "Mars/Olympus"},
    )
    assert result.returncode != 0
    assert "TIME_ZONE" in result.stderr
