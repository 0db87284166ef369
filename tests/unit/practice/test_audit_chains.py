"""Several audit chains (issue 21, P-10): how a writer picks one, and how the verifier's
report of all of them reads (no database)."""

import re

from practice.audit import trail as audit
from practice.audit.chain import GENESIS
from practice.audit.verify import AuditReport, ChainReport


def test_a_writer_tries_every_chain_once_starting_at_its_connections_own() -> None:
    sql = audit._try_chains(3)
    tries = re.findall(
        r"WHEN pg_try_advisory_xact_lock\((\d+) \+ \(s\.start \+ (\d)\) % 3\) "
        r"THEN \(s\.start \+ (\d)\) % 3",
        sql,
    )
    lock = str(audit.CHAIN_LOCK)
    assert tries == [(lock, "0", "0"), (lock, "1", "1"), (lock, "2", "2")]
    assert "FROM (SELECT pg_backend_pid() % 3 AS start)" in sql
    # the non-blocking try only: waiting is a statement of its own
    assert "pg_advisory_xact_lock(" not in sql.replace("pg_try_advisory_xact_lock(", "")
    assert audit.CHAINS == 8
    assert audit._try_chains(8) == audit._TRY_CHAINS


def test_the_chains_locks_do_not_overflow_a_postgresql_integer() -> None:
    assert audit.CHAIN_LOCK + audit.CHAINS - 1 < 2**31


def test_an_audit_report_is_intact_only_when_every_chain_is() -> None:
    intact = AuditReport((ChainReport(0, 3, "h0"), ChainReport(4, 2, "h4")))
    assert intact.broken == [] and intact.broken_at is None and intact.problem is None
    assert intact.rows == 5
    broken = AuditReport(
        (
            ChainReport(0, 3, "h0"),
            ChainReport(4, 1, "h4", broken_at=17, problem="was changed"),
            ChainReport(6, 0, GENESIS, broken_at=9, problem="does not follow"),
        )
    )
    assert [c.chain for c in broken.broken] == [4, 6]
    assert (broken.broken_at, broken.problem) == (17, "was changed")  # the first broken chain
    assert broken.rows == 4


def test_a_chain_the_log_does_not_hold_reads_as_empty() -> None:
    report = AuditReport((ChainReport(0, 3, "h0"),))
    assert report.chain(0).rows == 3
    assert report.chain(2) == ChainReport(2, 0, GENESIS)
    assert AuditReport().rows == 0 and AuditReport().broken_at is None
