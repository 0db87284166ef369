"""A client's record (or one episode of it) as a FHIR R5 Bundle of type ``collection``.

``load_client_record`` reads every row the export needs in a fixed number of queries (one per
table, whatever the number of sessions); ``build_bundle`` and the ``*_resources`` functions
turn rows into ``fhir.resources`` R5 objects without touching the database; the
``export_*`` functions check who asks, build, and leave the EXPORT audit row.

Every reference points inside the bundle: each entry's ``fullUrl`` is a ``urn:uuid`` made
from the service's URL, the resource type and its id (stable across exports), and every
``Reference.reference`` is one of those. People outside the bundle (the actor of an audit
row) are named by identifier, not by reference.

Standard codes where they exist: LOINC (PHQ-9 44261-6 and GAD-7 70274-6 total scores), UCUM
(``%``, ``h/wk``), HL7 terminology (observation-category, organization-type, v2-0131 "E" for
the employer, v3-ActCode AMB/VR and IDSCL, goal-achievement, audit-event-outcome,
data-absent-reason) and SNOMED CT 3457005 (patient referral). The rest (offer types, episode
statuses, attendance states, referral outcomes, ...) is in the project's CodeSystems
(``reporting.fhir.codes``).

Medical resources (questionnaires and their scores, work goals, the relapse-prevention plan,
the documents sent to the company doctor) are exported for the client's therapist and the
CLI only; a practice manager's export leaves them out, as the episode view does.
"""

import base64
import hashlib
import json
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources import get_fhir_model_class
from fhir.resources.bundle import Bundle
from fhir.resources.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.resource import Resource
from piccolo.columns import Column
from piccolo.table import Table

from practice.access_policy import Need
from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Outcome
from practice.episodes import EpisodeStatus
from practice.errors import NotFound
from practice.platform.db import write_tx
from practice.platform.settings import Settings
from practice.queries.access import visible_episodes
from practice.queries.episodes import access_episode
from practice.tables import (
    AuditEvent,
    CaseAssignment,
    Client,
    CompanyDoctor,
    Consent,
    ContractHours,
    Employer,
    EmployerContact,
    Employment,
    Referral,
    RelapsePreventionPlan,
    StatusChange,
    TreatmentEpisode,
    WorkGoal,
    WorkParticipation,
    WorkResumptionAgreement,
)
from practice.work_participation import (
    ContractPeriod,
    ParticipationMeasurement,
    contract_hours_on,
    volume_percent_series,
)
from reporting.fhir import codes
from reporting.fhir.referral_parse import (
    ABSENCE_STATUS,
    EMPLOYER_CONTACT_ROLE,
    EXT_ABSENCE_STATUS,
    EXT_ATTENDANCE,
    EXT_CONSENT_AT_REFERRAL,
    EXT_CONTRACT_HOURS,
    EXT_EPISODE_STATUS,
    EXT_FIRST_SICK_DAY,
    EXT_KNOWN_TO_PRACTICE_ON,
    EXT_PARTICIPATION_BASIS,
    EXT_REFERRAL_OUTCOME,
    EXT_REFERRER_TYPE,
    HOURS_PER_WEEK,
    ID_CLIENT,
    ID_COMPANY_DOCTOR,
    ID_EMPLOYER,
    ID_EPISODE,
    ID_REFERRAL,
    ID_USER,
    OFFER_TYPE,
    ORGANIZATION_ROLE,
    ORGANIZATION_TYPE,
    REFERRER_TYPE,
    UCUM,
    V2_CONTACT_ROLE,
    extension_url,
    identifier_system,
)
from reporting.questionnaires import INSTRUMENTS
from reporting.services.documents import render_pending_documents
from reporting.tables import Delivery, Document, QuestionnaireResponse
from scheduling.appointments import Attendance
from scheduling.tables import Appointment

PURPOSE = "treatment"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
AUDIT_EVENT_OUTCOME = "http://terminology.hl7.org/CodeSystem/audit-event-outcome"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
URI = "urn:ietf:rfc:3986"
MINUTES = 60
PRACTICE_NAME = "@Work practice"

EPISODE_OF_CARE_STATUS = {
    EpisodeStatus.REFERRED: "waitlist",
    EpisodeStatus.SCREENING_PLANNED: "waitlist",
    EpisodeStatus.SCREENED: "waitlist",
    EpisodeStatus.IN_TREATMENT: "active",
    EpisodeStatus.PAUSED: "onhold",
    EpisodeStatus.CLOSED: "finished",
    EpisodeStatus.DECLINED: "cancelled",
    EpisodeStatus.DROPPED_OUT: "cancelled",
    EpisodeStatus.REFERRED_ELSEWHERE: "cancelled",
}
CARE_PLAN_STATUS = {
    EpisodeStatus.REFERRED: "draft",
    EpisodeStatus.SCREENING_PLANNED: "draft",
    EpisodeStatus.SCREENED: "draft",
    EpisodeStatus.IN_TREATMENT: "active",
    EpisodeStatus.PAUSED: "on-hold",
    EpisodeStatus.CLOSED: "completed",
    EpisodeStatus.DECLINED: "revoked",
    EpisodeStatus.DROPPED_OUT: "revoked",
    EpisodeStatus.REFERRED_ELSEWHERE: "revoked",
}
APPOINTMENT_STATUS = {
    Attendance.PLANNED: "booked",
    Attendance.HELD: "fulfilled",
    Attendance.CANCELLED_BY_CLIENT: "cancelled",
    Attendance.CANCELLED_BY_PRACTICE: "cancelled",
    Attendance.NO_SHOW: "noshow",
}
AGREEMENT_LIFECYCLE = {
    "agreed": "accepted",
    "in_progress": "active",
    "met": "completed",
    "revised": "cancelled",
    "abandoned": "cancelled",
}
AUDIT_FHIR_ACTION: dict[str, str] = {
    Action.CREATE: "C",
    Action.READ: "R",
    Action.SEARCH: "R",
    Action.EXPORT: "R",
    Action.PRINT: "R",
    Action.UPDATE: "U",
    Action.DELETE: "D",
}
AUDIT_FHIR_OUTCOME = {Outcome.DENIED.value: "4", Outcome.FAILED.value: "8"}  # else "0"

Row = dict[str, Any]


# ---------------------------------------------------------------- loading


@dataclass
class ClientRecord:
    """Every row of one client's record that the export maps; no query per row."""

    client: Row
    employments: list[Row] = field(default_factory=list)
    employers: list[Row] = field(default_factory=list)
    contracts: list[Row] = field(default_factory=list)
    referrals: list[Row] = field(default_factory=list)
    episodes: list[Row] = field(default_factory=list)
    status_changes: list[Row] = field(default_factory=list)
    assignments: list[Row] = field(default_factory=list)
    company_doctors: list[Row] = field(default_factory=list)
    contacts: list[Row] = field(default_factory=list)
    appointments: list[Row] = field(default_factory=list)
    participation: list[Row] = field(default_factory=list)
    agreements: list[Row] = field(default_factory=list)
    goals: list[Row] = field(default_factory=list)
    relapse_plans: list[Row] = field(default_factory=list)
    questionnaires: list[Row] = field(default_factory=list)
    documents: list[Row] = field(default_factory=list)
    deliveries: list[Row] = field(default_factory=list)
    consents: list[Row] = field(default_factory=list)
    audit_events: list[Row] = field(default_factory=list)


# The client-data holdings (``practice.client_data``) the export maps, each with the
# ``ClientRecord`` field ``load_client_record`` reads it into. Every registered holding is
# either here or among those deliberately not exported, with the reason
# (tests/integration/reporting/test_fhir_holdings.py), so a new holding cannot be left out
# of the export silently. Employers, company doctors, contacts and the access log are read
# too, but they are not holdings: they are not the client's rows.
EXPORTED_HOLDINGS: dict[type[Table], str] = {
    Client: "client",
    Employment: "employments",
    ContractHours: "contracts",
    Referral: "referrals",
    TreatmentEpisode: "episodes",
    StatusChange: "status_changes",
    CaseAssignment: "assignments",
    Appointment: "appointments",
    WorkParticipation: "participation",
    WorkResumptionAgreement: "agreements",
    WorkGoal: "goals",
    RelapsePreventionPlan: "relapse_plans",
    QuestionnaireResponse: "questionnaires",
    Document: "documents",
    Delivery: "deliveries",
    Consent: "consents",
}


async def _where_in(query: Any, column: Column, ids: Iterable[int]) -> list[Row]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(await query.where(column.is_in(wanted)))


async def load_client_record(
    client_id: int, episode_ids: Collection[int] | None = None, *, access_log: bool = True
) -> ClientRecord | None:
    """The client's rows (all episodes, or only ``episode_ids``), in about twenty queries.

    ``access_log`` False leaves the client's access log out: it names what was done to the
    episodes left out, so a partial record does not carry it."""
    client = await Client.select().where(Client.id == client_id).first()
    if client is None:
        return None
    record = ClientRecord(client=client)
    episodes = TreatmentEpisode.select().where(TreatmentEpisode.client == client_id)
    if episode_ids is not None:
        episodes = episodes.where(TreatmentEpisode.id.is_in(sorted(episode_ids) or [0]))
    record.episodes = await episodes.order_by(TreatmentEpisode.id)
    episode_ids = [int(e["id"]) for e in record.episodes]
    record.referrals = await _where_in(
        Referral.select().order_by(Referral.id),
        Referral.id,
        (int(e["referral"]) for e in record.episodes),
    )
    record.employments = await Employment.select().where(Employment.client == client_id)
    employment_ids = [int(e["id"]) for e in record.employments]
    record.employers = await _where_in(
        Employer.select(Employer.id, Employer.name),
        Employer.id,
        [int(e["employer"]) for e in record.employments]
        + [int(r["employer"]) for r in record.referrals],
    )
    record.contracts = await _where_in(
        ContractHours.select().order_by(ContractHours.valid_from),
        ContractHours.employment,
        employment_ids,
    )
    record.status_changes = await _where_in(
        StatusChange.select(
            StatusChange.episode, StatusChange.to_status, StatusChange.changed_at
        ).order_by(StatusChange.id),
        StatusChange.episode,
        episode_ids,
    )
    record.assignments = await _where_in(
        CaseAssignment.select(
            *CaseAssignment.all_columns(exclude=[CaseAssignment.handover_note]),
            CaseAssignment.user._.display_name.as_alias("name"),
            CaseAssignment.user._.email.as_alias("email"),
        ).order_by(CaseAssignment.id),
        CaseAssignment.episode,
        episode_ids,
    )
    record.appointments = await _where_in(
        Appointment.select(
            *Appointment.all_columns(exclude=[Appointment.notes, Appointment.attendance_reason]),
            Appointment.therapist._.display_name.as_alias("therapist_name"),
            Appointment.therapist._.email.as_alias("therapist_email"),
        ).order_by(Appointment.starts_at),
        Appointment.episode,
        episode_ids,
    )
    record.participation = await _where_in(
        WorkParticipation.select().order_by(WorkParticipation.measured_on),
        WorkParticipation.employment,
        employment_ids,
    )
    if episode_ids is not None:  # some episodes: their own measurements (or unlinked ones)
        record.participation = [
            p for p in record.participation if p["episode"] in (None, *episode_ids)
        ]
    record.agreements = await _where_in(
        WorkResumptionAgreement.select().order_by(WorkResumptionAgreement.agreed_on),
        WorkResumptionAgreement.episode,
        episode_ids,
    )
    record.goals = await _where_in(
        WorkGoal.select().order_by(WorkGoal.id), WorkGoal.episode, episode_ids
    )
    record.relapse_plans = await _where_in(
        RelapsePreventionPlan.select(), RelapsePreventionPlan.episode, episode_ids
    )
    record.questionnaires = await _where_in(
        QuestionnaireResponse.select().order_by(QuestionnaireResponse.administered_on),
        QuestionnaireResponse.episode,
        episode_ids,
    )
    record.documents = await _where_in(
        Document.select().order_by(Document.id), Document.episode, episode_ids
    )
    record.deliveries = await _where_in(
        Delivery.select(
            *Delivery.all_columns(),
            Delivery.recipient._.display_name.as_alias("recipient_name"),
            Delivery.recipient._.role.as_alias("recipient_role"),
        ).order_by(Delivery.id),
        Delivery.document,
        (int(d["id"]) for d in record.documents),
    )
    record.consents = await Consent.select().where(Consent.client == client_id).order_by(Consent.id)
    people = {int(a["user"]) for a in record.assignments}
    people |= {int(d["recipient"]) for d in record.deliveries}
    people |= {int(c["recipient_user"]) for c in record.consents if c["recipient_user"]}
    doctor_ids = {int(r["company_doctor"]) for r in record.referrals if r["company_doctor"]}
    contact_ids = {int(r["manager"]) for r in record.referrals if r["manager"]}
    if doctor_ids or people:
        record.company_doctors = await CompanyDoctor.select().where(
            CompanyDoctor.id.is_in(sorted(doctor_ids) or [0])
            | CompanyDoctor.user.is_in(sorted(people) or [0])
        )
    if contact_ids or people:
        record.contacts = await EmployerContact.select().where(
            EmployerContact.id.is_in(sorted(contact_ids) or [0])
            | EmployerContact.user.is_in(sorted(people) or [0])
        )
    record.audit_events = (
        []
        if not access_log
        else await AuditEvent.select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor_id,
            AuditEvent.actor_role,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.purpose,
            AuditEvent.source,
            AuditEvent.channel,
            AuditEvent.outcome,
        )
        .where(AuditEvent.client_id == client_id)
        .order_by(AuditEvent.id)
    )
    return record


# ---------------------------------------------------------------- mapping helpers


def full_url(base_url: str, kind: str, resource_id: str) -> str:
    """The entry's fullUrl: a urn:uuid derived from the service, type and id, so the same
    resource has the same fullUrl in every export (and in an import's response)."""
    name = f"{base_url}/fhir/{kind}/{resource_id}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


class _Context:
    """Where the bundle is built: the service's URL, the zone, and who is in the bundle."""

    def __init__(self, base_url: str, tz: ZoneInfo) -> None:
        self.base_url = base_url
        self.tz = tz
        self.user_refs: dict[int, dict[str, Any]] = {}  # user id -> reference into the bundle

    def full_url(self, kind: str, resource_id: str) -> str:
        return full_url(self.base_url, kind, resource_id)

    def ref(self, kind: str, resource_id: str, display: str | None = None) -> dict[str, Any]:
        reference: dict[str, Any] = {"reference": self.full_url(kind, resource_id)}
        if display:
            reference["display"] = display
        return reference

    def identifier(self, kind: str, value: object) -> dict[str, Any]:
        return {"system": identifier_system(self.base_url, kind), "value": str(value)}

    def instant(self, moment: datetime) -> str:
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return aware.astimezone(self.tz).isoformat(timespec="seconds")

    def extension(self, name: str, **value: Any) -> dict[str, Any]:
        return {"url": extension_url(self.base_url, name), **value}

    def coding(self, system: str, code: str) -> dict[str, Any]:
        return codes.coding(self.base_url, system, code)

    def concept(self, system: str, code: str) -> dict[str, Any]:
        return codes.concept(self.base_url, system, code)

    def person(self, user_id: int | None, display: str | None = None) -> dict[str, Any]:
        """A reference to the user's resource in the bundle, else by name only."""
        if user_id is not None and user_id in self.user_refs:
            return dict(self.user_refs[user_id])
        return {"display": _text_or(display, "unknown")}


def _text_or(text: str | None, fallback: str) -> str:
    """A stored text for an element FHIR requires, or ``fallback`` when it is empty or blank:
    ``_prune`` drops a blank string, and a required element left out fails the bundle."""
    return text if text is not None and text.strip() else fallback


def _prune(node: Any) -> Any:
    """FHIR has no empty strings, lists or objects: an empty stored value is left out."""
    if isinstance(node, dict):
        pruned = {key: _prune(value) for key, value in node.items()}
        return {key: value for key, value in pruned.items() if value not in ("", [], {}, None)}
    if isinstance(node, list):
        return [value for value in map(_prune, node) if value not in ("", [], {}, None)]
    if isinstance(node, str) and not node.strip():
        return ""
    return node


def _model(resource: dict[str, Any]) -> Resource:
    model = get_fhir_model_class(resource["resourceType"]).model_validate(_prune(resource))
    assert isinstance(model, Resource)
    return model


def _hours(minutes: int) -> Decimal:
    return Decimal(minutes) / MINUTES


def _quantity(value: Decimal, code: str) -> dict[str, Any]:
    return {"value": value, "unit": code, "system": UCUM, "code": code}


def _slug(text: str) -> str:
    return hashlib.sha1(text.strip().casefold().encode(), usedforsecurity=False).hexdigest()[:16]


def _patient_ref(ctx: _Context, record: ClientRecord) -> dict[str, Any]:
    return ctx.ref("Patient", f"client-{record.client['id']}")


# ---------------------------------------------------------------- parties


def organisation_resources(ctx: _Context, record: ClientRecord) -> list[Resource]:
    """The practice, the employers and the arbodiensten of the company doctors."""
    practice = {
        "resourceType": "Organization",
        "id": "practice",
        "identifier": [{"system": URI, "value": ctx.base_url}],
        "active": True,
        "type": [
            {"coding": [{"system": ORGANIZATION_TYPE, "code": "prov"}]},
            ctx.concept(ORGANIZATION_ROLE, "practice"),
        ],
        "name": PRACTICE_NAME,
    }
    resources = [_model(practice)]
    for employer in record.employers:
        resources.append(
            _model(
                {
                    "resourceType": "Organization",
                    "id": f"employer-{employer['id']}",
                    "identifier": [ctx.identifier(ID_EMPLOYER, employer["id"])],
                    "active": True,
                    "type": [
                        {"coding": [{"system": ORGANIZATION_TYPE, "code": "bus"}]},
                        ctx.concept(ORGANIZATION_ROLE, "employer"),
                    ],
                    "name": employer["name"],
                }
            )
        )
    for name in sorted({d["organisation"] for d in record.company_doctors if d["organisation"]}):
        resources.append(
            _model(
                {
                    "resourceType": "Organization",
                    "id": f"arbodienst-{_slug(name)}",
                    "active": True,
                    "type": [
                        {"coding": [{"system": ORGANIZATION_TYPE, "code": "prov"}]},
                        ctx.concept(ORGANIZATION_ROLE, "occupational_health_service"),
                    ],
                    "name": name,
                }
            )
        )
    return resources


def patient_resource(ctx: _Context, record: ClientRecord) -> Resource:
    client = record.client
    telecom = [
        {"system": system, "value": client[column]}
        for system, column in (("email", "email"), ("phone", "phone"))
        if client[column]
    ]
    contacts = []
    for employment in record.employments:
        contact: dict[str, Any] = {
            "relationship": [
                {
                    "coding": [
                        {
                            "system": V2_CONTACT_ROLE,
                            "code": EMPLOYER_CONTACT_ROLE,
                            "display": "Employer",
                        }
                    ]
                }
            ],
            "organization": ctx.ref("Organization", f"employer-{employment['employer']}"),
        }
        period = {
            key: employment[column].isoformat()
            for key, column in (("start", "started_on"), ("end", "ended_on"))
            if employment[column]
        }
        if period:
            contact["period"] = period
        contacts.append(contact)
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": f"client-{client['id']}",
        "identifier": [ctx.identifier(ID_CLIENT, client["id"])],
        "name": [{"text": client["name"]}],
        "managingOrganization": ctx.ref("Organization", "practice"),
    }
    if telecom:
        resource["telecom"] = telecom
    if client["date_of_birth"]:
        resource["birthDate"] = client["date_of_birth"].isoformat()
    if contacts:
        resource["contact"] = contacts
    return _model(resource)


def practitioner_resources(ctx: _Context, record: ClientRecord) -> list[Resource]:
    """Practitioner + PractitionerRole for therapists and company doctors; RelatedPerson for
    the employer's contacts. Fills ``ctx.user_refs`` so others can point at them."""
    resources: list[Resource] = []
    therapists: dict[int, tuple[str, str | None]] = {}
    for a in record.assignments:
        if a["team_role"] == "therapist":
            therapists[int(a["user"])] = (a["name"], a["email"])
    for appointment in record.appointments:
        therapists.setdefault(
            int(appointment["therapist"]),
            (appointment["therapist_name"], appointment["therapist_email"]),
        )
    for user_id, (name, email) in sorted(therapists.items()):
        practitioner = {
            "resourceType": "Practitioner",
            "id": f"user-{user_id}",
            "identifier": [ctx.identifier(ID_USER, user_id)],
            "active": True,
            "name": [{"text": name}],
            **({"telecom": [{"system": "email", "value": email}]} if email else {}),
        }
        therapist_role = {
            "resourceType": "PractitionerRole",
            "id": f"therapist-{user_id}",
            "active": True,
            "practitioner": ctx.ref("Practitioner", f"user-{user_id}", name),
            "organization": ctx.ref("Organization", "practice"),
            "code": [ctx.concept(codes.TEAM_ROLE, "therapist")],
        }
        resources += [_model(practitioner), _model(therapist_role)]
        ctx.user_refs[user_id] = ctx.ref("PractitionerRole", f"therapist-{user_id}", name)
    for doctor in record.company_doctors:
        doctor_id = int(doctor["id"])
        practitioner = {
            "resourceType": "Practitioner",
            "id": f"company-doctor-{doctor_id}",
            "identifier": [ctx.identifier(ID_COMPANY_DOCTOR, doctor_id)],
            "active": True,
            "name": [{"text": doctor["name"]}],
            "telecom": [{"system": "email", "value": doctor["email"]}],
        }
        role: dict[str, Any] = {
            "resourceType": "PractitionerRole",
            "id": f"company-doctor-role-{doctor_id}",
            "active": True,
            "practitioner": ctx.ref("Practitioner", f"company-doctor-{doctor_id}", doctor["name"]),
            "code": [ctx.concept(codes.TEAM_ROLE, "company_doctor")],
        }
        if doctor["organisation"]:
            role["organization"] = ctx.ref(
                "Organization", f"arbodienst-{_slug(doctor['organisation'])}"
            )
        resources += [_model(practitioner), _model(role)]
        reference = ctx.ref("PractitionerRole", f"company-doctor-role-{doctor_id}", doctor["name"])
        if doctor["user"] is not None:
            ctx.user_refs[int(doctor["user"])] = reference
    for contact in record.contacts:
        related = {
            "resourceType": "RelatedPerson",
            "id": f"employer-contact-{contact['id']}",
            "active": True,
            "patient": _patient_ref(ctx, record),
            "relationship": [
                {
                    "coding": [
                        {
                            "system": V2_CONTACT_ROLE,
                            "code": EMPLOYER_CONTACT_ROLE,
                            "display": "Employer",
                        }
                    ],
                    "text": contact["contact_role"],
                }
            ],
            "name": [{"text": contact["name"]}],
            "telecom": [{"system": "email", "value": contact["email"]}],
        }
        resources.append(_model(related))
        if contact["user"] is not None:
            ctx.user_refs[int(contact["user"])] = ctx.ref(
                "RelatedPerson", f"employer-contact-{contact['id']}", contact["name"]
            )
    return resources


# ---------------------------------------------------------------- referral and episode


def _contracts(record: ClientRecord, employment_id: int | None) -> list[ContractPeriod]:
    # The table can hold two periods from one day (no unique key) and the rule refuses to
    # guess between them: the later recorded one corrected the earlier, as the
    # participation series reads them, so one export never fails on such a pair.
    latest: dict[date, Row] = {}
    for c in sorted(record.contracts, key=lambda c: int(c["id"])):
        if employment_id is None or int(c["employment"]) == employment_id:
            latest[c["valid_from"]] = c
    return [
        ContractPeriod(valid_from=c["valid_from"], hours_per_week=_hours(c["minutes_per_week"]))
        for c in sorted(latest.values(), key=lambda c: c["valid_from"])
    ]


def _therapist_of(record: ClientRecord, episode_id: int) -> int | None:
    """The episode's latest therapist of record."""
    found = [
        int(a["user"])
        for a in record.assignments
        if int(a["episode"]) == episode_id and a["team_role"] == "therapist"
    ]
    return found[-1] if found else None


def referral_resource(
    ctx: _Context, record: ClientRecord, referral: Row, episode: Row | None
) -> Resource:
    status = EpisodeStatus(episode["status"]) if episode else EpisodeStatus.REFERRED
    if referral["outcome"]:
        fhir_status = "revoked"
    elif status in (EpisodeStatus.REFERRED, EpisodeStatus.SCREENING_PLANNED):
        fhir_status = "active"
    else:
        fhir_status = "completed"
    extensions = [
        ctx.extension(
            EXT_ABSENCE_STATUS, valueCoding=ctx.coding(ABSENCE_STATUS, referral["absence_status"])
        ),
        ctx.extension(
            EXT_REFERRER_TYPE, valueCoding=ctx.coding(REFERRER_TYPE, referral["referrer_type"])
        ),
        ctx.extension(EXT_CONSENT_AT_REFERRAL, valueBoolean=bool(referral["consent_at_referral"])),
        ctx.extension(EXT_PARTICIPATION_BASIS, valueString=referral["participation_basis"]),
    ]
    if referral["first_sick_day"]:
        extensions.append(
            ctx.extension(EXT_FIRST_SICK_DAY, valueDate=referral["first_sick_day"].isoformat())
        )
    if referral["known_to_practice_on"]:
        extensions.append(
            ctx.extension(
                EXT_KNOWN_TO_PRACTICE_ON, valueDate=referral["known_to_practice_on"].isoformat()
            )
        )
    received_on = referral["received_at"].astimezone(ctx.tz).date()
    contract = contract_hours_on(
        _contracts(record, episode["employment"] if episode else None), received_on
    )
    if contract is not None:
        extensions.append(
            ctx.extension(EXT_CONTRACT_HOURS, valueQuantity=_quantity(contract, HOURS_PER_WEEK))
        )
    if referral["outcome"]:
        extensions.append(
            ctx.extension(
                EXT_REFERRAL_OUTCOME,
                valueCoding=ctx.coding(codes.REFERRAL_OUTCOME, referral["outcome"]),
            )
        )
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": f"referral-{referral['id']}",
        "extension": extensions,
        "identifier": [ctx.identifier(ID_REFERRAL, referral["id"])],
        "status": fhir_status,
        "intent": "order",
        "category": [
            {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}
        ],
        "priority": "urgent" if referral["priority"] else "routine",
        "code": {"concept": ctx.concept(OFFER_TYPE, referral["requested_offer"])},
        "subject": _patient_ref(ctx, record),
        "authoredOn": ctx.instant(referral["received_at"]),
    }
    if referral["company_doctor"]:
        doctor = next(
            (d for d in record.company_doctors if d["id"] == referral["company_doctor"]), None
        )
        resource["requester"] = ctx.ref(
            "PractitionerRole",
            f"company-doctor-role-{referral['company_doctor']}",
            None if doctor is None else doctor["name"],
        )
    elif referral["referrer_name"]:
        resource["requester"] = {"display": referral["referrer_name"]}
    therapist = None if episode is None else _therapist_of(record, int(episode["id"]))
    if therapist is not None:
        resource["performer"] = [ctx.person(therapist)]
    if referral["outcome_note"]:
        resource["note"] = [{"text": referral["outcome_note"]}]
    return _model(resource)


def episode_resources(
    ctx: _Context, record: ClientRecord, episode: Row, referral: Row
) -> list[Resource]:
    """EpisodeOfCare (with its status history) and its CareTeam."""
    episode_id = int(episode["id"])
    status = EpisodeStatus(episode["status"])
    changes = [c for c in record.status_changes if int(c["episode"]) == episode_id]
    history: list[dict[str, Any]] = []  # FHIR's coarser statuses: consecutive ones merge
    for index, change in enumerate(changes):
        fhir_status = EPISODE_OF_CARE_STATUS[EpisodeStatus(change["to_status"])]
        if not history or history[-1]["status"] != fhir_status:
            history.append(
                {"status": fhir_status, "period": {"start": ctx.instant(change["changed_at"])}}
            )
        if index + 1 < len(changes):
            history[-1]["period"]["end"] = ctx.instant(changes[index + 1]["changed_at"])
        else:
            history[-1]["period"].pop("end", None)
    period = {"start": ctx.instant(referral["received_at"])}
    if episode["closed_on"]:
        period["end"] = episode["closed_on"].isoformat()
    elif EPISODE_OF_CARE_STATUS[status] == "cancelled" and changes:
        period["end"] = ctx.instant(changes[-1]["changed_at"])
    care_team_id = f"care-team-{episode_id}"
    resource: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": f"episode-{episode_id}",
        "extension": [
            ctx.extension(
                EXT_EPISODE_STATUS, valueCoding=ctx.coding(codes.EPISODE_STATUS, status.value)
            )
        ],
        "identifier": [ctx.identifier(ID_EPISODE, episode_id)],
        "status": EPISODE_OF_CARE_STATUS[status],
        "patient": _patient_ref(ctx, record),
        "managingOrganization": ctx.ref("Organization", "practice"),
        "period": period,
        "referralRequest": [ctx.ref("ServiceRequest", f"referral-{referral['id']}")],
        "careTeam": [ctx.ref("CareTeam", care_team_id)],
    }
    if episode["offer"]:
        resource["type"] = [ctx.concept(OFFER_TYPE, episode["offer"])]
    if history:
        resource["statusHistory"] = history
    therapist = _therapist_of(record, episode_id)
    if therapist is not None:
        resource["careManager"] = ctx.person(therapist)
    participants = []
    for a in record.assignments:
        if int(a["episode"]) != episode_id:
            continue
        member_period = {"start": a["valid_from"].isoformat()}
        if a["valid_to"]:
            member_period["end"] = a["valid_to"].isoformat()
        participants.append(
            {
                "role": ctx.concept(codes.TEAM_ROLE, a["team_role"]),
                "member": ctx.person(int(a["user"]), a["name"]),
                "coveragePeriod": member_period,
            }
        )
    team: dict[str, Any] = {
        "resourceType": "CareTeam",
        "id": care_team_id,
        "status": "inactive"
        if EPISODE_OF_CARE_STATUS[status] in ("finished", "cancelled")
        else "active",
        "subject": _patient_ref(ctx, record),
        "managingOrganization": [ctx.ref("Organization", "practice")],
    }
    if participants:
        team["participant"] = participants
    return [_model(resource), _model(team)]


# ---------------------------------------------------------------- sessions


def appointment_resources(ctx: _Context, record: ClientRecord, appointment: Row) -> list[Resource]:
    """The Appointment with its attendance; an Encounter when the session was held."""
    attendance = Attendance(appointment["attendance"])
    appointment_id = int(appointment["id"])
    episode_id = int(appointment["episode"])
    kind = ctx.concept(codes.APPOINTMENT_KIND, appointment["kind"])
    encounter_class = (
        {"system": ACT_CODE, "code": "VR", "display": "virtual"}
        if appointment["online"]
        else {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"}
    )
    therapist = ctx.person(int(appointment["therapist"]), appointment["therapist_name"])
    referral_id = next((e["referral"] for e in record.episodes if int(e["id"]) == episode_id), None)
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": f"appointment-{appointment_id}",
        "extension": [
            ctx.extension(
                EXT_ATTENDANCE, valueCoding=ctx.coding(codes.ATTENDANCE_STATE, attendance.value)
            )
        ],
        "status": APPOINTMENT_STATUS[attendance],
        "class": [{"coding": [encounter_class]}],
        "serviceType": [{"concept": kind}],
        "start": ctx.instant(appointment["starts_at"]),
        "end": ctx.instant(appointment["ends_at"]),
        "created": ctx.instant(appointment["created_at"]),
        "subject": _patient_ref(ctx, record),
        "participant": [
            {"actor": _patient_ref(ctx, record), "status": "accepted"},
            {"actor": therapist, "status": "accepted"},
        ],
    }
    if referral_id is not None:
        resource["basedOn"] = [ctx.ref("ServiceRequest", f"referral-{referral_id}")]
    if attendance in (Attendance.CANCELLED_BY_CLIENT, Attendance.CANCELLED_BY_PRACTICE):
        resource["cancellationReason"] = ctx.concept(codes.ATTENDANCE_STATE, attendance.value)
    resources = [_model(resource)]
    if attendance is Attendance.HELD:
        encounter = {
            "resourceType": "Encounter",
            "id": f"encounter-{appointment_id}",
            "status": "completed",
            "class": [{"coding": [encounter_class]}],
            "type": [kind],
            "subject": _patient_ref(ctx, record),
            "episodeOfCare": [ctx.ref("EpisodeOfCare", f"episode-{episode_id}")],
            "appointment": [ctx.ref("Appointment", f"appointment-{appointment_id}")],
            "actualPeriod": {
                "start": ctx.instant(appointment["starts_at"]),
                "end": ctx.instant(appointment["ends_at"]),
            },
            "participant": [{"actor": therapist}],
            "serviceProvider": ctx.ref("Organization", "practice"),
        }
        resources.append(_model(encounter))
    return resources


# ---------------------------------------------------------------- measurements


def participation_resources(ctx: _Context, record: ClientRecord) -> list[Resource]:
    """Work participation: volume % per date, the contract hours and hours as components."""
    resources = []
    for employment in record.employments:
        employment_id = int(employment["id"])
        rows = [p for p in record.participation if int(p["employment"]) == employment_id]
        measurements = [
            ParticipationMeasurement(
                measured_on=m["measured_on"],
                own_work_hours=_hours(m["own_work_minutes"]),
                adapted_work_hours=_hours(m["adapted_work_minutes"]),
                therapeutic_hours=_hours(m["therapeutic_minutes"]),
                productive_hours=_hours(m["productive_minutes"]),
            )
            for m in rows
        ]
        points = volume_percent_series(measurements, _contracts(record, employment_id))
        by_date = sorted(rows, key=lambda m: m["measured_on"])
        for row, point in zip(by_date, points, strict=True):
            components = [
                {
                    "code": ctx.concept(codes.OBSERVATION_CODE, codes.HOURS_WORKED),
                    "valueQuantity": _quantity(point.hours_counted, HOURS_PER_WEEK),
                }
            ]
            if point.contract_hours is not None:
                components.append(
                    {
                        "code": ctx.concept(codes.OBSERVATION_CODE, codes.CONTRACT_HOURS),
                        "valueQuantity": _quantity(point.contract_hours, HOURS_PER_WEEK),
                    }
                )
            if point.baseline_volume_percent is not None:
                components.append(
                    {
                        "code": ctx.concept(codes.OBSERVATION_CODE, codes.BASELINE_PARTICIPATION),
                        "valueQuantity": _quantity(point.baseline_volume_percent, "%"),
                    }
                )
            resource: dict[str, Any] = {
                "resourceType": "Observation",
                "id": f"work-participation-{row['id']}",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": OBSERVATION_CATEGORY,
                                "code": "social-history",
                                "display": "Social History",
                            }
                        ]
                    }
                ],
                "code": ctx.concept(codes.OBSERVATION_CODE, codes.WORK_PARTICIPATION),
                "subject": _patient_ref(ctx, record),
                "effectiveDateTime": row["measured_on"].isoformat(),
                "component": components,
            }
            if point.volume_percent is not None:
                resource["valueQuantity"] = _quantity(point.volume_percent, "%")
            else:
                resource["dataAbsentReason"] = {
                    "coding": [{"system": DATA_ABSENT_REASON, "code": "unknown"}]
                }
            resources.append(_model(resource))
    return resources


def questionnaire_url(base_url: str, code: str) -> str:
    return f"{base_url}/fhir/Questionnaire/{code.lower()}"


def questionnaire_resources(ctx: _Context, record: ClientRecord, row: Row) -> list[Resource]:
    """The QuestionnaireResponse and its total score as an Observation (LOINC when known)."""
    instrument = INSTRUMENTS.get(row["instrument"])
    stored = row["answers"]
    answers: dict[str, Any] = dict(json.loads(stored) if isinstance(stored, str) else stored or {})
    order = [item.id for item in instrument.items] if instrument else list(answers)
    texts = {item.id: item.text for item in instrument.items} if instrument else {}
    items = []
    for item_id in order:
        if item_id in answers:
            item: dict[str, Any] = {
                "linkId": item_id,
                "answer": [{"valueInteger": answers[item_id]}],
            }
            if item_id in texts:
                item["text"] = texts[item_id]
            items.append(item)
    response_id = f"questionnaire-response-{row['id']}"
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": questionnaire_url(ctx.base_url, row["instrument"]),
        "status": "completed" if row["complete"] else "in-progress",
        "subject": _patient_ref(ctx, record),
        "authored": row["administered_on"].isoformat(),
    }
    if items:
        response["item"] = items
    code: dict[str, Any] = {"text": f"{row['instrument']} total score"}
    if instrument is not None and instrument.loinc:
        code["coding"] = [{"system": LOINC, "code": instrument.loinc}]
    score = {
        "resourceType": "Observation",
        "id": f"questionnaire-score-{row['id']}",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": code,
        "subject": _patient_ref(ctx, record),
        "effectiveDateTime": row["administered_on"].isoformat(),
        "valueInteger": int(row["total"]),
        "interpretation": [{"text": row["band"]}],
        "derivedFrom": [ctx.ref("QuestionnaireResponse", response_id)],
    }
    return [_model(response), _model(score)]


# ---------------------------------------------------------------- plans and goals


def plan_resources(
    ctx: _Context, record: ClientRecord, episode: Row, *, medical: bool
) -> list[Resource]:
    """The treatment CarePlan with its Goals (work goals, agreements) and the
    relapse-prevention CarePlan."""
    episode_id = int(episode["id"])
    resources: list[Resource] = []
    goal_refs = []
    if medical:
        for goal in (g for g in record.goals if int(g["episode"]) == episode_id):
            resource = {
                "resourceType": "Goal",
                "id": f"work-goal-{goal['id']}",
                "lifecycleStatus": "completed" if goal["achieved_on"] else "active",
                "achievementStatus": {
                    "coding": [
                        {
                            "system": GOAL_ACHIEVEMENT,
                            "code": "achieved" if goal["achieved_on"] else "in-progress",
                        }
                    ]
                },
                "category": [
                    ctx.concept(
                        codes.GOAL_CATEGORY,
                        "easy_first_goal" if goal["easy_first_goal"] else "work_goal",
                    )
                ],
                "description": {"text": _text_or(goal["description"], "work goal")},
                "subject": _patient_ref(ctx, record),
                "startDate": goal["set_on"].isoformat(),
                **({"statusDate": goal["achieved_on"].isoformat()} if goal["achieved_on"] else {}),
            }
            resources.append(_model(resource))
            goal_refs.append(ctx.ref("Goal", f"work-goal-{goal['id']}"))
    for agreement in (a for a in record.agreements if int(a["episode"]) == episode_id):
        resource = {
            "resourceType": "Goal",
            "id": f"agreement-{agreement['id']}",
            "lifecycleStatus": AGREEMENT_LIFECYCLE.get(agreement["status"], "active"),
            "category": [ctx.concept(codes.GOAL_CATEGORY, "work_resumption_agreement")],
            "description": {"text": _text_or(agreement["description"], "agreement")},
            "subject": _patient_ref(ctx, record),
            "startDate": (agreement["starts_on"] or agreement["agreed_on"]).isoformat(),
            "statusDate": agreement["agreed_on"].isoformat(),
            "statusReason": agreement["status"],
        }
        if agreement["status"] == "met":
            resource["achievementStatus"] = {
                "coding": [{"system": GOAL_ACHIEVEMENT, "code": "achieved"}]
            }
        if agreement["hours_per_week_minutes"] is not None:
            resource["target"] = [
                {
                    "measure": ctx.concept(codes.OBSERVATION_CODE, codes.HOURS_WORKED),
                    "detailQuantity": _quantity(
                        _hours(agreement["hours_per_week_minutes"]), HOURS_PER_WEEK
                    ),
                }
            ]
        resources.append(_model(resource))
        goal_refs.append(ctx.ref("Goal", f"agreement-{agreement['id']}"))
    status = EpisodeStatus(episode["status"])
    plan_id = f"treatment-plan-{episode_id}"
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": plan_id,
        "status": CARE_PLAN_STATUS[status],
        "intent": "plan",
        "category": [ctx.concept(codes.CARE_PLAN_CATEGORY, "treatment_plan")],
        "title": "Treatment plan",
        "subject": _patient_ref(ctx, record),
        "careTeam": [ctx.ref("CareTeam", f"care-team-{episode_id}")],
        "custodian": ctx.ref("Organization", "practice"),
        "supportingInfo": [ctx.ref("EpisodeOfCare", f"episode-{episode_id}")],
    }
    start = episode["started_on"] or episode["planned_start_on"]
    period = {
        key: value.isoformat()
        for key, value in (("start", start), ("end", episode["closed_on"]))
        if value
    }
    if period:
        plan["period"] = period
    if episode["sessions_authorised"] is not None:
        plan["description"] = f"Sessions authorised: {episode['sessions_authorised']}"
    if goal_refs:
        plan["goal"] = goal_refs
    resources.append(_model(plan))
    if medical:
        for rpp in (p for p in record.relapse_plans if int(p["episode"]) == episode_id):
            resources.append(
                _model(
                    {
                        "resourceType": "CarePlan",
                        "id": f"relapse-prevention-plan-{rpp['id']}",
                        "status": "active",
                        "intent": "plan",
                        "category": [
                            ctx.concept(codes.CARE_PLAN_CATEGORY, codes.RELAPSE_PREVENTION_PLAN)
                        ],
                        "title": "Relapse-prevention plan",
                        "subject": _patient_ref(ctx, record),
                        "created": rpp["drawn_up_on"].isoformat(),
                        "partOf": [ctx.ref("CarePlan", plan_id)],
                        "custodian": ctx.ref("Organization", "practice"),
                        "note": [
                            {"text": f"Warning signs: {rpp['warning_signs']}"},
                            {"text": f"Actions: {rpp['actions']}"},
                            {"text": f"Work situation: {rpp['work_situation']}"},
                        ],
                    }
                )
            )
    return resources


# ---------------------------------------------------------------- documents and consent


def document_resources(ctx: _Context, record: ClientRecord) -> list[Resource]:
    """Each document sent as a DocumentReference with its PDF; each delivery as a
    Communication to its recipient."""
    resources = []
    kinds = {}
    for document in record.documents:
        pdf = bytes(document["pdf"])
        kinds[int(document["id"])] = document["kind"]
        resource = {
            "resourceType": "DocumentReference",
            "id": f"document-{document['id']}",
            "version": str(document["version"]),
            "status": "current",
            "docStatus": "final",
            "type": ctx.concept(codes.DOCUMENT_KIND, document["kind"]),
            "subject": _patient_ref(ctx, record),
            "context": [ctx.ref("EpisodeOfCare", f"episode-{document['episode']}")],
            "date": ctx.instant(document["created_at"]),
            "author": [ctx.ref("Organization", "practice")],
            "custodian": ctx.ref("Organization", "practice"),
            "description": document["title"],
            "content": [
                {
                    "attachment": {
                        "contentType": "application/pdf",
                        "data": base64.b64encode(pdf).decode("ascii"),
                        "size": len(pdf),
                        # FHIR's Attachment.hash is SHA-1 by definition
                        "hash": base64.b64encode(
                            hashlib.sha1(pdf, usedforsecurity=False).digest()
                        ).decode("ascii"),
                        "title": document["title"],
                        "creation": ctx.instant(document["created_at"]),
                    }
                }
            ],
        }
        resources.append(_model(resource))
    for delivery in record.deliveries:
        kind = kinds[int(delivery["document"])]
        resource = {
            "resourceType": "Communication",
            "id": f"delivery-{delivery['id']}",
            "status": "completed",
            "category": [ctx.concept(codes.DOCUMENT_KIND, kind)],
            "medium": [ctx.concept(codes.DELIVERY_CHANNEL, delivery["channel"])],
            "subject": _patient_ref(ctx, record),
            "sent": ctx.instant(delivery["delivered_at"]),
            "recipient": [ctx.person(int(delivery["recipient"]), delivery["recipient_name"])],
            "sender": ctx.ref("Organization", "practice"),
            "payload": [
                {
                    "contentReference": ctx.ref(
                        "DocumentReference", f"document-{delivery['document']}"
                    )
                }
            ],
        }
        if delivery["read_at"]:
            resource["received"] = ctx.instant(delivery["read_at"])
        resources.append(_model(resource))
    return resources


def consent_resources(ctx: _Context, record: ClientRecord) -> list[Resource]:
    """One Consent per recipient and purpose; a withdrawn one is inactive, its period ended."""
    employer_ref = (
        ctx.ref("Organization", f"employer-{record.employers[0]['id']}")
        if record.employers
        else None
    )
    resources = []
    for consent in record.consents:
        if consent["recipient_user"]:
            grantee = ctx.person(int(consent["recipient_user"]), consent["recipient"])
        elif consent["recipient"] == "employer" and employer_ref is not None:
            grantee = employer_ref
        else:
            label = ctx.coding(codes.CONSENT_RECIPIENT, consent["recipient"]).get("display")
            grantee = {"display": label or consent["recipient"]}
        period = {"start": ctx.instant(consent["given_at"])}
        if consent["withdrawn_at"]:
            period["end"] = ctx.instant(consent["withdrawn_at"])
        resource = {
            "resourceType": "Consent",
            "id": f"consent-{consent['id']}",
            "status": "inactive" if consent["withdrawn_at"] else "active",
            "category": [
                {
                    "coding": [
                        {"system": ACT_CODE, "code": "IDSCL", "display": "information disclosure"}
                    ]
                }
            ],
            "subject": _patient_ref(ctx, record),
            "date": consent["given_at"].astimezone(ctx.tz).date().isoformat(),
            "period": period,
            "grantor": [_patient_ref(ctx, record)],
            "grantee": [grantee],
            "controller": [ctx.ref("Organization", "practice")],
            "decision": "permit",
            "provision": [
                {
                    "purpose": [ctx.coding(codes.CONSENT_PURPOSE, consent["purpose"])],
                    "actor": [
                        {
                            "role": ctx.concept(codes.CONSENT_RECIPIENT, consent["recipient"]),
                            "reference": grantee,
                        }
                    ],
                }
            ],
        }
        resources.append(_model(resource))
    return resources


def audit_resources(ctx: _Context, record: ClientRecord) -> list[Resource]:
    """The client's access log (NEN 7513): one AuditEvent per row."""
    resources = []
    for row in record.audit_events:
        if row["actor_id"] is not None:
            who = {
                "identifier": ctx.identifier(ID_USER, row["actor_id"]),
                "display": f"{row['actor_role'] or 'user'} {row['actor_id']}",
            }
        else:
            who = {"display": row["actor_role"] or "system"}
        agent: dict[str, Any] = {"who": who, "requestor": True}
        if row["source"]:
            agent["networkString"] = row["source"]
        resource: dict[str, Any] = {
            "resourceType": "AuditEvent",
            "id": f"audit-{row['id']}",
            "code": ctx.concept(codes.AUDIT_ACTION, row["action"]),
            "recorded": ctx.instant(row["occurred_at"]),
            "outcome": {
                "code": {
                    "system": AUDIT_EVENT_OUTCOME,
                    "code": AUDIT_FHIR_OUTCOME.get(row["outcome"], "0"),
                },
                "detail": [ctx.concept(codes.AUDIT_OUTCOME, row["outcome"])],
            },
            "patient": _patient_ref(ctx, record),
            "agent": [agent],
            "source": {"observer": ctx.ref("Organization", "practice")},
            "authorization": [{"text": row["purpose"]}],  # R5: formerly purposeOfEvent
        }
        action = AUDIT_FHIR_ACTION.get(row["action"])  # send, login...: no FHIR action fits
        if action:
            resource["action"] = action
        if row["object_id"] is not None:
            resource["entity"] = [
                {"what": {"identifier": ctx.identifier(row["object_type"], row["object_id"])}}
            ]
        resources.append(_model(resource))
    return resources


# ---------------------------------------------------------------- the bundle


def client_resources(
    record: ClientRecord, *, base_url: str, tz: ZoneInfo, medical: bool
) -> list[Resource]:
    """Every resource of the record, parties first; pure (no database, no clock)."""
    ctx = _Context(base_url, tz)
    resources = organisation_resources(ctx, record)
    resources.append(patient_resource(ctx, record))
    resources += practitioner_resources(ctx, record)
    referrals = {int(r["id"]): r for r in record.referrals}
    for episode in record.episodes:
        referral = referrals[int(episode["referral"])]
        resources.append(referral_resource(ctx, record, referral, episode))
        resources += episode_resources(ctx, record, episode, referral)
        resources += plan_resources(ctx, record, episode, medical=medical)
    for appointment in record.appointments:
        resources += appointment_resources(ctx, record, appointment)
    resources += participation_resources(ctx, record)
    if medical:
        for row in record.questionnaires:
            resources += questionnaire_resources(ctx, record, row)
        resources += document_resources(ctx, record)
    resources += consent_resources(ctx, record)
    resources += audit_resources(ctx, record)
    return resources


def build_bundle(
    record: ClientRecord, *, base_url: str, tz: ZoneInfo, now: datetime, medical: bool
) -> Bundle:
    """The record as an R5 Bundle of type collection; pure."""
    ctx = _Context(base_url, tz)
    resources = client_resources(record, base_url=base_url, tz=tz, medical=medical)
    bundle_id = str(uuid.uuid4())
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": bundle_id,
            "identifier": {"system": URI, "value": f"urn:uuid:{bundle_id}"},
            "type": "collection",
            "timestamp": ctx.instant(now),
            "entry": [
                {
                    "fullUrl": ctx.full_url(resource.get_resource_type(), str(resource.id)),
                    "resource": resource,
                }
                for resource in resources
            ],
        }
    )


def questionnaire_resource(base_url: str, code: str) -> FhirQuestionnaire:
    """A built-in instrument (PHQ-9, GAD-7) as an R5 Questionnaire; KeyError if unknown."""
    instrument = {q.code.lower(): q for q in INSTRUMENTS.values()}[code.lower()]
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": instrument.code.lower(),
        "url": questionnaire_url(base_url, instrument.code),
        "name": instrument.code.replace("-", ""),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.instruction,
        "item": [
            {
                "linkId": item.id,
                "text": item.text,
                "type": "integer",
                "required": True,
                "answerOption": [{"valueInteger": o.value} for o in instrument.options],
            }
            for item in instrument.items
        ],
    }
    if instrument.loinc:
        resource["code"] = [{"system": LOINC, "code": instrument.loinc}]
    return FhirQuestionnaire.model_validate(resource)


# ---------------------------------------------------------------- who may export


def _medical(actor: Actor) -> bool:
    # The client reads their own record, medical parts included (the minutes' internal part
    # is never in a bundle).
    return actor.role in (Role.THERAPIST.value, Role.CLIENT.value, "system")


async def _export(
    actor: Actor,
    record: ClientRecord,
    object_type: str,
    object_id: int,
    *,
    base_url: str,
    tz: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    bundle = build_bundle(record, base_url=base_url, tz=tz, now=now, medical=_medical(actor))
    async with write_tx():
        await audit.record(
            actor,
            Action.EXPORT,
            object_type,
            object_id,
            purpose=PURPOSE,
            client_id=int(record.client["id"]),
        )
    return bundle.model_dump(mode="json")


async def export_client(
    actor: Actor, client_id: int, *, base_url: str, tz: ZoneInfo, now: datetime | None = None
) -> dict[str, Any]:
    """The client's whole record as a Bundle dict, for the client's current therapist, a
    practice manager or the CLI; anyone else gets 404 and a denied audit row."""
    moment = now or datetime.now(UTC)
    today = moment.astimezone(tz).date()
    exists = await Client.exists().where(Client.id == client_id)
    # The CLI exports everything (an erasure or transfer request); a person gets only the
    # episodes the access policy grants them, never the client's other episodes.
    if actor.role == "system":
        visible: list[int] | None = None
    else:
        # The client's own download (the portal) by their own record; anyone else by
        # the overview the policy grants.
        need = Need.OWN_READ if actor.role == Role.CLIENT.value else Need.OVERVIEW_READ
        visible = await visible_episodes(actor, client_id, need, today)
    allowed = exists and (visible is None or bool(visible))
    every = visible is None or len(visible) == await TreatmentEpisode.count().where(
        TreatmentEpisode.client == client_id
    )
    if allowed:  # documents of the past recorded before their PDF: made now, then handed over
        await render_pending_documents(Settings.from_env(), client_id)
    record = await load_client_record(client_id, visible, access_log=every) if allowed else None
    if record is None:  # a refusal says nothing about whether the client exists
        async with write_tx():
            await audit.record(
                actor,
                Action.EXPORT,
                "client",
                client_id,
                purpose=PURPOSE,
                outcome=Outcome.DENIED,
                client_id=client_id if exists else None,
            )
        raise NotFound("No such client.")
    return await _export(actor, record, "client", client_id, base_url=base_url, tz=tz, now=moment)


async def export_episode(
    actor: Actor, episode_id: int, *, base_url: str, tz: ZoneInfo, now: datetime | None = None
) -> dict[str, Any]:
    """One episode (with the client, the parties, consents and the access log) as a Bundle."""
    moment = now or datetime.now(UTC)
    client_id = await access_episode(actor, episode_id, moment.astimezone(tz).date(), write=False)
    await render_pending_documents(Settings.from_env(), client_id)
    record = await load_client_record(client_id, [episode_id], access_log=False)
    if record is None:  # pragma: no cover - access_episode found the episode and its client
        raise NotFound("No such episode.")
    return await _export(actor, record, "episode", episode_id, base_url=base_url, tz=tz, now=moment)


async def export_client_bundle(client_id: int, actor: Actor) -> dict[str, Any]:
    """For ``practice export-client --format fhir``: the settings come from the environment."""
    settings = Settings.from_env()
    return await export_client(actor, client_id, base_url=settings.base_url, tz=settings.time_zone)


def bundle_references(bundle: dict[str, Any]) -> tuple[set[str], list[str]]:
    """The entries' fullUrls and every Reference.reference in the bundle (for checks)."""
    full_urls = {entry["fullUrl"] for entry in bundle.get("entry", [])}
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                found.append(node["reference"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundle.get("entry", []))
    return full_urls, found
