"""The cast of the access tests: one account per role, with a known password.

- therapist: the practice's own caseload pages;
- company_doctor: reports about clients of record, with consent (later issues);
- employer_contact: non-medical progress of their own employees only;
- practice_manager: statistics and monitors;
- administrator: accounts and settings;
- client: a login of the client role that is linked to no client (the client portal's
  own tests make clients with accounts: tests/integration/reporting/test_client_portal.py).

Passwords are hashed once per test session, with argon2id at its lowest cost (one pass over
1 MiB): a verification costs what its hash's own parameters say, and the suite's thousands of
logins each paid a quarter of a second of CPU for the app's t=3, 64 MiB, for nothing the
tests ask. The app's own hashes (accounts made through its forms) keep their cost.
Every member has the second factor on, with the known secret ``TOTP_SECRET``
(``tests.web.login`` enters the current code).
"""

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher

from practice.accounts import Role
from practice.tables import User

PASSWORD = "correct horse battery"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@functools.cache
def password_hash() -> str:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@dataclass(frozen=True)
class Member:
    id: int
    email: str
    role: Role


@dataclass(frozen=True)
class Cast:
    therapist: Member
    company_doctor: Member
    employer_contact: Member
    practice_manager: Member
    administrator: Member
    client: Member  # a client-role login without a client record: reaches nothing

    def by_role(self, role: Role) -> Member:
        member: Member = getattr(self, role.value)
        return member


async def make_user(role: Role, email: str | None = None, *, locale: str = "nl") -> Member:
    address = email or f"{role.value.replace('_', '-')}@cast.test"
    rows = await User.insert(
        User(
            email=address,
            display_name=f"Test {role.value}",
            role=role.value,
            password_hash=password_hash(),
            locale=locale,
            totp_secret=TOTP_SECRET,
            totp_enabled_at=datetime.now(UTC),
        )
    ).returning(User.id)
    return Member(id=int(rows[0]["id"]), email=address, role=role)


async def make_cast() -> Cast:
    members = {role.value: await make_user(role) for role in Role}
    return Cast(**members)
