"""The project's own FHIR CodeSystems, for the concepts no standard code system covers.

Each is published at ``{BASE_URL}/fhir/CodeSystem/{name}``, which is also its canonical URL
(``Coding.system``). The codes are the values the service stores (``atwork_basic``,
``no_show``...), so an export and an import need no translation table, and the concept lists
are built from the enums that define those values: a new offer or attendance state appears
here without a second edit.

Standard systems are used wherever one fits (LOINC, UCUM, HL7 terminology); see
``reporting.fhir.export`` for which.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fhir.resources.codesystem import CodeSystem

from practice.audit.trail import Action, Outcome
from practice.case_team import TeamRole
from practice.consent import Purpose, Recipient
from practice.episodes import EpisodeStatus, Offer, ReferralOutcome
from practice.services.referrals import REFERRER_TYPES
from practice.work_participation import AbsenceType
from reporting.fhir.referral_parse import (
    ABSENCE_STATUS,
    OFFER_TYPE,
    ORGANIZATION_ROLE,
    REFERRER_TYPE,
    code_system_url,
)
from reporting.interim_reports import BRIEFING, INTERIM_REPORT, MILESTONE_REPORT
from scheduling.appointments import AppointmentKind, Attendance

EPISODE_STATUS = "episode-status"
REFERRAL_OUTCOME = "referral-outcome"
ATTENDANCE_STATE = "attendance-state"
APPOINTMENT_KIND = "appointment-kind"
TEAM_ROLE = "team-role"
CONSENT_PURPOSE = "consent-purpose"
CONSENT_RECIPIENT = "consent-recipient"
DOCUMENT_KIND = "document-kind"
DELIVERY_CHANNEL = "delivery-channel"
GOAL_CATEGORY = "goal-category"
CARE_PLAN_CATEGORY = "care-plan-category"
OBSERVATION_CODE = "observation-code"
AGREEMENT_STATUS = "agreement-status"
AUDIT_ACTION = "audit-action"
AUDIT_OUTCOME = "audit-outcome"

# Observation codes (no LOINC code exists for volume % of contract hours).
WORK_PARTICIPATION = "work-participation-volume"
BASELINE_PARTICIPATION = "work-participation-baseline-volume"
CONTRACT_HOURS = "contract-hours"
HOURS_WORKED = "hours-worked"

RELAPSE_PREVENTION_PLAN = "relapse_prevention_plan"


@dataclass(frozen=True)
class Concept:
    code: str
    display: str
    definition: str | None = None


@dataclass(frozen=True)
class ProjectCodeSystem:
    name: str  # the URL segment, e.g. "offer-type"
    title: str
    description: str
    concepts: tuple[Concept, ...]

    @property
    def computable_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("-"))

    def codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.concepts)


def _label(code: str) -> str:
    return code.replace("_", " ").replace("-", " ").capitalize()


def _concepts(codes: Iterable[str], displays: dict[str, str] | None = None) -> tuple[Concept, ...]:
    known = displays or {}
    return tuple(Concept(code, known.get(code, _label(code))) for code in codes)


_SYSTEMS = (
    ProjectCodeSystem(
        OFFER_TYPE,
        "@Work offer types",
        "The product on a treatment episode; it can change during the episode.",
        _concepts(
            (o.value for o in Offer),
            {
                Offer.BASIC.value: "@Work basic",
                Offer.COMPLEET.value: "@Work Compleet",
                Offer.PREVENTIVE.value: "Preventive",
            },
        ),
    ),
    ProjectCodeSystem(
        EPISODE_STATUS,
        "Treatment episode statuses",
        "Where an episode stands on the treatment track (finer than EpisodeOfCare.status).",
        _concepts(s.value for s in EpisodeStatus),
    ),
    ProjectCodeSystem(
        REFERRAL_OUTCOME,
        "Referral outcomes",
        "Why a referral did not become treatment.",
        _concepts(o.value for o in ReferralOutcome),
    ),
    ProjectCodeSystem(
        ATTENDANCE_STATE,
        "Attendance states",
        "What became of a booked appointment.",
        _concepts(a.value for a in Attendance),
    ),
    ProjectCodeSystem(
        APPOINTMENT_KIND,
        "Appointment kinds",
        "The kind of a booked moment in an @Work episode.",
        _concepts(k.value for k in AppointmentKind),
    ),
    ProjectCodeSystem(
        TEAM_ROLE,
        "Case team roles",
        "A seat on a client's case team.",
        _concepts(r.value for r in TeamRole),
    ),
    ProjectCodeSystem(
        REFERRER_TYPE,
        "Referrer types",
        "Who referred the client.",
        _concepts(REFERRER_TYPES, {"gp": "General practitioner"}),
    ),
    ProjectCodeSystem(
        ABSENCE_STATUS,
        "Absence statuses",
        "The client's absence from work at referral.",
        _concepts(a.value for a in AbsenceType),
    ),
    ProjectCodeSystem(
        CONSENT_PURPOSE,
        "Consent purposes",
        "What shared information is for; consent for one purpose never covers another.",
        _concepts(p.value for p in Purpose),
    ),
    ProjectCodeSystem(
        CONSENT_RECIPIENT,
        "Consent recipients",
        "Who receives information about the client.",
        _concepts(r.value for r in Recipient),
    ),
    ProjectCodeSystem(
        DOCUMENT_KIND,
        "Document kinds",
        "The documents the practice sends.",
        _concepts(
            (BRIEFING, INTERIM_REPORT, MILESTONE_REPORT, RELAPSE_PREVENTION_PLAN, "employer_update")
        ),
    ),
    ProjectCodeSystem(
        DELIVERY_CHANNEL,
        "Delivery channels",
        "How a document reached its recipient.",
        _concepts(("portal", "email")),
    ),
    ProjectCodeSystem(
        GOAL_CATEGORY,
        "Goal categories",
        "Work goals from the @Work conversation and agreements about work resumption.",
        _concepts(("work_goal", "easy_first_goal", "work_resumption_agreement")),
    ),
    ProjectCodeSystem(
        CARE_PLAN_CATEGORY,
        "Care plan categories",
        "The treatment plan of an episode and its relapse-prevention plan.",
        _concepts(("treatment_plan", RELAPSE_PREVENTION_PLAN)),
    ),
    ProjectCodeSystem(
        OBSERVATION_CODE,
        "Work participation observations",
        "Work participation as volume % of contract hours (hours on wage value: own, adapted "
        "and productive work; therapeutic hours excluded), the same against the first "
        "contract (baseline), the contract hours and the hours counted.",
        (
            Concept(WORK_PARTICIPATION, "Work participation, volume % of contract hours"),
            Concept(BASELINE_PARTICIPATION, "Work participation, volume % of baseline contract"),
            Concept(CONTRACT_HOURS, "Contract hours per week"),
            Concept(HOURS_WORKED, "Hours worked per week (counted towards resumption)"),
        ),
    ),
    ProjectCodeSystem(
        AGREEMENT_STATUS,
        "Work resumption agreement statuses",
        "The state of an agreement about work resumption.",
        _concepts(("agreed", "in_progress", "met", "revised", "abandoned")),
    ),
    ProjectCodeSystem(
        ORGANIZATION_ROLE,
        "Organization roles",
        "The part an organisation plays around a client.",
        _concepts(
            ("practice", "employer", "occupational_health_service"),
            {"occupational_health_service": "Occupational health service (arbodienst)"},
        ),
    ),
    ProjectCodeSystem(
        AUDIT_ACTION,
        "Audit actions",
        "What was done in an audited access (NEN 7513).",
        _concepts(a.value for a in Action),
    ),
    ProjectCodeSystem(
        AUDIT_OUTCOME,
        "Audit outcomes",
        "How an audited access ended.",
        _concepts(o.value for o in Outcome),
    ),
)

CODE_SYSTEMS: dict[str, ProjectCodeSystem] = {system.name: system for system in _SYSTEMS}


def coding(base_url: str, name: str, code: str) -> dict[str, Any]:
    """A Coding in one of the project's systems, with its display when the code is known."""
    system = CODE_SYSTEMS[name]
    display = next((c.display for c in system.concepts if c.code == code), None)
    return {
        "system": code_system_url(base_url, name),
        "code": code,
        **({"display": display} if display else {}),
    }


def concept(base_url: str, name: str, code: str) -> dict[str, Any]:
    """A CodeableConcept holding one project Coding."""
    return {"coding": [coding(base_url, name, code)]}


def code_system(base_url: str, name: str) -> CodeSystem:
    """The CodeSystem resource for ``name``; KeyError for an unknown name."""
    system = CODE_SYSTEMS[name]
    return CodeSystem.model_validate(
        {
            "resourceType": "CodeSystem",
            "id": name,
            "url": code_system_url(base_url, name),
            "version": "1",
            "name": system.computable_name,
            "title": system.title,
            "status": "active",
            "experimental": False,
            "publisher": "@Work practice service",
            "description": system.description,
            "caseSensitive": True,
            "content": "complete",
            "count": len(system.concepts),
            "concept": [
                {
                    "code": c.code,
                    "display": c.display,
                    **({"definition": c.definition} if c.definition else {}),
                }
                for c in system.concepts
            ],
        }
    )
