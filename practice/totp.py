"""The second factor: TOTP codes (RFC 6238), recovery codes, who must use it, and its throttle.

- Every professional role must use a second factor (AUTH-1); employer contacts may. A client
  must too, and chooses between an app (TOTP) and a code by e-mail
  (``practice.client_accounts``): people who log in a few times a year may not keep an app.
  Accounts with ``totp_exempt`` (the demo accounts, set only by the demo loader) may skip it.
- A code is accepted one time step either side of now (clock drift) and only once: the
  accepted step is stored and a code of that step or an earlier one is refused.
- Recovery codes: 10 per enrolment, 50 random bits each, stored as salt$sha256 and usable
  once. A salted fast hash suffices at 50 bits behind the throttle below; argon2 would cost
  ~1.5 s to check ten.
- Failed codes are counted in Redis per (account, address) and per account (AUTH-3). The
  per-account count can only be driven up by someone who already has the password.
"""

import enum
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from redis.asyncio import Redis

from practice.accounts import Role

ISSUER = "@Work practice"
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_LENGTH = 10  # 31**10: about 50 bits

# Roles that must enrol before they get a session. Employer contacts may enrol.
REQUIRED_FOR: frozenset[Role] = frozenset(
    {Role.THERAPIST, Role.COMPANY_DOCTOR, Role.PRACTICE_MANAGER, Role.ADMINISTRATOR, Role.CLIENT}
)

# Throttle of the second step.
WINDOW_SECONDS = 60
ACCOUNT_WINDOW_SECONDS = 3600
ACCOUNT_LIMIT = 30  # failures per account per hour, from all addresses together


class SecondFactor(enum.StrEnum):
    NONE = "none"  # the password is enough (employer contact without TOTP, demo account)
    VERIFY = "totp"  # enter the code
    ENROL = "enrol"  # a role that requires it, not enrolled yet
    EMAIL = "email_code"  # a client who chose a code by e-mail: it is sent, then entered


def second_factor(
    role: Role, *, enabled: bool, exempt: bool, by_email: bool = False
) -> SecondFactor:
    if enabled:
        return SecondFactor.VERIFY
    if by_email:
        return SecondFactor.EMAIL
    if role in REQUIRED_FOR and not exempt:
        return SecondFactor.ENROL
    return SecondFactor.NONE


# ---------------------------------------------------------------- TOTP


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URL (the CSP allows data: images, no scripts)."""
    qr = segno.make(uri, error="m")
    return str(qr.svg_data_uri(scale=5, border=2))


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def is_totp_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is (now, or one step either side), or None."""
    code = normalise_code(code)
    if not is_totp_code(code):
        return None
    totp = pyotp.TOTP(secret)
    step = current_step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


# ---------------------------------------------------------------- recovery codes


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def hash_recovery_code(code: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}:{normalise_code(code)}".encode()).hexdigest()
    return f"{salt}${digest}"


def recovery_code_matches(code: str, stored: str) -> bool:
    salt, _, _digest = stored.partition("$")
    return hmac.compare_digest(hash_recovery_code(code, salt), stored)


def looks_like_recovery_code(code: str) -> bool:
    code = normalise_code(code)
    return len(code) == _RECOVERY_LENGTH and all(ch in _RECOVERY_ALPHABET for ch in code)


# ---------------------------------------------------------------- throttle


def _keys(user_id: int, source: str) -> list[tuple[str, int, int]]:
    """(key, window, limit) per counter; the address limit comes from the login setting."""
    return [
        (f"totp-failures:account-ip:{user_id}:{source}", WINDOW_SECONDS, 0),
        (f"totp-failures:account:{user_id}", ACCOUNT_WINDOW_SECONDS, ACCOUNT_LIMIT),
    ]


async def is_throttled(redis: "Redis", user_id: int, source: str, per_minute: int) -> bool:
    keys = _keys(user_id, source)
    counts = await redis.mget([key for key, _, _ in keys])
    for (_key, _window, limit), count in zip(keys, counts, strict=True):
        if count is not None and int(count) >= (limit or per_minute):
            return True
    return False


async def count_failure(redis: "Redis", user_id: int, source: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        for key, window, _limit in _keys(user_id, source):
            pipe.set(key, 0, ex=window, nx=True)  # the window starts at the first failure
            pipe.incr(key)
        await pipe.execute()
