"""The employer allow-list is pinned, closed, and checked by name (PRIV-2)."""

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from practice import privacy
from practice.privacy import (
    EMPLOYER_FIELDS,
    MEDICAL_FIELD_NAMES,
    AgreementView,
    CompanyDoctorView,
    EmployerView,
    NotEmployerSafe,
    ParticipationView,
    assert_employer_safe,
)
from practice.work_participation import ContractBasis

# Pinned here on purpose: changing what an employer sees must change this test too.
PINNED_EMPLOYER_FIELDS = {
    "episode_id",
    "employee_name",
    "employer_id",
    "sessions_held",
    "agreements",
    "participation",
    "alignment_meeting_on",
    # The next one planned: the manager is invited to it.
    "alignment_meeting_planned_at",
    "shared_minutes",
    "relapse_plan_work_section",
    "last_update_on",
    "milestones",
    # Where the treatment stands and since when, never why it ended (employer_phase).
    "phase",
    "phase_since",
}

MINIMAL: dict[str, Any] = {
    "episode_id": 7,
    "employee_name": "A. Jansen",
    "employer_id": 3,
    "sessions_held": 4,
}


def test_the_employer_view_has_exactly_the_pinned_fields() -> None:
    assert set(EmployerView.__struct_fields__) == PINNED_EMPLOYER_FIELDS
    assert EMPLOYER_FIELDS == PINNED_EMPLOYER_FIELDS
    assert set(AgreementView.__struct_fields__) == {
        "agreed_on",
        "description",
        "hours_per_week",
        "starts_on",
        "status",
    }
    assert set(ParticipationView.__struct_fields__) == {
        "measured_on",
        "volume_percent",
        "contract_hours",
        "basis",
    }


def test_a_diagnosis_cannot_be_put_into_the_employer_view() -> None:
    with pytest.raises(TypeError, match="diagnosis"):
        EmployerView(**MINIMAL, diagnosis="F32")  # type: ignore[call-arg]  # mypy agrees
    # decoding a row or a request body does not silently drop the extra key either
    with pytest.raises(msgspec.ValidationError, match="diagnosis"):
        msgspec.convert({**MINIMAL, "diagnosis": "F32"}, EmployerView)


def test_the_views_cannot_be_extended_or_changed() -> None:
    with pytest.raises(TypeError, match="cannot be extended"):

        class Wider(EmployerView, frozen=True):  # type: ignore[misc]  # @final: mypy agrees
            diagnosis: str = ""

    view = EmployerView(**MINIMAL)
    with pytest.raises(AttributeError):
        view.sessions_held = 5  # type: ignore[misc]


def test_a_full_employer_view_round_trips_as_json() -> None:
    view = EmployerView(
        **MINIMAL,
        agreements=(
            AgreementView(
                agreed_on=dt.date(2026, 3, 2),
                description="2 x 3 uur per week eigen werk",
                hours_per_week=Decimal("6"),
                starts_on=dt.date(2026, 3, 9),
            ),
        ),
        participation=(
            ParticipationView(measured_on=dt.date(2026, 3, 16), volume_percent=None),
            ParticipationView(
                measured_on=dt.date(2026, 3, 23),
                volume_percent=Decimal("52.0"),
                contract_hours=Decimal(32),
                basis=ContractBasis.REFERRAL,
            ),
        ),
        alignment_meeting_on=dt.date(2026, 3, 20),
        shared_minutes="Afspraak: wekelijks koffie met de leidinggevende.",
    )
    assert msgspec.json.decode(msgspec.json.encode(view), type=EmployerView) == view


def test_a_participation_stored_before_it_named_its_contract_reads_as_the_measurement_dates() -> (
    None
):
    stored = b'{"measured_on": "2026-03-16", "volume_percent": "52.0"}'
    view = msgspec.json.decode(stored, type=ParticipationView)
    assert (view.contract_hours, view.basis) == (None, ContractBasis.MEASUREMENT_DATE)


def test_sessions_held_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        EmployerView(**{**MINIMAL, "sessions_held": -1})


def test_no_employer_field_is_a_medical_name() -> None:
    nested = set(AgreementView.__struct_fields__) | set(ParticipationView.__struct_fields__)
    assert not (EMPLOYER_FIELDS | nested) & MEDICAL_FIELD_NAMES
    assert_employer_safe(EmployerView)


def test_the_company_doctor_view_is_not_employer_safe() -> None:
    # it carries the briefing and the interim evaluation: medical by design (§2.2)
    assert set(CompanyDoctorView.__struct_fields__) == privacy.COMPANY_DOCTOR_FIELDS
    with pytest.raises(NotEmployerSafe, match=r"screening|advice|interim_evaluation"):
        assert_employer_safe(CompanyDoctorView)


@dataclasses.dataclass(frozen=True)
class _Leaky:
    episode_id: int
    diagnosis_category: str


@dataclasses.dataclass(frozen=True)
class _Wrapper:
    items: tuple[_Leaky, ...]


class _NestedStruct(msgspec.Struct, frozen=True):
    when: dt.datetime
    inner: "_Wrapper | None" = None


class _LeakyStruct(msgspec.Struct, frozen=True):
    complaint_level_at_start: int


@pytest.mark.parametrize(
    ("leaky_type", "where"),
    [
        (_Leaky, "_Leaky.diagnosis_category"),
        (_Wrapper, "_Wrapper.items[].diagnosis_category"),
        (_NestedStruct, "_NestedStruct.inner.items[].diagnosis_category"),
        (_LeakyStruct, "_LeakyStruct.complaint_level_at_start"),
    ],
)
def test_a_medical_field_is_found_at_any_depth(leaky_type: type, where: str) -> None:
    with pytest.raises(NotEmployerSafe) as caught:
        assert_employer_safe(leaky_type)
    assert str(caught.value).startswith(f"{where}:")


class _Opaque(msgspec.Struct):
    extra: dict[str, str]


class _AnyField(msgspec.Struct):
    payload: Any


class _Screening(msgspec.Struct):
    held_on: dt.date


class _Holder(msgspec.Struct):
    result: _Screening


@pytest.mark.parametrize("unsafe", [_Opaque, _AnyField, _Holder])
def test_content_that_cannot_be_checked_or_a_medical_type_name_is_refused(unsafe: type) -> None:
    with pytest.raises(NotEmployerSafe):
        assert_employer_safe(unsafe)
