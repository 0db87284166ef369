"""Use cases of the clinical core: load, decide, store (with its audit row), then send.

Each service is one write transaction (``write_tx``) and records its audit rows inside it.
"""

from dataclasses import dataclass

from practice import registrations
from practice.accounts import (
    ACCOUNT_PURPOSE,
    EMAIL_TAKEN,
    LOGIN_PURPOSE,
    STAFF_ROLES,
    Role,
    email_problem,
    normalise_email,
    password_problem,
)
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Outcome
from practice.errors import Conflict, InvalidInput, NotFound, one_of
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.platform.passwords import hash_password, verify_password
from practice.services import client_accounts
from practice.tables import CaseAssignment, CompanyDoctor, EmployerContact, Therapist, User
from practice.totp import SecondFactor, second_factor

# ---------------------------------------------------------------- accounts


async def create_user(
    actor: Actor, *, email: str, display_name: str, role: str, password: str, locale: str = "nl"
) -> int:
    """Create an account; every problem with the input is reported at once, nothing is written."""
    email = normalise_email(email)
    problems: dict[str, str] = {}
    if problem := email_problem(email):
        problems["email"] = problem
    if not display_name.strip():
        problems["display_name"] = "required"
    if role not in {r.value for r in STAFF_ROLES}:
        problems["role"] = one_of(sorted(r.value for r in STAFF_ROLES))
    if problem := password_problem(password):
        problems["password"] = problem
    if locale not in {"nl", "en"}:
        problems["locale"] = "nl or en"
    if problems:
        raise InvalidInput(problems)
    password_hash = await hash_password(password)  # before the transaction: it takes ~150 ms
    async with write_tx():
        if await User.exists().where(User.email == email):
            raise Conflict(EMAIL_TAKEN, field="email")  # the page shows it beside the field
        rows = await User.insert(
            User(
                email=email,
                display_name=display_name.strip(),
                role=role,
                password_hash=password_hash,
                locale=locale,
            )
        ).returning(User.id)
        user_id = int(rows[0]["id"])
        await audit.record(actor, Action.CREATE, "user", user_id, purpose=ACCOUNT_PURPOSE)
    return user_id


@dataclass(frozen=True)
class PasswordChecked:
    """The password was right; ``next`` says whether a second factor must follow.

    ``active`` False: the password was right but the account is deactivated, so no login
    follows (the page says so: only someone who knows the password learns it)."""

    user_id: int
    next: SecondFactor
    active: bool = True


async def authenticate(actor: Actor, *, email: str, password: str) -> PasswordChecked | None:
    """The account with these credentials and its next login step, or None; both audited
    (outcome ``pending`` when a second factor must follow, ``denied`` for a deactivated
    account with the right password)."""
    email = normalise_email(email)
    row = (
        await User.select(
            User.id,
            User.password_hash,
            User.role,
            User.active,
            User.totp_enabled_at,
            User.totp_exempt,
        )
        .where(User.email == email)
        .first()
    )
    ok = await verify_password(row["password_hash"] if row else None, password)
    user_id = int(row["id"]) if row else None
    active = bool(row["active"]) if row else False
    step = SecondFactor.NONE
    if ok and row is not None:
        role = Role(row["role"])
        step = second_factor(
            role,
            enabled=row["totp_enabled_at"] is not None,
            exempt=row["totp_exempt"],
            by_email=role is Role.CLIENT and await client_accounts.by_email(int(row["id"])),
        )
    if not ok:
        outcome = Outcome.FAILED
    elif not active:
        outcome = Outcome.DENIED
    else:
        outcome = Outcome.SUCCESS if step is SecondFactor.NONE else Outcome.PENDING
    async with write_tx():
        await audit.record(
            Actor(
                user_id=user_id if ok and active else None,
                role=None,
                source=actor.source,
                channel=actor.channel,
            ),
            Action.LOGIN,
            "user",
            user_id,
            purpose=LOGIN_PURPOSE,
            outcome=outcome,
        )
    if not ok or user_id is None:
        return None
    return PasswordChecked(user_id, step, active=active)


async def record_logout(actor: Actor) -> None:
    async with write_tx():
        await audit.record(actor, Action.LOGOUT, "user", actor.user_id, purpose=LOGIN_PURPOSE)


# ---------------------------------------------------------------- editing and deactivating

# An account that holds any of these cannot change role: a seat, a contact or a doctor
# record hangs on the role it was given for (``practice.case_team.SEAT_ACCOUNT_ROLE``).
ROLE_TIED = N_(
    "This account is tied to its role (a seat on a case team, an employer contact, a company "
    "doctor or a therapist record); make a new account for the other role."
)
OWN_ACCOUNT = N_("You cannot deactivate your own account.")


@dataclass(frozen=True)
class AccountChange:
    """What an edit changed that the door must act on: a new role ends the sessions."""

    role_changed: bool


async def update_user(
    actor: Actor,
    *,
    user_id: int,
    email: str,
    display_name: str,
    role: str,
    locale: str,
    registration: str | None = None,
) -> AccountChange:
    """New name, e-mail address, role, language and registration of an account; every
    problem at once, nothing written when there is one."""
    email = normalise_email(email)
    problems: dict[str, str] = {}
    if problem := email_problem(email):
        problems["email"] = problem
    if not display_name.strip():
        problems["display_name"] = "required"
    if role not in {r.value for r in STAFF_ROLES}:
        problems["role"] = one_of(sorted(r.value for r in STAFF_ROLES))
    if locale not in {"nl", "en"}:
        problems["locale"] = "nl or en"
    value = registrations.normalised(registration)
    # Judged when it changes: a registration written before the rule stays until it is edited,
    # and does not stop a new name, role or language.
    stored = await User.select(User.registration).where(User.id == user_id).first()
    changed = stored is None or value != stored["registration"]
    if changed and (registration_problem := registrations.problem(value)):
        problems["registration"] = registration_problem
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        row = (
            await User.select(User.role)
            .where((User.id == user_id) & (User.role != Role.CLIENT.value))
            .first()
        )
        if row is None:
            raise NotFound("No such account.")
        if await User.exists().where((User.email == email) & (User.id != user_id)):
            raise InvalidInput({"email": EMAIL_TAKEN})
        role_changed = row["role"] != role
        if role_changed and await _tied_to_role(user_id):
            raise InvalidInput({"role": ROLE_TIED})
        await User.update(
            {
                User.email: email,
                User.display_name: display_name.strip(),
                User.role: role,
                User.locale: locale,
                User.registration: value,
            }
        ).where(User.id == user_id)
        await audit.record(actor, Action.UPDATE, "user", user_id, purpose=ACCOUNT_PURPOSE)
    return AccountChange(role_changed=role_changed)


async def _tied_to_role(user_id: int) -> bool:
    for table, column in (
        (CaseAssignment, CaseAssignment.user),
        (EmployerContact, EmployerContact.user),
        (CompanyDoctor, CompanyDoctor.user),
        (Therapist, Therapist.user),
    ):
        if await table.exists().where(column == user_id):
            return True
    return False


async def set_user_active(actor: Actor, *, user_id: int, active: bool) -> None:
    """Deactivate an account (no login, every session ended by the door) or take it back.
    The account's seats stay as they are: who treats the client changes by a handover,
    which the administrator is pointed to (``practice.queries.accounts.live_cases_of``)."""
    if not active and actor.user_id == user_id:
        raise Conflict(OWN_ACCOUNT)
    async with write_tx():
        updated = (
            await User.update({User.active: active})
            .where((User.id == user_id) & (User.role != Role.CLIENT.value))
            .returning(User.id)
        )
        if not updated:
            raise NotFound("No such account.")
        await audit.record(actor, Action.UPDATE, "user", user_id, purpose=ACCOUNT_PURPOSE)
