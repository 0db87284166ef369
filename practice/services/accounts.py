"""Use cases of the clinical core: load, decide, store (with its audit row), then send.

Each service is one write transaction (``write_tx``) and records its audit rows inside it.
"""

from dataclasses import dataclass

from practice.accounts import (
    ACCOUNT_PURPOSE,
    LOGIN_PURPOSE,
    Role,
    email_problem,
    normalise_email,
    password_problem,
)
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Outcome
from practice.errors import Conflict, InvalidInput, one_of
from practice.platform.db import write_tx
from practice.platform.passwords import hash_password, verify_password
from practice.tables import User
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
    if role not in {r.value for r in Role}:
        problems["role"] = one_of(r.value for r in Role)
    if problem := password_problem(password):
        problems["password"] = problem
    if locale not in {"nl", "en"}:
        problems["locale"] = "nl or en"
    if problems:
        raise InvalidInput(problems)
    password_hash = await hash_password(password)  # before the transaction: it takes ~150 ms
    async with write_tx():
        if await User.exists().where(User.email == email):
            raise Conflict("An account with this e-mail address already exists.")
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
        step = second_factor(
            Role(row["role"]), enabled=row["totp_enabled_at"] is not None, exempt=row["totp_exempt"]
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
