"""Piccolo app of the clinical core."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from practice import tables

APP_CONFIG = AppConfig(
    app_name="practice",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=tables.ALL,
    migration_dependencies=[],
    commands=[],
)
