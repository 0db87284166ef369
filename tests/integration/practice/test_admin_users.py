"""The administrator edits, deactivates and takes back accounts (issue 17): a deactivated
account's sessions end at once, its login is refused with a clear message, and the cases it
still holds are listed with the way to hand them over."""

from typing import Any

import httpx
import time_machine
from litestar import Litestar

from practice.accounts import Role
from practice.audit.trail import Action
from practice.tables import User
from practice.web.auth import SESSION_NAMESPACE
from tests.cast import Cast, make_user
from tests.conftest import make_client
from tests.integration.practice.test_portal_forms import HTML, NOW, post_page_form, referred
from tests.web import audit_rows, login


async def _edit(client: httpx.AsyncClient, user_id: int, **fields: str) -> httpx.Response:
    page = f"/admin/users/{user_id}"
    return await post_page_form(client, page, page, fields)


async def _set_active(client: httpx.AsyncClient, user_id: int, active: bool) -> httpx.Response:
    page = f"/admin/users/{user_id}"
    return await post_page_form(
        client, page, page + "/activation", {"active": "true" if active else "false"}
    )


async def test_an_administrator_changes_name_address_language_and_registration_of_an_account(
    client, cast: Cast
) -> None:
    await login(client, cast.administrator.email)
    page = await client.get(f"/admin/users/{cast.therapist.id}", headers=HTML)
    assert page.status_code == 200 and 'value="therapist@cast.test"' in page.text
    response = await _edit(
        client,
        cast.therapist.id,
        display_name="Thea Therapeut",
        email=" Thea@Cast.Test ",
        role="therapist",
        locale="en",
        registration="BIG  49012345625",
    )
    assert response.status_code == 303, response.text[:400]
    row = await User.select(
        User.display_name, User.email, User.locale, User.registration, User.role
    ).where(User.id == cast.therapist.id)
    assert row == [
        {
            "display_name": "Thea Therapeut",
            "email": "thea@cast.test",
            "locale": "en",
            "registration": "BIG 49012345625",
            "role": "therapist",
        }
    ]
    updates = await audit_rows(action=Action.UPDATE.value, object_type="user")
    assert [r["object_id"] for r in updates] == [str(cast.therapist.id)]


async def test_a_registration_written_before_the_rule_does_not_stop_other_changes_until_edited(
    client, cast: Cast
) -> None:
    await User.update({User.registration: "GZ-psycholoog"}).where(User.id == cast.therapist.id)
    await login(client, cast.administrator.email)
    fields = {"email": "therapist@cast.test", "role": "therapist", "locale": "nl"}

    kept = await _edit(
        client, cast.therapist.id, display_name="Thea", registration="GZ-psycholoog", **fields
    )
    changed = await _edit(
        client, cast.therapist.id, display_name="Thea", registration="GZ psycholoog", **fields
    )

    assert kept.status_code == 303
    assert changed.status_code == 400 and 'id="registration-problem"' in changed.text
    row = await User.select(User.display_name, User.registration).where(
        User.id == cast.therapist.id
    )
    assert row == [{"display_name": "Thea", "registration": "GZ-psycholoog"}]


async def test_a_refused_edit_keeps_what_was_typed_and_names_each_problem_by_its_field(
    client, cast: Cast
) -> None:
    await login(client, cast.administrator.email)
    response = await _edit(
        client,
        cast.therapist.id,
        display_name="Nieuwe Naam",
        email="practice-manager@cast.test",  # another account's address
        role="therapist",
        locale="nl",
    )
    assert response.status_code == 400
    assert 'value="Nieuwe Naam"' in response.text
    assert 'value="practice-manager@cast.test"' in response.text
    assert 'id="email-problem"' in response.text
    assert "Er bestaat al een account met dit e-mailadres." in response.text
    row = await User.select(User.display_name).where(User.id == cast.therapist.id).first()
    assert row == {"display_name": "Test therapist"}


@time_machine.travel(NOW, tick=False)
async def test_an_account_with_a_seat_keeps_its_role(client, cast: Cast) -> None:
    await referred(client, cast)
    await login(client, cast.administrator.email)
    response = await _edit(
        client,
        cast.therapist.id,
        display_name="Test therapist",
        email=cast.therapist.email,
        role="practice_manager",
        locale="nl",
    )
    assert response.status_code == 400
    assert "maak een nieuw account" in response.text
    row = await User.select(User.role).where(User.id == cast.therapist.id).first()
    assert row == {"role": "therapist"}


async def test_a_deactivated_account_is_logged_out_at_once_and_cannot_log_in_again(
    app: Litestar, client, redis: Any, cast: Cast
) -> None:
    async with make_client(app, ip="10.1.1.2") as therapist:
        await login(therapist, cast.therapist.email)
        assert (await therapist.get("/today")).status_code == 200
        await login(client, cast.administrator.email)
        assert (await _set_active(client, cast.therapist.id, False)).status_code == 303
        sessions = [k async for k in redis.scan_iter(match=f"{SESSION_NAMESPACE}:*")]
        assert len(sessions) == 1  # the administrator's own
        after = await therapist.get("/today")
        assert after.status_code in (303, 401)
        again = await login(therapist, cast.therapist.email)
        assert again.status_code == 403 and "gedeactiveerd" in again.text
    row = await User.select(User.active).where(User.id == cast.therapist.id).first()
    assert row == {"active": False}
    listing = await client.get("/admin/users", headers=HTML)
    assert "nee, gedeactiveerd" in listing.text


async def test_a_taken_back_account_logs_in_again(app: Litestar, client, cast: Cast) -> None:
    await login(client, cast.administrator.email)
    await _set_active(client, cast.employer_contact.id, False)
    assert (await _set_active(client, cast.employer_contact.id, True)).status_code == 303
    async with make_client(app, ip="10.1.1.3") as contact:
        assert (await login(contact, cast.employer_contact.email)).status_code == 303


async def test_the_administrator_cannot_deactivate_their_own_account(client, cast: Cast) -> None:
    await login(client, cast.administrator.email)
    response = await _set_active(client, cast.administrator.id, False)
    assert response.status_code == 409
    assert "eigen account" in response.text
    row = await User.select(User.active).where(User.id == cast.administrator.id).first()
    assert row == {"active": True}


@time_machine.travel(NOW, tick=False)
async def test_a_therapist_s_running_cases_are_listed_with_the_way_to_hand_them_over(
    client, cast: Cast
) -> None:
    await referred(client, cast)
    await login(client, cast.administrator.email)
    page = await client.get(f"/admin/users/{cast.therapist.id}", headers=HTML)
    cases = page.text.split('data-testid="live-cases"', 1)[1].split("</div>", 1)[0]
    assert "Anna Formulier" in cases and 'href="/admin/handovers"' in cases
    # the warning does not block: the deactivation goes through, the seat stays until handed
    assert (await _set_active(client, cast.therapist.id, False)).status_code == 303


async def test_a_new_account_form_that_is_refused_keeps_the_fields_but_not_the_password(
    client, db: None
) -> None:
    admin = await make_user(Role.ADMINISTRATOR, "beheer@cast.test")
    await login(client, admin.email)
    response = await post_page_form(
        client,
        "/admin/users",
        "/admin/users",
        {
            "display_name": "Nieuw",
            "email": "nieuw@cast.test",
            "role": "therapist",
            "locale": "nl",
            "password": "kort",
        },
    )
    assert response.status_code == 400
    assert 'value="nieuw@cast.test"' in response.text
    assert 'value="kort"' not in response.text
    assert 'id="password-problem">Gebruik minstens 12 tekens.<' in response.text  # in Dutch
    assert await User.count().where(User.email == "nieuw@cast.test") == 0


async def test_an_address_already_in_use_is_named_next_to_the_e_mail_field(
    client, db: None
) -> None:
    admin = await make_user(Role.ADMINISTRATOR, "beheer@cast.test")
    await login(client, admin.email)
    form = {
        "display_name": "Tweede",
        "email": "BEHEER@cast.test",
        "role": "therapist",
        "locale": "nl",
        "password": "long enough password",
    }

    response = await post_page_form(client, "/admin/users", "/admin/users", form)

    assert response.status_code == 409
    assert 'id="email-problem">Er bestaat al een account met dit e-mailadres.<' in response.text
    assert 'value="Tweede"' in response.text
    assert await User.count().where(User.email == "beheer@cast.test") == 1


async def test_an_unknown_account_is_a_404(client, cast: Cast) -> None:
    await login(client, cast.administrator.email)
    assert (await client.get("/admin/users/999999", headers=HTML)).status_code == 404


@time_machine.travel(NOW, tick=False)
async def test_the_seats_of_a_deactivated_account_grant_nothing(client, cast: Cast) -> None:
    from datetime import date

    from practice.queries.access import relation

    episode_id = await referred(client, cast)
    today = date(2026, 6, 15)
    assert (await relation(cast.therapist.id, episode_id, today)).seats
    await User.update({User.active: False}).where(User.id == cast.therapist.id)
    assert not (await relation(cast.therapist.id, episode_id, today)).seats
