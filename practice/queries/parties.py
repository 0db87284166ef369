"""The parties a form offers to choose from: employers with their contacts, company doctors."""

from typing import Any

from practice.tables import CompanyDoctor, Employer, EmployerContact


async def referral_choices() -> dict[str, list[dict[str, Any]]]:
    """What the referral form lists: employers, their managers and HR, company doctors."""
    return {
        "employers": await Employer.select(Employer.id, Employer.name).order_by(Employer.name),
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
    """Every employer with its contract settings and its contacts (the administrator's page)."""
    employers = await Employer.select().order_by(Employer.name)
    contacts = await EmployerContact.select().order_by(EmployerContact.name)
    for employer in employers:
        employer["contacts"] = [c for c in contacts if c["employer"] == employer["id"]]
    return employers


async def company_doctors() -> list[dict[str, Any]]:
    return await CompanyDoctor.select().order_by(CompanyDoctor.name)
