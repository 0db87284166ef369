"""Parties: employers and their contacts, company doctors, therapists, clients, employments."""

import sqlite3
from datetime import date
from decimal import Decimal

import asyncpg

from practice import money, timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.deadlines import DayUnit
from practice.episodes import Offer
from practice.errors import Conflict, InvalidInput, Message, NotFound, between, one_of
from practice.milestone_reports import MAX_DAYS_BEFORE
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.privacy import cell_size_problem
from practice.tables import (
    Client,
    CompanyDoctor,
    ContractHours,
    Department,
    Employer,
    EmployerContact,
    Employment,
    Therapist,
    TherapistAffiliation,
    User,
)
from practice.work_participation import hours_to_minutes

PURPOSE = "practice_administration"
CARE_PURPOSE = "treatment"
CONTACT_ROLES = ("manager", "hr_adviser", "other")
# What a unique index raises (employer_contact.user, contract_hours_once), on either engine.
_UNIQUE_VIOLATION = (asyncpg.exceptions.UniqueViolationError, sqlite3.IntegrityError)


def _require(problems: dict[str, str]) -> None:
    if problems:
        raise InvalidInput(problems)


PERIOD_TAKEN = N_("A contract period already starts on that date.")
INACTIVE_EMPLOYER = N_("This employer is deactivated: it takes no new referrals.")
MILESTONE_DAYS = N_(
    "Give the working days before the milestone, from 0 to 60, or leave it empty for no"
    " reports before the Poortwachter milestones."
)
BEHIND_MARGIN = N_(
    "Give the percentage points behind the expected curve that raise a warning, from 1 to 100,"
    " or leave it empty for the practice's default."
)
MAX_MARGIN = 100
CHECKED_AT_SESSION = N_(
    "Give the held session by which a questionnaire should show a reliable improvement, from"
    " 1 to 40, or leave it empty for the practice's default."
)
MAX_CHECKED_AT_SESSION = 40
REVIEW_DAYS = N_(
    "Give the client's working days to review a report, from 0 (no review: only where the "
    "client agreed) to 15, or leave it empty for the practice's default."
)
MAX_REVIEW_DAYS = 15
MAX_COST_PER_DAY_CENTS = 1_000_000  # € 10.000 a day: more is a typing error
MAX_REPORT_EVERY = 50  # an interim report after every 50th session at most
MAX_UPDATE_EVERY_DAYS = 365  # an update to the employer at least once a year
DAYS_PER_WEEK = N_("Give the days a week in half days, from 0.5 to 7 (e.g. 4 or 4.5).")


def employer_problems(
    *,
    name: str,
    default_offer: str,
    cost_per_absence_day_cents: int,
    report_every: int,
    employer_update_every_days: int | None,
    min_cell_size: int,
    screening_day_unit: str,
    milestone_report_days_before: int | None = None,
    work_behind_margin: int | None = None,
    symptoms_checked_at_session: int | None = None,
    client_review_days: int | None = None,
) -> dict[str, str]:
    """What is wrong with an employer's contract settings, per field (new or edited alike)."""
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "required"
    if default_offer not in {o.value for o in Offer}:
        problems["default_offer"] = one_of(o.value for o in Offer)
    # Upper bounds too: a setting of 10^9 days was saved, and then every caseload and the
    # monitor failed to compute its deadlines (a date past the calendar's end).
    if cost_per_absence_day_cents < 0:
        problems["cost_per_absence_day_cents"] = "not negative"
    elif cost_per_absence_day_cents > MAX_COST_PER_DAY_CENTS:
        problems["cost_per_absence_day_cents"] = Message(
            money.TOO_LARGE, amount=money.format_euros(MAX_COST_PER_DAY_CENTS, "nl")
        )
    if not 1 <= report_every <= MAX_REPORT_EVERY:
        problems["report_every"] = between(1, MAX_REPORT_EVERY)
    if employer_update_every_days is not None and not (
        1 <= employer_update_every_days <= MAX_UPDATE_EVERY_DAYS
    ):
        problems["employer_update_every_days"] = between(1, MAX_UPDATE_EVERY_DAYS)
    if milestone_report_days_before is not None and not (
        0 <= milestone_report_days_before <= MAX_DAYS_BEFORE
    ):
        problems["milestone_report_days_before"] = MILESTONE_DAYS
    if work_behind_margin is not None and not 1 <= work_behind_margin <= MAX_MARGIN:
        problems["work_behind_margin"] = BEHIND_MARGIN
    checked_at = symptoms_checked_at_session
    if checked_at is not None and not 1 <= checked_at <= MAX_CHECKED_AT_SESSION:
        problems["symptoms_checked_at_session"] = CHECKED_AT_SESSION
    if client_review_days is not None and not 0 <= client_review_days <= MAX_REVIEW_DAYS:
        problems["client_review_days"] = REVIEW_DAYS
    if too_small := cell_size_problem(min_cell_size):
        problems["min_cell_size"] = too_small
    if screening_day_unit not in {u.value for u in DayUnit}:
        problems["screening_day_unit"] = "calendar or working"
    return problems


async def create_employer(
    actor: Actor,
    *,
    name: str,
    default_offer: str = Offer.BASIC.value,
    cost_per_absence_day_cents: int = 25000,
    report_every: int = 5,
    employer_update_every_days: int | None = None,
    min_cell_size: int = 5,
    screening_day_unit: str = DayUnit.CALENDAR.value,
    milestone_report_days_before: int | None = None,
    work_behind_margin: int | None = None,
    symptoms_checked_at_session: int | None = None,
    client_review_days: int | None = None,
) -> int:
    _require(
        employer_problems(
            name=name,
            default_offer=default_offer,
            cost_per_absence_day_cents=cost_per_absence_day_cents,
            report_every=report_every,
            employer_update_every_days=employer_update_every_days,
            min_cell_size=min_cell_size,
            screening_day_unit=screening_day_unit,
            milestone_report_days_before=milestone_report_days_before,
            work_behind_margin=work_behind_margin,
            symptoms_checked_at_session=symptoms_checked_at_session,
            client_review_days=client_review_days,
        )
    )
    async with write_tx():
        if await Employer.exists().where(Employer.name == name.strip()):
            raise Conflict("An employer with this name already exists.")
        rows = await Employer.insert(
            Employer(
                name=name.strip(),
                default_offer=default_offer,
                cost_per_absence_day_cents=cost_per_absence_day_cents,
                report_every=report_every,
                employer_update_every_days=employer_update_every_days,
                min_cell_size=min_cell_size,
                screening_day_unit=screening_day_unit,
                milestone_report_days_before=milestone_report_days_before,
                work_behind_margin=work_behind_margin,
                symptoms_checked_at_session=symptoms_checked_at_session,
                client_review_days=client_review_days,
            )
        ).returning(Employer.id)
        employer_id = int(rows[0]["id"])
        await audit.record(actor, Action.CREATE, "employer", employer_id, purpose=PURPOSE)
    return employer_id


async def update_employer(
    actor: Actor,
    *,
    employer_id: int,
    name: str,
    default_offer: str,
    cost_per_absence_day_cents: int,
    report_every: int,
    employer_update_every_days: int | None,
    min_cell_size: int,
    screening_day_unit: str,
    milestone_report_days_before: int | None = None,
    work_behind_margin: int | None = None,
    symptoms_checked_at_session: int | None = None,
    client_review_days: int | None = None,
) -> None:
    """New contract settings for an employer. They count from now on: deadlines and figures
    read them when they are computed (``practice.queries.episodes.rules_for``)."""
    _require(
        employer_problems(
            name=name,
            default_offer=default_offer,
            cost_per_absence_day_cents=cost_per_absence_day_cents,
            report_every=report_every,
            employer_update_every_days=employer_update_every_days,
            min_cell_size=min_cell_size,
            screening_day_unit=screening_day_unit,
            milestone_report_days_before=milestone_report_days_before,
            work_behind_margin=work_behind_margin,
            symptoms_checked_at_session=symptoms_checked_at_session,
            client_review_days=client_review_days,
        )
    )
    async with write_tx():
        if not await Employer.exists().where(Employer.id == employer_id):
            raise NotFound("No such employer.")
        if await Employer.exists().where(
            (Employer.name == name.strip()) & (Employer.id != employer_id)
        ):
            raise Conflict("An employer with this name already exists.")
        await Employer.update(
            {
                Employer.name: name.strip(),
                Employer.default_offer: default_offer,
                Employer.cost_per_absence_day_cents: cost_per_absence_day_cents,
                Employer.report_every: report_every,
                Employer.employer_update_every_days: employer_update_every_days,
                Employer.min_cell_size: min_cell_size,
                Employer.screening_day_unit: screening_day_unit,
                Employer.milestone_report_days_before: milestone_report_days_before,
                Employer.work_behind_margin: work_behind_margin,
                Employer.symptoms_checked_at_session: symptoms_checked_at_session,
                Employer.client_review_days: client_review_days,
            }
        ).where(Employer.id == employer_id)
        await audit.record(actor, Action.UPDATE, "employer", employer_id, purpose=PURPOSE)


async def set_employer_active(actor: Actor, *, employer_id: int, active: bool) -> None:
    """Deactivate an employer (no new referrals for it) or take it back. Its episodes,
    contacts and figures stay as they are: a contract that ends does not end a treatment."""
    async with write_tx():
        updated = (
            await Employer.update({Employer.active: active})
            .where(Employer.id == employer_id)
            .returning(Employer.id)
        )
        if not updated:
            raise NotFound("No such employer.")
        await audit.record(actor, Action.UPDATE, "employer", employer_id, purpose=PURPOSE)


async def require_active_employer(employer_id: int, field: str = "employer_id") -> None:
    """400 naming ``field`` unless the employer exists and is active (new referrals only)."""
    row = await Employer.select(Employer.active).where(Employer.id == employer_id).first()
    if row is None:
        raise InvalidInput({field: "no such employer"})
    if not row["active"]:
        raise InvalidInput({field: Message(INACTIVE_EMPLOYER)})


async def _user_with_role(user_id: int | None, role: str, field: str) -> None:
    if user_id is None:
        return
    row = await User.select(User.role).where(User.id == user_id).first()
    if row is None or row["role"] != role:
        raise InvalidInput({field: Message("not an account with the role %(role)s", role=role)})


async def add_employer_contact(
    actor: Actor,
    *,
    employer_id: int,
    name: str,
    email: str,
    contact_role: str,
    user_id: int | None = None,
) -> int:
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "required"
    if "@" not in email:
        problems["email"] = "not a valid e-mail address"
    if contact_role not in CONTACT_ROLES:
        problems["contact_role"] = one_of(CONTACT_ROLES)
    _require(problems)
    async with write_tx():
        if not await Employer.exists().where(Employer.id == employer_id):
            raise NotFound("No such employer.")
        await _user_with_role(user_id, "employer_contact", "user_id")
        await _not_a_contact_yet(user_id, employer_id)
        try:
            rows = await EmployerContact.insert(
                EmployerContact(
                    employer=employer_id,
                    name=name.strip(),
                    email=email.strip().lower(),
                    contact_role=contact_role,
                    user=user_id,
                )
            ).returning(EmployerContact.id)
        except _UNIQUE_VIOLATION as exc:  # a second request linked the account just now
            raise Conflict(
                "This account was made a contact by another request just now; an account "
                "can be the contact of one employer only."
            ) from exc
        contact_id = int(rows[0]["id"])
        await audit.record(actor, Action.CREATE, "employer_contact", contact_id, purpose=PURPOSE)
    return contact_id


async def _not_a_contact_yet(user_id: int | None, employer_id: int) -> None:
    """409 when the account already is a contact: of this employer, or of another one.

    An account is a contact of one employer only: the employer portal and statistics show
    the employers of the account's contacts, so a second employer would hand it the first
    one's figures (issue 14). A unique index on ``employer_contact.user`` holds the same
    line against two requests at once. The same account twice for the same employer is
    refused too, not merged: the second request may carry another name or contact role,
    and silently keeping one of them would hide that.
    """
    if user_id is None:
        return
    taken = (
        await EmployerContact.select(EmployerContact.employer)
        .where(EmployerContact.user == user_id)
        .first()
    )
    if taken is None:
        return
    if int(taken["employer"]) == employer_id:
        raise Conflict("This account is already a contact of this employer.")
    raise Conflict(
        "This account is already a contact of another employer; an account can be the "
        "contact of one employer only."
    )


async def add_department(actor: Actor, *, employer_id: int, name: str) -> int:
    if not name.strip():
        raise InvalidInput({"name": "required"})
    async with write_tx():
        if not await Employer.exists().where(Employer.id == employer_id):
            raise NotFound("No such employer.")
        rows = await Department.insert(
            Department(employer=employer_id, name=name.strip())
        ).returning(Department.id)
        await audit.record(actor, Action.CREATE, "department", rows[0]["id"], purpose=PURPOSE)
    return int(rows[0]["id"])


async def create_company_doctor(
    actor: Actor,
    *,
    name: str,
    email: str,
    organisation: str | None = None,
    user_id: int | None = None,
) -> int:
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "required"
    if "@" not in email:
        problems["email"] = "not a valid e-mail address"
    _require(problems)
    async with write_tx():
        await _user_with_role(user_id, "company_doctor", "user_id")
        rows = await CompanyDoctor.insert(
            CompanyDoctor(
                name=name.strip(),
                email=email.strip().lower(),
                organisation=organisation,
                user=user_id,
            )
        ).returning(CompanyDoctor.id)
        doctor_id = int(rows[0]["id"])
        await audit.record(actor, Action.CREATE, "company_doctor", doctor_id, purpose=PURPOSE)
    return doctor_id


async def register_therapist(
    actor: Actor,
    *,
    user_id: int,
    qualifications: str = "",
    capacity: int = 25,
    employer_affiliations: tuple[int, ...] = (),
    backup_therapist_id: int | None = None,
) -> int:
    """A behandelaar: qualifications, capacity, a backup colleague, and employer ties."""
    if capacity < 0:
        raise InvalidInput({"capacity": "not negative"})
    async with write_tx():
        await _user_with_role(user_id, "therapist", "user_id")
        if backup_therapist_id is not None and not await Therapist.exists().where(
            Therapist.id == backup_therapist_id
        ):
            raise InvalidInput({"backup_therapist_id": "no such therapist"})
        if await Therapist.exists().where(Therapist.user == user_id):
            raise Conflict("This account is already registered as a therapist.")
        rows = await Therapist.insert(
            Therapist(
                user=user_id,
                qualifications=qualifications,
                capacity=capacity,
                backup=backup_therapist_id,
            )
        ).returning(Therapist.id)
        therapist_id = int(rows[0]["id"])
        for employer_id in employer_affiliations:
            await TherapistAffiliation.insert(
                TherapistAffiliation(therapist=therapist_id, employer=employer_id)
            )
        await audit.record(actor, Action.CREATE, "therapist", therapist_id, purpose=PURPOSE)
    return therapist_id


async def register_client(
    actor: Actor,
    *,
    name: str,
    employer_id: int,
    contract_hours: Decimal,
    contract_from: date,
    date_of_birth: date | None = None,
    email: str | None = None,
    phone: str | None = None,
    job_title: str = "",
    department_id: int | None = None,
    today: date | None = None,
    personnel_number: str | None = None,
) -> tuple[int, int]:
    """A client with their employment and contract hours; returns (client id, employment id).

    With ``today`` the birth date is held to a plausible age (``practice.timeline``)."""
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "required"
    if date_of_birth is not None and today is not None:
        problems.update(timeline.birth_date_problems("date_of_birth", date_of_birth, today))
    problems.update(timeline.week_hours_problems("contract_hours", contract_hours))
    problems.update(timeline.not_before("contract_from", contract_from, timeline.EARLIEST_DAY))
    if email is not None and "@" not in email:
        problems["email"] = "not a valid e-mail address"
    try:
        minutes = hours_to_minutes(contract_hours, "contract_hours")
    except InvalidInput as exc:
        problems.update(exc.fields)
        minutes = 0
    _require(problems)
    async with write_tx():
        await require_active_employer(employer_id)
        rows = await Client.insert(
            Client(name=name.strip(), date_of_birth=date_of_birth, email=email, phone=phone)
        ).returning(Client.id)
        client_id = int(rows[0]["id"])
        rows = await Employment.insert(
            Employment(
                client=client_id,
                employer=employer_id,
                department=department_id,
                job_title=job_title,
                started_on=None,
                personnel_number=(personnel_number or "").strip() or None,
            )
        ).returning(Employment.id)
        employment_id = int(rows[0]["id"])
        await ContractHours.insert(
            ContractHours(
                employment=employment_id, valid_from=contract_from, minutes_per_week=minutes
            )
        )
        await audit.record(
            actor, Action.CREATE, "client", client_id, purpose=CARE_PURPOSE, client_id=client_id
        )
    return client_id, employment_id


async def change_contract_hours(
    actor: Actor,
    *,
    employment_id: int,
    valid_from: date,
    hours: Decimal,
    days_per_week: Decimal | None = None,
    today: date | None = None,
) -> None:
    """A new contract period; the old one is kept, so volume % can use either (pitfall 7)."""
    problems = timeline.week_hours_problems("hours", hours)
    half_days = None
    if days_per_week is not None:
        # NaN compares as an error rather than False, and sNaN fails even to multiply:
        # checked first.
        half_days = days_per_week * 2 if days_per_week.is_finite() else None
        if (
            half_days is None
            or not (1 <= half_days <= 14)
            or half_days != half_days.to_integral_value()
        ):
            problems["days_per_week"] = Message(DAYS_PER_WEEK)
    if today is not None:
        problems |= timeline.not_too_far_ahead("valid_from", valid_from, today)
        problems |= timeline.not_before("valid_from", valid_from, timeline.EARLIEST_DAY)
    if problems:
        raise InvalidInput(problems)
    minutes = hours_to_minutes(hours, "hours")
    async with write_tx():
        row = (
            await Employment.select(Employment.client).where(Employment.id == employment_id).first()
        )
        if row is None:
            raise NotFound("No such employment.")
        if await ContractHours.exists().where(
            (ContractHours.employment == employment_id) & (ContractHours.valid_from == valid_from)
        ):
            raise Conflict(PERIOD_TAKEN)
        try:
            await ContractHours.insert(
                ContractHours(
                    employment=employment_id,
                    valid_from=valid_from,
                    minutes_per_week=minutes,
                    half_days_per_week=None if half_days is None else int(half_days),
                )
            )
        except _UNIQUE_VIOLATION as exc:  # another request wrote that day's period just now
            raise Conflict(PERIOD_TAKEN) from exc
        await audit.record(
            actor,
            Action.UPDATE,
            "employment",
            employment_id,
            purpose=CARE_PURPOSE,
            client_id=int(row["client"]),
        )
