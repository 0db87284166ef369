"""Questionnaires from the client page's measurements section, as a browser posts them: the
score is stored and shown back; an incomplete questionnaire is refused (400) with each
unanswered question marked in Dutch and every given answer kept."""

import html
import re

import time_machine

from reporting.tables import QuestionnaireResponse
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import HTML, NOW, post_page_form, referred


def phq9(answer: str, *, leave_out: tuple[int, ...] = ()) -> dict[str, str]:
    return {
        "instrument": "PHQ-9",
        "moment": "screening",
        "administered_on": "2026-06-12",
        **{f"answers.phq9_{n}": answer for n in range(1, 10) if n not in leave_out},
    }


@time_machine.travel(NOW, tick=False)
async def test_a_completed_phq9_is_scored_stored_and_shown_on_the_measurements_section(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}?section=measurements"
    empty = await client.get(page, headers=HTML)
    assert empty.status_code == 200
    assert f'action="/episodes/{episode_id}/questionnaires"' in empty.text
    response = await post_page_form(
        client, page, f"/episodes/{episode_id}/questionnaires", phq9("1")
    )
    assert response.status_code == 303, response.text[:1500]
    assert response.headers["location"] == page
    row = await QuestionnaireResponse.select().first()
    assert row is not None
    assert (row["instrument"], row["moment"], row["total"], row["band"]) == (
        "PHQ-9",
        "screening",
        9,
        "mild",
    )
    shown = html.unescape((await client.get(page, headers=HTML)).text)
    table = shown.split('data-testid="questionnaire-scores"', 1)[1].split("</table>", 1)[0]
    assert "9 / 27" in table
    assert "licht" in table  # the band, in Dutch
    assert "bij de screening" in table or "screening" in table


@time_machine.travel(NOW, tick=False)
async def test_an_incomplete_questionnaire_marks_the_open_questions_and_keeps_the_answers(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}?section=measurements"
    response = await post_page_form(
        client, page, f"/episodes/{episode_id}/questionnaires", phq9("2", leave_out=(3, 7))
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    for n in (3, 7):
        assert f'id="phq9_phq9_{n}-problem">Kies een antwoord.</p>' in text
    assert 'id="phq9_phq9_1-problem"' not in text
    # the given answers are kept (checked), in the PHQ-9 form only
    assert re.search(r'id="phq9_phq9_1_2"[^>]*checked', text)
    assert not re.search(r'id="gad7_gad7_1_\d"[^>]*checked', text)
    assert text.count("Kies een antwoord.") == 2
    assert await QuestionnaireResponse.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_a_questionnaire_dated_in_the_future_is_refused_beside_its_date(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}?section=measurements"
    form = {**phq9("0"), "administered_on": "2026-07-01"}
    response = await post_page_form(client, page, f"/episodes/{episode_id}/questionnaires", form)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert 'id="administered_on_phq9-problem">Deze datum ligt in de toekomst.</p>' in text
    assert 'value="2026-07-01"' in text
    assert await QuestionnaireResponse.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_a_fractional_answer_is_refused_beside_its_question(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}?section=measurements"
    form = {**phq9("1"), "answers.phq9_2": "1,5"}
    response = await post_page_form(client, page, f"/episodes/{episode_id}/questionnaires", form)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert 'id="phq9_phq9_2-problem">Vul een geheel getal in.</p>' in text
    assert await QuestionnaireResponse.count() == 0
