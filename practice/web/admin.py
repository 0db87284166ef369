"""The administrator's pages: employers with their contract settings, contacts and
departments, company doctors, therapists, and handing a case over to another therapist.

Forms post the JSON doors' request types (``practice.web.forms``) to the same services and
return to the page they came from (post/redirect/get).
"""

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from practice import money
from practice.accounts import Role
from practice.client_accounts import DEFAULT_REVIEW_DAYS
from practice.episodes import Offer
from practice.errors import Conflict, InvalidInput
from practice.platform.i18n import N_
from practice.privacy import MIN_CELL_FLOOR
from practice.queries import case_team as team_queries
from practice.queries import parties as party_queries
from practice.services import case_team, parties, registrations
from practice.tasks import DEFAULT_SYMPTOMS_CHECKED_AT_SESSION
from practice.web.auth import roles
from practice.web.episode_common import fields_of, request_context
from practice.web.forms import (
    FormData,
    FormState,
    flat,
    form_struct,
    refusal_state,
    refusal_status,
)
from practice.web.parties import CompanyDoctorIn, ContactIn, DepartmentIn, EmployerIn, TherapistIn
from practice.web.portal import page
from practice.web.treatment_plan import HandoverIn
from practice.web.users import refused_on_account
from practice.work_track import DEFAULT_BEHIND_MARGIN

ADMINISTRATOR = roles(Role.ADMINISTRATOR)


class _EpisodeOnly(msgspec.Struct):
    episode_id: int


@get("/admin/employers", opt=ADMINISTRATOR, include_in_schema=False)
async def employers_page(request: Request[Any, Any, Any]) -> Template:
    """Employers, what their contract says (report cadence, €/absence day…), their contacts
    and departments."""
    return await _employers_page(request)


async def _employers_page(
    request: Request[Any, Any, Any],
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return page(
        request,
        "practice/admin/employers.html",
        status=status,
        employers=await party_queries.employers_with_contacts(),
        offers=[o.value for o in Offer],
        min_cell_floor=MIN_CELL_FLOOR,
        default_behind_margin=DEFAULT_BEHIND_MARGIN,
        default_checked_at_session=DEFAULT_SYMPTOMS_CHECKED_AT_SESSION,
        default_review_days=DEFAULT_REVIEW_DAYS,
        form_state=form_state or FormState(),
    )


# The euros field of the employer forms; the JSON door takes cents (``EmployerIn``).
MONEY_FIELD = "cost_per_absence_day"
_CENTS_FIELD = "cost_per_absence_day_cents"


def _employer_form(data: FormData, *, editing: bool) -> EmployerIn:
    """The employer form as the JSON door's type: the cost per absence day is typed in euros
    ("250,00", "€ 250") and stored in cents (``practice.money``). Every problem at once."""
    problems: dict[str, str] = {}
    extra: dict[str, Any] = {}
    typed = flat(data).get(MONEY_FIELD, "")
    if typed.strip():
        try:
            extra[_CENTS_FIELD] = money.parse_euros(typed)
        except money.InvalidAmount as exc:
            problems[MONEY_FIELD] = exc.message
    elif editing:  # the JSON door's default (€ 250) would overwrite the contract silently
        problems[MONEY_FIELD] = N_("Fill in this field.")
    rest = {k: v for k, v in data.items() if k not in (MONEY_FIELD, _CENTS_FIELD)}
    form = None
    try:
        form = form_struct(EmployerIn, rest, **extra)
    except InvalidInput as exc:
        problems.update(exc.fields)
    if problems or form is None:
        raise InvalidInput(problems)
    return form


def _in_euros(exc: InvalidInput) -> InvalidInput:
    """A service's problem with the cents names the euros field the form shows."""
    return InvalidInput(
        {(MONEY_FIELD if name == _CENTS_FIELD else name): text for name, text in exc.fields.items()}
    )


@post("/admin/employers", opt=ADMINISTRATOR, include_in_schema=False)
async def create_employer(request: Request[Any, Any, Any], data: FormData) -> Redirect | Template:
    actor, _, _ = request_context(request)
    try:
        form = _employer_form(data, editing=False)
        employer_id = await parties.create_employer(actor, **fields_of(form))
    except InvalidInput as exc:
        state = refusal_state("/admin/employers", data, _in_euros(exc))
        return await _employers_page(request, state, refusal_status(exc))
    except Conflict as exc:
        state = refusal_state("/admin/employers", data, exc)
        return await _employers_page(request, state, refusal_status(exc))
    return Redirect(path=f"/admin/employers#employer-{employer_id}", status_code=303)


@post("/admin/employers/{employer_id:int}", opt=ADMINISTRATOR, include_in_schema=False)
async def update_employer(
    request: Request[Any, Any, Any], employer_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """New contract settings: name, offer, cadence, update interval, € per day, cell size."""
    actor, _, _ = request_context(request)
    try:
        form = _employer_form(data, editing=True)
        await parties.update_employer(actor, employer_id=employer_id, **fields_of(form))
    except InvalidInput as exc:
        state = refusal_state(request.url.path, data, _in_euros(exc))
        return await _employers_page(request, state, refusal_status(exc))
    except Conflict as exc:
        state = refusal_state(request.url.path, data, exc)
        return await _employers_page(request, state, refusal_status(exc))
    return Redirect(path=f"/admin/employers#employer-{employer_id}", status_code=303)


class _Activation(msgspec.Struct, forbid_unknown_fields=True):
    active: bool


@post("/admin/employers/{employer_id:int}/activation", opt=ADMINISTRATOR, include_in_schema=False)
async def set_employer_active(
    request: Request[Any, Any, Any], employer_id: FromPath[int], data: FormData
) -> Redirect:
    """Deactivate an employer (no new referrals; its episodes stay) or take it back."""
    actor, _, _ = request_context(request)
    form = form_struct(_Activation, data)
    await parties.set_employer_active(actor, employer_id=employer_id, active=form.active)
    return Redirect(path=f"/admin/employers#employer-{employer_id}", status_code=303)


@post("/admin/employers/{employer_id:int}/contacts", opt=ADMINISTRATOR, include_in_schema=False)
async def add_contact(
    request: Request[Any, Any, Any], employer_id: FromPath[int], data: FormData
) -> Redirect | Template:
    actor, _, _ = request_context(request)
    try:
        form = form_struct(ContactIn, data)
        await parties.add_employer_contact(actor, employer_id=employer_id, **fields_of(form))
    except (InvalidInput, Conflict) as exc:
        state = refusal_state(request.url.path, data, exc)
        return await _employers_page(request, state, refusal_status(exc))
    return Redirect(path=f"/admin/employers#employer-{employer_id}", status_code=303)


@post("/admin/employers/{employer_id:int}/departments", opt=ADMINISTRATOR, include_in_schema=False)
async def add_department(
    request: Request[Any, Any, Any], employer_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """A department of the employer (conflict-of-interest checks and statistics)."""
    actor, _, _ = request_context(request)
    try:
        form = form_struct(DepartmentIn, data)
        await parties.add_department(actor, employer_id=employer_id, name=form.name)
    except (InvalidInput, Conflict) as exc:
        state = refusal_state(request.url.path, data, exc)
        return await _employers_page(request, state, refusal_status(exc))
    return Redirect(path=f"/admin/employers#employer-{employer_id}", status_code=303)


@get("/admin/company-doctors", opt=ADMINISTRATOR, include_in_schema=False)
async def company_doctors_page(request: Request[Any, Any, Any]) -> Template:
    return await _company_doctors_page(request)


async def _company_doctors_page(
    request: Request[Any, Any, Any],
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return page(
        request,
        "practice/admin/company-doctors.html",
        status=status,
        doctors=await party_queries.company_doctors(),
        form_state=form_state or FormState(),
    )


@post("/admin/company-doctors", opt=ADMINISTRATOR, include_in_schema=False)
async def create_company_doctor(
    request: Request[Any, Any, Any], data: FormData
) -> Redirect | Template:
    actor, _, _ = request_context(request)
    try:
        form = form_struct(CompanyDoctorIn, data)
        await parties.create_company_doctor(actor, **fields_of(form))
    except (InvalidInput, Conflict) as exc:
        state = refusal_state("/admin/company-doctors", data, exc)
        return await _company_doctors_page(request, state, refusal_status(exc))
    return Redirect(path="/admin/company-doctors", status_code=303)


@get("/admin/therapists", opt=ADMINISTRATOR, include_in_schema=False)
async def therapists_page(request: Request[Any, Any, Any]) -> Template:
    """The therapists behind the therapist accounts: qualifications, capacity, backup, and the
    employers they work for (whose staff they may not treat)."""
    return await _therapists_page(request)


async def _therapists_page(
    request: Request[Any, Any, Any],
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return page(
        request,
        "practice/admin/therapists.html",
        status=status,
        therapists=await party_queries.therapists(),
        accounts=await party_queries.unregistered_therapist_accounts(),
        employers=await party_queries.employers(),
        form_state=form_state or FormState(),
    )


@post("/admin/therapists", opt=ADMINISTRATOR, include_in_schema=False)
async def register_therapist(
    request: Request[Any, Any, Any], data: FormData
) -> Redirect | Template:
    """Register a therapist account as a behandelaar; the ticked employers are its ties."""
    actor, _, _ = request_context(request)
    ties = data.get("employer_affiliations", [])
    rest = {k: v for k, v in data.items() if k != "employer_affiliations"}
    try:
        form = form_struct(
            TherapistIn, rest, employer_affiliations=[ties] if isinstance(ties, str) else ties
        )
        await parties.register_therapist(actor, **fields_of(form))
    except (InvalidInput, Conflict) as exc:
        state = refusal_state("/admin/therapists", data, exc)
        # The ticked employers come back ticked (a form keeps one value per field otherwise).
        ticked = [ties] if isinstance(ties, str) else ties
        state.values = {**state.values, "employer_affiliations": ",".join(ticked)}
        return await _therapists_page(request, state, refusal_status(exc))
    return Redirect(path="/admin/therapists", status_code=303)


@get("/admin/handovers", opt=ADMINISTRATOR, include_in_schema=False)
async def handovers_page(request: Request[Any, Any, Any]) -> Template:
    """Every live case with its therapist; a case is handed to a named successor."""
    return await _handovers_page(request)


def handover_action(episode_id: int | str) -> str:
    """The form of one case's row. All rows post to the same door; the fragment (which a
    browser does not send) tells a refused row from the others and scrolls back to it."""
    return f"/admin/handovers#case-{episode_id}"


async def _handovers_page(
    request: Request[Any, Any, Any],
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    actor, today, _ = request_context(request)
    return page(
        request,
        "practice/admin/handovers.html",
        status=status,
        cases=await team_queries.current_therapists(actor, today),
        therapists=await team_queries.therapist_accounts(),
        today=today,
        form_state=form_state or FormState(),
    )


@post("/admin/handovers", opt=ADMINISTRATOR, include_in_schema=False)
async def hand_over(request: Request[Any, Any, Any], data: FormData) -> Redirect | Template:
    """The leaver keeps access until the day before ``on``; the team is told (TNO case C2).
    Any day of the leaver's seat will do, today included; a date that is not comes back on
    its row with the reason beside the field."""
    actor, _, settings = request_context(request)
    episode_id = form_struct(_EpisodeOnly, {"episode_id": data.get("episode_id", "")}).episode_id
    rest = {k: v for k, v in data.items() if k != "episode_id"}
    try:
        form = form_struct(HandoverIn, rest, role="therapist")
        await case_team.hand_over(
            actor, episode_id=episode_id, tz=settings.time_zone, **fields_of(form)
        )
    except (InvalidInput, Conflict) as exc:
        state = refusal_state(handover_action(episode_id), data, exc)
        return await _handovers_page(request, state, refusal_status(exc))
    return Redirect(path="/admin/handovers", status_code=303)


class RegistrationIn(msgspec.Struct, forbid_unknown_fields=True):
    """An account's BIG, NIP or LVVP number; empty clears it."""

    registration: Annotated[str, msgspec.Meta(max_length=64)] | None = None


@post("/admin/users/{user_id:int}/registration", opt=ADMINISTRATOR, include_in_schema=False)
async def set_registration(
    request: Request[Any, Any, Any], user_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """The registration an author signs documents with, set on the users page."""
    actor, _today, _settings = request_context(request)
    try:
        fields = form_struct(RegistrationIn, data)
        await registrations.set_registration(
            actor, user_id=user_id, registration=fields.registration
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_account(request, user_id, data, exc)
    return Redirect(path=f"/admin/users#user-{user_id}", status_code=303)


router = Router(
    path="/",
    route_handlers=[
        employers_page,
        create_employer,
        update_employer,
        set_employer_active,
        add_contact,
        add_department,
        company_doctors_page,
        create_company_doctor,
        therapists_page,
        register_therapist,
        handovers_page,
        hand_over,
        set_registration,
    ],
)
