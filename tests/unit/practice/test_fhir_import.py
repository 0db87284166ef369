"""Reading a referral from a FHIR R5 Bundle: pure parsing and the service's own rules."""

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.fhir.referral_import import choose_therapist
from reporting.fhir.referral_parse import (
    MAX_BYTES,
    BundleRejected,
    Issue,
    ReferralRequest,
    code_system_url,
    extension_url,
    identifier_system,
    operation_outcome,
    parse_referral_bundle,
)

BASE = "https://praktijk.example.nl"
TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
SR, PT, ORG, DOC = (f"urn:uuid:00000000-0000-4000-8000-00000000000{n}" for n in range(1, 5))

Change = Callable[[dict[str, Any]], None]


def bundle(*changes: Change) -> dict[str, Any]:
    document: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": SR,
                "resource": {
                    "resourceType": "ServiceRequest",
                    "status": "active",
                    "intent": "order",
                    "subject": {"reference": PT},
                    "requester": {"reference": DOC},
                    "authoredOn": "2026-06-12T09:30:00+02:00",
                    "extension": [
                        {"url": extension_url(BASE, "first-sick-day"), "valueDate": "2026-06-01"},
                        {
                            "url": extension_url(BASE, "contract-hours"),
                            "valueQuantity": {
                                "value": 22.8,
                                "unit": "h/wk",
                                "system": "http://unitsofmeasure.org",
                                "code": "h/wk",
                            },
                        },
                    ],
                },
            },
            {
                "fullUrl": PT,
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"given": ["Piet"], "family": "Pietersen"}],
                    "birthDate": "1979-02-03",
                    "telecom": [{"system": "email", "value": "piet@example.org"}],
                    "contact": [
                        {
                            "relationship": [
                                {
                                    "coding": [
                                        {
                                            "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                            "code": "E",
                                        }
                                    ]
                                }
                            ],
                            "organization": {"reference": ORG},
                        }
                    ],
                },
            },
            {"fullUrl": ORG, "resource": {"resourceType": "Organization", "name": "Zorg & Co"}},
            {
                "fullUrl": DOC,
                "resource": {
                    "resourceType": "Practitioner",
                    "name": [{"text": "B. Arts"}],
                    "telecom": [{"system": "email", "value": "arts@arbo.nl"}],
                },
            },
        ],
    }
    for change in changes:
        change(document)
    return document


def request(document: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = document["entry"][0]["resource"]
    return resource


def patient(document: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = document["entry"][1]["resource"]
    return resource


def parse(document: Any, content_type: str = "application/fhir+json") -> ReferralRequest:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_referral_bundle(raw, content_type, base_url=BASE, now=NOW, tz=TZ)


def rejected(document: Any, content_type: str = "application/fhir+json") -> BundleRejected:
    with pytest.raises(BundleRejected) as caught:
        parse(document, content_type)
    return caught.value


def test_a_minimal_referral_becomes_a_referral_request() -> None:
    parsed = parse(bundle())
    assert parsed.client_name == "Piet Pietersen"
    assert parsed.date_of_birth == date(1979, 2, 3)
    assert parsed.email == "piet@example.org"
    assert parsed.employer_name == "Zorg & Co"
    assert parsed.employer_ids == ()
    assert parsed.received_at == datetime(2026, 6, 12, 7, 30, tzinfo=UTC)
    assert parsed.first_sick_day == date(2026, 6, 1)
    assert parsed.absence_status == "sickness"  # a first sick day means absent
    assert parsed.contract_hours == Decimal("22.8")
    assert parsed.requested_offer is None  # the employer's default decides
    assert parsed.referrer_type == "company_doctor"
    assert parsed.referrer_name == "B. Arts"
    assert parsed.referrer_email == "arts@arbo.nl"
    assert parsed.priority is False
    assert parsed.consent_at_referral is False


def test_the_services_own_codes_extensions_and_identifiers_are_read() -> None:
    def ours(document: dict[str, Any]) -> None:
        request(document)["code"] = {
            "concept": {
                "coding": [
                    {"system": code_system_url(BASE, "offer-type"), "code": "atwork_compleet"}
                ]
            }
        }
        request(document)["priority"] = "urgent"
        request(document)["extension"] += [
            {
                "url": extension_url(BASE, "absence-status"),
                "valueCoding": {"system": code_system_url(BASE, "absence-status"), "code": "leave"},
            },
            {"url": extension_url(BASE, "consent-at-referral"), "valueBoolean": True},
            {"url": extension_url(BASE, "known-to-practice-on"), "valueDate": "2026-06-13"},
        ]
        document["entry"][2]["resource"]["identifier"] = [
            {"system": identifier_system(BASE, "employer"), "value": "7"}
        ]

    parsed = parse(bundle(ours))
    assert parsed.requested_offer == "atwork_compleet"
    assert parsed.priority is True
    assert parsed.absence_status == "leave"
    assert parsed.consent_at_referral is True
    assert parsed.known_to_practice_on == date(2026, 6, 13)
    assert parsed.employer_ids == (7,)


def test_a_date_only_referral_starts_at_midnight_in_the_practices_zone() -> None:
    def date_only(document: dict[str, Any]) -> None:
        request(document)["authoredOn"] = "2026-06-12"

    assert parse(bundle(date_only)).received_at == datetime(2026, 6, 12, tzinfo=TZ)


def test_without_a_date_the_referral_is_received_now() -> None:
    def undated(document: dict[str, Any]) -> None:
        del request(document)["authoredOn"]

    assert parse(bundle(undated)).received_at == NOW


def test_plain_application_json_with_a_charset_is_accepted() -> None:
    assert parse(bundle(), "application/json; charset=utf-8").client_name == "Piet Pietersen"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b" " * (MAX_BYTES + 1), "application/fhir+json", 413, "too-long"),
        (json.dumps(bundle()).encode(), "text/plain", 415, "not-supported"),
        (json.dumps(bundle()).encode(), None, 415, "not-supported"),
        (b"{not json", "application/fhir+json", 400, "structure"),
        (b"[1, 2]", "application/fhir+json", 400, "structure"),
        (json.dumps(bundle()["entry"][1]["resource"]).encode(), "application/json", 400, "invalid"),
    ],
    ids=["over 1 MB", "text/plain", "no media type", "not JSON", "an array", "a Patient"],
)
def test_what_is_not_an_r5_bundle_is_refused_before_any_rule(
    body: bytes, content_type: str | None, status: int, code: str
) -> None:
    problem = rejected(body, content_type or "")
    assert problem.status == status
    assert [i.code for i in problem.issues] == [code]


def test_an_unknown_resource_type_is_named_with_its_place() -> None:
    def foreign(document: dict[str, Any]) -> None:
        document["entry"].append({"resource": {"resourceType": "Referral"}})

    problem = rejected(bundle(foreign))
    assert problem.status == 400
    assert problem.issues == (
        Issue("not-supported", "'Referral' is not an R5 resource type", "Bundle.entry[4].resource"),
    )


def test_an_invalid_fhir_value_is_refused_with_its_fhirpath() -> None:
    def impossible(document: dict[str, Any]) -> None:
        patient(document)["birthDate"] = "1979-13-45"
        request(document)["unknownField"] = 1

    problem = rejected(bundle(impossible))
    assert problem.status == 400
    where = {i.expression: i.code for i in problem.issues}
    assert where == {
        "Bundle.entry[1].resource.birthDate": "value",
        "Bundle.entry[0].resource.unknownField": "structure",
    }


def test_a_bundle_without_a_patient_or_with_two_requests_breaks_the_services_rules() -> None:
    def no_patient(document: dict[str, Any]) -> None:
        del document["entry"][1]

    def two_requests(document: dict[str, Any]) -> None:
        document["entry"].append(copy.deepcopy(document["entry"][0]) | {"fullUrl": "urn:uuid:x"})

    missing = rejected(bundle(no_patient))
    assert missing.status == 422
    assert [i.diagnostics for i in missing.issues] == ["expected one Patient, found 0"]
    doubled = rejected(bundle(two_requests))
    assert [i.diagnostics for i in doubled.issues] == ["expected one ServiceRequest, found 2"]


def test_every_problem_with_a_valid_bundle_is_named_at_once() -> None:
    def many(document: dict[str, Any]) -> None:
        patient(document)["name"] = [{"use": "official"}]
        patient(document)["birthDate"] = "1979"  # valid FHIR, but not a full date
        request(document)["code"] = {
            "concept": {"coding": [{"system": code_system_url(BASE, "offer-type"), "code": "gold"}]}
        }
        request(document)["extension"] = request(document)["extension"][:1]  # no contract hours
        request(document)["subject"] = {"reference": "Patient/somebody-else"}
        request(document)["authoredOn"] = "2026-06"

    problem = rejected(bundle(many))
    assert problem.status == 422
    found = {(i.code, i.expression) for i in problem.issues}
    assert found == {
        ("invalid", "Bundle.entry[0].resource"),
        ("required", "Bundle.entry[1].resource.name"),
        ("value", "Bundle.entry[1].resource.birthDate"),
        ("value", "Bundle.entry[0].resource.authoredOn"),
        ("code-invalid", "Bundle.entry[0].resource.code"),
        ("required", "Bundle.entry[0].resource.extension('contract-hours')"),
    }


def test_contract_hours_must_be_hours_per_week_in_whole_minutes() -> None:
    def in_days(document: dict[str, Any]) -> None:
        request(document)["extension"][1]["valueQuantity"]["code"] = "d"

    def odd(document: dict[str, Any]) -> None:
        request(document)["extension"][1]["valueQuantity"]["value"] = 22.8123

    assert "h/wk" in rejected(bundle(in_days)).issues[0].diagnostics
    assert "whole minutes" in rejected(bundle(odd)).issues[0].diagnostics


def test_without_an_employer_organisation_the_referral_is_refused() -> None:
    def no_employer(document: dict[str, Any]) -> None:
        del document["entry"][2]
        del patient(document)["contact"]

    problem = rejected(bundle(no_employer))
    assert problem.status == 422
    assert "employer" in problem.issues[0].diagnostics


def test_the_employer_is_the_organisation_typed_as_a_business_when_the_patient_names_none() -> None:
    def two_organisations(document: dict[str, Any]) -> None:
        del patient(document)["contact"]
        document["entry"][2]["resource"]["type"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": "bus",
                    }
                ]
            }
        ]
        document["entry"].append(
            {"resource": {"resourceType": "Organization", "name": "Arbo Noord"}}
        )

    assert parse(bundle(two_organisations)).employer_name == "Zorg & Co"


def test_values_longer_than_the_record_holds_are_refused_not_truncated() -> None:
    def long_values(document: dict[str, Any]) -> None:
        patient(document)["name"] = [{"text": "P" * 201}]
        patient(document)["telecom"].append({"system": "phone", "value": "0" * 41})

    problem = rejected(bundle(long_values))
    assert problem.status == 422
    assert {(i.code, i.expression) for i in problem.issues} == {
        ("too-long", "Bundle.entry[1].resource.name"),
        ("too-long", "Bundle.entry[1].resource.telecom"),
    }


def test_a_withdrawn_referral_is_refused() -> None:
    def revoked(document: dict[str, Any]) -> None:
        request(document)["status"] = "revoked"

    assert rejected(bundle(revoked)).issues[0].expression == "Bundle.entry[0].resource.status"


def test_the_operation_outcome_is_a_valid_r5_resource() -> None:
    outcome = operation_outcome(
        [
            Issue("value", "lies in the future", "Bundle.entry[0].resource.authoredOn"),
            Issue("too-long", "big"),
        ]
    )
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"][0] == {
        "severity": "error",
        "code": "value",
        "diagnostics": "lies in the future",
        "expression": ["Bundle.entry[0].resource.authoredOn"],
    }
    assert "expression" not in outcome["issue"][1]


def test_the_therapist_with_the_most_free_capacity_takes_the_referral() -> None:
    loads = {10: (25, 20), 11: (20, 10), 12: (30, 20)}  # free: 5, 10, 10
    assert choose_therapist(loads, excluded=()) == 11  # a tie goes to the lowest id
    assert choose_therapist(loads, excluded={11}) == 12
    assert choose_therapist(loads, excluded={10, 11, 12}) is None
    assert choose_therapist({}, excluded=()) is None
    assert choose_therapist({10: (5, 9)}, excluded=()) == 10  # over capacity still beats nobody


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = [p for p in _paths(bundle()) if p]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=JSON_VALUES)
def test_any_damaged_bundle_is_parsed_or_refused_with_a_4xx_never_a_crash(
    path: tuple[Any, ...], value: Any
) -> None:
    document = bundle()
    node: Any = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    refusal: BundleRejected | None = None
    try:
        parse(document)
    except BundleRejected as problem:
        refusal = problem
    if refusal is not None:
        assert 400 <= refusal.status < 500
        assert refusal.issues
        OperationOutcome.model_validate(operation_outcome(refusal.issues))
