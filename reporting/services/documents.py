"""Documents of a meeting or for the client: alignment-meeting minutes and the issued
relapse-prevention plan (a new PDF version each time).

Apart from the reports: these are made by a person on demand, not drafted by a sweep and
delivered by a job. Opening a stored document is here too: it writes (the audit row, the
delivery's read stamp).
"""

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import Conflict, InvalidInput, NotFound
from practice.platform.db import among, write_tx
from practice.platform.settings import Settings
from practice.services.employer_text import refuse_medical
from practice.tables import RelapsePreventionPlan, TreatmentEpisode
from reporting.documents import render_html, render_pdf_async
from reporting.queries.documents import may_read_document, stored_document
from reporting.queries.records import client_of
from reporting.services import reports
from reporting.tables import Delivery, Document, MeetingMinutes
from scheduling.tables import Appointment

PURPOSE = "reporting"


async def record_minutes(
    actor: Actor, *, appointment_id: int, shared_text: str, internal_text: str
) -> None:
    """Alignment-meeting minutes: the shared part is what the employer side may read, so
    nothing medical may be in it (422); the internal part stays with the therapist."""
    refuse_medical(shared_text=shared_text)
    async with write_tx():
        appointment = (
            await Appointment.select(Appointment.kind, Appointment.episode)
            .where(Appointment.id == appointment_id)
            .first()
        )
        if appointment is None:
            raise NotFound("No such appointment.")
        if appointment["kind"] != "alignment_meeting":
            raise InvalidInput({"appointment_id": "minutes belong to an alignment meeting"})
        await MeetingMinutes.delete().where(MeetingMinutes.appointment == appointment_id)
        await MeetingMinutes.insert(
            MeetingMinutes(
                appointment=appointment_id, shared_text=shared_text, internal_text=internal_text
            )
        )
        await audit.record(
            actor,
            Action.UPDATE,
            "minutes",
            appointment_id,
            purpose=PURPOSE,
            client_id=await client_of(int(appointment["episode"])),
        )


async def issue_relapse_prevention_plan(actor: Actor, *, episode_id: int, tz: ZoneInfo) -> int:
    """The plan as a PDF for the client: a new version each time it is issued."""
    plan = (
        await RelapsePreventionPlan.select(exclude_secrets=False)
        .where(RelapsePreventionPlan.episode == episode_id)
        .first()
    )
    if plan is None:
        raise Conflict("Draw up the relapse-prevention plan first.")
    client_id = await client_of(episode_id)
    client = (
        await TreatmentEpisode.select(TreatmentEpisode.client._.name.as_alias("name"))
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    title = "Terugvalpreventieplan"
    html = render_html(
        "reporting/relapse-prevention-plan/document.html",
        {"title": title, "client_name": client["name"] if client else "", "plan": plan},
        tz=tz,
    )
    pdf = await render_pdf_async(html, title=title)
    async with write_tx():
        version = (
            await Document.count().where(
                (Document.episode == episode_id) & (Document.kind == "relapse_prevention_plan")
            )
            + 1
        )
        rows = await Document.insert(
            Document(
                episode=episode_id,
                kind="relapse_prevention_plan",
                version=version,
                title=title,
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
            )
        ).returning(Document.id)
        await audit.record(
            actor, Action.PRINT, "document", rows[0]["id"], purpose=PURPOSE, client_id=client_id
        )
    return int(rows[0]["id"])


async def open_document(
    actor: Actor,
    document_id: int,
    today: date,
    *,
    settings: Settings | None = None,
    read_at: datetime | None = None,
) -> dict[str, Any] | None:
    """The stored document when ``actor`` may read it today, else None. Every attempt is
    audited (a refusal too); a company doctor's first read stamps the delivery as read.
    A document of the past that has no PDF yet gets it now (``render_pending_document``;
    ``settings`` name the practice on its letterhead). ``read_at``: a reading of the past,
    stamped at that moment (a practice's history loaded afterwards, the demo)."""
    document = await stored_document(document_id)
    allowed = document is not None and await may_read_document(actor, document, today)
    async with write_tx():
        await audit.record(
            actor,
            Action.EXPORT,
            "document",
            document_id,
            purpose=PURPOSE,
            outcome=audit.Outcome.SUCCESS if allowed else audit.Outcome.DENIED,
            client_id=None if document is None else int(document["client_id"]),
        )
        if allowed and actor.role == Role.COMPANY_DOCTOR.value:
            await Delivery.update({Delivery.read_at: read_at or datetime.now(UTC)}).where(
                (Delivery.document == document_id)
                & (Delivery.recipient == actor.user_id)
                & Delivery.read_at.is_null()
            )
    if not allowed or document is None:
        return None
    if bytes(document["pdf"]) == reports.PENDING and settings is not None:
        pdf = await reports.render_pending_document(settings, document_id)
        document = {**document, "pdf": pdf}
    return document


async def render_pending_documents(settings: Settings, client_id: int) -> int:
    """Give every document of the client that has no PDF yet its PDF (before an export
    hands the documents over); returns how many were rendered."""
    pending = await Document.select(Document.id).where(
        (Document.episode._.client == client_id) & (Document.sha256 == "")
    )
    for row in pending:
        await reports.render_pending_document(settings, int(row["id"]))
    return len(pending)


async def record_past_readings(doctor: Actor, readings: Mapping[int, datetime]) -> int:
    """A company doctor's readings of the past (document id -> when), recorded as such: for
    loading a practice's history afterwards (the demo's hundreds, so in bulk). Only what
    was delivered to them and is still unread; the reads are audited as ``open_document``
    audits them (one statement). Returns how many were stamped."""
    if not readings:
        return 0
    async with write_tx():
        unread = await Delivery.select(
            Delivery.id,
            Delivery.document,
            Delivery.document._.episode._.client.as_alias("client_id"),
        ).where(
            among(Delivery.document, sorted(readings))
            & (Delivery.recipient == doctor.user_id)
            & Delivery.read_at.is_null()
        )
        for row in unread:
            await Delivery.update({Delivery.read_at: readings[int(row["document"])]}).where(
                Delivery.id == row["id"]
            )
        await audit.record_many(
            doctor,
            Action.EXPORT,
            "document",
            [(int(row["document"]), int(row["client_id"])) for row in unread],
            purpose=PURPOSE,
        )
    return len(unread)
