"""Accounts and roles: who may log in, and the password rules (pure)."""

import enum
import re

from practice.errors import Message
from practice.platform.i18n import N_, Count


class Role(enum.StrEnum):
    THERAPIST = "therapist"
    COMPANY_DOCTOR = "company_doctor"
    EMPLOYER_CONTACT = "employer_contact"  # manager or HR adviser of an employer
    PRACTICE_MANAGER = "practice_manager"
    ADMINISTRATOR = "administrator"
    # The client in care, with an account of their own (issue 20): made only by the
    # therapist's invitation (``practice.services.client_accounts``), never by the
    # administrator, and reaching only their own record (``practice.access_policy``).
    CLIENT = "client"


# The roles of the people who work at or with the practice: what the administrator makes.
STAFF_ROLES: frozenset[Role] = frozenset(Role) - {Role.CLIENT}


ROLE_LABELS: dict[Role, str] = {
    Role.THERAPIST: N_("therapist"),
    Role.COMPANY_DOCTOR: N_("company doctor"),
    Role.EMPLOYER_CONTACT: N_("employer contact"),
    Role.PRACTICE_MANAGER: N_("practice manager"),
    Role.ADMINISTRATOR: N_("administrator"),
    Role.CLIENT: N_("client"),
}

# Where each role lands after login: its portal's first page.
HOME_PATH: dict[Role, str] = {
    Role.THERAPIST: "/today",
    Role.COMPANY_DOCTOR: "/company-doctor",
    Role.EMPLOYER_CONTACT: "/employer",
    Role.PRACTICE_MANAGER: "/statistics/outcomes",
    Role.ADMINISTRATOR: "/admin/users",
    Role.CLIENT: "/my",
}

# The audit purposes of account work (NEN 7513 asks why each row was written).
ACCOUNT_PURPOSE = "account_management"
LOGIN_PURPOSE = "authentication"

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128  # argon2 takes any length; the cap stops hashing megabytes
PASSWORD_TOO_SHORT = N_("Use at least %(num)s characters.")
PASSWORD_TOO_LONG = N_("Use at most %(num)s characters.")
EMAIL_TAKEN = N_("An account with this e-mail address already exists.")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None. Length only: composition rules weaken
    passwords (NIST 800-63B); the breached-list check comes with the 2FA work."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return Message(PASSWORD_TOO_SHORT, num=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        return Message(PASSWORD_TOO_LONG, num=Count(PASSWORD_MAX_LENGTH))
    return None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    if not _EMAIL.match(email) or len(email) > 254:
        return "not a valid e-mail address"
    return None
