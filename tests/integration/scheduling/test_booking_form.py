"""The client page's booking form, refused: the sessions section comes back with what was
typed and the problem next to its field (a time outside the opening hours, a duration out
of range) or above the form (a time already taken), in the user's language; nothing is
booked."""

import re

import time_machine

from scheduling.tables import Appointment
from tests.cast import Cast
from tests.story import refer, setup_parties
from tests.web import csrf_token, post_form

REFERRED = "2026-04-20T09:00:00+02:00"


def _problems(html: str) -> list[str]:
    return re.findall(r'<p class="field-problem" id="([^"]+)-problem">', html)


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_booking_at_night_comes_back_with_the_problem_next_to_the_time_and_the_input_kept(
    client, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast), received_at=REFERRED)
    page = f"/episodes/{episode_id}?section=sessions"
    before = await Appointment.count()

    refused = await post_form(
        client,
        f"/episodes/{episode_id}/appointments",
        {"kind": "treatment_session", "starts_at": "2026-05-04T02:00", "duration_minutes": "50"},
        token_from=page,
    )

    assert refused.status_code == 400
    assert _problems(refused.text) == ["booking_starts_at"]
    assert "Niet opgeslagen." in refused.text
    assert 'value="2026-05-04T02:00"' in refused.text and 'value="50"' in refused.text
    assert 'id="sessions-title"' in refused.text  # the sessions section, not an error page
    assert await Appointment.count() == before


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_too_short_booking_names_the_duration_in_english(client, cast: Cast) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast), received_at=REFERRED)
    client.cookies.set("lang", "en")

    refused = await post_form(
        client,
        f"/episodes/{episode_id}/appointments",
        {"kind": "treatment_session", "starts_at": "2026-05-04T10:00", "duration_minutes": "5"},
        token_from=f"/episodes/{episode_id}?section=sessions",
    )

    assert refused.status_code == 400
    assert _problems(refused.text) == ["booking_duration_minutes"]
    assert "A session lasts between 10 and 480 minutes." in refused.text
    assert "Not saved." in refused.text and 'value="5"' in refused.text


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_time_already_taken_comes_back_as_a_conflict_above_the_kept_form(
    client, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast), received_at=REFERRED)
    page = f"/episodes/{episode_id}?section=sessions"
    form = {"kind": "treatment_session", "starts_at": "2026-05-04T10:00", "duration_minutes": "45"}
    assert (
        await post_form(client, f"/episodes/{episode_id}/appointments", form, token_from=page)
    ).status_code == 303
    booked = await Appointment.count()

    taken = await post_form(client, f"/episodes/{episode_id}/appointments", form, token_from=page)

    assert taken.status_code == 409
    assert 'class="form-problems"' in taken.text and 'value="2026-05-04T10:00"' in taken.text
    assert await Appointment.count() == booked


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_the_language_switch_on_a_refused_form_returns_to_the_page_the_form_was_on(
    client, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast), received_at=REFERRED)
    page = f"/episodes/{episode_id}?section=sessions"
    token = await csrf_token(client, page)
    form = {"kind": "treatment_session", "starts_at": "2026-05-04T02:00", "_csrf_token": token}

    refused = await client.post(
        f"/episodes/{episode_id}/appointments",
        data=form,
        headers={"referer": f"https://testserver{page}"},
    )
    elsewhere = await client.post(
        f"/episodes/{episode_id}/appointments",
        data=form,
        headers={"referer": f"https://evil.example{page}"},
    )

    assert refused.status_code == 400
    # Not the POST's own path, which a GET answers with 405.
    assert f'name="next" value="{page}"' in refused.text.replace("&amp;", "&")
    assert 'name="next" value="/"' in elsewhere.text
