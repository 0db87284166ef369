"""The demo practice's people: accounts, therapists with their working hours, employers with
their contracts and contacts, company doctors, and the practice's team day."""

from dataclasses import dataclass
from datetime import date

from practice.audit.trail import Actor
from practice.composition.demo.plan import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DOCTORS,
    EMPLOYERS,
    THERAPISTS,
)
from practice.services import accounts as account_services
from practice.services import parties
from practice.tables import User
from scheduling.services import availability


@dataclass(frozen=True)
class Parties:
    """The ids the episodes need, in the order of the plan's tuples."""

    therapists: tuple[int, ...]  # user ids
    employers: tuple[int, ...]
    contacts: tuple[tuple[int, ...], ...]  # per employer: contact ids
    doctors: tuple[int, ...]  # company doctor ids


async def accounts(actor: Actor) -> dict[str, int]:
    """Every demo account, created if missing; returns their ids by e-mail address."""
    ids: dict[str, int] = {}
    for account in DEMO_ACCOUNTS:
        row = await User.select(User.id).where(User.email == account.email).first()
        if row is None:
            ids[account.email] = await account_services.create_user(
                actor,
                email=account.email,
                display_name=account.display_name,
                role=account.role.value,
                password=DEMO_PASSWORD,
            )
        else:
            ids[account.email] = int(row["id"])
    # The demo therapists sign the demo's reports with (made-up) BIG numbers.
    for therapist in THERAPISTS:
        await User.update({User.registration: therapist.registration}).where(
            User.email == therapist.email
        )
    # The quick start logs in without a phone: the demo accounts (public password, demo data
    # only) are exempt from the second factor. Nothing else sets this flag.
    await User.update({User.totp_exempt: True}).where(
        User.email.is_in([account.email for account in DEMO_ACCOUNTS])
    )
    return ids


async def create_parties(actor: Actor, users: dict[str, int], team_day: date) -> Parties:
    therapists = []
    for therapist in THERAPISTS:
        user_id = users[therapist.email]
        await parties.register_therapist(
            actor,
            user_id=user_id,
            qualifications=therapist.qualifications,
            capacity=therapist.capacity,
        )
        # The same hours Monday to Friday: the calendar shows them, and the sessions fit.
        await availability.set_working_hours(
            actor,
            therapist_user_id=user_id,
            ranges=[(weekday, therapist.starts, therapist.ends) for weekday in range(5)],
        )
        therapists.append(user_id)
    await availability.add_closing_day(actor, day=team_day, reason="Teamdag")
    doctors = [
        await parties.create_company_doctor(
            actor,
            name=doctor.name,
            email=doctor.email,
            organisation=doctor.organisation,
            user_id=users[doctor.email],
        )
        for doctor in DOCTORS
    ]
    employers: list[int] = []
    contacts: list[tuple[int, ...]] = []
    for plan in EMPLOYERS:
        employer_id = await parties.create_employer(
            actor,
            name=plan.name,
            default_offer=plan.default_offer,
            cost_per_absence_day_cents=plan.cost_per_absence_day_cents,
            report_every=plan.report_every,
            employer_update_every_days=plan.employer_update_every_days,
            screening_day_unit=plan.screening_day_unit,
        )
        employers.append(employer_id)
        contacts.append(
            tuple(
                [
                    await parties.add_employer_contact(
                        actor,
                        employer_id=employer_id,
                        name=contact.name,
                        email=contact.email,
                        contact_role=contact.contact_role,
                        user_id=users[contact.email] if contact.has_account else None,
                    )
                    for contact in plan.contacts
                ]
            )
        )
    return Parties(tuple(therapists), tuple(employers), tuple(contacts), tuple(doctors))
