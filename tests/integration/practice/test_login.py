"""Logging in and out: passwords, throttling, sessions and their lifetimes."""

import dataclasses
from typing import Any

import time_machine
from litestar import Litestar

from practice.audit.trail import Action, Outcome
from practice.platform.settings import Settings
from practice.proxies import parse_networks
from practice.web.auth import CurrentUser
from tests.cast import Cast
from tests.conftest import make_client
from tests.web import assert_audited, audit_rows, csrf_token, login


async def test_login_page_is_served_in_dutch_by_default(client, db) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    assert "Inloggen" in response.text
    assert 'lang="nl"' in response.text


async def test_a_therapist_logs_in_and_lands_on_today(client, cast: Cast) -> None:
    response = await login(client, cast.therapist.email)
    assert response.status_code == 303
    home = await client.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert str(home.url).endswith("/today")
    await assert_audited(
        action=Action.LOGIN.value, actor_id=cast.therapist.id, outcome=Outcome.SUCCESS.value
    )


async def test_wrong_password_gets_a_401_page_and_an_audit_row(client, cast: Cast) -> None:
    response = await login(client, cast.therapist.email, "not the password at all")
    assert response.status_code == 401
    assert "onjuist" in response.text
    row = await assert_audited(action=Action.LOGIN.value, outcome=Outcome.FAILED.value)
    assert row["actor_id"] is None
    assert row["object_id"] == str(cast.therapist.id)
    assert row["source"] == "127.0.0.1"


async def test_unknown_email_fails_the_same_way_as_a_wrong_password(client, db) -> None:
    response = await login(client, "nobody@example.org", "whatever password")
    assert response.status_code == 401
    await assert_audited(action=Action.LOGIN.value, outcome=Outcome.FAILED.value, object_id=None)


async def test_the_sixth_failed_login_within_a_minute_gets_429(client, cast: Cast) -> None:
    statuses = [
        (await login(client, cast.therapist.email, f"wrong password {n}")).status_code
        for n in range(6)
    ]
    assert statuses == [401, 401, 401, 401, 401, 429]
    # Even the right password waits out the minute once throttled.
    assert (await login(client, cast.therapist.email)).status_code == 429


async def test_failed_logins_from_elsewhere_do_not_lock_out_the_account(
    app: Litestar, client, cast: Cast
) -> None:
    for n in range(6):
        await login(client, cast.therapist.email, f"wrong password {n}")
    async with make_client(app, ip="10.9.8.7") as elsewhere:
        assert (await login(elsewhere, cast.therapist.email)).status_code == 303


async def test_a_spoofed_x_forwarded_for_changes_neither_throttle_key_nor_audited_source(
    client, cast: Cast
) -> None:
    """No proxy is trusted by default: a peer cannot pick a fresh address per guess."""
    statuses = []
    for n in range(6):
        client.headers["x-forwarded-for"] = f"203.0.113.{n + 1}"
        statuses.append((await login(client, cast.therapist.email, f"wrong {n}")).status_code)
    assert statuses == [401, 401, 401, 401, 401, 429]
    rows = await audit_rows(action=Action.LOGIN.value, outcome=Outcome.FAILED.value)
    assert {row["source"] for row in rows} == {"127.0.0.1"}


async def test_behind_a_trusted_proxy_the_forwarded_client_is_throttled_and_audited(
    settings: Settings, redis: Any, cast: Cast
) -> None:
    from practice.composition.app import create_app

    behind_proxy = create_app(
        dataclasses.replace(settings, trusted_proxies=parse_networks("10.0.0.1"))
    )
    try:
        async with make_client(behind_proxy, ip="10.0.0.1") as proxy:
            proxy.headers["x-forwarded-for"] = "1.1.1.1, 203.0.113.9"  # 1.1.1.1: the client's claim
            statuses = [
                (await login(proxy, cast.therapist.email, f"wrong {n}")).status_code
                for n in range(6)
            ]
            assert statuses == [401, 401, 401, 401, 401, 429]
            proxy.headers["x-forwarded-for"] = "198.51.100.4"  # another client, same proxy
            assert (await login(proxy, cast.therapist.email)).status_code == 303
    finally:
        await behind_proxy.state.redis.aclose(close_connection_pool=True)
    rows = await audit_rows(action=Action.LOGIN.value)
    assert [row["source"] for row in rows] == ["203.0.113.9"] * 5 + ["198.51.100.4"] * 2


async def test_the_session_id_changes_at_login(client, cast: Cast) -> None:
    await login(client, cast.therapist.email)
    first = client.cookies.get("__Host-session")
    await login(client, cast.therapist.email)
    second = client.cookies.get("__Host-session")
    assert first and second and first != second


async def test_session_cookie_is_host_bound_secure_and_http_only(client, cast: Cast) -> None:
    response = await login(client, cast.therapist.email)
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("__Host-session=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "samesite=lax" in cookie.lower()


async def test_logout_ends_the_session_on_the_server(client, cast: Cast) -> None:
    await login(client, cast.therapist.email)
    stolen = client.cookies.get("__Host-session")
    token = await csrf_token(client, "/caseload")
    assert (await client.post("/logout", data={"_csrf_token": token})).status_code == 303
    await assert_audited(action=Action.LOGOUT.value, actor_id=cast.therapist.id)
    client.cookies.set("__Host-session", stolen or "", domain="testserver")
    replay = await client.get("/caseload")
    assert replay.status_code == 303
    assert replay.headers["location"] == "/login"


async def test_a_session_expires_after_30_idle_minutes(client, cast: Cast) -> None:
    with time_machine.travel("2026-11-23 09:00 +0000", tick=False) as clock:
        await login(client, cast.therapist.email)
        clock.shift(29 * 60)
        assert (await client.get("/caseload")).status_code == 200
        clock.shift(29 * 60)  # activity renews the idle timer
        assert (await client.get("/caseload")).status_code == 200
        clock.shift(31 * 60)
        assert (await client.get("/caseload")).status_code == 303


async def test_a_session_ends_12_hours_after_login_even_when_active(client, cast: Cast) -> None:
    with time_machine.travel("2026-11-23 07:00 +0000", tick=False) as clock:
        await login(client, cast.therapist.email)
        for _ in range(24):  # active every 25 minutes for 10 hours
            clock.shift(25 * 60)
            assert (await client.get("/caseload")).status_code == 200
        clock.shift(2 * 3600 + 60)
        assert (await client.get("/caseload")).status_code == 303


async def test_a_second_app_instance_sees_the_session_of_the_first(
    app: Litestar, settings, cast: Cast
) -> None:
    from practice.composition.app import create_app

    other = create_app(settings)
    try:
        async with make_client(app) as first, make_client(other) as second:
            await login(first, cast.therapist.email)
            second.cookies.update(first.cookies)
            response = await second.get("/caseload")
            assert response.status_code == 200
    finally:
        await other.state.redis.aclose(close_connection_pool=True)


async def test_disabling_an_account_ends_its_sessions(client, cast: Cast) -> None:
    from practice.tables import User

    await login(client, cast.therapist.email)
    await User.update({User.active: False}).where(User.id == cast.therapist.id)
    assert (await client.get("/caseload")).status_code == 303


def test_current_user_holds_no_password_hash() -> None:
    assert "password_hash" not in CurrentUser.__dataclass_fields__
