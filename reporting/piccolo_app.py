"""Piccolo app of `reporting`; its tables arrive with the issues that need them."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="reporting",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["practice.piccolo_app", "scheduling.piccolo_app"],
    commands=[],
)
