"""The absence record for rows written before it (issue 19), by hand.

Before, an absence linked to an earlier one meant a relapse (its only kind), and a referral
created its absence without naming it: the episode's absence is the one of its employment
with the referral's kind and first sick day (the lowest id when a second referral made a
duplicate). Both engines run the same SQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T05:39:14:000000"
VERSION = "1.38.0"
DESCRIPTION = "absence record: old links are relapses, episodes name their absence"

FORWARDS = (
    "UPDATE absence_episode SET link_kind = 'relapse' "
    "WHERE previous IS NOT NULL AND link_kind IS NULL",
    "UPDATE treatment_episode SET absence = ("
    "SELECT MIN(a.id) FROM absence_episode a JOIN referral r "
    "ON r.id = treatment_episode.referral "
    "WHERE a.employment = treatment_episode.employment "
    "AND a.absence_type = r.absence_status AND a.first_sick_day = r.first_sick_day"
    ") WHERE absence IS NULL",
)


async def _forwards() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in FORWARDS:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)
    manager.add_raw(_forwards)
    return manager
