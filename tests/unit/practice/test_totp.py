"""The second factor's rules: who needs it, which codes count, recovery codes (pure)."""

import pyotp
import pytest

from practice import totp
from practice.accounts import Role
from practice.audit.chain import GENESIS, canonical, link_hash
from practice.totp import SecondFactor, second_factor

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_015.0  # the middle of a 30-second step


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.EMPLOYER_CONTACT])
def test_every_professional_role_must_enrol(role: Role) -> None:
    assert second_factor(role, enabled=False, exempt=False) is SecondFactor.ENROL
    assert second_factor(role, enabled=True, exempt=False) is SecondFactor.VERIFY


def test_an_employer_contact_may_use_the_second_factor_but_need_not() -> None:
    assert second_factor(Role.EMPLOYER_CONTACT, enabled=False, exempt=False) is SecondFactor.NONE
    assert second_factor(Role.EMPLOYER_CONTACT, enabled=True, exempt=False) is SecondFactor.VERIFY


def test_an_exempt_account_skips_enrolment_but_not_a_second_factor_it_switched_on() -> None:
    assert second_factor(Role.THERAPIST, enabled=False, exempt=True) is SecondFactor.NONE
    assert second_factor(Role.THERAPIST, enabled=True, exempt=True) is SecondFactor.VERIFY


def test_a_code_counts_one_step_either_side_of_now_and_no_further() -> None:
    otp = pyotp.TOTP(SECRET)
    step = totp.current_step(NOW)
    for offset in (-1, 0, 1):
        code = otp.at((step + offset) * 30)
        assert totp.matching_step(SECRET, code, NOW) == step + offset
    for offset in (-2, 2):
        assert totp.matching_step(SECRET, otp.at((step + offset) * 30), NOW) is None


def test_codes_are_read_with_spaces_and_anything_else_is_refused() -> None:
    code = pyotp.TOTP(SECRET).at(NOW)
    assert totp.matching_step(SECRET, f"{code[:3]} {code[3:]}", NOW) is not None
    assert totp.matching_step(SECRET, "12345", NOW) is None
    assert totp.matching_step(SECRET, "abcdef", NOW) is None


def test_recovery_codes_are_ten_distinct_salted_hashes_that_match_only_their_code() -> None:
    codes = totp.new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(totp.looks_like_recovery_code(code) for code in codes)
    stored = [totp.hash_recovery_code(code) for code in codes]
    assert all(code not in hashed for code, hashed in zip(codes, stored, strict=True))
    assert totp.hash_recovery_code(codes[0]) != stored[0]  # a fresh salt each time
    assert totp.recovery_code_matches(codes[0].upper().replace("-", " "), stored[0])
    assert not totp.recovery_code_matches(codes[1], stored[0])


def test_the_qr_code_is_an_svg_data_url() -> None:
    uri = totp.provisioning_uri(SECRET, "tessa@praktijk.nl")
    assert uri.startswith("otpauth://totp/") and f"secret={SECRET}" in uri
    assert totp.qr_data_uri(uri).startswith("data:image/svg+xml")


def test_the_audit_hash_covers_every_field_and_the_previous_hash() -> None:
    from datetime import UTC, datetime

    row = {
        "occurred_at": datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC),
        "actor_id": 3,
        "actor_role": "therapist",
        "action": "read",
        "object_type": "episode",
        "object_id": "7",
        "client_id": 5,
        "purpose": "treatment",
        "source": "127.0.0.1",
        "channel": "web",
        "outcome": "success",
    }
    first = link_hash(row, GENESIS)
    for name, other in [("object_id", "8"), ("client_id", 6), ("outcome", "denied")]:
        assert link_hash({**row, name: other}, GENESIS) != first
    assert link_hash(row, "1" * 64) != first
    # The same moment read back as naive UTC text (SQLite) hashes the same.
    assert canonical({**row, "occurred_at": "2026-11-23 09:00:00.123456"}, GENESIS) == canonical(
        row, GENESIS
    )
