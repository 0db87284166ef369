"""A changed cost per absence day puts the employer's episodes on ``statistics_pending``;
a deleted episode (an erasure) takes the kept cells of its month with it; the kept cells
and the open episodes' facts are read by indexes of their own.

Written by hand. The figures read an employer's cost per absence day at the time of the
figure (S8), never kept; the kept cells (reporting.statistics.cells) count it in their
rows, so a change must make their months stale, as any other write does: its episodes
turn pending until settled (migration reporting_2026_12_05t03_01_00).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T08:40:37:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "statistics_pending: an employer's episodes when its cost per absence day changes; "
    "the kept cells' indexes"
)

# A figure reads the cells of one figure, offer and diagnosis over runs of months; the
# few episodes kept apart are read by their flag; the caseload by therapist reads the
# episodes of the open statuses (15,000 of 100,000 on M: from the index alone, 42 -> 6 ms).
INDEXES = [
    "CREATE INDEX statistics_cell_read ON statistics_cell (figure, offer, diagnosis, month)",
    "CREATE INDEX statistics_cell_episode_apart ON statistics_cell_episode (apart, episode)",
    "CREATE INDEX statistics_fact_status ON statistics_fact (status, episode)",
]
DROP_INDEXES = [
    "DROP INDEX IF EXISTS statistics_cell_read",
    "DROP INDEX IF EXISTS statistics_cell_episode_apart",
    "DROP INDEX IF EXISTS statistics_fact_status",
]

EPISODES = (
    "SELECT te.id AS episode FROM treatment_episode te "
    "JOIN referral r ON r.id = te.referral WHERE r.employer = NEW.id"
)

POSTGRES_FORWARDS = [
    f"""
    CREATE OR REPLACE FUNCTION statistics_mark_employer() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.cost_per_absence_day_cents IS DISTINCT FROM OLD.cost_per_absence_day_cents THEN
            INSERT INTO statistics_pending (episode, marked_at)
            SELECT episode, now() FROM ({EPISODES}) AS touched;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER statistics_mark_employer
    AFTER UPDATE OF cost_per_absence_day_cents ON employer
    FOR EACH ROW EXECUTE FUNCTION statistics_mark_employer()
    """,
]
# The cells an erased episode was counted in go with it, at once: its month is computed
# from the facts until the next settling computes its cells again without it
# (reporting.statistics.cell_table).
MONTH_OF_OLD = (
    "SELECT c.month FROM statistics_cell_episode c WHERE c.episode = OLD.id AND c.apart = 0"
)
FORGET = [
    f"DELETE FROM statistics_cell WHERE month IN ({MONTH_OF_OLD})",
    f"DELETE FROM statistics_month WHERE month IN ({MONTH_OF_OLD})",
]
POSTGRES_FORWARDS += [
    f"""
    CREATE OR REPLACE FUNCTION statistics_forget_episode() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {"; ".join(FORGET)};
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER statistics_forget_episode AFTER DELETE ON treatment_episode
    FOR EACH ROW EXECUTE FUNCTION statistics_forget_episode()
    """,
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS statistics_forget_episode ON treatment_episode",
    "DROP FUNCTION IF EXISTS statistics_forget_episode()",
    "DROP TRIGGER IF EXISTS statistics_mark_employer ON employer",
    "DROP FUNCTION IF EXISTS statistics_mark_employer()",
]
SQLITE_FORWARDS = [
    "CREATE TRIGGER statistics_mark_employer_update "
    "AFTER UPDATE OF cost_per_absence_day_cents ON employer "
    "WHEN NEW.cost_per_absence_day_cents IS NOT OLD.cost_per_absence_day_cents "
    "BEGIN INSERT INTO statistics_pending (episode, marked_at) "
    "SELECT episode, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now') "
    f"FROM ({EPISODES}) AS touched; END"
]
SQLITE_FORWARDS.append(
    "CREATE TRIGGER statistics_forget_episode AFTER DELETE ON treatment_episode "
    f"BEGIN {'; '.join(FORGET)}; END"
)
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS statistics_mark_employer_update",
    "DROP TRIGGER IF EXISTS statistics_forget_episode",
]


async def _run(postgres: list[str], sqlite: list[str]) -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in postgres if engine.engine_type == "postgres" else sqlite:
        await engine.run_ddl(statement)


async def _forwards() -> None:
    await _run(POSTGRES_FORWARDS + INDEXES, SQLITE_FORWARDS + INDEXES)


async def _backwards() -> None:
    await _run(POSTGRES_BACKWARDS + DROP_INDEXES, SQLITE_BACKWARDS + DROP_INDEXES)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reporting", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
