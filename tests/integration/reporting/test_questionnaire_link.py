"""Outcome monitoring by secure link (issue 20): the sweep invites the client once per
moment, and the client answers on a page that needs no account, once, before it expires."""

import html
import re
from datetime import date

import httpx
import time_machine
from litestar import Litestar

from practice.platform.outbox import OutboundMessage
from practice.platform.settings import Settings
from reporting.questionnaires import GAD7, PHQ9
from reporting.services.monitoring import invite_due_questionnaires
from reporting.tables import QuestionnaireInvitation, QuestionnaireResponse
from tests.cast import Cast
from tests.conftest import make_client
from tests.integration.practice.test_portal_forms import (
    IN_TREATMENT,
    post_page_form,
    post_steps,
    referral_form,
)
from tests.story import setup_parties
from tests.web import api, csrf_token, login

NOW = "2026-06-12 10:00 +0200"  # the day after the screening of IN_TREATMENT (11 June)
TODAY = date(2026, 6, 12)
LINK = re.compile(r"/questionnaires/([A-Za-z0-9_-]+)")


async def screened_client_with_email(client: httpx.AsyncClient, cast: Cast) -> int:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    form = referral_form(parties, email="anna.link@example.org")
    response = await post_page_form(client, "/referrals/new", "/referrals", form)
    assert response.status_code == 303, response.text
    episode_id = int(response.headers["location"].rsplit("/", 1)[1])
    await post_steps(client, f"/episodes/{episode_id}", IN_TREATMENT)
    return episode_id


async def the_link(message_id: int) -> str:
    message = await OutboundMessage.select().where(OutboundMessage.id == message_id).first()
    assert message is not None
    assert message["to_address"] == "anna.link@example.org"
    match = LINK.search(message["body_text"])
    assert match, message["body_text"]
    return match.group(0)


def all_answers(item_9: int = 0) -> dict[str, str]:
    answers = {f"answers.{item.id}": "1" for item in (*PHQ9.items, *GAD7.items)}
    return answers | {"answers.phq9_9": str(item_9)}


@time_machine.travel(NOW, tick=False)
async def test_the_sweep_invites_the_client_once_for_the_screening(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await screened_client_with_email(client, cast)

    first = await invite_due_questionnaires(TODAY, settings)
    again = await invite_due_questionnaires(TODAY, settings)

    assert len(first) == 1 and again == []
    rows = await QuestionnaireInvitation.select().where(
        QuestionnaireInvitation.episode == episode_id
    )
    assert [(r["moment"], r["ordinal"]) for r in rows] == [("screening", 0)]
    link = await the_link(first[0])
    assert link.rsplit("/", 1)[1] not in str(rows)  # only the token's hash is stored


@time_machine.travel(NOW, tick=False)
async def test_the_client_answers_once_and_a_safety_answer_reaches_the_therapist(
    client, cast: Cast, settings: Settings, app: Litestar
) -> None:
    episode_id = await screened_client_with_email(client, cast)
    [message_id] = await invite_due_questionnaires(TODAY, settings)
    link = await the_link(message_id)

    async with make_client(app, ip="203.0.113.9") as browser:
        browser.headers["accept"] = "text/html"
        page = await browser.get(link)
        assert page.status_code == 200
        assert "Little interest or pleasure in doing things" in page.text
        token = await csrf_token(browser, link)
        incomplete = {k: v for k, v in all_answers().items() if k != "answers.gad7_3"}
        refused = await browser.post(link, data={**incomplete, "_csrf_token": token})
        assert refused.status_code == 400
        text = html.unescape(refused.text)
        assert 'id="gad7_gad7_3-problem"' in text
        assert 'value="1" checked' in text  # the other answers are kept
        assert await QuestionnaireResponse.count() == 0  # nothing half-written

        done = await browser.post(link, data={**all_answers(item_9=2), "_csrf_token": token})
        assert done.status_code == 200, done.text[:500]
        assert 'data-testid="questionnaire-thanks"' in done.text
        used = await browser.get(link)
        assert used.status_code == 410
        unknown = await browser.get("/questionnaires/not-a-token")
        assert unknown.status_code == 410

    responses = await QuestionnaireResponse.select(
        QuestionnaireResponse.instrument, QuestionnaireResponse.moment
    ).where(QuestionnaireResponse.episode == episode_id)
    assert sorted((r["instrument"], r["moment"]) for r in responses) == [
        ("GAD-7", "screening"),
        ("PHQ-9", "screening"),
    ]
    detail = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()
    assert [t["kind"] for t in detail["tasks"] if t["kind"] == "safety"] == ["safety"]


@time_machine.travel(NOW, tick=False)
async def test_an_expired_link_asks_nothing(client, cast: Cast, settings: Settings) -> None:
    await screened_client_with_email(client, cast)
    [message_id] = await invite_due_questionnaires(TODAY, settings)
    link = await the_link(message_id)

    with time_machine.travel("2026-06-27 10:00 +0200", tick=False):  # the 15th day
        gone = await client.get(link, headers={"accept": "text/html"})

    assert gone.status_code == 410
    assert "Deze link werkt niet meer" in html.unescape(gone.text)
