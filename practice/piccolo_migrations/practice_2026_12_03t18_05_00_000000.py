"""An account is the contact of at most one employer: a unique index on employer_contact.user.

Written by hand (issue 14). The employer portal and statistics show the employers of an
account's contacts, so one account on two employers read the first one's figures. The
service refuses that with a clear 409 (``practice.services.parties``); this index holds the
line when two requests race. Contacts without an account (``user`` NULL) stay allowed in
any number: both engines treat NULLs as distinct in a unique index.

A database that already links one account to two employers cannot get the index: the
migration stops and names the accounts, so an administrator decides which link stays
(dropping one silently would take a manager's view away without anyone choosing it).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T18:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "employer_contact.user unique: an account is the contact of one employer"

# "user" is a reserved word in PostgreSQL; quoted, the same SQL runs on SQLite.
DUPLICATES = """
    SELECT "user" AS user_id FROM employer_contact
    WHERE "user" IS NOT NULL GROUP BY "user" HAVING COUNT(*) > 1
"""
FORWARDS = 'CREATE UNIQUE INDEX employer_contact_user_once ON employer_contact ("user")'
BACKWARDS = "DROP INDEX IF EXISTS employer_contact_user_once"


async def _forwards() -> None:
    engine = engine_finder()
    assert engine is not None
    # run_ddl hands back the rows on both engines. The check only words the refusal: a
    # duplicate made after it still makes CREATE UNIQUE INDEX fail.
    duplicates = await engine.run_ddl(DUPLICATES)
    if duplicates:
        ids = ", ".join(str(row["user_id"]) for row in duplicates)
        raise RuntimeError(
            f"accounts {ids} are contacts of more than one employer: keep one employer "
            "contact per account, then migrate again"
        )
    await engine.run_ddl(FORWARDS)


async def _backwards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(BACKWARDS)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="practice", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
