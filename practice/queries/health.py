"""Readiness reads: does the database answer?"""

from practice.platform.db import engine


async def database_answers() -> None:
    """Run a trivial statement; raises whatever the driver raises when the database is down."""
    await engine().run_ddl("SELECT 1")
