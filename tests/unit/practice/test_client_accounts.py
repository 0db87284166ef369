"""The client's account as pure rules: its states, the link's 72 hours, the code's pace."""

from datetime import UTC, datetime, timedelta

from practice.client_accounts import (
    AccountState,
    code_until,
    digest,
    invitation_until,
    may_invite,
    may_send_code,
    new_email_code,
    state_of,
)

NOW = datetime(2026, 6, 12, 10, 0, tzinfo=UTC)


def test_an_account_is_invited_until_72_hours_then_expired() -> None:
    until = invitation_until(NOW)
    assert until - NOW == timedelta(hours=72)
    invited = {"invited_until": until, "set_up_at": None, "revoked_at": None}
    assert state_of(**invited, now=NOW) is AccountState.INVITED
    assert state_of(**invited, now=until) is AccountState.EXPIRED


def test_set_up_is_active_and_revoked_wins_over_everything() -> None:
    assert state_of(invited_until=None, set_up_at=NOW, revoked_at=None, now=NOW) is (
        AccountState.ACTIVE
    )
    assert state_of(invited_until=NOW, set_up_at=NOW, revoked_at=NOW, now=NOW) is (
        AccountState.REVOKED
    )
    assert state_of(invited_until=None, set_up_at=None, revoked_at=None, now=NOW) is (
        AccountState.NONE
    )


def test_only_an_active_account_needs_no_invitation() -> None:
    assert [state for state in AccountState if not may_invite(state)] == [AccountState.ACTIVE]


def test_a_new_code_goes_out_at_most_every_30_seconds() -> None:
    sent = code_until(NOW)
    assert may_send_code(None, NOW)
    assert not may_send_code(sent, NOW + timedelta(seconds=29))
    assert may_send_code(sent, NOW + timedelta(seconds=30))


def test_a_code_has_six_digits_and_is_stored_as_its_hash_only() -> None:
    code = new_email_code()
    assert len(code) == 6 and code.isdigit()
    assert digest(code) != code and len(digest(code)) == 64
    assert digest(f" {code} ") == digest(code)
