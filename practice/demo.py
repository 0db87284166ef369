"""A demo practice, so a newcomer sees a living service: one account per role.

Idempotent: running it twice changes nothing. Later issues add employers, company doctors
and clients in every stage of the flow.
"""

from dataclasses import dataclass

from practice.accounts import Role
from practice.audit import Actor, Channel
from practice.services import accounts as account_services
from practice.tables import User

DEMO_PASSWORD = "werkgericht-demo"  # noqa: S105 - printed on purpose: demo data only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role


DEMO_ACCOUNTS = [
    DemoAccount("therapeut@demo.atwork.nl", "Tessa de Therapeut", Role.THERAPIST),
    DemoAccount("bedrijfsarts@demo.atwork.nl", "Bas Bedrijfsarts", Role.COMPANY_DOCTOR),
    DemoAccount("leidinggevende@demo.atwork.nl", "Lotte Leidinggevende", Role.EMPLOYER_CONTACT),
    DemoAccount("praktijkmanager@demo.atwork.nl", "Pim Praktijkmanager", Role.PRACTICE_MANAGER),
    DemoAccount("beheerder@demo.atwork.nl", "Bea Beheerder", Role.ADMINISTRATOR),
]


async def load_demo() -> int:
    """Create what is missing of the demo practice; returns the number of accounts created."""
    actor = Actor.system(Channel.CLI)
    created = 0
    for account in DEMO_ACCOUNTS:
        if await User.exists().where(User.email == account.email):
            continue
        await account_services.create_user(
            actor,
            email=account.email,
            display_name=account.display_name,
            role=account.role.value,
            password=DEMO_PASSWORD,
        )
        created += 1
    return created
