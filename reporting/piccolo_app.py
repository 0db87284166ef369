"""Piccolo app of `reporting`."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from reporting import tables

APP_CONFIG = AppConfig(
    app_name="reporting",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=tables.ALL,
    migration_dependencies=["practice.piccolo_app", "scheduling.piccolo_app"],
    commands=[],
)
