"""Everything held about one client, for the client (GDPR art. 15, Wabvpz; DATA-2).

A ZIP with one JSON file per table (the client's rows, medical columns included: the
client may see their own record), every stored document as a PDF, and the client's access
log (who saw what, when, why). Reads each table once, filtered on the client's episodes.
"""

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from piccolo.table import Table

from practice import audit
from practice.audit import Action, Actor
from practice.db import write_tx
from practice.errors import NotFound
from practice.tables import (
    AbsenceEpisode,
    Advice,
    AuditEvent,
    CaseAssignment,
    Client,
    Consent,
    ContractHours,
    Employment,
    FollowUp,
    ManagerConsultation,
    OfferChange,
    Referral,
    RelapsePreventionPlan,
    Screening,
    StatusChange,
    TaskOverride,
    TreatmentEpisode,
    WorkGoal,
    WorkParticipation,
    WorkResumptionAgreement,
)
from reporting.tables import Document, EmployerUpdate, QuestionnaireResponse, Report
from scheduling.tables import Appointment

BY_EPISODE: list[type[Table]] = [
    StatusChange,
    OfferChange,
    CaseAssignment,
    TaskOverride,
    Screening,
    ManagerConsultation,
    WorkGoal,
    Advice,
    RelapsePreventionPlan,
    FollowUp,
    WorkResumptionAgreement,
    Appointment,
    Report,
    EmployerUpdate,
    QuestionnaireResponse,
]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None  # documents go in as PDF files
    return value


def _rows(rows: list[dict[str, Any]]) -> str:
    return json.dumps(
        [{k: _plain(v) for k, v in row.items()} for row in rows], ensure_ascii=False, indent=2
    )


async def export_client(actor: Actor, client_id: int) -> bytes:
    """The ZIP of everything about the client; the export itself is audited."""
    client = await Client.select().where(Client.id == client_id).first()
    if client is None:
        raise NotFound("No such client.")
    episodes = await TreatmentEpisode.select().where(TreatmentEpisode.client == client_id)
    episode_ids = [int(e["id"]) for e in episodes] or [-1]
    employments = await Employment.select().where(Employment.client == client_id)
    employment_ids = [int(e["id"]) for e in employments] or [-1]
    files: dict[str, str] = {
        "client.json": _rows([client]),
        "treatment_episode.json": _rows(episodes),
        "referral.json": _rows(await Referral.select().where(Referral.client == client_id)),
        "employment.json": _rows(employments),
        "contract_hours.json": _rows(
            await ContractHours.select().where(ContractHours.employment.is_in(employment_ids))
        ),
        "absence_episode.json": _rows(
            await AbsenceEpisode.select().where(AbsenceEpisode.employment.is_in(employment_ids))
        ),
        "work_participation.json": _rows(
            await WorkParticipation.select().where(
                WorkParticipation.employment.is_in(employment_ids)
            )
        ),
        "consent.json": _rows(await Consent.select().where(Consent.client == client_id)),
        "access_log.json": _rows(
            await AuditEvent.select()
            .where(AuditEvent.client_id == client_id)
            .order_by(AuditEvent.id)
        ),
    }
    for table in BY_EPISODE:
        rows = await table.select(exclude_secrets=False).where(
            table._meta.get_column_by_name("episode").is_in(episode_ids)
        )
        files[f"{table._meta.tablename}.json"] = _rows(rows)
    documents = await Document.select().where(Document.episode.is_in(episode_ids))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"data/{name}", content)
        for document in documents:
            archive.writestr(
                f"documents/{document['id']}-{document['kind']}-v{document['version']}.pdf",
                bytes(document["pdf"]),
            )
    async with write_tx():
        await audit.record(
            actor,
            Action.EXPORT,
            "client",
            client_id,
            purpose="data_subject_access",
            client_id=client_id,
        )
    return buffer.getvalue()
