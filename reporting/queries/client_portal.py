"""What the client portal shows the client of their own record (issue 20).

Every function takes the client's id as ``practice.queries.access.own_client`` found it from
the session's account, never from the request. What is shown: upcoming appointments (no
session notes), open questionnaires, the documents the client may open, where their
consents stand, and what was shared with whom and when (documents sent, updates to the
employer, the access log). What a therapist keeps to themselves (session notes, the
internal part of meeting minutes) is never read here.
"""

from datetime import datetime
from typing import Any

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from practice.queries.access import episodes_of_client
from reporting.interim_reports import named
from reporting.queries.documents import client_documents
from reporting.queries.episode_section import content_of
from reporting.tables import Delivery, Document, EmployerUpdate, QuestionnaireInvitation
from scheduling.tables import Appointment, AppointmentRequest

PURPOSE = "client_portal"
UPCOMING = 20  # appointments shown ahead


def _own(column: Any, client_id: int) -> Any:
    return column.is_in(episodes_of_client(client_id))


async def home(actor: Actor, client_id: int, now: datetime) -> dict[str, Any]:
    """The portal's first page: appointments ahead, questionnaires to fill, documents."""
    appointments = (
        await Appointment.select(
            Appointment.id,
            Appointment.kind,
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.online,
            Appointment.video_link,
            Appointment.therapist._.display_name.as_alias("therapist"),
            Appointment.room._.name.as_alias("room"),
            Appointment.room._.location._.name.as_alias("location"),
            Appointment.room._.location._.address.as_alias("address"),
        )
        .where(
            _own(Appointment.episode, client_id)
            & (Appointment.starts_at >= now)
            & (Appointment.attendance == "planned")
        )
        .order_by(Appointment.starts_at)
        .limit(UPCOMING)
    )
    asked = {
        int(r["appointment"]): r
        for r in await AppointmentRequest.select(
            AppointmentRequest.appointment,
            AppointmentRequest.kind,
            AppointmentRequest.created_at,
            AppointmentRequest.message,  # their own words, shown back to them
            AppointmentRequest.kept_at,
            AppointmentRequest.reply,
        ).where(AppointmentRequest.appointment.is_in([a["id"] for a in appointments] or [0]))
    }
    for appointment in appointments:
        appointment["request"] = asked.get(int(appointment["id"]))
    questionnaires = (
        await QuestionnaireInvitation.select(
            QuestionnaireInvitation.id,
            QuestionnaireInvitation.moment,
            QuestionnaireInvitation.expires_at,
        )
        .where(
            _own(QuestionnaireInvitation.episode, client_id)
            & QuestionnaireInvitation.completed_at.is_null()
            & (QuestionnaireInvitation.expires_at > now)
        )
        .order_by(QuestionnaireInvitation.id)
    )
    documents = await client_documents(client_id)
    async with write_tx():
        await audit.record(
            actor, Action.READ, "client", client_id, purpose=PURPOSE, client_id=client_id
        )
    return {"appointments": appointments, "questionnaires": questionnaires, "documents": documents}


async def shared(client_id: int) -> dict[str, Any]:
    """What left the practice about the client: each document to whom and when, and each
    update to the employer with what it told them (the client's right to see it)."""
    deliveries = (
        await Delivery.select(
            Delivery.delivered_at,
            Delivery.channel,
            Delivery.read_at,
            Delivery.document.as_alias("document_id"),
            Delivery.document._.title.as_alias("title"),
            Delivery.document._.kind.as_alias("kind"),
            Delivery.document._.report._.ordinal.as_alias("ordinal"),
            Delivery.recipient._.display_name.as_alias("recipient"),
            Delivery.recipient._.role.as_alias("recipient_role"),
        )
        .where(
            Delivery.document.is_in(
                Document.select(Document.id).where(_own(Document.episode, client_id))
            )
        )
        .order_by(Delivery.delivered_at, ascending=False)
    )
    updates = [
        {**row, "content": content_of(row["content"])}
        for row in await EmployerUpdate.select(
            EmployerUpdate.id, EmployerUpdate.created_at, EmployerUpdate.content
        )
        .where(_own(EmployerUpdate.episode, client_id))
        .order_by(EmployerUpdate.created_at, ascending=False)
    ]
    return {"deliveries": named(deliveries), "updates": updates}


async def own_appointment(
    actor: Actor, appointment_id: int, client_id: int
) -> dict[str, Any] | None:
    """One of the client's appointments, for its .ics (the relation guard checked it);
    the read is audited."""
    row: dict[str, Any] | None = (
        await Appointment.select(
            Appointment.id, Appointment.starts_at, Appointment.ends_at, Appointment.attendance
        )
        .where((Appointment.id == appointment_id) & _own(Appointment.episode, client_id))
        .first()
    )
    if row is not None:
        async with write_tx():
            await audit.record(
                actor,
                Action.READ,
                "appointment",
                appointment_id,
                purpose=PURPOSE,
                client_id=client_id,
            )
    return row
