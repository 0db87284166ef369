"""Destroying a client's record: on request (WGBO 7:455) or when its retention ends (7:454).

Everything held about the client is destroyed: the rows ``practice.client_data`` lists (the
same list the data-subject export reads: record, episodes, clinical notes, agreements, work
participation, consents, appointments, reports, documents with their PDFs, deliveries,
employer updates, minutes, questionnaires and the outbox messages about them), in one
transaction, so a failure leaves nothing half-erased. The escalation digests, each about
several clients, lose the client's items (initials and episode number) instead. What stays
is the minimal proof: an ``ErasureRecord`` (identifiers, dates, who) and one audit row.
The audit trail itself stays: it is the legal access log and holds identifiers and
categories only.

Documents are stored in the database (``reporting.tables.Document.pdf``), not as files, so
destroying their rows destroys them. On SQLite the transaction turns on ``secure_delete``,
so the freed pages are overwritten rather than left readable in the file, and
``flush_storage`` (run by the command and the job once committed) checkpoints the WAL so its
older page images go too. PostgreSQL keeps dead row versions until VACUUM reuses them, and
neither engine reaches into backups: those age out with the backup rotation. Redis holds no
client content: sessions and login throttles name accounts, never clients; queued jobs name
row ids only. The jobs that name one of the destroyed rows are removed after the commit.

Erasing twice is harmless: the second run finds the erasure record and changes nothing.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from arq.constants import default_queue_name, job_key_prefix, result_key_prefix, retry_key_prefix
from piccolo.columns import ForeignKey
from piccolo.table import Table

from practice import client_data, retention
from practice.accounts import Role, normalise_email
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Channel
from practice.client_data import CHUNK, Found
from practice.episodes import ENDED_STATUSES, EpisodeStatus
from practice.errors import InvalidInput, Message, NotFound
from practice.platform.db import after_commit, engine, write_tx
from practice.platform.queue import DueJob
from practice.platform.settings import Settings
from practice.retention import RetentionDecision
from practice.services import escalation
from practice.tables import (
    AuditEvent,
    Client,
    ClientAccount,
    ErasureRecord,
    TotpRecoveryCode,
    TreatmentEpisode,
    User,
)

REQUEST = "request"
RETENTION = "retention"
PURPOSES = {REQUEST: "erasure_request", RETENTION: "retention_expired"}
# Who may have a record destroyed on request: the people who answer for the practice.
ERASERS = frozenset({Role.PRACTICE_MANAGER.value, Role.ADMINISTRATOR.value})
# A reference, not a description: no spaces, so a name does not slip in as easily.
REQUEST_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}")
CHANGE_ACTIONS = [Action.CREATE.value, Action.UPDATE.value, Action.DELETE.value]
SWEEP_LIMIT = 100  # clients per sweep; the next sweep takes the rest
_JOB_KEY_PREFIXES = (job_key_prefix, retry_key_prefix, result_key_prefix)


@dataclass(frozen=True)
class ErasureResult:
    client_id: int
    record_id: int
    rows_destroyed: int
    executed_at: datetime
    already_erased: bool = False


# ---------------------------------------------------------------- on request


async def erase_on_request(
    client_id: int,
    *,
    request_ref: str,
    by_email: str,
    requested_on: date,
    channel: Channel = Channel.CLI,
    redis: Any = None,
) -> ErasureResult:
    """Destroy the client's record at the client's request, carried out by ``by_email``."""
    problems: dict[str, str] = {}
    if not REQUEST_REF.fullmatch(request_ref):
        problems["request_ref"] = (
            "use the practice's reference of the request (letters, digits, . _ : / # -; "
            "at most 64), never a name"
        )
    user = (
        await User.select(User.id, User.role, User.active)
        .where(User.email == normalise_email(by_email))
        .first()
    )
    if user is None or not user["active"] or user["role"] not in ERASERS:
        problems["by"] = "not an active practice manager or administrator account"
    if problems or user is None:
        raise InvalidInput(problems)
    actor = Actor(user_id=int(user["id"]), role=str(user["role"]), source=None, channel=channel)
    return await _erase(
        actor,
        client_id,
        basis=REQUEST,
        request_ref=request_ref,
        requested_on=requested_on,
        redis=redis,
    )


# ---------------------------------------------------------------- retention


def _as_date(value: date | datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date() if isinstance(value, datetime) else value


def change_dates(found: Found, tz: ZoneInfo) -> list[date]:
    """Every date on the record that marks a change (the holdings' ``changed`` columns)."""
    dates: list[date] = []
    for table, rows in found.rows.items():
        names = client_data.changed_columns(table)
        for row in rows.values():
            dates.extend(_as_date(row[name], tz) for name in names if row.get(name) is not None)
    return dates


async def retention_decision(client_id: int, today: date, settings: Settings) -> RetentionDecision:
    """The retention rule applied to the client's record as the database holds it now."""
    found = await client_data.load_client_rows(client_id, full=False)
    dates = change_dates(found, settings.time_zone)
    last_write = (
        await AuditEvent.select(AuditEvent.occurred_at)
        .where((AuditEvent.client_id == client_id) & AuditEvent.action.is_in(CHANGE_ACTIONS))
        .order_by(AuditEvent.occurred_at, ascending=False)
        .first()
    )
    if last_write is not None:
        dates.append(_as_date(last_write["occurred_at"], settings.time_zone))
    statuses = await TreatmentEpisode.select(TreatmentEpisode.status).where(
        TreatmentEpisode.client == client_id
    )
    open_episode = any(EpisodeStatus(row["status"]) not in ENDED_STATUSES for row in statuses)
    return retention.decide(
        dates, today, years=settings.record_retention_years, open_episode=open_episode
    )


async def expired_clients(today: date, settings: Settings) -> list[tuple[int, RetentionDecision]]:
    """Clients whose record may be destroyed today, oldest first.

    Only clients created before the period began can qualify (their creation is a change),
    so the rule runs on those few, not on every client.
    """
    first_kept = retention.add_years(today, -settings.record_retention_years)
    cutoff = datetime.combine(first_kept, time(), settings.time_zone).astimezone(UTC)
    candidates = (
        await Client.select(Client.id).where(Client.created_at < cutoff).order_by(Client.created_at)
    )
    expired: list[tuple[int, RetentionDecision]] = []
    for row in candidates:
        decision = await retention_decision(int(row["id"]), today, settings)
        if decision.expired:
            expired.append((int(row["id"]), decision))
        if len(expired) >= SWEEP_LIMIT:
            break
    return expired


def erase_expired_job(client_id: int) -> DueJob:
    return DueJob("erase_expired_record", (client_id,), f"retention:{client_id}")


async def erase_if_expired(
    settings: Settings,
    client_id: int,
    today: date,
    *,
    channel: Channel = Channel.WORKER,
    redis: Any = None,
) -> ErasureResult | None:
    """Destroy the record if, and only if, its retention has ended; decided and done in one
    transaction, so a change that lands meanwhile is seen. None when it is kept (or gone)."""
    async with write_tx():
        if not await Client.exists().where(Client.id == client_id):
            return None  # erased already (a job that runs twice) or never there
        decision = await retention_decision(client_id, today, settings)
        if not decision.expired:
            return None
        return await _erase(
            Actor.system(channel),
            client_id,
            basis=RETENTION,
            request_ref=f"wgbo-7:454/{settings.record_retention_years}y",
            requested_on=today,
            redis=redis,
        )


async def purge_expired(
    settings: Settings, today: date, *, channel: Channel = Channel.CLI, redis: Any = None
) -> list[ErasureResult]:
    """Every record whose retention has ended, each destroyed in its own transaction."""
    results: list[ErasureResult] = []
    for client_id, _ in await expired_clients(today, settings):
        result = await erase_if_expired(settings, client_id, today, channel=channel, redis=redis)
        if result is not None:
            results.append(result)
    return results


# ---------------------------------------------------------------- the erasure itself


async def _erase(
    actor: Actor,
    client_id: int,
    *,
    basis: str,
    request_ref: str,
    requested_on: date,
    redis: Any,
) -> ErasureResult:
    async with write_tx():
        if engine().engine_type == "sqlite":
            # Overwrite freed pages with zeros: deleted text must not stay readable in the file.
            await Client.raw("PRAGMA secure_delete = ON")
        found = await client_data.load_client_rows(client_id, full=False)
        if not found.ids(Client):
            return await _already_erased(client_id)
        # The client's own login (issue 20) is not client data of its own (staff accounts
        # share the table), but it names the client: it goes after its account row.
        logins = [
            int(r["user"])
            for r in await ClientAccount.select(ClientAccount.user).where(
                ClientAccount.client == client_id
            )
        ]
        # A digest (issue 19) names several clients by initials and episode number: not a
        # row of this client's to destroy, so the client's items are taken out of it.
        await escalation.erase_from_digests(client_id, found.ids(TreatmentEpisode))
        destroyed = 0
        for table in reversed(client_data.tables()):
            destroyed += await _destroy(table, found.ids(table))
        if logins:
            await TotpRecoveryCode.delete().where(TotpRecoveryCode.user.is_in(logins))
            await User.delete().where(User.id.is_in(logins) & (User.role == Role.CLIENT.value))
            destroyed += len(logins)
        now = datetime.now(UTC)
        rows = await ErasureRecord.insert(
            ErasureRecord(
                client_id=client_id,
                basis=basis,
                request_ref=request_ref,
                requested_on=requested_on,
                executed_at=now,
                executed_by=actor.user_id,
                rows_destroyed=destroyed,
            )
        ).returning(ErasureRecord.id)
        await audit.record(
            actor, Action.DELETE, "client", client_id, purpose=PURPOSES[basis], client_id=client_id
        )
        if redis is not None:
            jobs = client_data.job_ids(found)

            async def forget() -> None:
                await forget_jobs(redis, jobs)

            after_commit(forget)
    return ErasureResult(client_id, int(rows[0]["id"]), destroyed, now)


async def flush_storage() -> None:
    """After the commit, outside any transaction: on SQLite, move the WAL into the file and
    truncate it, so no older copy of an erased page stays readable there."""
    db = engine()
    # Inside a transaction (a test's rolled-back one) there is nothing committed to move.
    if db.engine_type == "sqlite" and not db.transaction_exists():
        await Client.raw("PRAGMA wal_checkpoint(TRUNCATE)")


async def _already_erased(client_id: int) -> ErasureResult:
    record = (
        await ErasureRecord.select()
        .where(ErasureRecord.client_id == client_id)
        .order_by(ErasureRecord.id, ascending=False)
        .first()
    )
    if record is None:
        raise NotFound(
            Message(
                "No such client: %(client_id)s (and no erasure record for it).", client_id=client_id
            )
        )
    return ErasureResult(
        client_id,
        int(record["id"]),
        int(record["rows_destroyed"]),
        record["executed_at"],
        already_erased=True,
    )


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


async def _destroy(table: type[Table], ids: list[int]) -> int:
    """Delete the rows; links between them (a rebooked appointment, a reopened episode) are
    cleared first, as SQLite checks a restricting foreign key row by row."""
    if not ids:
        return 0
    primary_key = table._meta.primary_key
    self_links = [
        column
        for column in table._meta.foreign_key_columns
        if isinstance(column, ForeignKey)
        and column._foreign_key_meta.resolved_references is table
        and column._meta.null
    ]
    for chunk in _chunks(ids):
        for column in self_links:
            await table.update({column: None}).where(primary_key.is_in(list(chunk)))
    for chunk in _chunks(ids):
        await table.delete().where(primary_key.is_in(list(chunk)))
    return len(ids)


async def forget_jobs(redis: Any, job_ids: Sequence[str]) -> None:
    """Remove queued arq jobs (and their retry and result keys) by id."""
    for start in range(0, len(job_ids), CHUNK):
        chunk = job_ids[start : start + CHUNK]
        if not chunk:
            continue
        async with redis.pipeline(transaction=False) as pipe:
            pipe.zrem(default_queue_name, *chunk)
            pipe.delete(
                *(prefix + job for job in chunk for prefix in _JOB_KEY_PREFIXES),
            )
            await pipe.execute()
