"""The second factor at login (AUTH-1, AUTH-3, SESS-2): enrolment, codes, recovery codes."""

import re

import httpx
import pyotp
import time_machine
from litestar import Litestar

from practice.accounts import Role
from practice.audit.trail import Action, Outcome
from practice.composition.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from practice.platform.settings import Settings
from practice.tables import TotpRecoveryCode, User
from tests.cast import PASSWORD, TOTP_SECRET, Cast, make_user
from tests.conftest import make_client
from tests.web import assert_audited, audit_rows, login, post_form

SESSION = "__Host-session"


async def password_step(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await post_form(client, "/login", {"email": email, "password": PASSWORD})


async def code_step(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await post_form(client, "/login/totp", {"code": code}, token_from="/login/totp")


def current_code(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


async def without_totp(role: Role, email: str) -> int:
    member = await make_user(role, email)
    await User.update(
        {User.totp_secret: None, User.totp_enabled_at: None, User.totp_last_step: None}
    ).where(User.id == member.id)
    return member.id


async def test_the_password_alone_logs_nobody_in_until_the_code_is_right(
    client, cast: Cast
) -> None:
    response = await password_step(client, cast.therapist.email)
    assert response.status_code == 303
    assert response.headers["location"] == "/login/totp"
    denied = await client.get("/caseload")
    assert denied.status_code == 303 and denied.headers["location"] == "/login"
    # ... and a page behind the login ends the half-done login: start again.
    assert (await client.get("/login/totp")).headers["location"] == "/login"
    await password_step(client, cast.therapist.email)
    after_password = client.cookies.get(SESSION)
    rows = await audit_rows(action=Action.LOGIN.value, outcome=Outcome.PENDING.value)
    assert [r["actor_id"] for r in rows] == [cast.therapist.id] * 2

    wrong = await code_step(client, "000000" if current_code() != "000000" else "111111")
    assert wrong.status_code == 401
    failed = await assert_audited(
        action=Action.LOGIN.value, object_type="totp", outcome=Outcome.FAILED.value
    )
    assert failed["actor_id"] is None and failed["object_id"] == str(cast.therapist.id)

    right = await code_step(client, current_code())
    assert right.status_code == 303 and right.headers["location"] == "/"
    assert client.cookies.get(SESSION) != after_password  # rotated again
    assert (await client.get("/caseload")).status_code == 200
    await assert_audited(
        action=Action.LOGIN.value, object_type="totp", outcome=Outcome.SUCCESS.value
    )


async def test_a_code_works_once(client, cast: Cast) -> None:
    code = current_code()
    await password_step(client, cast.therapist.email)
    assert (await code_step(client, code)).status_code == 303
    await password_step(client, cast.therapist.email)
    assert (await code_step(client, code)).status_code == 401


async def test_the_code_step_without_a_password_step_goes_back_to_login(client, cast) -> None:
    assert (await client.get("/login/totp")).headers["location"] == "/login"
    response = await post_form(client, "/login/totp", {"code": current_code()})
    assert response.status_code == 303 and response.headers["location"] == "/login"


async def test_the_wait_for_the_code_ends_after_ten_minutes(client, cast: Cast) -> None:
    with time_machine.travel("2026-11-23 09:00 +0000", tick=False) as clock:
        await password_step(client, cast.therapist.email)
        clock.shift(11 * 60)
        response = await post_form(client, "/login/totp", {"code": current_code()})
        assert response.headers["location"] == "/login"


async def test_the_sixth_wrong_code_within_a_minute_gets_429_but_not_elsewhere(
    app: Litestar, client, cast: Cast
) -> None:
    await password_step(client, cast.therapist.email)
    wrong = "000000" if current_code() != "000000" else "111111"
    statuses = [(await code_step(client, wrong)).status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 401, 401, 429]
    assert (await code_step(client, current_code())).status_code == 429
    # The account is not locked: its owner elsewhere still logs in.
    async with make_client(app, ip="10.9.8.7") as elsewhere:
        assert (await login(elsewhere, cast.therapist.email)).status_code == 303
        assert (await elsewhere.get("/caseload")).status_code == 200


async def test_a_new_therapist_enrols_after_the_password_and_can_use_a_recovery_code(
    client, db
) -> None:
    user_id = await without_totp(Role.THERAPIST, "nieuw@cast.test")
    response = await password_step(client, "nieuw@cast.test")
    assert response.headers["location"] == "/login/enrol"

    page = await client.get("/login/enrol")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text
    assert "otpauth://totp/" in page.text
    match = re.search(r"<code>([A-Z2-7 ]+)</code>", page.text)
    assert match
    secret = match.group(1).replace(" ", "")
    assert (await client.get("/login/enrol")).text.count(match.group(1)) == 1  # same secret

    wrong = await post_form(client, "/login/enrol", {"code": "12345"}, token_from="/login/enrol")
    assert wrong.status_code == 400
    confirmed = await post_form(
        client, "/login/enrol", {"code": current_code(secret)}, token_from="/login/enrol"
    )
    assert confirmed.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", confirmed.text)
    assert len(codes) == 10
    assert (await client.get("/caseload")).status_code == 200
    await assert_audited(action=Action.UPDATE.value, object_type="totp", actor_id=user_id)
    await assert_audited(action=Action.LOGIN.value, actor_id=user_id, outcome="success")

    stored = await TotpRecoveryCode.select().where(TotpRecoveryCode.user == user_id)
    assert len(stored) == 10
    assert not any(code in row["code_hash"] for code in codes for row in stored)
    row = await User.select(User.totp_secret).where(User.id == user_id).first()
    assert row is not None and row["totp_secret"] == secret

    client.cookies.clear()
    await password_step(client, "nieuw@cast.test")
    assert (await code_step(client, codes[3])).status_code == 303
    assert (await client.get("/caseload")).status_code == 200
    await assert_audited(action=Action.LOGIN.value, object_type="recovery_code", outcome="success")
    client.cookies.clear()
    await password_step(client, "nieuw@cast.test")
    assert (await code_step(client, codes[3])).status_code == 401  # used once only


async def test_an_employer_contact_logs_in_with_the_password_and_may_switch_totp_on(
    client, db
) -> None:
    await without_totp(Role.EMPLOYER_CONTACT, "hr@cast.test")
    response = await password_step(client, "hr@cast.test")
    assert response.headers["location"] == "/"
    before = client.cookies.get(SESSION)
    page = await client.get("/account/totp")
    match = re.search(r"<code>([A-Z2-7 ]+)</code>", page.text)
    assert match
    secret = match.group(1).replace(" ", "")
    confirmed = await post_form(
        client, "/account/totp", {"code": current_code(secret)}, token_from="/account/totp"
    )
    assert confirmed.status_code == 200
    assert client.cookies.get(SESSION) != before  # a privilege change rotates the id
    assert 'action="/account/totp"' not in (await client.get("/account/totp")).text  # on now
    client.cookies.clear()
    response = await password_step(client, "hr@cast.test")
    assert response.headers["location"] == "/login/totp"


async def test_an_account_made_by_the_administrator_must_enrol(client, db) -> None:
    from practice.audit.trail import Actor, Channel
    from practice.services.accounts import create_user

    await create_user(
        Actor.system(Channel.CLI),
        email="arts@cast.test",
        display_name="Arts",
        role=Role.COMPANY_DOCTOR.value,
        password=PASSWORD,
    )
    response = await password_step(client, "arts@cast.test")
    assert response.headers["location"] == "/login/enrol"


async def test_the_demo_accounts_log_in_without_a_phone(client, db, settings: Settings) -> None:
    await load_demo(tz=settings.time_zone)
    therapist = next(a for a in DEMO_ACCOUNTS if a.role is Role.THERAPIST)
    response = await post_form(
        client, "/login", {"email": therapist.email, "password": DEMO_PASSWORD}
    )
    assert response.headers["location"] == "/"
    exempt = await User.select(User.email).where(User.totp_exempt == True)  # noqa: E712
    assert {r["email"] for r in exempt} == {a.email for a in DEMO_ACCOUNTS}


async def test_the_cast_logs_in_through_the_helper_with_both_steps(client, cast: Cast) -> None:
    for member in (cast.therapist, cast.administrator):
        assert (await login(client, member.email)).status_code == 303
    rows = await audit_rows(action=Action.LOGIN.value, outcome=Outcome.SUCCESS.value)
    assert {r["actor_id"] for r in rows} == {cast.therapist.id, cast.administrator.id}
