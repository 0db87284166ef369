"""Handovers on any valid date (issue 17): a case registered today is handed over today, and
a date that is really wrong comes back on its row with a Dutch or English reason beside the
field, what was chosen kept."""

import httpx
import time_machine

from practice.accounts import Role
from practice.tables import CaseAssignment, User
from tests.cast import Cast, make_user
from tests.integration.practice.test_portal_forms import HTML, NOW, post_page_form, referral_form
from tests.story import setup_parties
from tests.web import login

PAGE = "/admin/handovers"


async def _referred_on(client: httpx.AsyncClient, cast: Cast, received_at: str) -> int:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    response = await post_page_form(
        client, "/referrals/new", "/referrals", referral_form(parties, received_at=received_at)
    )
    assert response.status_code == 303, response.text[:400]
    return int(response.headers["location"].rsplit("/", 1)[1])


async def _hand_over(
    client: httpx.AsyncClient, episode_id: int, leaver: int, successor: int, on: str
) -> httpx.Response:
    return await post_page_form(
        client,
        PAGE,
        PAGE,
        {
            "episode_id": str(episode_id),
            "leaving_user_id": str(leaver),
            "successor_user_id": str(successor),
            "on": on,
        },
    )


async def _therapists_of(episode_id: int) -> list[tuple[int, str, str | None]]:
    rows = await CaseAssignment.select(
        CaseAssignment.user, CaseAssignment.valid_from, CaseAssignment.valid_to
    ).where((CaseAssignment.episode == episode_id) & (CaseAssignment.team_role == "therapist"))
    return sorted(
        (r["user"], str(r["valid_from"]), str(r["valid_to"]) if r["valid_to"] else None)
        for r in rows
    )


@time_machine.travel(NOW, tick=False)
async def test_a_case_registered_today_is_handed_over_today(client, cast: Cast) -> None:
    episode_id = await _referred_on(client, cast, "2026-06-15T09:00")
    successor = await make_user(Role.THERAPIST, "opvolger@cast.test")
    await login(client, cast.administrator.email)
    page = await client.get(PAGE, headers=HTML)
    assert 'value="2026-06-15"' in page.text  # today is offered
    response = await _hand_over(client, episode_id, cast.therapist.id, successor.id, "2026-06-15")
    assert response.status_code == 303, response.text[:600]
    # the seat passes whole: one therapist on every day, the successor from today
    assert await _therapists_of(episode_id) == [(successor.id, "2026-06-15", None)]


@time_machine.travel(NOW, tick=False)
async def test_a_case_is_handed_over_today_after_an_earlier_start(client, cast: Cast) -> None:
    episode_id = await _referred_on(client, cast, "2026-06-10T09:00")
    successor = await make_user(Role.THERAPIST, "opvolger@cast.test")
    await login(client, cast.administrator.email)
    response = await _hand_over(client, episode_id, cast.therapist.id, successor.id, "2026-06-15")
    assert response.status_code == 303
    assert await _therapists_of(episode_id) == [
        (cast.therapist.id, "2026-06-10", "2026-06-14"),
        (successor.id, "2026-06-15", None),
    ]


@time_machine.travel(NOW, tick=False)
async def test_a_date_before_the_seat_began_is_refused_beside_the_field_on_its_row(
    client, cast: Cast
) -> None:
    episode_id = await _referred_on(client, cast, "2026-06-10T09:00")
    successor = await make_user(Role.THERAPIST, "opvolger@cast.test")
    await login(client, cast.administrator.email)
    response = await _hand_over(client, episode_id, cast.therapist.id, successor.id, "2026-06-01")
    assert response.status_code == 400
    row = response.text.split(f'id="case-{episode_id}"', 1)[1].split("</tr>", 1)[0]
    assert f'id="on-{episode_id}-problem"' in row
    assert "De overdrachtsdatum ligt vóór het begin van deze plek (10 jun 2026)" in row
    assert 'value="2026-06-01"' in row
    assert "Internal" not in response.text and "person " not in response.text
    assert len(await _therapists_of(episode_id)) == 1  # nothing written


@time_machine.travel(NOW, tick=False)
async def test_a_date_years_ahead_is_refused_in_english_for_an_english_reader(
    client, cast: Cast
) -> None:
    episode_id = await _referred_on(client, cast, "2026-06-10T09:00")
    successor = await make_user(Role.THERAPIST, "opvolger@cast.test")
    await login(client, cast.administrator.email)
    client.cookies.set("lang", "en")
    response = await _hand_over(client, episode_id, cast.therapist.id, successor.id, "2031-01-01")
    assert response.status_code == 400
    assert "This date is too far in the future (after " in response.text
    assert f'id="on-{episode_id}-problem"' in response.text
    assert len(await _therapists_of(episode_id)) == 1


@time_machine.travel(NOW, tick=False)
async def test_the_cases_of_a_deactivated_therapist_are_marked_and_handed_over_as_usual(
    client, cast: Cast
) -> None:
    episode_id = await _referred_on(client, cast, "2026-06-10T09:00")
    successor = await make_user(Role.THERAPIST, "opvolger@cast.test")
    await User.update({User.active: False}).where(User.id == cast.therapist.id)
    await login(client, cast.administrator.email)
    page = await client.get(PAGE, headers=HTML)
    row = page.text.split(f'id="case-{episode_id}"', 1)[1].split("</tr>", 1)[0]
    assert "(gedeactiveerd)" in row
    response = await _hand_over(client, episode_id, cast.therapist.id, successor.id, "2026-06-15")
    assert response.status_code == 303
    assert (successor.id, "2026-06-15", None) in await _therapists_of(episode_id)
