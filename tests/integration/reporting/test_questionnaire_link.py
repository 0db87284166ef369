"""Outcome monitoring by secure link (issue 20): the sweep invites the client once per
moment, and the client answers on a page that needs no account, once, before it expires."""

import html
import logging
import re
from datetime import date

import httpx
import pytest
import time_machine
from litestar import Litestar

from practice.platform.settings import Settings
from practice.tables import ContractHours, FollowUp, OutboundMessage, WorkParticipation
from reporting.monitoring import INSTRUMENTS as ASKED
from reporting.questionnaires import INSTRUMENTS, PHQ9, WAS
from reporting.services.follow_ups import invite_due_follow_ups
from reporting.services.monitoring import invite_due_questionnaires, remind_open_invitations
from reporting.tables import QuestionnaireInvitation, QuestionnaireResponse
from tests.cast import Cast
from tests.conftest import make_client
from tests.integration.practice.test_portal_forms import (
    IN_TREATMENT,
    post_page_form,
    post_steps,
    referral_form,
)
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
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
    answers = {f"answers.{item.id}": "1" for code in ASKED for item in INSTRUMENTS[code].items}
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
        # In the client's language (Dutch by default): the published Dutch text.
        assert PHQ9.in_language("nl").items[0].text in page.text
        assert WAS.in_language("nl").items[0].text in page.text
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
        ("WAS", "screening"),
    ]
    detail = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()
    assert [t["kind"] for t in detail["tasks"] if t["kind"] == "safety"] == ["safety"]
    # Answered outside a session: the therapist on the case also hears of it by e-mail, once,
    # with the client's initials and the page to open, and nothing of the answers.
    notices = await OutboundMessage.select().where(OutboundMessage.key.like("safety-notice:%"))
    assert [n["to_address"] for n in notices] == [cast.therapist.email]
    assert "A.F." in notices[0]["subject"]
    assert f"/episodes/{episode_id}?section=measurements" in notices[0]["body_text"]
    assert "PHQ" not in notices[0]["body_text"] + notices[0]["subject"]


@time_machine.travel(NOW, tick=False)
async def test_an_expired_link_asks_nothing(client, cast: Cast, settings: Settings) -> None:
    await screened_client_with_email(client, cast)
    [message_id] = await invite_due_questionnaires(TODAY, settings)
    link = await the_link(message_id)

    with time_machine.travel("2026-06-27 10:00 +0200", tick=False):  # the 15th day
        gone = await client.get(link, headers={"accept": "text/html"})

    assert gone.status_code == 410
    assert "Deze link werkt niet meer" in html.unescape(gone.text)


async def closed_with_follow_up_link(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> tuple[int, str]:
    """Ten held sessions, closed on 29 May; the follow-up window opens on 29 November."""
    with time_machine.travel("2026-06-15 10:00 +0200", tick=False):
        episode_id = await episode_with_ten_held_sessions(client, cast)
        closing = {"to_status": "closed", "on": "2026-05-29"}
        response = await api(client, "POST", f"/api/episodes/{episode_id}/transitions", closing)
        assert response.status_code == 200, response.text
    [message_id] = await invite_due_follow_ups(date(2026, 11, 29), settings)
    message = await OutboundMessage.select().where(OutboundMessage.id == message_id).first()
    assert message is not None
    match = LINK.search(message["body_text"])
    assert match, message["body_text"]
    return episode_id, match.group(0)


async def test_the_client_gives_the_follow_up_measurement_through_the_link(
    client, cast: Cast, settings: Settings, app: Litestar
) -> None:
    episode_id, link = await closed_with_follow_up_link(client, cast, settings)

    with time_machine.travel("2026-11-30 10:00 +0100", tick=False):
        async with make_client(app) as browser:
            browser.headers["accept"] = "text/html"
            page = html.unescape((await browser.get(link)).text)
            assert 'name="contract_hours" type="text" value="32"' in page
            token = await csrf_token(browser, link)
            no_hours = await browser.post(link, data={**all_answers(), "_csrf_token": token})
            assert no_hours.status_code == 400
            assert 'id="own_work_hours-problem"' in no_hours.text
            work = {"own_work_hours": "24", "adapted_work_hours": "4", "contract_hours": "30"}
            done = await browser.post(link, data={**all_answers(), **work, "_csrf_token": token})
            assert done.status_code == 200, done.text[:600]

        await login(client, cast.therapist.email)  # the morning's session timed out long ago
        detail = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()

    measured = await WorkParticipation.select(
        WorkParticipation.own_work_minutes, WorkParticipation.moment, WorkParticipation.source
    ).where(WorkParticipation.episode == episode_id)
    assert {"own_work_minutes": 24 * 60, "moment": "follow_up", "source": "client"} in measured
    follow_ups = await FollowUp.select(FollowUp.kind, FollowUp.response).where(
        FollowUp.episode == episode_id
    )
    assert follow_ups == [{"kind": "measurement", "response": "done"}]
    assert await ContractHours.count().where(ContractHours.minutes_per_week == 30 * 60) == 1
    task = next(t for t in detail["tasks"] if t["kind"] == "follow_up_measurement")
    assert task["done_on"] == "2026-11-30"


@time_machine.travel(NOW, tick=False)
async def test_a_link_unused_for_a_week_is_renewed_once_by_a_reminder(
    client, cast: Cast, settings: Settings
) -> None:
    await screened_client_with_email(client, cast)
    [message_id] = await invite_due_questionnaires(TODAY, settings)
    first_link = await the_link(message_id)

    assert await remind_open_invitations(TODAY, settings) == []  # not a week yet
    with time_machine.travel("2026-06-19 10:00 +0200", tick=False):
        [reminder_id] = await remind_open_invitations(date(2026, 6, 19), settings)
        assert await remind_open_invitations(date(2026, 6, 19), settings) == []
        second_link = await the_link(reminder_id)
        old = await client.get(first_link, headers={"accept": "text/html"})
        new = await client.get(second_link, headers={"accept": "text/html"})

    assert second_link != first_link
    assert (old.status_code, new.status_code) == (410, 200)


@time_machine.travel(NOW, tick=False)
async def test_odd_answers_and_hours_are_refused_next_to_their_field_never_a_500(
    client, cast: Cast, settings: Settings, app: Litestar, caplog: pytest.LogCaptureFixture
) -> None:
    await screened_client_with_email(client, cast)
    [message_id] = await invite_due_questionnaires(TODAY, settings)
    link = await the_link(message_id)
    caplog.set_level(logging.INFO)

    async with make_client(app) as browser:
        browser.headers["accept"] = "text/html"
        token = await csrf_token(browser, link)
        for odd in ("²", "--1", "9" * 5000, "1.5", "٣"):
            answers = all_answers() | {"answers.phq9_1": odd}
            refused = await browser.post(link, data={**answers, "_csrf_token": token})
            assert refused.status_code == 400, (odd[:10], refused.status_code)
            assert 'id="phq9_phq9_1-problem"' in refused.text

    assert await QuestionnaireResponse.count() == 0
    secret = link.rsplit("/", 1)[1]
    assert not [r.getMessage() for r in caplog.records if secret in r.getMessage()]


async def test_not_a_number_as_hours_at_the_follow_up_is_refused_next_to_the_field(
    client, cast: Cast, settings: Settings, app: Litestar
) -> None:
    _, link = await closed_with_follow_up_link(client, cast, settings)

    with time_machine.travel("2026-11-30 10:00 +0100", tick=False):
        async with make_client(app) as browser:
            browser.headers["accept"] = "text/html"
            token = await csrf_token(browser, link)
            for odd in ("NaN", "sNaN", "Infinity"):
                work = {"own_work_hours": odd, "adapted_work_hours": "0", "contract_hours": odd}
                refused = await browser.post(
                    link, data={**all_answers(), **work, "_csrf_token": token}
                )
                assert refused.status_code == 400, (odd, refused.text[:300])
                assert 'id="own_work_hours-problem"' in refused.text


async def test_a_client_invited_before_the_links_existed_gets_no_link_nobody_received(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id, _ = await closed_with_follow_up_link(client, cast, settings)
    await QuestionnaireInvitation.delete().where(QuestionnaireInvitation.episode == episode_id)

    assert await invite_due_follow_ups(date(2026, 12, 5), settings) == []

    assert await QuestionnaireInvitation.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_the_practice_manager_sees_no_safety_alert_and_no_task_reasons(
    client, cast: Cast, settings: Settings, app: Litestar
) -> None:
    episode_id = await screened_client_with_email(client, cast)
    [message_id] = await invite_due_questionnaires(TODAY, settings)
    link = await the_link(message_id)
    async with make_client(app) as browser:
        token = await csrf_token(browser, link)
        done = await browser.post(link, data={**all_answers(item_9=3), "_csrf_token": token})
        assert done.status_code == 200

    await login(client, cast.practice_manager.email)
    monitor = (await api(client, "GET", "/api/monitor")).json()
    overview = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()

    assert [r for r in monitor if r["kind"] in ("safety", "symptoms_not_on_track")] == []
    assert all("reason" not in r for r in monitor)
    assert [t for t in overview["tasks"] if t["kind"] == "safety"] == []
