"""The parties a form offers to choose from: employers with their contacts, company doctors."""

from typing import Any

from practice.accounts import Role
from practice.tables import (
    CompanyDoctor,
    Department,
    Employer,
    EmployerContact,
    Therapist,
    TherapistAffiliation,
    User,
)


async def referral_choices() -> dict[str, list[dict[str, Any]]]:
    """What the referral form lists: employers, their managers and HR, company doctors."""
    return {
        # A deactivated employer takes no new referrals (practice.services.parties).
        "employers": await Employer.select(Employer.id, Employer.name)
        .where(Employer.active == True)  # noqa: E712 - SQL
        .order_by(Employer.name),
        "contacts": await EmployerContact.select(
            EmployerContact.id,
            EmployerContact.name,
            EmployerContact.contact_role,
            EmployerContact.employer._.name.as_alias("employer_name"),
        ).order_by(EmployerContact.employer._.name),
        "company_doctors": await CompanyDoctor.select(
            CompanyDoctor.id, CompanyDoctor.name, CompanyDoctor.organisation
        ).order_by(CompanyDoctor.name),
    }


async def employer_contacts(employer_id: int) -> list[dict[str, Any]]:
    """The managers and HR advisers of one employer (the consultation form's choice)."""
    return await EmployerContact.select(
        EmployerContact.id, EmployerContact.name, EmployerContact.contact_role
    ).where(EmployerContact.employer == employer_id)


async def employers() -> list[dict[str, Any]]:
    """Every employer with all its columns, by name (the intake API's choice)."""
    return await Employer.select().order_by(Employer.name)


async def contacts_of(employer_id: int) -> list[dict[str, Any]]:
    """Every column of one employer's contacts (the intake API's choice)."""
    return await EmployerContact.select().where(EmployerContact.employer == employer_id)


async def employers_with_contacts() -> list[dict[str, Any]]:
    """Every employer with its contract settings, its contacts and its departments (the
    administrator's page)."""
    employers = await Employer.select().order_by(Employer.name)
    contacts = await EmployerContact.select().order_by(EmployerContact.name)
    departments = await Department.select().order_by(Department.name)
    for employer in employers:
        employer["contacts"] = [c for c in contacts if c["employer"] == employer["id"]]
        employer["departments"] = [d for d in departments if d["employer"] == employer["id"]]
    return employers


async def company_doctors() -> list[dict[str, Any]]:
    return await CompanyDoctor.select().order_by(CompanyDoctor.name)


async def therapists() -> list[dict[str, Any]]:
    """Every registered therapist: account name, qualifications, capacity, backup colleague
    and the employers they work for (the administrator's page)."""
    rows = await Therapist.select(
        Therapist.id,
        Therapist.user,
        Therapist.user._.display_name.as_alias("name"),
        Therapist.qualifications,
        Therapist.capacity,
        Therapist.backup._.user._.display_name.as_alias("backup_name"),
    ).order_by(Therapist.user._.display_name)
    ties = await TherapistAffiliation.select(
        TherapistAffiliation.therapist,
        TherapistAffiliation.employer._.name.as_alias("employer_name"),
    ).order_by(TherapistAffiliation.employer._.name)
    for row in rows:
        row["employers"] = [t["employer_name"] for t in ties if t["therapist"] == row["id"]]
    return rows


async def unregistered_therapist_accounts() -> list[dict[str, Any]]:
    """Active therapist accounts without a therapist record yet (whom to register)."""
    registered = {int(r["user"]) for r in await Therapist.select(Therapist.user)}
    accounts = await (
        User.select(User.id, User.display_name)
        .where((User.role == Role.THERAPIST.value) & (User.active == True))  # noqa: E712
        .order_by(User.display_name)
    )
    return [a for a in accounts if int(a["id"]) not in registered]
