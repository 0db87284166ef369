"""Outcome monitoring end to end: a PHQ-9 with item 9 above 0 puts a same-day safety task
on the therapist's list, and nothing of it on the company doctor's or employer's surfaces."""

import html

import time_machine

from practice.queries.episodes import rules_for
from practice.tables import Employer
from reporting.questionnaires import PHQ9
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import (
    HTML,
    IN_TREATMENT,
    post_page_form,
    post_steps,
    referred,
)
from tests.web import api, login

NOW = "2026-07-16 10:00 +0200"


def phq9(item_9: int) -> dict[str, object]:
    answers = {item.id: 1 for item in PHQ9.items} | {"phq9_9": item_9}
    return {
        "instrument": "PHQ-9",
        "moment": "interim",
        "administered_on": "2026-07-16",
        "answers": answers,
    }


@time_machine.travel(NOW, tick=False)
async def test_a_phq9_with_item_9_above_0_puts_a_safety_task_on_the_therapists_list(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await post_steps(client, f"/episodes/{episode_id}", IN_TREATMENT)
    calm = await api(client, "POST", f"/api/episodes/{episode_id}/questionnaires", phq9(0))
    worrying = await api(client, "POST", f"/api/episodes/{episode_id}/questionnaires", phq9(2))
    assert calm.status_code == worrying.status_code == 201, worrying.text

    detail = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()

    safety = [t for t in detail["tasks"] if t["kind"] == "safety"]
    assert [t["key"] for t in safety] == [f"safety:{worrying.json()['id']}"]
    assert safety[0]["due_on"] == "2026-07-16"
    assert "contact the client today" in safety[0]["reason"]


@time_machine.travel(NOW, tick=False)
async def test_the_client_page_marks_the_safety_answer_and_judges_each_change(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await post_steps(client, f"/episodes/{episode_id}", IN_TREATMENT)
    first = phq9(0) | {"answers": {item.id: 2 for item in PHQ9.items} | {"phq9_9": 0}}
    for answers in (first, phq9(0), phq9(1)):  # 16, then 8 (improved), then 9 with item 9
        response = await api(client, "POST", f"/api/episodes/{episode_id}/questionnaires", answers)
        assert response.status_code == 201, response.text

    page = await client.get(f"/episodes/{episode_id}?section=measurements", headers=HTML)

    assert page.status_code == 200
    text = html.unescape(page.text)
    assert text.count('data-testid="safety-answer"') == 1
    assert "Veiligheidsvraag boven 0 beantwoord" in text
    assert text.count("betrouwbaar verbeterd") == 2


async def test_the_administrator_sets_the_session_for_a_reliable_improvement_on_the_contract(
    client, cast: Cast
) -> None:
    rows = await Employer.insert(Employer(name="Zorg & Co")).returning(Employer.id)
    employer_id = int(rows[0]["id"])
    await login(client, cast.administrator.email)
    page = "/admin/employers"
    contract = {
        "name": "Zorg & Co",
        "default_offer": "atwork_basic",
        "report_every": "5",
        "cost_per_absence_day": "250,00",
        "min_cell_size": "5",
        "screening_day_unit": "calendar",
    }
    shown = html.unescape((await client.get(page, headers=HTML)).text)
    assert "gehouden sessie 5 (de standaard van de praktijk)" in shown

    refused = await post_page_form(
        client, page, f"{page}/{employer_id}", contract | {"symptoms_checked_at_session": "41"}
    )
    assert refused.status_code == 400
    assert "van 1 tot 40" in html.unescape(refused.text)

    done = await post_page_form(
        client, page, f"{page}/{employer_id}", contract | {"symptoms_checked_at_session": "8"}
    )
    assert done.status_code == 303
    employer = await Employer.select().where(Employer.id == employer_id).first()
    assert employer is not None
    assert rules_for(employer).symptoms_checked_at_session == 8
    assert rules_for(employer | {"symptoms_checked_at_session": 0}).symptoms_checked_at_session == 5
