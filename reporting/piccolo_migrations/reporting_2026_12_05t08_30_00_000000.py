"""Invoices are never deleted or rewritten, and their numbers only go up by one (issue 22).

Written by hand. The tax law asks an invoice to stay as it was issued; a wrong one is
corrected by a credit note (reporting.services.invoices). Triggers refuse, whoever writes:

- DELETE (and TRUNCATE on PostgreSQL) of invoices, their lines, payments and the numbers;
- an UPDATE of what an invoice says (number, key, parties, dates, amounts, reason, who made
  it), of a line's content, of a payment; the PDF once it is made;
- a year's last number moving by anything but one (``invoice_number``): gapless by the
  database too.

What may change: an invoice's status, sent_at and sent_by (sending), its PDF while it has
none (made once), and a line's charge key (a credit note that bills the charges again marks
it: reporting.services.invoices.REBILL_MARK). ``reporting.invoice_guard`` suspends the
triggers for the tests that empty the tables, inside one transaction.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T08:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Invoices, their lines, payments and numbers cannot be deleted or rewritten"

MESSAGE = "invoices are kept as issued: a credit note corrects an invoice"
KEPT_TABLES = ("invoice", "invoice_line", "invoice_payment", "invoice_number")
INVOICE_CONTENT = (
    "number, key, kind, credits, employer, terms, issued_on, due_on, period_start, "
    "period_end, buyer_name, buyer_address, buyer_reference, invoice_email, vat_exempt, "
    "net_cents, vat_cents, total_cents, reason, created_at, created_by"
)
LINE_CONTENT = (
    "invoice, position, charge, offer, episode_id, client_initials, client_reference, "
    "service_date, quantity, unit_cents, net_cents, vat_category, vat_rate"
)
PAYMENT_CONTENT = "invoice, paid_on, amount_cents, recorded_by, recorded_at"
# trigger name -> (table, event, condition or "")
UPDATES = {
    "invoice_content": ("invoice", f"UPDATE OF {INVOICE_CONTENT}", ""),
    "invoice_pdf": ("invoice", "UPDATE OF pdf", "OLD.pdf IS NOT NULL"),
    "invoice_line_content": ("invoice_line", f"UPDATE OF {LINE_CONTENT}", ""),
    "invoice_payment_content": ("invoice_payment", f"UPDATE OF {PAYMENT_CONTENT}", ""),
    "invoice_number_step": (
        "invoice_number",
        "UPDATE OF year, last",
        "NEW.year <> OLD.year OR NEW.last <> OLD.last + 1",
    ),
}


def _postgres_forwards() -> list[str]:
    statements = [
        f"""
        CREATE OR REPLACE FUNCTION invoice_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$
        """
    ]
    for table in KEPT_TABLES:
        statements += [
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION invoice_kept()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION invoice_kept()",
        ]
    for name, (table, event, condition) in UPDATES.items():
        when = f" WHEN ({condition})" if condition else ""
        statements.append(
            f"CREATE TRIGGER {name}_kept BEFORE {event} ON {table} FOR EACH ROW{when} "
            "EXECUTE FUNCTION invoice_kept()"
        )
    return statements


def _postgres_backwards() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {name}_kept ON {table}" for name, (table, _, _) in UPDATES.items()]
    for table in KEPT_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
    return [*statements, "DROP FUNCTION IF EXISTS invoice_kept()"]


def _sqlite_forwards() -> list[str]:
    refuse = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    statements = [
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {refuse}"
        for table in KEPT_TABLES
    ]
    for name, (table, event, condition) in UPDATES.items():
        when = f" WHEN {condition}" if condition else ""
        statements.append(f"CREATE TRIGGER {name}_kept BEFORE {event} ON {table}{when} {refuse}")
    return statements


def _sqlite_backwards() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_delete" for table in KEPT_TABLES] + [
        f"DROP TRIGGER IF EXISTS {name}_kept" for name in UPDATES
    ]


async def _run(statements: list[str]) -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in statements:
        await engine.run_ddl(statement)


async def _forwards() -> None:
    engine = engine_finder()
    assert engine is not None
    postgres = engine.engine_type == "postgres"
    await _run(_postgres_forwards() if postgres else _sqlite_forwards())


async def _backwards() -> None:
    engine = engine_finder()
    assert engine is not None
    postgres = engine.engine_type == "postgres"
    await _run(_postgres_backwards() if postgres else _sqlite_backwards())


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reporting", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
