"""Several audit chains (issue 21, P-10): how a writer picks one, and how the verifier's
report of all of them reads (no database)."""

from practice.audit import trail as audit
from practice.audit.chain import GENESIS
from practice.audit.verify import AuditReport, ChainReport


def test_a_writer_takes_its_chain_and_head_with_the_trails_own_lock_base_and_count() -> None:
    # The function gets the constants from their owner on every call (nothing retyped).
    assert audit._TAKE_CHAIN == "SELECT taken, head FROM audit_take_chain({}, {})"
    assert audit.CHAINS == 8


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
