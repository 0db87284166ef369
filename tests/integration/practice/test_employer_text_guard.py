"""The employer-text guard at the doors: a text bound for an employer that names medical
matters is refused with 422 naming the words, in the JSON error and beside the form's
field (what was typed kept, in Dutch or English), and nothing is written."""

import html

import httpx
import time_machine

from practice.tables import RelapsePreventionPlan, WorkResumptionAgreement
from reporting.tables import MeetingMinutes
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import post_page_form
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.story import ok
from tests.web import api

NOW = "2026-06-15 10:00 +0200"
MEDICAL = "Vanwege zijn depressie en paniekstoornis (EMDR) eerst 2 uur per dag"
NEUTRAL = "Start met 2 x 4 uur aangepast werk, evaluatie over twee weken"
NAMED = "depressie, paniekstoornis, EMDR"


async def held_alignment_meeting(client: httpx.AsyncClient, episode_id: int) -> int:
    meeting = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "alignment_meeting", "starts_at": "2026-06-01T13:00:00+02:00"},
        ),
        201,
    )
    await ok(
        await api(
            client, "POST", f"/api/appointments/{meeting['id']}/attendance", {"attendance": "held"}
        )
    )
    return int(meeting["id"])


def refused_json(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert NAMED in body["fields"][field]
    assert "hours and agreements" in body["fields"][field]  # the neutral phrasing offered
    assert NAMED in body["detail"]


@time_machine.travel(NOW, tick=False)
async def test_an_agreement_naming_medical_matters_is_refused_with_422_naming_the_words(
    client, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    path = f"/api/episodes/{episode_id}/agreements"
    refused_json(
        await api(client, "POST", path, {"agreed_on": "2026-06-01", "description": MEDICAL}),
        "description",
    )
    assert await WorkResumptionAgreement.count() == 0
    await ok(
        await api(client, "POST", path, {"agreed_on": "2026-06-01", "description": NEUTRAL}), 201
    )
    assert await WorkResumptionAgreement.count() == 1


@time_machine.travel(NOW, tick=False)
async def test_the_agreement_form_shows_the_words_beside_the_field_and_keeps_what_was_typed(
    client, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    page = f"/episodes/{episode_id}?section=work"
    response = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/agreements",
        {"agreed_on": "2026-06-01", "description": MEDICAL},
    )
    assert response.status_code == 422
    shown = html.unescape(response.text)
    assert 'aria-invalid="true"' in shown
    assert f"Dit mag de werkgever niet lezen: {NAMED}." in shown
    assert "zonder diagnose, klachten, medicatie of behandeling" in shown
    assert MEDICAL in shown  # what was typed is kept, to rephrase
    assert await WorkResumptionAgreement.count() == 0

    client.cookies.set("lang", "en")
    response = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/agreements",
        {"agreed_on": "2026-06-01", "description": MEDICAL},
    )
    assert response.status_code == 422
    assert f"An employer may not read this: {NAMED}." in html.unescape(response.text)


@time_machine.travel(NOW, tick=False)
async def test_shared_minutes_naming_medical_matters_are_refused_the_internal_ones_are_not(
    client, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    meeting_id = await held_alignment_meeting(client, episode_id)
    path = f"/api/appointments/{meeting_id}/minutes"
    refused_json(
        await api(client, "POST", path, {"shared_text": MEDICAL, "internal_text": ""}),
        "shared_text",
    )
    assert await MeetingMinutes.count() == 0
    # The internal minutes stay with the therapist: they may say anything.
    await ok(await api(client, "POST", path, {"shared_text": NEUTRAL, "internal_text": MEDICAL}))
    assert await MeetingMinutes.count() == 1

    response = await post_page_form(
        client,
        f"/episodes/{episode_id}?section=reports",
        f"/appointments/{meeting_id}/minutes",
        {"shared_text": MEDICAL, "internal_text": "intern"},
    )
    assert response.status_code == 422
    shown = html.unescape(response.text)
    assert f"Dit mag de werkgever niet lezen: {NAMED}." in shown
    assert f'id="shared_text-{meeting_id}"' in shown and 'aria-invalid="true"' in shown
    assert MEDICAL in shown
    rows = await MeetingMinutes.select(MeetingMinutes.shared_text)
    assert [r["shared_text"] for r in rows] == [NEUTRAL]


@time_machine.travel(NOW, tick=False)
async def test_the_plans_work_section_is_checked_when_the_client_shares_it_with_the_employer(
    client, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    path = f"/api/episodes/{episode_id}/relapse-prevention-plan"
    plan = {
        "drawn_up_on": "2026-06-01",
        "warning_signs": "Slecht slapen, piekeren",
        "actions": "Contact met de psycholoog",
        "work_situation": MEDICAL,
    }
    refused_json(
        await api(client, "POST", path, {**plan, "share_work_section_with_employer": True}),
        "work_situation",
    )
    assert await RelapsePreventionPlan.count() == 0
    # Kept with the client, the plan is medical by nature: no check.
    await ok(await api(client, "POST", path, plan))
    assert await RelapsePreventionPlan.count() == 1

    response = await post_page_form(
        client,
        f"/episodes/{episode_id}?section=end",
        f"/episodes/{episode_id}/relapse-prevention-plan",
        {**plan, "share_work_section_with_employer": "true"},
    )
    assert response.status_code == 422
    assert f"Dit mag de werkgever niet lezen: {NAMED}." in html.unescape(response.text)
