"""Reads of stored documents, and who may read one.

A therapist reads a document of an episode they may read; a company doctor reads one only
when it was delivered to them, they are the company doctor of record on the day, and the
client's consent for the document's purpose holds now.
"""

from datetime import UTC, date, datetime
from typing import Any

from practice.accounts import Role
from practice.audit.trail import Actor
from practice.consent import Recipient
from practice.errors import NotFound
from practice.queries.access import own_client
from practice.queries.episodes import access_episode
from reporting.interim_reports import consent_purpose, named
from reporting.queries.records import consent_problem, team_members
from reporting.tables import Delivery, Document


async def episode_documents(
    episode_id: int, *, latest: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The episode's stored documents, oldest first (only the ``latest`` ones when given),
    and how many there are in all."""
    query = (
        Document.select(
            Document.id,
            Document.title,
            Document.kind,
            Document.created_at,
            Document.report._.ordinal.as_alias("ordinal"),
        )
        .where(Document.episode == episode_id)
        .order_by(Document.id, ascending=False)
    )
    rows = await (query if latest is None else query.limit(latest))
    count = await Document.count().where(Document.episode == episode_id)
    return named(reversed(rows)), count


async def stored_document(document_id: int) -> dict[str, Any] | None:
    """The document as stored (the PDF as sent), with its episode, client and kind."""
    row: dict[str, Any] | None = (
        await Document.select(
            Document.id,
            Document.episode,
            Document.episode._.client.as_alias("client_id"),
            Document.kind,
            Document.title,
            Document.pdf,
        )
        .where(Document.id == document_id)
        .first()
    )
    return row


async def may_read_document(actor: Actor, document: dict[str, Any], today: date) -> bool:
    """Whether ``actor`` may read ``document`` (a ``stored_document`` row) today: a therapist
    on the episode; a company doctor it was delivered to, of record today, with consent."""
    episode_id = int(document["episode"])
    if actor.role == Role.CLIENT.value:
        return await client_may_read(actor, document)
    if actor.role == Role.THERAPIST.value:
        try:
            await access_episode(actor, episode_id, today, write=False)
        except NotFound:
            return False
        return True
    if actor.role != Role.COMPANY_DOCTOR.value or actor.user_id is None:
        return False
    delivered = await Delivery.exists().where(
        (Delivery.document == document["id"]) & (Delivery.recipient == actor.user_id)
    )
    if not delivered or actor.user_id not in await team_members(
        episode_id, "company_doctor", today
    ):
        return False
    purpose = consent_purpose(document["kind"])
    client = (
        await Document.select(Document.episode._.client.as_alias("client"))
        .where(Document.id == document["id"])
        .first()
    )
    problem = await consent_problem(
        int(client["client"]) if client else 0,
        Recipient.COMPANY_DOCTOR,
        purpose,
        datetime.now(UTC),
        actor.user_id,
    )
    return problem is None


# What the client reads of their documents: the plan written for them, and whatever left
# the practice about them (the right to see what was shared); never a document that never
# left (a draft's render, a therapist's working copy).
CLIENT_KINDS = frozenset({"relapse_prevention_plan"})


async def client_may_read(actor: Actor, document: dict[str, Any]) -> bool:
    if int(document["client_id"]) != await own_client(actor.user_id):
        return False
    if document["kind"] in CLIENT_KINDS:
        return True
    return bool(await Delivery.exists().where(Delivery.document == document["id"]))


async def client_documents(client_id: int) -> list[dict[str, Any]]:
    """The documents the client may open (``client_may_read``), newest first."""
    delivered = Delivery.select(Delivery.document)
    rows: list[dict[str, Any]] = (
        await Document.select(
            Document.id,
            Document.title,
            Document.kind,
            Document.created_at,
            Document.report._.ordinal.as_alias("ordinal"),
        )
        .where(
            (Document.episode._.client == client_id)
            & (Document.kind.is_in(sorted(CLIENT_KINDS)) | Document.id.is_in(delivered))
        )
        .order_by(Document.id, ascending=False)
    )
    return named(rows)
