"""Triggers put every episode whose statistics facts a write may change on
``statistics_pending``; every episode there now is pending at first (issue 21).

Written by hand. The facts of an episode (reporting.statistics.facts) come from these
tables; a trigger on each, after INSERT, UPDATE and DELETE, names the episodes the changed
row belongs to (before and after an update), whoever writes: a service, the demo, an import
or a hand-typed statement. A figure computes a pending episode from the raw tables, so the
figures are exact even before the worker settles it (reporting.statistics.fact_table).

The SQL is generated from the table below and frozen in this file: a later change to which
tables feed the facts needs a new migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T03:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "statistics_pending is filled by triggers on the tables the facts come from"

# table -> the episodes of one of its rows, as a SELECT over the row named X.
EPISODES_OF_ROW = {
    "treatment_episode": "SELECT X.id AS episode",
    "referral": "SELECT te.id AS episode FROM treatment_episode te WHERE te.referral = X.id",
    "screening": "SELECT X.episode AS episode",
    "appointment": "SELECT X.episode AS episode WHERE X.episode IS NOT NULL",
    "work_participation": "SELECT X.episode AS episode WHERE X.episode IS NOT NULL",
    "follow_up": "SELECT X.episode AS episode WHERE X.episode IS NOT NULL",
    "work_resumption_agreement": "SELECT X.episode AS episode WHERE X.episode IS NOT NULL",
    # A volume % is computed against the contracts of the measurement's employment, which
    # need not be the episode's.
    "contract_hours": (
        "SELECT DISTINCT wp.episode AS episode FROM work_participation wp "
        "WHERE wp.employment = X.employment AND wp.episode IS NOT NULL"
    ),
    "absence_episode": (
        "SELECT te.id AS episode FROM treatment_episode te WHERE te.employment = X.employment"
    ),
}


def _postgres_forwards() -> list[str]:
    statements: list[str] = []
    for table in EPISODES_OF_ROW:
        select_old = EPISODES_OF_ROW[table].replace("X.", "OLD.")
        select_new = EPISODES_OF_ROW[table].replace("X.", "NEW.")
        statements += [
            f"""
            CREATE OR REPLACE FUNCTION statistics_mark_{table}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    INSERT INTO statistics_pending (episode, marked_at)
                    SELECT episode, now() FROM ({select_old}) AS touched;
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    INSERT INTO statistics_pending (episode, marked_at)
                    SELECT episode, now() FROM ({select_new}) AS touched;
                END IF;
                RETURN NULL;
            END
            $$
            """,
            f"""
            CREATE TRIGGER statistics_mark_{table}
            AFTER INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION statistics_mark_{table}()
            """,
        ]
    return statements


def _postgres_backwards() -> list[str]:
    return [
        statement
        for table in EPISODES_OF_ROW
        for statement in (
            f"DROP TRIGGER IF EXISTS statistics_mark_{table} ON {table}",
            f"DROP FUNCTION IF EXISTS statistics_mark_{table}()",
        )
    ]


def _sqlite_insert(table: str, row: str) -> str:
    select = EPISODES_OF_ROW[table].replace("X.", f"{row}.")
    return (
        "INSERT INTO statistics_pending (episode, marked_at) "
        "SELECT episode, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now') "
        f"FROM ({select}) AS touched;"
    )


def _sqlite_forwards() -> list[str]:
    statements: list[str] = []
    for table in EPISODES_OF_ROW:
        statements += [
            f"CREATE TRIGGER statistics_mark_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {_sqlite_insert(table, 'NEW')} END",
            f"CREATE TRIGGER statistics_mark_{table}_update AFTER UPDATE ON {table} "
            f"BEGIN {_sqlite_insert(table, 'OLD')} {_sqlite_insert(table, 'NEW')} END",
            f"CREATE TRIGGER statistics_mark_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {_sqlite_insert(table, 'OLD')} END",
        ]
    return statements


def _sqlite_backwards() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS statistics_mark_{table}_{event}"
        for table in EPISODES_OF_ROW
        for event in ("insert", "update", "delete")
    ]


# An existing practice has episodes and no settled facts yet: all of them are pending.
EVERY_EPISODE = (
    "INSERT INTO statistics_pending (episode, marked_at) SELECT id, {now} FROM treatment_episode"
)


async def _run(statements: list[str]) -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in statements:
        await engine.run_ddl(statement)


async def _forwards() -> None:
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "postgres":
        await _run([*_postgres_forwards(), EVERY_EPISODE.format(now="now()")])
    else:
        now = "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')"
        await _run([*_sqlite_forwards(), EVERY_EPISODE.format(now=now)])


async def _backwards() -> None:
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "postgres":
        await _run(_postgres_backwards())
    else:
        await _run(_sqlite_backwards())


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="reporting", description=DESCRIPTION
    )
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
