"""Piccolo app of `scheduling`."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from scheduling import tables

APP_CONFIG = AppConfig(
    app_name="scheduling",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=tables.ALL,
    migration_dependencies=["practice.piccolo_app"],
    commands=[],
)
