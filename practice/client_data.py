"""What belongs to one client: the single registry behind the export and the erasure.

Every table that holds rows about a client is a *holding*: how its rows are found from rows
found before (mostly a foreign key to the client, an episode, an appointment, ...), and which
of its columns date a change to the record (for retention). ``reporting.client_export``
reads the client's record through ``load_client_rows``; ``practice.services.erasure``
destroys the very same rows. Adding a table to one therefore adds it to the other, and
``tests/integration/reporting/test_erasure.py`` fails on any table that references a holding
without being one.

The clinical core declares its own holdings here. ``scheduling`` and ``reporting`` register
theirs at start-up (``practice.composition.wiring``), so this package never imports them.

Kept on purpose, never a holding: the audit trail (the legal access log; identifiers and
categories only) and the erasure records (the minimal proof of each erasure).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from piccolo.columns import Column, ForeignKey
from piccolo.custom_types import Combinable
from piccolo.table import Table

from practice.platform.outbox import send_job_id
from practice.services.break_glass import notice_key
from practice.services.capacity import notice_keys_of
from practice.services.case_team import handover_keys_of
from practice.services.client_accounts import client_account_keys_of
from practice.services.episodes import screened_sweep_job_id
from practice.tables import (
    AbsenceEpisode,
    Advice,
    AdviceConflictResolution,
    BreakGlass,
    CaseAssignment,
    Client,
    ClientAccount,
    CompanyDoctorConsultation,
    Consent,
    ContractHours,
    Employment,
    FollowUp,
    LeavePeriod,
    ManagerConsultation,
    OfferChange,
    OutboundMessage,
    Referral,
    RelapsePreventionPlan,
    Screening,
    Setback,
    StatusChange,
    TaskOverride,
    TreatmentEpisode,
    WorkGoal,
    WorkParticipation,
    WorkResumptionAgreement,
)

Row = dict[str, Any]
CHUNK = 500  # ids per IN (...): SQLite limits the variables of one statement
PATTERNS = 100  # LIKE patterns per query: SQLite limits the depth of an expression tree


@dataclass
class Found:
    """The client's rows found so far, per table, in the order they were found."""

    client_id: int
    rows: dict[type[Table], dict[int, Row]] = field(default_factory=dict)

    def ids(self, table: type[Table]) -> list[int]:
        return sorted(self.rows.get(table, {}))


@dataclass(frozen=True)
class Holding:
    """One table's rows about a client.

    ``where`` turns what was found so far into filters (each run as its own query, the
    results joined), ``needs`` names the tables that must be found first, and ``changed``
    the date or timestamp columns whose latest value counts as a change of the record.
    """

    table: type[Table]
    needs: tuple[type[Table], ...]
    where: Callable[[Found], list[Combinable]]
    changed: tuple[str, ...] = ()


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _foreign_key(table: type[Table], name: str) -> ForeignKey:  # type: ignore[type-arg]
    column = table._meta.get_column_by_name(name)
    if not isinstance(column, ForeignKey):
        raise TypeError(f"{table.__name__}.{name} is not a foreign key")
    return column


def _references(column: ForeignKey) -> type[Table]:  # type: ignore[type-arg]
    return column._foreign_key_meta.resolved_references


def linked(table: type[Table], *columns: str, changed: tuple[str, ...] = ()) -> Holding:
    """Rows whose foreign key (any of ``columns``) points at a row already found."""
    keys = [_foreign_key(table, name) for name in columns]

    def where(found: Found) -> list[Combinable]:
        return [
            key.is_in(list(chunk)) for key in keys for chunk in _chunks(found.ids(_references(key)))
        ]

    return Holding(table, tuple(_references(key) for key in keys), where, changed)


def messages(needs: tuple[type[Table], ...], keys: Callable[[Found], list[str]]) -> Holding:
    """Outbox messages about the client, found by their keys.

    A key ending in ``:%`` is a prefix (``reminder:12:%``); any other key is exact. Each
    package knows the keys it writes, so each registers its own.
    """

    def where(found: Found) -> list[Combinable]:
        clauses: list[Combinable] = []
        for chunk in _chunks(keys(found), PATTERNS):
            exact = [key for key in chunk if not key.endswith("%")]
            clause: Combinable | None = OutboundMessage.key.is_in(exact) if exact else None
            for prefix in (key for key in chunk if key.endswith("%")):
                like = OutboundMessage.key.like(prefix)
                clause = like if clause is None else clause | like
            if clause is not None:
                clauses.append(clause)
        return clauses

    return Holding(OutboundMessage, needs, where, ("created_at",))


def _client_account_message_keys(found: Found) -> list[str]:
    return [client_account_keys_of(found.client_id)]


def _practice_message_keys(found: Found) -> list[str]:
    return [handover_keys_of(episode_id) for episode_id in found.ids(TreatmentEpisode)]


def _advice_conflict_message_keys(found: Found) -> list[str]:
    # The company doctors' notices of conflicts with their capacity advice, per episode.
    return [notice_keys_of(episode_id) for episode_id in found.ids(TreatmentEpisode)]


def _break_glass_message_keys(found: Found) -> list[str]:
    # The practice managers' notices of each break-glass row, keyed by their writer.
    return [notice_key(row_id, "%") for row_id in found.ids(BreakGlass)]


PRACTICE: tuple[Holding, ...] = (
    Holding(Client, (), lambda found: [Client.id == found.client_id], ("created_at",)),
    linked(Referral, "client", changed=("received_at",)),
    linked(Employment, "client", changed=("started_on", "ended_on")),
    linked(ContractHours, "employment", changed=("valid_from",)),
    linked(
        AbsenceEpisode,
        "employment",
        changed=("reported_on", "manager_informed_on", "partial_recovery_on", "full_recovery_on"),
    ),
    linked(LeavePeriod, "employment", changed=("starts_on", "ends_on")),
    linked(
        TreatmentEpisode,
        "client",
        changed=("screening_held_on", "started_on", "closed_on"),
    ),
    linked(StatusChange, "episode", changed=("changed_at",)),
    linked(OfferChange, "episode", changed=("changed_at",)),
    linked(CaseAssignment, "episode", changed=("valid_from", "valid_to")),
    linked(TaskOverride, "episode", changed=("created_at",)),
    # Who read the record by breaking the glass, and why: part of the client's file (exported
    # and erased with it), but a read, not a change, so it does not restart retention.
    linked(BreakGlass, "episode"),
    linked(Screening, "episode", changed=("held_on",)),
    linked(ManagerConsultation, "episode", changed=("held_on",)),
    linked(WorkGoal, "episode", changed=("set_on", "achieved_on")),
    linked(Setback, "episode", changed=("occurred_on",)),
    linked(Advice, "episode", changed=("given_on", "valid_until")),
    linked(AdviceConflictResolution, "episode", changed=("resolved_on",)),
    linked(CompanyDoctorConsultation, "episode", changed=("held_on",)),
    linked(RelapsePreventionPlan, "episode", changed=("drawn_up_on",)),
    linked(FollowUp, "episode", changed=("held_on",)),
    # Either key suffices: a measurement may hang off the employment before any episode.
    linked(WorkParticipation, "employment", "episode", changed=("measured_on",)),
    linked(WorkResumptionAgreement, "episode", changed=("agreed_on", "starts_on")),
    linked(Consent, "client", changed=("given_at", "withdrawn_at")),
    linked(ClientAccount, "client", changed=("invited_at", "set_up_at", "revoked_at")),
    messages((Client,), _client_account_message_keys),
    messages((TreatmentEpisode,), _practice_message_keys),
    messages((BreakGlass,), _break_glass_message_keys),
    messages((TreatmentEpisode,), _advice_conflict_message_keys),
)

JobIds = Callable[[Found], list[str]]


def _practice_job_ids(found: Found) -> list[str]:
    """The outbox's send jobs, and the sweep a recorded screening queues for its episode."""
    return [send_job_id(message_id) for message_id in found.ids(OutboundMessage)] + [
        screened_sweep_job_id(episode_id) for episode_id in found.ids(TreatmentEpisode)
    ]


_parts: dict[str, tuple[tuple[Holding, ...], JobIds | None]] = {
    "practice": (PRACTICE, _practice_job_ids)
}


def register(name: str, part: Sequence[Holding], job_ids: JobIds | None = None) -> None:
    """A downstream package's holdings, and the queue job ids its rows name.

    Idempotent: registering the same name again replaces the part.
    """
    _parts[name] = (tuple(part), job_ids)


def _by_table() -> dict[type[Table], list[Holding]]:
    grouped: dict[type[Table], list[Holding]] = {}
    for part, _ in _parts.values():
        for holding in part:
            grouped.setdefault(holding.table, []).append(holding)
    return grouped


def _before(table: type[Table], needs: set[type[Table]]) -> set[type[Table]]:
    """The tables to place before ``table``: those it needs and those it references."""
    referenced = {_references(column) for column in table._meta.foreign_key_columns}
    return (needs | referenced) - {table}  # a self-reference is cleared before deleting


def tables() -> list[type[Table]]:
    """Every table that holds client rows, each after the tables it needs or references.

    Found in this order, deleted in the reverse one (foreign keys restrict deletes).
    """
    grouped = _by_table()
    before = {
        table: _before(table, {need for h in group for need in h.needs}) & grouped.keys()
        for table, group in grouped.items()
    }
    ordered: list[type[Table]] = []
    while len(ordered) < len(grouped):
        ready = [t for t in grouped if t not in ordered and before[t] <= set(ordered)]
        if not ready:
            stuck = sorted(t.__name__ for t in grouped if t not in ordered)
            raise RuntimeError(f"client data holdings cannot be ordered: {stuck}")
        ordered.append(ready[0])
    return ordered


def holdings() -> list[Holding]:
    """Every registered holding, in the order of ``tables()``."""
    grouped = _by_table()
    return [holding for table in tables() for holding in grouped[table]]


def changed_columns(table: type[Table]) -> tuple[str, ...]:
    """The columns of ``table`` that date a change (its holdings combined)."""
    names: list[str] = []
    for holding in _by_table().get(table, []):
        names.extend(name for name in holding.changed if name not in names)
    return tuple(names)


def job_ids(found: Found) -> list[str]:
    """The queue jobs that name one of the client's rows (their payloads hold only ids)."""
    return [job for _, ids_of in _parts.values() if ids_of for job in ids_of(found)]


async def load_client_rows(client_id: int, *, full: bool = True) -> Found:
    """Every row held about the client; with ``full=False`` only ids and change dates."""
    found = Found(client_id)
    for holding in holdings():
        table = holding.table
        columns: list[Column] = (
            []
            if full
            else [
                table._meta.primary_key,
                *(table._meta.get_column_by_name(name) for name in changed_columns(table)),
            ]
        )
        rows = found.rows.setdefault(table, {})
        for clause in holding.where(found):
            query = table.select(*columns, exclude_secrets=False).where(clause)
            for row in await query:
                rows[int(row["id"])] = row
    return found
