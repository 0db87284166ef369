"""Models and migrations agree: Piccolo's auto-migration differ finds nothing to do.

``piccolo migrations new <app> --auto`` replays the migration history into a snapshot of the
schema and compares it with the table classes; whatever it would write is drift. This test
runs the same differ (``AutoMigrationManager.get_alter_statements``) for each of our apps and
fails on any statement it emits, except the known no-ops named below. It also checks that the
test database, migrated by tests/conftest.py, ran every migration and has every column of
every model.
"""

import re

import pytest
from piccolo.apps.migrations.auto.schema_differ import AlterStatements
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.columns import Varchar
from piccolo.conf.apps import AppConfig, Finder
from piccolo.table import Table

APPS = ("practice", "scheduling", "reporting")

# Piccolo 1.38 emits an ``alter_column`` for every self-referencing foreign key even when
# nothing changed: the snapshot's ``references`` is a class rebuilt from the migrations, not
# the model, so the two compare unequal although both name the same table. The migrations
# were trimmed of these by hand (see the docstrings of practice/piccolo_migrations/*.py);
# SQLite cannot run them. Each is named here as (app, table class, column); any other
# statement, or one of these that changes more than its own ``references``, is drift.
SELF_REFERENCE_NO_OPS = {
    ("practice", "Therapist", "backup"),
    ("practice", "TreatmentEpisode", "reopened_from"),
    ("practice", "AbsenceEpisode", "previous"),
    ("scheduling", "Appointment", "rebooked_as"),
    ("reporting", "Invoice", "credits"),
}

_SELF_REFERENCE = re.compile(
    r"manager\.alter_column\(table_class_name='(?P<table>\w+)', tablename='\w+', "
    r"column_name='(?P<column>\w+)', db_column_name='(?P=column)', "
    r"params=\{'references': (?P=table)\}, old_params=\{'references': (?P=table)\}, "
    r"column_class=ForeignKey, old_column_class=ForeignKey, schema=None\)"
)


def _app_config(app: str) -> AppConfig:
    return Finder().get_app_config(app)


async def _statements(app_config: AppConfig) -> list[str]:
    # auto_input "n": answer "no" should the differ ask whether a column was renamed, so a
    # rename shows as drift (a drop and an add) instead of waiting for a prompt.
    groups: list[AlterStatements] = await AutoMigrationManager(auto_input="n").get_alter_statements(
        app_config=app_config
    )
    return [statement for group in groups for statement in group.statements]


def _split(app: str, statements: list[str]) -> tuple[set[tuple[str, str, str]], list[str]]:
    """The known self-reference no-ops found, and every other statement (the drift)."""
    no_ops: set[tuple[str, str, str]] = set()
    drift: list[str] = []
    for statement in statements:
        match = _SELF_REFERENCE.fullmatch(statement)
        key = (app, match["table"], match["column"]) if match else (app, "", "")
        if key in SELF_REFERENCE_NO_OPS:
            no_ops.add(key)
        else:
            drift.append(statement)
    return no_ops, drift


@pytest.mark.parametrize("app", APPS)
async def test_the_auto_migration_differ_finds_nothing_to_do_for_each_app(app: str) -> None:
    no_ops, drift = _split(app, await _statements(_app_config(app)))
    assert not drift, (
        f"the models of {app} differ from its migrations; write a migration "
        f"(piccolo migrations new {app} --auto): {drift}"
    )
    expected = {key for key in SELF_REFERENCE_NO_OPS if key[0] == app}
    # A named no-op the differ no longer emits (Piccolo fixed it, the column went) is stale.
    assert no_ops == expected, f"stale self-reference no-ops: {sorted(expected - no_ops)}"


async def test_the_differ_reports_a_model_that_no_migration_creates() -> None:
    # Defined here, not at module level, so no other test meets it among the Table classes.
    class DriftProbe(Table, tablename="drift_probe"):
        name = Varchar()

    config = _app_config("scheduling")
    probe = AppConfig(
        app_name=config.app_name,
        migrations_folder_path=config.migrations_folder_path,
        table_classes=[*config.table_classes, DriftProbe],
    )
    _, drift = _split("scheduling", await _statements(probe))
    assert any("DriftProbe" in statement for statement in drift), drift


async def test_the_differ_reports_a_changed_self_reference_as_drift() -> None:
    # The no-op exception matches only an unchanged self-reference.
    statement = (
        "manager.alter_column(table_class_name='Appointment', tablename='appointment', "
        "column_name='rebooked_as', db_column_name='rebooked_as', "
        "params={'references': Appointment, 'null': False}, "
        "old_params={'references': Appointment}, column_class=ForeignKey, "
        "old_column_class=ForeignKey, schema=None)"
    )
    assert _split("scheduling", [statement]) == (set(), [statement])


@pytest.mark.parametrize("app", APPS)
async def test_the_test_database_ran_every_migration_of_each_app(app: str, db: None) -> None:
    config = _app_config(app)
    manager = AutoMigrationManager()
    written = set(manager.get_migration_modules(config.resolved_migrations_folder_path))
    ran = set(await Migration.get_migrations_which_ran(app_name=app))
    assert written <= ran, f"migrations of {app} not run: {sorted(written - ran)}"


@pytest.mark.parametrize("app", APPS)
async def test_the_migrated_database_has_every_column_of_every_model(app: str, db: None) -> None:
    # Selecting every column by name fails on the engine if one is missing.
    for table in _app_config(app).table_classes:
        assert await table.select(*table._meta.columns).limit(1) is not None
