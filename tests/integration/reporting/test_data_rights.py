"""Data-subject access and backups: everything about a client in one ZIP; a backup restores
to the same rows."""

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
import time_machine

from practice.audit.trail import Action, Actor, Channel
from practice.platform.settings import Settings
from practice.tables import AuditEvent, TreatmentEpisode
from reporting.client_export import export_client
from tests.cast import Cast, make_cast
from tests.conftest import make_client
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.web import assert_audited


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_client_export_holds_the_record_documents_and_access_log(
    client, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    started = time.monotonic()
    content = await export_client(Actor.system(Channel.CLI), int(row["client"]))
    assert time.monotonic() - started < 60
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    assert {
        "data/client.json",
        "data/screening.json",
        "data/appointment.json",
        "data/access_log.json",
    } <= names
    client_rows = json.loads(archive.read("data/client.json"))
    assert client_rows[0]["name"] == "Anna Jansen"
    assert len(json.loads(archive.read("data/appointment.json"))) == 10
    assert (
        json.loads(archive.read("data/screening.json"))[0]["diagnosis_category"] == "angststoornis"
    )
    assert json.loads(archive.read("data/access_log.json"))
    await assert_audited(
        action=Action.EXPORT.value, object_type="client", object_id=str(row["client"])
    )


@pytest.mark.commits
async def test_a_backup_restores_the_same_rows(
    app, db, redis, settings: Settings, tmp_data_dir: Path
) -> None:
    from practice.platform.backup import backup_async, restore_async

    cast = await make_cast()
    async with make_client(app) as http:
        with time_machine.travel("2026-06-15 10:00 +0200", tick=False):
            await episode_with_ten_held_sessions(http, cast)
    counts = {"episodes": await TreatmentEpisode.count(), "audit": await AuditEvent.count()}
    target = await backup_async(settings, tmp_data_dir / "practice.platform.backup")
    assert target.stat().st_size > 0
    await TreatmentEpisode.update({TreatmentEpisode.status: "declined"}, force=True)
    await restore_async(settings, target)
    assert {"episodes": await TreatmentEpisode.count(), "audit": await AuditEvent.count()} == counts
    statuses = {r["status"] for r in await TreatmentEpisode.select(TreatmentEpisode.status)}
    assert statuses == {"in_treatment"}
