"""The structural privacy boundary: what an employer, and what a company doctor, may receive.

HSK shares "geen medische informatie" with the employer, only "het aantal plaatsgevonden
sessies" and "de gemaakte afspraken over werkhervatting" (domain brief §2.1). A blacklist
of medical fields fails open the day someone adds a field; so every employer-facing
surface (HTML, JSON, PDF, e-mail, CSV) is built from ``EmployerView``, an allow-list type
that cannot hold anything else (PRIV-2). ``assert_employer_safe`` is the second line: it
walks a type and rejects any medical field name, and any field whose content cannot be
checked (``dict``, ``Any``), so tests can run it on every type an employer surface uses.

Medical content may go to the company doctor of record and only to them (§2.2); that has
its own allow-list, ``CompanyDoctorView``. Whether anything may be sent at all is the
consent registry's decision (``practice.consent``), not this module's.
"""

import dataclasses
import datetime as dt
import enum
import re
import types
import typing
import uuid
from decimal import Decimal
from typing import Any, Literal, final

import msgspec

from practice.employer_phase import EmployerPhase
from practice.errors import Message, between
from practice.poortwachter import MilestoneKind, MilestoneStatus
from practice.work_participation import ContractBasis

AgreementStatus = Literal["agreed", "in_progress", "met", "revised", "abandoned"]


class _View(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Immutable, keyword-only, and decoding rejects unknown keys instead of dropping them.

    Constructing with an unknown keyword is a ``TypeError`` already (msgspec's ``__init__``);
    ``forbid_unknown_fields`` closes the other door, ``msgspec.convert``/``decode`` of a
    dict that carries an extra key such as ``diagnosis``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A subclass of a view would be accepted wherever the view is, with extra fields.
        # The views are the allow-lists; changing one is a reviewed edit of this module.
        if any(base is not _View and issubclass(base, _View) for base in cls.__bases__):
            raise TypeError(f"{cls.__name__}: privacy views cannot be extended")
        super().__init_subclass__(**kwargs)


@final
class AgreementView(_View, frozen=True):
    """A work-resumption agreement: exactly what HSK says the employer is told about."""

    agreed_on: dt.date
    description: str  # work arrangement only, e.g. "2 x 3 uur per week, eigen werk"
    hours_per_week: Decimal | None = None
    starts_on: dt.date | None = None
    status: AgreementStatus = "agreed"


@final
class ParticipationView(_View, frozen=True):
    """Work participation on a date, as share of contract hours (werkhervatting in %), with
    the contract hours it is a share of and which contract that is: a contract cut during
    the absence raises the percentage without an hour more work (pitfall 7), so the
    employer reads "52 % of 32 contract hours (contract on the measurement date)"."""

    measured_on: dt.date
    volume_percent: Decimal | None = None  # None: no contract hours known on that date
    # The employer's own contract with its employee: hours per week, nothing medical.
    contract_hours: Decimal | None = None
    # The contract the percentage is computed against; every update sent before this field
    # existed meant the contract valid on the measurement date, hence the default.
    basis: ContractBasis = ContractBasis.MEASUREMENT_DATE


@final
class MilestoneView(_View, frozen=True):
    """A Poortwachter milestone (practice.poortwachter): its name and dates, nothing else.

    The steps are the employer's own legal duties on the clock of the sick report the
    employer received; they come from the first sick day and the law, never from the
    cause of the absence or the treatment, so the type holds a code, a week and dates.
    """

    kind: MilestoneKind
    week: int
    opens_on: dt.date
    due_on: dt.date
    status: MilestoneStatus  # on the day the view was made


@final
class EmployerView(_View, frozen=True):
    """Everything an employer (manager, HR) may see about one treatment episode.

    Why each field is allowed (domain brief §2.1, §2.5):
    """

    # An opaque number so the employer's screens can link back; it says nothing medical.
    episode_id: int
    # The employer already knows its own employee; the update must say whom it is about.
    employee_name: str
    # Which employer this view was built for: lets a surface check it shows its own people.
    employer_id: int
    # "het aantal plaatsgevonden sessies": held sessions only, never planned or cancelled
    # ones (a no-show count would say something about the client's state).
    sessions_held: int
    # "de gemaakte afspraken over werkhervatting".
    agreements: tuple[AgreementView, ...] = ()
    # % worked over time: the employer records these hours itself (access matrix §2.5).
    participation: tuple[ParticipationView, ...] = ()
    # The manager takes part in the afstemmingsoverleg, so its date is known to them.
    alignment_meeting_on: dt.date | None = None
    # The next one planned (its moment): they are invited to it.
    alignment_meeting_planned_at: dt.datetime | None = None
    # The non-medical minutes of the afstemmingsoverleg (expectations, status, obstacles,
    # what the workplace can do); never the therapist's internal notes of it.
    shared_minutes: str | None = None
    # The work section of the relapse-prevention plan, only when the client chose to share
    # it (consent purpose RELAPSE_PLAN_WORK_SECTION); the rest of the plan is medical.
    relapse_plan_work_section: str | None = None
    # When the employer was last informed; the process update itself is non-medical.
    last_update_on: dt.date | None = None
    # The Poortwachter milestones of the running period of sickness: the employer's own
    # duties (plan of approach, 42nd-week notification, ...), dated from the first sick day.
    milestones: tuple[MilestoneView, ...] = ()
    # Where the treatment stands and since when (``practice.employer_phase``): the employer plans
    # the work resumption around it, and a finished or stopped treatment must not read as
    # one still running. None: an update made before the phase was told.
    phase: EmployerPhase | None = None
    phase_since: dt.date | None = None

    def __post_init__(self) -> None:
        if self.sessions_held < 0:
            raise ValueError("sessions_held cannot be negative")


EMPLOYER_FIELDS: frozenset[str] = frozenset(
    {
        "episode_id",
        "employee_name",
        "employer_id",
        "sessions_held",
        "agreements",
        "participation",
        "alignment_meeting_on",
        "alignment_meeting_planned_at",
        "shared_minutes",
        "relapse_plan_work_section",
        "last_update_on",
        "milestones",
        "phase",
        "phase_since",
    }
)


@final
class CompanyDoctorView(_View, frozen=True):
    """What the company doctor of record may receive (§2.2): medical, so never an employer's.

    The bedrijfsarts advises on belastbaarheid, so they get the briefing after the Screening
    ("onder meer over ons behandeladvies") and the written interim evaluation after every
    five conversations, on top of what the employer sees. Session notes are never sent:
    the doctor receives evaluations, not notes (access matrix §2.5).
    """

    episode_id: int
    employee_name: str
    employer_id: int
    sessions_held: int
    agreements: tuple[AgreementView, ...] = ()
    participation: tuple[ParticipationView, ...] = ()
    alignment_meeting_on: dt.date | None = None
    alignment_meeting_planned_at: dt.datetime | None = None
    shared_minutes: str | None = None
    # The briefing "spoedig na de Screening": a written summary, not the raw findings.
    screening_summary: str | None = None
    treatment_advice: str | None = None
    # The latest "geschreven tussenevaluatie".
    interim_evaluation: str | None = None
    last_update_on: dt.date | None = None
    milestones: tuple[MilestoneView, ...] = ()
    phase: EmployerPhase | None = None
    phase_since: dt.date | None = None


COMPANY_DOCTOR_FIELDS: frozenset[str] = frozenset(
    (EMPLOYER_FIELDS - {"relapse_plan_work_section"})
    | {"screening_summary", "treatment_advice", "interim_evaluation"}
)

# Names that reveal medical information (§2.1 "MAY NOT see"; the secret columns of
# practice.tables). Matched as whole words of a snake_case name, so ``screening_summary``
# and ``diagnosis_text`` are caught as well as ``screening`` and ``diagnosis``.
MEDICAL_FIELD_NAMES: frozenset[str] = frozenset(
    {
        "diagnosis",
        "diagnoses",
        "diagnosis_category",
        "complaint",
        "complaints",
        "complaint_level",
        "complaint_score",
        "complaint_instrument",
        "symptoms",
        "intervention_need",
        "intervention",
        "interventions",
        "screening",
        "suitable",  # the Screening's verdict on work-focused CBT
        "proposal",  # the Screening's proposal: @Work or a preventive trajectory
        "notes",
        "session_notes",
        "internal_notes",
        "internal_minutes",
        "modality",  # "EMDR" or "depression module" is a diagnosis by another name
        "qualifications",
        "work_factors",
        "functioning_impact",
        "advice",
        "treatment_advice",
        "treatment_plan",
        "treatment_content",
        "medication",
        "warning_signs",
        "actions",
        "work_situation",  # the relapse plan's own column; shared only as the work section
        "goal",
        "goals",
        "report_content",
        "interim_report",
        "interim_evaluation",
        "conflict_note",
        "cause",  # why the client is absent (the absence record): a diagnosis in other words
    }
)


_MEDICAL_LONGEST_FIRST = sorted(MEDICAL_FIELD_NAMES, key=lambda name: (-len(name), name))


class NotEmployerSafe(TypeError):
    """A type that an employer surface must not use."""


_LEAF_TYPES: tuple[type, ...] = (
    str,
    int,
    float,
    bool,
    Decimal,
    dt.date,  # also covers datetime
    dt.time,
    uuid.UUID,
    type(None),
)


def _words(name: str) -> list[str]:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return [word for word in snake.split("_") if word]


def _medical_name(name: str) -> str | None:
    """The medical name that ``name`` contains as a run of whole words, if any."""
    words = _words(name)
    for medical in _MEDICAL_LONGEST_FIRST:
        needle = medical.split("_")
        for start in range(len(words) - len(needle) + 1):
            if words[start : start + len(needle)] == needle:
                return medical
    return None


def _fields(cls: Any) -> list[tuple[str, Any]]:
    if issubclass(cls, msgspec.Struct):
        return [(field.name, field.type) for field in msgspec.structs.fields(cls)]
    hints = typing.get_type_hints(cls)
    return [(field.name, hints[field.name]) for field in dataclasses.fields(cls)]


def _check(annotation: Any, path: str, seen: set[type]) -> None:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        _check(typing.get_args(annotation)[0], path, seen)
        return
    if origin is Literal:
        return  # fixed values, visible in the type itself
    if origin in (typing.Union, types.UnionType):
        for member in typing.get_args(annotation):
            _check(member, path, seen)
        return
    if origin in (tuple, list, frozenset, set):
        for member in typing.get_args(annotation):
            if member is not Ellipsis:
                _check(member, f"{path}[]", seen)
        return
    if not isinstance(annotation, type) or origin is not None:
        # dict, Mapping, Any, TypeVars...: keys or content cannot be proven non-medical.
        raise NotEmployerSafe(f"{path}: cannot check {annotation!r}; use a view type")
    if medical := _medical_name(annotation.__name__):
        raise NotEmployerSafe(f"{path}: type {annotation.__name__} is medical ({medical})")
    if issubclass(annotation, (enum.Enum, *_LEAF_TYPES)):
        return
    if not (issubclass(annotation, msgspec.Struct) or dataclasses.is_dataclass(annotation)):
        raise NotEmployerSafe(f"{path}: cannot check {annotation.__name__}; use a view type")
    if annotation in seen:
        return
    seen.add(annotation)
    for name, field_type in _fields(annotation):
        if medical := _medical_name(name):
            raise NotEmployerSafe(f"{path}.{name}: medical field name ({medical})")
        _check(field_type, f"{path}.{name}", seen)


def assert_employer_safe(obj_type: type) -> None:
    """Raise ``NotEmployerSafe`` unless ``obj_type`` can only carry non-medical fields.

    Walks msgspec Structs and dataclasses recursively through unions, tuples, lists and
    sets. Rejects a field or type whose name contains a medical name, and anything whose
    content cannot be checked by name (``dict``, ``Any``, plain classes).
    """
    _check(obj_type, obj_type.__name__, set())


# ---------------------------------------------------------------- small cells

# The floor of small-cell suppression (domain brief §2.1: "1 client, 36% -> 77%" identifies
# the person): no figure an employer or the practice manager sees is counted over fewer
# records. An employer's contract may raise it (``Employer.min_cell_size``), never lower it;
# the database holds the same line (the CHECK of migration 2026-12-04T01:38:35).
MIN_CELL_FLOOR = 5
MAX_CELL_SIZE = 1000  # a larger smallest cell hides every figure: a typing error


def cell_size_problem(min_cell_size: int) -> Message | None:
    """What is wrong with an employer's smallest statistics cell, if anything."""
    if min_cell_size < MIN_CELL_FLOOR:
        return Message(
            "at least %(floor)s: a smaller group can identify an employee", floor=MIN_CELL_FLOOR
        )
    if min_cell_size > MAX_CELL_SIZE:
        return between(MIN_CELL_FLOOR, MAX_CELL_SIZE)
    return None


# Fail at import, not in production, if an edit makes the allow-list and the type disagree.
if set(EmployerView.__struct_fields__) != EMPLOYER_FIELDS:
    raise RuntimeError("EmployerView and EMPLOYER_FIELDS disagree; update both deliberately")
if set(CompanyDoctorView.__struct_fields__) != COMPANY_DOCTOR_FIELDS:
    raise RuntimeError("CompanyDoctorView and COMPANY_DOCTOR_FIELDS disagree")
assert_employer_safe(EmployerView)


# Dutch name infixes, kept lower case in initials ("Anna van der Berg" → "A.v.d.B.").
INFIXES = frozenset({"van", "der", "de", "den", "het", "ter", "te"})


def initials(name: str) -> str:
    """ "Anna van der Berg" → "A.v.d.B.": the most a calendar title or a staff digest names
    of a client (one owner: scheduling's calendar and practice's notices both use it)."""
    return "".join(
        f"{part[0].lower() if part.lower() in INFIXES else part[0].upper()}."
        for part in name.split()
    )
