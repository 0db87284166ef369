"""Use cases of the second factor: enrol, and check a code or recovery code at login.

Each is one write transaction with its audit row. Failures are audited without an actor
(as a wrong password is), naming the account in ``object_id``.
"""

from datetime import UTC, datetime
from typing import Any

from practice import totp
from practice.accounts import ACCOUNT_PURPOSE, LOGIN_PURPOSE
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Outcome
from practice.platform.db import write_tx
from practice.tables import TotpRecoveryCode, User


async def account(user_id: int) -> dict[str, Any] | None:
    """What the enrolment page shows: the address and whether TOTP is on (no secret)."""
    row: dict[str, Any] | None = (
        await User.select(User.id, User.email, User.role, User.totp_enabled_at)
        .where((User.id == user_id) & (User.active == True))  # noqa: E712 - SQL
        .first()
    )
    return row


def _as(actor: Actor, user_id: int | None) -> Actor:
    return Actor(user_id=user_id, role=None, source=actor.source, channel=actor.channel)


async def verify(actor: Actor, user_id: int, code: str) -> bool:
    """The second login step: a current TOTP code (once) or an unused recovery code."""
    code = totp.normalise_code(code)
    async with write_tx():
        row = (
            await User.select(User.totp_secret, User.totp_enabled_at)
            .where((User.id == user_id) & (User.active == True))  # noqa: E712 - SQL
            .first()
        )
        kind = "recovery_code" if totp.looks_like_recovery_code(code) else "totp"
        ok = False
        if row is not None and row["totp_enabled_at"] is not None and row["totp_secret"]:
            if kind == "totp":
                ok = await _use_step(user_id, totp.matching_step(row["totp_secret"], code))
            else:
                ok = await _use_recovery_code(user_id, code)
        await audit.record(
            _as(actor, user_id if ok else None),
            Action.LOGIN,
            kind,
            user_id,
            purpose=LOGIN_PURPOSE,
            outcome=Outcome.SUCCESS if ok else Outcome.FAILED,
        )
    return ok


async def _use_step(user_id: int, step: int | None) -> bool:
    """Accept the step only if it is later than the last accepted one (no replay)."""
    if step is None:
        return False
    used = (
        await User.update({User.totp_last_step: step})
        .where(
            (User.id == user_id) & (User.totp_last_step.is_null() | (User.totp_last_step < step))
        )
        .returning(User.id)
    )
    return bool(used)


async def _use_recovery_code(user_id: int, code: str) -> bool:
    rows = await TotpRecoveryCode.select(TotpRecoveryCode.id, TotpRecoveryCode.code_hash).where(
        (TotpRecoveryCode.user == user_id) & TotpRecoveryCode.used_at.is_null()
    )
    match = next((r for r in rows if totp.recovery_code_matches(code, r["code_hash"])), None)
    if match is None:
        return False
    used = (
        await TotpRecoveryCode.update({TotpRecoveryCode.used_at: datetime.now(UTC)})
        .where((TotpRecoveryCode.id == match["id"]) & TotpRecoveryCode.used_at.is_null())
        .returning(TotpRecoveryCode.id)
    )
    return bool(used)


async def enrol(
    actor: Actor, user_id: int, secret: str, code: str, *, completes_login: bool
) -> list[str] | None:
    """Switch TOTP on with a confirmed secret; the recovery codes (shown once), or None.

    ``completes_login``: the enrolment is the second step of a login (audited as one).
    """
    step = totp.matching_step(secret, code)
    codes = totp.new_recovery_codes() if step is not None else []
    async with write_tx():
        enabled = []
        if step is not None:
            enabled = (
                await User.update(
                    {
                        User.totp_secret: secret,
                        User.totp_enabled_at: datetime.now(UTC),
                        User.totp_last_step: step,
                    }
                )
                .where(
                    (User.id == user_id)
                    & (User.active == True)  # noqa: E712 - SQL
                    & User.totp_enabled_at.is_null()
                )
                .returning(User.id)
            )
        ok = bool(enabled)
        if ok:
            await TotpRecoveryCode.delete().where(TotpRecoveryCode.user == user_id)
            await TotpRecoveryCode.insert(
                *[
                    TotpRecoveryCode(user=user_id, code_hash=totp.hash_recovery_code(c))
                    for c in codes
                ]
            )
        who = _as(actor, user_id if ok else None) if completes_login else actor
        await audit.record(
            who,
            Action.UPDATE,
            "totp",
            user_id,
            purpose=ACCOUNT_PURPOSE,
            outcome=Outcome.SUCCESS if ok else Outcome.FAILED,
        )
        if ok and completes_login:
            await audit.record(who, Action.LOGIN, "totp", user_id, purpose=LOGIN_PURPOSE)
    return codes if ok else None
