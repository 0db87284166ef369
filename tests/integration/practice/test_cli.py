"""The ``practice`` command, run as an operator would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from practice.tables import User


def practice(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from practice.composition.cli import main; main()", *args],
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
        [sys.executable, "-c", "from practice.composition.cli import main; main()", "migrate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TIME_ZONE": "Mars/Olympus"},
    )
    assert result.returncode != 0
    assert "TIME_ZONE" in result.stderr


def test_backup_and_export_client_write_their_files(tmp_data_dir: Path) -> None:
    backup_file = tmp_data_dir / "practice.platform.backup"
    made = practice("backup", str(backup_file))
    assert made.returncode == 0, made.stderr
    assert backup_file.stat().st_size > 0
    missing = practice("export-client", "999999", "--out", str(tmp_data_dir / "x.zip"))
    assert missing.returncode != 0
    assert "No such client" in missing.stderr


@pytest.mark.commits
async def test_export_client_writes_a_fhir_bundle(db, tmp_data_dir: Path) -> None:
    import json
    from datetime import date
    from decimal import Decimal

    import anyio

    from practice.audit.trail import Actor, Channel
    from practice.services import parties

    actor = Actor.system(Channel.CLI)
    employer_id = await parties.create_employer(actor, name="Export BV")
    client_id, _ = await parties.register_client(
        actor,
        name="Export Cliënt",
        employer_id=employer_id,
        contract_hours=Decimal(32),
        contract_from=date(2024, 1, 1),
    )
    target = tmp_data_dir / "bundle.json"
    result = await anyio.to_thread.run_sync(
        lambda: practice("export-client", str(client_id), "--out", str(target), "--format", "fhir")
    )
    assert result.returncode == 0, result.stderr
    bundle = json.loads(target.read_text())
    assert bundle["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"])
