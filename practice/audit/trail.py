"""The audit trail (NEN 7513): who did what to which record, when, why, from where, outcome.

Every service that creates, reads, updates, exports or sends client data calls ``record``
inside its own transaction, so the row and the effect commit together: if the audit row
cannot be written, the operation fails (fail closed). A read whose rows are known before its
object is loaded (an episode, the caseload's clients) may write them in a transaction beside
the loading (``practice.platform.db.alongside``): it returns only once they have committed.
Rows hold identifiers and categories, never medical content: callers pass an object type
and id, not the object.

The rows form hash chains keyed with ``AUDIT_KEY`` (``practice.audit.chain``; ``practice
audit verify`` checks each). The key is read from the settings once per process
(``chain_key``). Appends to one chain are serialised so that it stays linear with concurrent
writers; ``record`` runs only inside ``write_tx()`` (it raises otherwise) so that what
serialises them lasts until the commit:

- SQLite: ``write_tx()`` is an IMMEDIATE transaction, one writer at a time in the whole
  database, so one chain (0) is all there is.
- PostgreSQL: ``CHAINS`` chains, each with its own transaction-level advisory lock
  (``CHAIN_LOCK + k``). One lock for all of them made every audited transaction of every
  web process queue behind the others from its first audit row to its commit (issue 21,
  P-10). A transaction's first audit row now tries the chains' locks without waiting,
  starting at its connection's number modulo ``CHAINS`` (so concurrent writers start on
  different chains), and takes the first free one; only when every chain is taken does it
  wait for one. It then reads that chain's head and links to it: both in one round trip,
  a PL/pgSQL function whose head read runs after the lock in a snapshot of its own. It
  keeps the lock until it commits and writes all its further audit rows to the same chain
  (remembered in ``tx_local``), so a transaction's rows stay together and it never waits
  twice. Ids rise along each chain: a chain's next writer takes its ids only after the
  previous one committed.

What is left of the queue: a transaction holds its chain from its first audit row to its
commit, so only with more concurrent audited transactions than chains does one wait.
"""

import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.custom_types import Combinable

from practice.audit.chain import GENESIS, keyed_link
from practice.platform import metrics
from practice.platform.db import engine, in_write_tx, insert_plain, tx_local
from practice.platform.settings import Settings
from practice.tables import AuditEvent

# pg_advisory_xact_lock key of chain 0's head ("audt"); chain k's is CHAIN_LOCK + k. Any
# constants unique to this use.
CHAIN_LOCK = 0x61756474
# The chains on PostgreSQL. A trade: each lets one more audited transaction be between its
# first audit row and its commit while the others are; each costs the writers' try one more
# lock to test when most are taken, and the verifier and the purge one more chain to walk
# and lock. Eight is issue 21's starting point, and P-10 (``practice bench``) measures
# whether it is enough. Changing it needs no migration: ``verify`` walks whichever chains
# the table holds, and the purge locks every chain below ``CHAINS``.
CHAINS = 8
_CHAIN = "audit_chain"  # the tx_local key of the chain this transaction holds


# The chain's lock and its head in one round trip (``audit_take_chain``, a PL/pgSQL function
# of migration practice_2026_12_05t13_50_00): the first free chain from the connection's
# number modulo ``CHAINS`` on, else a wait for that first one; then its head, read in a
# statement of its own after the lock (the function's docstring says why that matters).
_TAKE_CHAIN = "SELECT taken, head FROM audit_take_chain({}, {})"


@functools.cache
def chain_key() -> bytes:
    """``AUDIT_KEY``, read once per process: settings may read the key file of the data
    directory, which must not happen for every audit row. Every process of one deployment
    reads the same key (the environment, or the file generated once in the data directory)."""
    return Settings.from_env().audit_key.encode()


class AuditUnavailable(RuntimeError):
    """The audit row could not be written, so the operation must not happen (fail closed).

    Raised inside the operation's transaction, which then rolls back: no data leaves and
    nothing is written. The web layer answers 503 (``practice.web.errors``).
    """


class Action(enum.StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    SEARCH = "search"
    EXPORT = "export"
    PRINT = "print"
    SEND = "send"
    LOGIN = "login"
    LOGOUT = "logout"


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"
    PENDING = "pending"  # a login step passed, another (the second factor) must follow


class Channel(enum.StrEnum):
    WEB = "web"
    API = "api"
    CLI = "cli"
    WORKER = "worker"


@dataclass(frozen=True)
class Actor:
    """Who acts: a logged-in user, or the system itself (CLI, worker)."""

    user_id: int | None
    role: str | None
    source: str | None  # IP address, or the host name for CLI and worker
    channel: Channel

    @classmethod
    def system(cls, channel: Channel) -> "Actor":
        return cls(user_id=None, role="system", source=None, channel=channel)


async def _chain_and_head() -> tuple[int, str]:
    """The chain this transaction appends to and that chain's last hash.

    SQLite: chain 0, the transaction's write lock serves. PostgreSQL: the chain taken by
    this transaction's first audit row (its lock held until the commit) and its head read
    along the index; or, for the first row, a free chain and its head in one round trip
    (``_TAKE_CHAIN``), timed (issue 21: the chain's wait, a round trip when one is free).
    """
    if engine().engine_type != "postgres":
        return 0, await _head(0)
    local = tx_local()
    if (held := local.get(_CHAIN)) is not None:
        return int(held), await _head(int(held))
    with metrics.AUDIT_CHAIN_WAIT.time():
        taken = (await AuditEvent.raw(_TAKE_CHAIN, CHAIN_LOCK, CHAINS))[0]
    local[_CHAIN] = chain = int(taken["taken"])
    return chain, taken["head"] or GENESIS


def in_chain(chain: int) -> Combinable:
    """The rows of ``chain``, written so that each engine reads them along the index on
    (chain, id) when ordered by ``chain, id``.

    PostgreSQL: ``chain = k`` would let the planner drop ``chain`` from the order (it is
    constant) and walk the primary key filtering on ``chain`` instead, which it estimates
    from the chain's share of the table: cheap while the chain's rows are spread evenly, a
    scan of every row since when the chain sat idle (measured: 300,000 rows, 160 ms, for
    one head read inside an audited write). As a range, ``chain`` stays in the order and only
    the index on (chain, id) serves it, starting at (k, the id given). SQLite would use that
    range only for ``chain`` and scan the chain from its start, while with ``chain = k`` it
    seeks the id itself (all its rows are chain 0 anyway).
    """
    if engine().engine_type == "postgres":
        return (AuditEvent.chain >= chain) & (AuditEvent.chain <= chain)
    return AuditEvent.chain == chain


async def _head(chain: int) -> str:
    """The last hash of ``chain``, read along the index on (chain, id): on SQLite, and on
    PostgreSQL for a transaction's later rows (it holds the chain's lock since its first).

    A statement of its own, after the one that took the lock: under READ COMMITTED each
    statement sees the commits made before it started, and one that took the lock itself
    could miss the row the chain's previous writer committed just before releasing it.
    """
    last = (
        await AuditEvent.select(AuditEvent.row_hash)
        .where(in_chain(chain))
        .order_by(AuditEvent.chain, AuditEvent.id, ascending=False)
        .first()
    )
    return (last or {}).get("row_hash") or GENESIS


async def record(
    actor: Actor,
    action: Action,
    object_type: str,
    object_id: int | str | None,
    *,
    purpose: str,
    outcome: Outcome = Outcome.SUCCESS,
    client_id: int | None = None,
) -> None:
    """Append one audit row. Raises if it cannot be written, which aborts the operation.

    One row of ``record_many``: the same link, the same plain INSERT (no table object per
    row, which cost the audited writes of P-10 CPU on cores they share)."""
    await record_many(
        actor, action, object_type, [(object_id, client_id)], purpose=purpose, outcome=outcome
    )


# Rows per INSERT in ``record_many``: 14 parameters a row stays far below the bound-parameter
# limits of both engines (32,766 on SQLite, 32,767 on PostgreSQL).
MANY_PER_STATEMENT = 1000


async def record_many(
    actor: Actor,
    action: Action,
    object_type: str,
    items: Sequence[tuple[int | str | None, int | None]],
    *,
    purpose: str,
    outcome: Outcome = Outcome.SUCCESS,
) -> None:
    """Append one row per ``(object_id, client_id)`` of ``items``, in one INSERT.

    For list pages that name several clients: each client's access log must show the read
    (AUD-9), and the page must not pay one statement per client (P-1, P-7). The rows are
    linked here, in ``items`` order, exactly as ``record`` links one (``keyed_link`` with
    ``chain_key``), into this transaction's chain under its lock, so ``practice audit
    verify`` sees them in that chain.
    """
    if not items:
        return
    if not in_write_tx():
        raise RuntimeError("an audit row outside write_tx(): the hash chain needs its lock")
    chain, prev_hash = await _chain_and_head()
    key = chain_key()
    occurred_at = datetime.now(UTC)
    values: list[tuple[Any, ...]] = []
    for object_id, client_id in items:
        row: dict[str, Any] = {
            "occurred_at": occurred_at,
            "actor_id": actor.user_id,
            "actor_role": actor.role,
            "action": action.value,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "client_id": client_id,
            "purpose": purpose,
            "source": actor.source,
            "channel": actor.channel.value,
            "outcome": outcome.value,
        }
        row_hash = keyed_link(row, prev_hash, key)
        values.append((*row.values(), chain, prev_hash, row_hash))
        prev_hash = row_hash
    try:
        # A multi-row VALUES list takes its serial ids in list order on both engines, so
        # the id order (the order ``verify`` walks) is the order the links were made in.
        for start in range(0, len(values), MANY_PER_STATEMENT):
            await _insert_rows(values[start : start + MANY_PER_STATEMENT])
    except Exception as exc:
        raise AuditUnavailable(f"audit rows not written: {type(exc).__name__}") from exc


# The columns ``record_many`` writes, in the order of its rows' values (the row's fields as
# ``record_many`` builds them, then the chain and the two links); the id is the table's serial.
_MANY_INSERT = (
    'INSERT INTO "audit_event" ("occurred_at","actor_id","actor_role","action","object_type",'
    '"object_id","client_id","purpose","source","channel","outcome","chain","prev_hash",'
    '"row_hash") VALUES '
)


async def _insert_rows(rows: Sequence[tuple[Any, ...]]) -> None:
    """One INSERT of plain values, the same rows Piccolo's ``insert`` writes, without making
    a table object per row or running every value through Piccolo's query builder: for the
    caseload's sixty clients that was most of ``record_many``'s time (P-1). The values are
    str, int, None and an aware datetime, which both drivers bind as they are (stored as
    Piccolo stores them; ``practice audit verify`` reads them back); still parameters."""
    await insert_plain(_MANY_INSERT, rows)
