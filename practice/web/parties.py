"""JSON API for parties: employers and contacts, company doctors, therapists, clients."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, JSONBody

from practice.accounts import Role
from practice.platform.clock import today_in
from practice.platform.settings import Settings
from practice.queries import parties as party_queries
from practice.services import parties
from practice.web.auth import roles
from practice.web.portal import actor_of

STAFF = roles(Role.ADMINISTRATOR, Role.PRACTICE_MANAGER)
INTAKE = roles(Role.ADMINISTRATOR, Role.PRACTICE_MANAGER, Role.THERAPIST)
Name = Annotated[str, msgspec.Meta(max_length=200)]
Email = Annotated[str, msgspec.Meta(max_length=254)]


class Created(msgspec.Struct):
    id: int


class EmployerIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    default_offer: str = "atwork_basic"
    cost_per_absence_day_cents: int = 25000
    report_every: int = 5
    employer_update_every_days: int | None = None
    min_cell_size: int = 5
    screening_day_unit: str = "calendar"
    # Empty: no interim reports before the Poortwachter milestones (practice.milestone_reports).
    milestone_report_days_before: int | None = None
    # Empty: the practice's default margin behind the expected curve (15 points).
    work_behind_margin: int | None = None
    # Empty: the practice's default held session for a reliable improvement (5).
    symptoms_checked_at_session: int | None = None
    # Empty: the practice's default working days for the client's review of a report (3).
    client_review_days: int | None = None


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    email: Email
    contact_role: str
    user_id: int | None = None


class CompanyDoctorIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    email: Email
    organisation: Name | None = None
    user_id: int | None = None


class TherapistIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: int
    qualifications: Name = ""
    capacity: int = 25
    employer_affiliations: tuple[int, ...] = ()
    backup_therapist_id: int | None = None


class ClientIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    employer_id: int
    contract_hours: Decimal
    contract_from: date
    date_of_birth: date | None = None
    email: Email | None = None
    phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    job_title: Name = ""
    # The employer's own reference (a personnel number): what an invoice names the client by.
    personnel_number: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class ClientCreated(msgspec.Struct):
    client_id: int
    employment_id: int


@post("/api/employers", opt=STAFF)
async def create_employer(request: Request[Any, Any, Any], data: JSONBody[EmployerIn]) -> Created:
    """Register an employer with its contract settings (report cadence, €/absence day, ...)."""
    return Created(await parties.create_employer(actor_of(request), **msgspec.structs.asdict(data)))


@get("/api/employers", opt=INTAKE)
async def list_employers() -> list[dict[str, Any]]:
    """Employers, for choosing one at intake."""
    return await party_queries.employers()


@post("/api/employers/{employer_id:int}/contacts", opt=INTAKE)
async def add_contact(
    request: Request[Any, Any, Any], employer_id: FromPath[int], data: JSONBody[ContactIn]
) -> Created:
    """A manager (leidinggevende) or HR adviser of the employer."""
    return Created(
        await parties.add_employer_contact(
            actor_of(request), employer_id=employer_id, **msgspec.structs.asdict(data)
        )
    )


class DepartmentIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


@post("/api/employers/{employer_id:int}/departments", opt=STAFF)
async def add_department(
    request: Request[Any, Any, Any], employer_id: FromPath[int], data: JSONBody[DepartmentIn]
) -> Created:
    """A department of the employer (for conflict-of-interest checks and statistics)."""
    return Created(
        await parties.add_department(actor_of(request), employer_id=employer_id, name=data.name)
    )


@get("/api/employers/{employer_id:int}/contacts", opt=INTAKE)
async def list_contacts(employer_id: FromPath[int]) -> list[dict[str, Any]]:
    return await party_queries.contacts_of(employer_id)


@post("/api/company-doctors", opt=INTAKE)
async def create_company_doctor(
    request: Request[Any, Any, Any], data: JSONBody[CompanyDoctorIn]
) -> Created:
    """A bedrijfsarts; link an account (user_id) to give them the portal."""
    return Created(
        await parties.create_company_doctor(actor_of(request), **msgspec.structs.asdict(data))
    )


@get("/api/company-doctors", opt=INTAKE)
async def list_company_doctors() -> list[dict[str, Any]]:
    return await party_queries.company_doctors()


@post("/api/therapists", opt=roles(Role.ADMINISTRATOR))
async def register_therapist(
    request: Request[Any, Any, Any], data: JSONBody[TherapistIn]
) -> Created:
    """Register a therapist account as a behandelaar, with employer ties (conflict check)."""
    return Created(
        await parties.register_therapist(actor_of(request), **msgspec.structs.asdict(data))
    )


@post("/api/clients", opt=roles(Role.THERAPIST, Role.PRACTICE_MANAGER))
async def register_client(
    request: Request[Any, Any, Any], data: JSONBody[ClientIn]
) -> ClientCreated:
    """A client with their current employment and contract hours."""
    settings: Settings = request.app.state.settings
    client_id, employment_id = await parties.register_client(
        actor_of(request), **msgspec.structs.asdict(data), today=today_in(settings.time_zone)
    )
    return ClientCreated(client_id=client_id, employment_id=employment_id)


router = Router(
    path="/",
    route_handlers=[
        create_employer,
        list_employers,
        add_contact,
        add_department,
        list_contacts,
        create_company_doctor,
        list_company_doctors,
        register_therapist,
        register_client,
    ],
)
