"""The login throttle keyed on account + address (issue 17): one person's typos do not lock
out a colleague at the same desk, while guessing is still stopped per address and per
account (the numbers: ``practice.platform.throttle``)."""

from typing import Any

from litestar import Litestar

from practice.accounts import Role
from practice.audit.trail import Action, Outcome
from practice.platform import throttle
from practice.tables import User
from tests.cast import Cast, make_user
from tests.conftest import make_client
from tests.web import assert_audited, login

LIMIT = 5  # LOGIN_FAILURES_PER_MINUTE in the tests' settings (the default)


async def test_a_colleague_at_the_same_address_logs_in_after_five_wrong_passwords_of_another(
    client, cast: Cast
) -> None:
    for n in range(LIMIT):
        assert (await login(client, cast.therapist.email, f"typo {n}")).status_code == 401
    assert (await login(client, cast.practice_manager.email)).status_code == 303


async def test_the_sixth_attempt_for_the_same_account_and_address_is_throttled(
    client, cast: Cast
) -> None:
    statuses = [
        (await login(client, cast.therapist.email, f"typo {n}")).status_code
        for n in range(LIMIT + 1)
    ]
    assert statuses == [401] * LIMIT + [429]
    throttled = await login(client, cast.therapist.email)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= throttle.WINDOW_SECONDS
    assert "Wacht een minuut" in throttled.text


async def test_a_spray_over_many_accounts_from_one_address_is_throttled_at_the_address_limit(
    client, cast: Cast
) -> None:
    address_limit = LIMIT * throttle.ADDRESS_FACTOR
    statuses = [
        (await login(client, f"guess{n}@example.org", "Welkom01!")).status_code
        for n in range(address_limit + 1)
    ]
    # one try per account, so only the address counter fills up
    assert statuses == [401] * address_limit + [429]
    assert (await login(client, cast.practice_manager.email)).status_code == 429


async def test_guesses_at_one_account_from_many_addresses_stop_at_the_account_limit(
    app: Litestar, redis: Any, cast: Cast
) -> None:
    email = cast.therapist.email
    for n in range(throttle.ACCOUNT_LIMIT - 1):  # guesses from 49 addresses, counted as such
        await throttle.count_failure(redis, f"198.51.100.{n}", email, LIMIT)
    async with make_client(app, ip="203.0.113.1") as last:
        assert (await login(last, email, "one more guess")).status_code == 401
    async with make_client(app, ip="203.0.113.2") as fresh:
        response = await login(fresh, email)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > throttle.WINDOW_SECONDS
        # the other accounts from that address are not affected
        assert (await login(fresh, cast.practice_manager.email)).status_code == 303


async def test_a_deactivated_account_with_the_right_password_is_told_so_and_not_logged_in(
    client, db: None
) -> None:
    member = await make_user(Role.THERAPIST, "weg@cast.test")
    await User.update({User.active: False}).where(User.id == member.id)
    response = await login(client, member.email)
    assert response.status_code == 403
    assert "gedeactiveerd" in response.text
    assert (await client.get("/today")).status_code in (401, 303)
    await assert_audited(
        action=Action.LOGIN.value, object_id=str(member.id), outcome=Outcome.DENIED.value
    )


async def test_a_deactivated_account_with_a_wrong_password_gets_the_usual_answer(
    client, db: None
) -> None:
    member = await make_user(Role.THERAPIST, "weg@cast.test")
    await User.update({User.active: False}).where(User.id == member.id)
    response = await login(client, member.email, "not the password")
    assert response.status_code == 401
    assert "gedeactiveerd" not in response.text
