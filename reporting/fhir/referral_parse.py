"""A referral arriving as a FHIR R5 Bundle (ServiceRequest + Patient + Organization), parsed.

Pure: ``validate_bundle`` checks size, media type, JSON and FHIR R5 validity
(``fhir.resources``); ``parse_referral_bundle`` applies this service's own rules and returns a
typed ``ReferralRequest``. Every problem becomes one OperationOutcome issue, and nothing is
read from or written to the database: that is the service's step
(``reporting.fhir.referral_import``).

This module is also where the FHIR vocabulary the import understands is defined (the URLs of
the project's CodeSystems, extensions and identifier systems): the export imports it from
here, so what the service exports it can read back.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources import get_fhir_model_class
from fhir.resources.bundle import Bundle
from fhir.resources.operationoutcome import OperationOutcome
from pydantic import ValidationError

from practice.episodes import Offer
from practice.errors import InvalidInput
from practice.request_limits import MAX_BODY_BYTES
from practice.work_participation import AbsenceType, hours_to_minutes

MAX_BYTES = MAX_BODY_BYTES  # the app refuses larger bodies while reading them
MEDIA_TYPES = frozenset({"application/fhir+json", "application/json"})

# ---------------------------------------------------------------- shared vocabulary

# Standard systems.
UCUM = "http://unitsofmeasure.org"
V2_CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"  # "E" = Employer
EMPLOYER_CONTACT_ROLE = "E"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
HOURS_PER_WEEK = "h/wk"  # UCUM

# The project's CodeSystems (served at GET /fhir/CodeSystem/{name}).
OFFER_TYPE = "offer-type"
ABSENCE_STATUS = "absence-status"
REFERRER_TYPE = "referrer-type"
ORGANIZATION_ROLE = "organization-role"

# The project's extensions on ServiceRequest (the referral's own facts).
EXT_ABSENCE_STATUS = "absence-status"  # valueCoding (absence-status) or valueCode
EXT_FIRST_SICK_DAY = "first-sick-day"  # valueDate
EXT_KNOWN_TO_PRACTICE_ON = "known-to-practice-on"  # valueDate
EXT_CONTRACT_HOURS = "contract-hours"  # valueQuantity in h/wk
EXT_CONSENT_AT_REFERRAL = "consent-at-referral"  # valueBoolean
EXT_REFERRER_TYPE = "referrer-type"  # valueCoding (referrer-type) or valueCode
EXT_PARTICIPATION_BASIS = "participation-basis"  # valueString
EXT_REFERRAL_OUTCOME = "referral-outcome"  # valueCoding; export only
EXT_EPISODE_STATUS = "episode-status"  # valueCoding on EpisodeOfCare; export only
EXT_ATTENDANCE = "attendance"  # valueCoding on Appointment; export only

# Identifier systems: the row ids of this service.
ID_EMPLOYER = "employer"
ID_CLIENT = "client"
ID_REFERRAL = "referral"
ID_EPISODE = "episode"
ID_USER = "user"
ID_COMPANY_DOCTOR = "company-doctor"


def code_system_url(base_url: str, name: str) -> str:
    """The canonical URL of one of the project's CodeSystems; GET on it returns it."""
    return f"{base_url}/fhir/CodeSystem/{name}"


def extension_url(base_url: str, name: str) -> str:
    return f"{base_url}/fhir/StructureDefinition/{name}"


def identifier_system(base_url: str, kind: str) -> str:
    return f"{base_url}/fhir/identifier/{kind}"


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue: a FHIR issue-type code, what is wrong, and where."""

    code: str
    diagnostics: str
    expression: str | None = None
    severity: str = "error"


class BundleRejected(Exception):
    """The bundle cannot become a referral; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, issues: Iterable[Issue]) -> None:
        self.status = status
        self.issues = tuple(issues)
        super().__init__("; ".join(i.diagnostics for i in self.issues))


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An R5 OperationOutcome (validated by fhir.resources) as a JSON-ready dict."""
    resource = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": issue.severity,
                "code": issue.code,
                "diagnostics": issue.diagnostics,
                **({"expression": [issue.expression]} if issue.expression else {}),
            }
            for issue in issues
        ],
    }
    return OperationOutcome.model_validate(resource).model_dump(mode="json")


# ---------------------------------------------------------------- the parsed referral


@dataclass(frozen=True)
class ReferralRequest:
    """What a valid bundle asks for, before any database lookup."""

    client_name: str
    date_of_birth: date | None
    email: str | None
    phone: str | None
    employer_name: str | None
    employer_ids: tuple[int, ...]  # from identifiers in this service's employer system
    received_at: datetime
    requested_offer: str | None  # None: the employer's default offer
    absence_status: str
    first_sick_day: date | None
    known_to_practice_on: date | None
    contract_hours: Decimal
    priority: bool
    consent_at_referral: bool
    referrer_type: str
    referrer_name: str | None
    referrer_email: str | None
    participation_basis: str = "voluntary"
    expressions: Mapping[str, str] = field(default_factory=dict)  # field -> FHIRPath


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _expression(loc: Iterable[int | str]) -> str:
    path = "Bundle"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.isidentifier():
            path += f".{part}"
        # pydantic's own steps (e.g. "function-after[...]") are not part of the FHIR path
    return path


def _validation_issues(exc: ValidationError) -> list[Issue]:
    issues = []
    for error in exc.errors(include_url=False, include_input=False):
        kind = str(error.get("type", ""))
        if kind in {"missing", "model_field_validation.missing"}:
            code = "required"
        elif kind == "extra_forbidden":
            code = "structure"
        else:
            code = "value"
        issues.append(Issue(code, str(error.get("msg", "invalid")), _expression(error["loc"])))
    return issues


def _unknown_resource_types(document: dict[str, Any]) -> list[Issue]:
    """fhir.resources fails with a KeyError on an unknown resourceType; name it instead."""
    issues = []
    entries = document.get("entry")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        where = f"Bundle.entry[{index}].resource"
        if not isinstance(kind, str):
            issues.append(
                Issue("structure", "an entry needs a resource with a resourceType", where)
            )
            continue
        try:
            get_fhir_model_class(kind)
        except (ValueError, KeyError):
            issues.append(Issue("not-supported", f"{kind!r} is not an R5 resource type", where))
    return issues


def validate_bundle(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The bundle as a dict once it is valid R5 JSON; otherwise BundleRejected (413/415/400)."""
    if len(raw) > MAX_BYTES:
        raise BundleRejected(
            413, [Issue("too-long", f"the bundle is larger than {MAX_BYTES} bytes")]
        )
    if _media_type(content_type) not in MEDIA_TYPES:
        raise BundleRejected(
            415, [Issue("not-supported", "send application/fhir+json or application/json")]
        )
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BundleRejected(400, [Issue("structure", "the body is not valid JSON")]) from None
    if not isinstance(document, dict):
        raise BundleRejected(400, [Issue("structure", "the body is not a JSON object")])
    if document.get("resourceType") != "Bundle":
        found = document.get("resourceType")
        raise BundleRejected(
            400,
            [Issue("invalid", f"expected a Bundle, got {found!r}", "resourceType")],
        )
    unknown = _unknown_resource_types(document)
    if unknown:
        raise BundleRejected(400, unknown)
    try:
        bundle = Bundle.model_validate(document)
    except ValidationError as exc:
        raise BundleRejected(400, _validation_issues(exc)) from None
    # The rules read the validated form: values in FHIR's JSON types, whatever was sent.
    validated: dict[str, Any] = bundle.model_dump(mode="json")
    return validated


# ---------------------------------------------------------------- the service's own rules


class _Entries:
    """The bundle's resources, findable by type and by reference (fullUrl or Type/id)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.by_type: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        self.by_reference: dict[str, dict[str, Any]] = {}
        for index, entry in enumerate(document.get("entry") or []):
            resource = entry["resource"]
            kind = resource["resourceType"]
            self.by_type[kind].append((index, resource))
            if entry.get("fullUrl"):
                self.by_reference[entry["fullUrl"]] = resource
            if resource.get("id"):
                self.by_reference[f"{kind}/{resource['id']}"] = resource

    def resolve(self, reference: Any) -> dict[str, Any] | None:
        if not isinstance(reference, dict) or not reference.get("reference"):
            return None
        return self.by_reference.get(reference["reference"])


def _human_name(resource: dict[str, Any]) -> str:
    """A person's name (HumanName: text, else given + family); an Organization's name."""
    names = resource.get("name")
    if isinstance(names, str):
        return names.strip()
    for name in names or []:
        text = (name.get("text") or "").strip()
        if text:
            return text
        parts = [*(name.get("given") or []), name.get("family") or ""]
        joined = " ".join(p.strip() for p in parts if p and p.strip())
        if joined:
            return joined
    return ""


def _telecom(resource: dict[str, Any], system: str) -> str | None:
    for contact in resource.get("telecom") or []:
        if contact.get("system") == system and contact.get("value"):
            return str(contact["value"]).strip()
    return None


def _extension(resource: dict[str, Any], url: str) -> dict[str, Any] | None:
    for extension in resource.get("extension") or []:
        if extension.get("url") == url:
            return dict(extension)
    return None


def _full_date(value: object, where: str, problems: list[Issue]) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(Issue("value", "give a full date (YYYY-MM-DD)", where))
        return None


def _code(extension: dict[str, Any], system: str) -> str | None:
    if "valueCode" in extension:
        return str(extension["valueCode"])
    coding = extension.get("valueCoding") or {}
    if coding.get("system") in (None, system):
        return None if coding.get("code") is None else str(coding["code"])
    return None


def _employer_organisation(
    entries: _Entries, patient: dict[str, Any], base_url: str
) -> dict[str, Any] | None:
    """The employer: the Patient's contact with role E (Employer), else the one Organization
    typed as employer or business, else the only Organization in the bundle."""
    for contact in patient.get("contact") or []:
        roles = [
            coding
            for concept in contact.get("relationship") or []
            for coding in concept.get("coding") or []
        ]
        if any(
            c.get("system") == V2_CONTACT_ROLE and c.get("code") == EMPLOYER_CONTACT_ROLE
            for c in roles
        ):
            found = entries.resolve(contact.get("organization"))
            if found is not None and found["resourceType"] == "Organization":
                return found
    organisations = [resource for _, resource in entries.by_type.get("Organization", [])]
    role_system = code_system_url(base_url, ORGANIZATION_ROLE)
    typed = [
        o
        for o in organisations
        if any(
            (c.get("system") == role_system and c.get("code") == "employer")
            or (c.get("system") == ORGANIZATION_TYPE and c.get("code") == "bus")
            for concept in o.get("type") or []
            for c in concept.get("coding") or []
        )
    ]
    if len(typed) == 1:
        return typed[0]
    if len(organisations) == 1:
        return organisations[0]
    return None


def _employer_ids(organisation: dict[str, Any], base_url: str) -> tuple[int, ...]:
    system = identifier_system(base_url, ID_EMPLOYER)
    ids = []
    for identifier in organisation.get("identifier") or []:
        value = str(identifier.get("value") or "")
        if identifier.get("system") == system and value.isdigit():
            ids.append(int(value))
    return tuple(ids)


def _received_at(
    value: object, now: datetime, tz: ZoneInfo, where: str, problems: list[Issue]
) -> datetime:
    """authoredOn; missing means now. A date alone is the start of that day in the practice's
    zone; a year or a month alone is too vague to start a deadline from."""
    if value is None or value == "":
        return now
    try:
        value = str(value)
        if "T" not in value:
            return datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=tz)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append(Issue("value", "give a full date, or a date and time", where))
        return now


def _contract_hours(extension: dict[str, Any] | None, where: str, problems: list[Issue]) -> Decimal:
    if extension is None or not isinstance(extension.get("valueQuantity"), dict):
        problems.append(
            Issue("required", "give the contract hours per week (valueQuantity in h/wk)", where)
        )
        return Decimal(0)
    quantity = extension["valueQuantity"]
    unit = quantity.get("code") or quantity.get("unit")
    if quantity.get("system") not in (None, UCUM) or unit != HOURS_PER_WEEK:
        problems.append(Issue("value", "contract hours must be in h/wk (UCUM)", where))
        return Decimal(0)
    try:
        hours = Decimal(str(quantity.get("value")))
        hours_to_minutes(hours, "contract_hours")
    except (InvalidOperation, InvalidInput) as exc:
        message = exc.message if isinstance(exc, InvalidInput) else "not a number"
        problems.append(Issue("value", message, where))
        return Decimal(0)
    return hours


def parse_referral_bundle(
    raw: bytes,
    content_type: str | None,
    *,
    base_url: str,
    now: datetime,
    tz: ZoneInfo,
) -> ReferralRequest:
    """The referral a bundle asks for; BundleRejected naming every problem otherwise.

    400: not valid FHIR R5. 413: over 1 MB. 415: not JSON. 422: valid FHIR that breaks this
    service's rules (no Patient, two ServiceRequests, no employer, missing contract hours...).
    """
    document = validate_bundle(raw, content_type)
    entries = _Entries(document)
    problems: list[Issue] = []
    requests = entries.by_type.get("ServiceRequest", [])
    patients = entries.by_type.get("Patient", [])
    if len(requests) != 1:
        problems.append(
            Issue("required", f"expected one ServiceRequest, found {len(requests)}", "Bundle.entry")
        )
    if len(patients) != 1:
        problems.append(
            Issue("required", f"expected one Patient, found {len(patients)}", "Bundle.entry")
        )
    if problems:
        raise BundleRejected(422, problems)
    index, request = requests[0]
    patient_index, patient = patients[0]
    sr = f"Bundle.entry[{index}].resource"
    pt = f"Bundle.entry[{patient_index}].resource"

    if entries.resolve(request.get("subject")) is not patient:
        problems.append(Issue("invalid", "subject must reference the Patient in the bundle", sr))
    if request.get("status") in {"revoked", "entered-in-error"}:
        problems.append(Issue("business-rule", "this referral was withdrawn", f"{sr}.status"))

    name = _human_name(patient)
    if not name:
        problems.append(Issue("required", "the patient needs a name", f"{pt}.name"))
    birth_date = None
    if patient.get("birthDate"):
        birth_date = _full_date(patient["birthDate"], f"{pt}.birthDate", problems)
        if birth_date is not None and birth_date > now.astimezone(tz).date():
            problems.append(Issue("value", "lies in the future", f"{pt}.birthDate"))

    organisation = _employer_organisation(entries, patient, base_url)
    if organisation is None:
        problems.append(
            Issue(
                "required",
                "name the employer: an Organization referenced from Patient.contact "
                "(relationship v2-0131 E)",
                "Bundle.entry",
            )
        )

    received_at = _received_at(request.get("authoredOn"), now, tz, f"{sr}.authoredOn", problems)
    offer = None
    concept = (request.get("code") or {}).get("concept") or {}
    for coding in concept.get("coding") or []:
        if coding.get("system") == code_system_url(base_url, OFFER_TYPE):
            offer = coding.get("code")
    if offer is not None and offer not in {o.value for o in Offer}:
        problems.append(Issue("code-invalid", f"unknown offer {offer!r}", f"{sr}.code"))

    def ext(name: str) -> dict[str, Any] | None:
        return _extension(request, extension_url(base_url, name))

    where = f"{sr}.extension('{EXT_FIRST_SICK_DAY}')"
    first_sick = ext(EXT_FIRST_SICK_DAY)
    first_sick_day = (
        _full_date(str(first_sick.get("valueDate", "")), where, problems) if first_sick else None
    )
    known = ext(EXT_KNOWN_TO_PRACTICE_ON)
    known_on = (
        _full_date(
            str(known.get("valueDate", "")),
            f"{sr}.extension('{EXT_KNOWN_TO_PRACTICE_ON}')",
            problems,
        )
        if known
        else None
    )
    absence = ext(EXT_ABSENCE_STATUS)
    absence_status = (
        _code(absence, code_system_url(base_url, ABSENCE_STATUS)) if absence else None
    ) or (AbsenceType.SICKNESS.value if first_sick is not None else AbsenceType.NOT_ABSENT.value)
    hours = _contract_hours(
        ext(EXT_CONTRACT_HOURS), f"{sr}.extension('{EXT_CONTRACT_HOURS}')", problems
    )
    consent = ext(EXT_CONSENT_AT_REFERRAL)
    referrer = ext(EXT_REFERRER_TYPE)
    basis = ext(EXT_PARTICIPATION_BASIS)
    requester = entries.resolve(request.get("requester"))
    if requester is not None and requester["resourceType"] == "PractitionerRole":
        requester = entries.resolve(requester.get("practitioner")) or requester
    referrer_name = (
        _human_name(requester)
        if requester is not None
        else (request.get("requester") or {}).get("display")
    )
    email, phone = _telecom(patient, "email"), _telecom(patient, "phone")
    participation_basis = str((basis or {}).get("valueString") or "voluntary")
    for value, limit, where in (
        (name, 200, f"{pt}.name"),
        (email, 254, f"{pt}.telecom"),
        (phone, 40, f"{pt}.telecom"),
        (participation_basis, 64, f"{sr}.extension('{EXT_PARTICIPATION_BASIS}')"),
    ):
        if value is not None and len(value) > limit:
            problems.append(Issue("too-long", f"at most {limit} characters", where))
    if problems:
        raise BundleRejected(422, problems)
    assert organisation is not None
    return ReferralRequest(
        client_name=name,
        date_of_birth=birth_date,
        email=email,
        phone=phone,
        employer_name=(organisation.get("name") or "").strip() or None,
        employer_ids=_employer_ids(organisation, base_url),
        received_at=received_at,
        requested_offer=offer,
        absence_status=absence_status,
        first_sick_day=first_sick_day,
        known_to_practice_on=known_on,
        contract_hours=hours,
        priority=request.get("priority") in {"urgent", "asap", "stat"},
        consent_at_referral=bool(consent and consent.get("valueBoolean")),
        referrer_type=(
            (_code(referrer, code_system_url(base_url, REFERRER_TYPE)) if referrer else None)
            or "company_doctor"
        ),
        referrer_name=(referrer_name or "")[:200] or None,
        referrer_email=None if requester is None else _telecom(requester, "email"),
        participation_basis=participation_basis,
        expressions={
            "received_at": f"{sr}.authoredOn",
            "first_sick_day": where,
            "absence_status": f"{sr}.extension('{EXT_ABSENCE_STATUS}')",
            "requested_offer": f"{sr}.code",
            "referrer_type": f"{sr}.extension('{EXT_REFERRER_TYPE}')",
            "name": f"{pt}.name",
            "email": f"{pt}.telecom",
            "contract_hours": f"{sr}.extension('{EXT_CONTRACT_HOURS}')",
        },
    )
