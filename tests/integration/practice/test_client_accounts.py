"""The client's own account (issue 20): the therapist invites, the client sets it up by a
single-use link (72 h), and logs in with a password and an app or a code by e-mail; the
therapist sees the state and can invite again or revoke."""

import re
from typing import Any

import httpx
import pytest
import time_machine

from practice.tables import AuditEvent, ClientAccount, OutboundMessage, User
from tests.cast import Cast
from tests.integration.reporting.test_questionnaire_link import NOW, screened_client_with_email
from tests.web import csrf_token, post_form

INVITE_LINK = re.compile(r"https?://[^/\s]+(/client-account/[A-Za-z0-9_-]+)")
CODE = re.compile(r"^(\d{6})$", re.MULTILINE)
ADDRESS = "anna.link@example.org"
PASSWORD = "a long sentence for anna"


async def invite(client: httpx.AsyncClient, episode_id: int) -> httpx.Response:
    page = f"/episodes/{episode_id}?section=consents"
    token = await csrf_token(client, page)
    return await client.post(
        f"/episodes/{episode_id}/client-account/invitation", data={"_csrf_token": token}
    )


async def last_message(kind: str) -> dict[str, Any]:
    row = (
        await OutboundMessage.select()
        .where(OutboundMessage.key.like(f"client-account:%:{kind}:%"))
        .order_by(OutboundMessage.id, ascending=False)
        .first()
    )
    assert row is not None, f"no {kind} message"
    return row


async def invitation_path(address: str = ADDRESS) -> str:
    message = await last_message("invitation")
    assert message["to_address"] == address
    match = INVITE_LINK.search(message["body_text"])
    assert match, message["body_text"]
    return match.group(1)


async def set_up(
    client: httpx.AsyncClient, path: str, factor: str = "email", **overrides: str
) -> httpx.Response:
    form = {"password": PASSWORD, "password_again": PASSWORD, "factor": factor} | overrides
    return await post_form(client, path, form, token_from=path)


async def invited_client(client: httpx.AsyncClient, cast: Cast) -> tuple[int, str]:
    """A client in treatment, invited by the therapist; the therapist logs out."""
    episode_id = await screened_client_with_email(client, cast)
    response = await invite(client, episode_id)
    assert response.status_code == 303, response.text[:600]
    path = await invitation_path()
    client.cookies.clear()
    return episode_id, path


async def client_with_account(client: httpx.AsyncClient, cast: Cast) -> int:
    """A client whose account is set up with the e-mail factor, logged in."""
    episode_id, path = await invited_client(client, cast)
    response = await set_up(client, path)
    assert response.status_code == 303 and response.headers["location"] == "/", response.text
    return episode_id


async def log_in_with_code(client: httpx.AsyncClient) -> httpx.Response:
    response = await post_form(client, "/login", {"email": ADDRESS, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/login/email-code"
    code = CODE.search((await last_message("code"))["body_text"])
    assert code
    return await post_form(
        client, "/login/email-code", {"code": code.group(1)}, token_from="/login/email-code"
    )


@time_machine.travel(NOW, tick=False)
async def test_an_invited_client_sets_up_the_account_and_lands_in_the_portal(
    client, cast: Cast
) -> None:
    _, path = await invited_client(client, cast)

    page = await client.get(path)
    assert page.status_code == 200 and ADDRESS in page.text
    response = await set_up(client, path)

    assert response.status_code == 303 and response.headers["location"] == "/"
    home = await client.get("/", follow_redirects=True)
    assert home.status_code == 200 and str(home.url).endswith("/my")
    account = await ClientAccount.select().first()
    assert account is not None and account["set_up_at"] is not None
    assert account["token_hash"] is None and account["second_factor"] == "email"
    assert path.rsplit("/", 1)[1] not in str(await ClientAccount.select())
    assert await AuditEvent.exists().where(
        (AuditEvent.object_type == "client_account") & (AuditEvent.action == "update")
    )


@time_machine.travel(NOW, tick=False)
async def test_the_link_works_once_and_not_after_72_hours(client, cast: Cast) -> None:
    _, path = await invited_client(client, cast)
    with time_machine.travel("2026-06-15 10:01 +0200", tick=False):  # 72 h and a minute on
        assert (await client.get(path)).status_code == 410
    assert (await set_up(client, path)).status_code == 303
    client.cookies.clear()

    assert (await client.get(path)).status_code == 410
    assert (await client.get("/client-account/not-a-token")).status_code == 410


@time_machine.travel(NOW, tick=False)
async def test_a_refused_set_up_names_the_field_and_keeps_the_link_working(
    client, cast: Cast
) -> None:
    _, path = await invited_client(client, cast)

    short = await set_up(client, path, password="short", password_again="short")
    differ = await set_up(client, path, password_again="another long sentence")
    no_factor = await set_up(client, path, factor="carrier-pigeon")

    for response, field in ((short, "password"), (differ, "password_again"), (no_factor, "factor")):
        assert response.status_code == 400, response.text[:400]
        assert f'id="{field}-problem"' in response.text
        assert PASSWORD not in response.text  # a password is never sent back
    assert await ClientAccount.exists().where(ClientAccount.set_up_at.is_null())
    assert (await set_up(client, path)).status_code == 303


@time_machine.travel(NOW, tick=False)
async def test_the_client_logs_in_with_a_code_by_email_that_works_once(client, cast: Cast) -> None:
    await client_with_account(client, cast)
    await post_form(client, "/logout", {}, token_from="/my")

    response = await log_in_with_code(client)

    assert response.status_code == 303
    assert (await client.get("/my")).status_code == 200
    code = CODE.search((await last_message("code"))["body_text"])
    assert code
    await post_form(client, "/logout", {}, token_from="/my")
    await post_form(client, "/login", {"email": ADDRESS, "password": PASSWORD})
    again = await post_form(
        client, "/login/email-code", {"code": code.group(1)}, token_from="/login/email-code"
    )
    assert again.status_code == 401  # a new login sent a new code; the old one is used up
    assert (await client.get("/my")).status_code in (401, 303)


@time_machine.travel(NOW, tick=False)
async def test_an_email_code_expires_after_ten_minutes(client, cast: Cast) -> None:
    from datetime import timedelta

    from practice.audit.trail import Actor, Channel
    from practice.services.client_accounts import check_login_code

    await client_with_account(client, cast)
    await post_form(client, "/logout", {}, token_from="/my")
    await post_form(client, "/login", {"email": ADDRESS, "password": PASSWORD})
    code = CODE.search((await last_message("code"))["body_text"])
    account = await ClientAccount.select(ClientAccount.user, ClientAccount.code_until).first()
    assert code and account is not None
    anyone = Actor(user_id=None, role=None, source="127.0.0.1", channel=Channel.WEB)

    late = account["code_until"] + timedelta(seconds=1)

    assert not await check_login_code(anyone, account["user"], code.group(1), now=late)
    assert await check_login_code(anyone, account["user"], code.group(1))


@time_machine.travel(NOW, tick=False)
async def test_choosing_the_app_leads_to_its_enrolment_before_the_first_session(
    client, cast: Cast
) -> None:
    _, path = await invited_client(client, cast)

    response = await set_up(client, path, factor="totp")

    assert response.status_code == 303 and response.headers["location"] == "/login/enrol"
    assert (await client.get("/login/enrol")).status_code == 200
    assert (await client.get("/my")).status_code in (401, 303)  # no session yet


@time_machine.travel(NOW, tick=False)
async def test_the_therapist_sees_the_state_invites_again_and_revokes(
    client: httpx.AsyncClient, cast: Cast, app: Any
) -> None:
    from tests.conftest import make_client
    from tests.web import login

    episode_id = await client_with_account(client, cast)
    assert (await client.get("/my")).status_code == 200
    async with make_client(app) as therapist:
        await login(therapist, cast.therapist.email)
        section = await therapist.get(f"/episodes/{episode_id}?section=consents")
        assert 'data-state="active"' in section.text

        token = await csrf_token(therapist, f"/episodes/{episode_id}?section=consents")
        revoked = await therapist.post(
            f"/episodes/{episode_id}/client-account/revocation", data={"_csrf_token": token}
        )
        assert revoked.status_code == 303
        section = await therapist.get(f"/episodes/{episode_id}?section=consents")
        assert 'data-state="revoked"' in section.text

        # The client's session ended with the account, and the password no longer works.
        assert (await client.get("/my")).status_code in (401, 303)
        refused = await post_form(client, "/login", {"email": ADDRESS, "password": PASSWORD})
        assert refused.status_code in (401, 403)

        # A new invitation opens the account again, with a new link; the old one is gone.
        assert (await invite(therapist, episode_id)).status_code == 303
        section = await therapist.get(f"/episodes/{episode_id}?section=consents")
        assert 'data-state="invited"' in section.text
    path = await invitation_path()
    client.cookies.clear()
    assert (await set_up(client, path)).status_code == 303
    assert (await client.get("/my")).status_code == 200


@time_machine.travel(NOW, tick=False)
async def test_a_new_invitation_replaces_the_link_sent_before(client, cast: Cast) -> None:
    from tests.web import login

    episode_id, first = await invited_client(client, cast)
    await login(client, cast.therapist.email)
    assert (await invite(client, episode_id)).status_code == 303
    second = await invitation_path()
    client.cookies.clear()

    assert first != second
    assert (await client.get(first)).status_code == 410
    assert (await client.get(second)).status_code == 200


@time_machine.travel(NOW, tick=False)
async def test_a_client_without_an_email_address_cannot_be_invited(client, cast: Cast) -> None:
    from tests.integration.practice.test_portal_forms import (
        IN_TREATMENT,
        post_page_form,
        post_steps,
        referral_form,
    )
    from tests.story import setup_parties
    from tests.web import login

    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    response = await post_page_form(client, "/referrals/new", "/referrals", referral_form(parties))
    episode_id = int(response.headers["location"].rsplit("/", 1)[1])
    await post_steps(client, f"/episodes/{episode_id}", IN_TREATMENT)

    refused = await invite(client, episode_id)

    assert refused.status_code == 400
    assert "e-mailadres" in refused.text
    assert not await ClientAccount.exists()
    assert not await User.exists().where(
        (User.role == "client") & (User.email != cast.client.email)
    )


@pytest.mark.parametrize("staff_address", ["therapist@cast.test"])
@time_machine.travel(NOW, tick=False)
async def test_an_address_of_a_staff_account_is_refused_for_a_client(
    client, cast: Cast, staff_address: str
) -> None:
    episode_id = await screened_client_with_email(client, cast)
    from practice.tables import Client

    await Client.update({Client.email: staff_address}).where(Client.id > 0)

    refused = await invite(client, episode_id)

    assert refused.status_code == 400
    assert (await User.select(User.role).where(User.email == staff_address).first()) == {
        "role": "therapist"
    }


@time_machine.travel(NOW, tick=False)
async def test_the_invitation_is_in_the_clients_language_not_the_therapists(
    client, cast: Cast
) -> None:
    episode_id = await screened_client_with_email(client, cast)
    client.cookies.set("lang", "en")  # the therapist works in English

    assert (await invite(client, episode_id)).status_code == 303

    message = await last_message("invitation")
    assert message["subject"] == "Uw account voor het cliëntportaal van de praktijk"


@time_machine.travel(NOW, tick=False)
async def test_asking_for_new_codes_sends_at_most_one_each_30_seconds(client, cast: Cast) -> None:
    await client_with_account(client, cast)
    await post_form(client, "/logout", {}, token_from="/my")
    await post_form(client, "/login", {"email": ADDRESS, "password": PASSWORD})
    before = await OutboundMessage.count().where(
        OutboundMessage.key.like("client-account:%:code:%")
    )

    for _ in range(3):
        await post_form(client, "/login/email-code/new", {}, token_from="/login/email-code")

    after = await OutboundMessage.count().where(OutboundMessage.key.like("client-account:%:code:%"))
    assert after == before
