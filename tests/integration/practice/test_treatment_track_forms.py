"""The treatment track from the client page, no JSON client needed: the four questions to the
manager, the offer, the referral outcome, work goals (and their achievement), advice, the session
budget and silenced warnings. Each form posts like a browser, lands back on its section and is
shown there; a refused post comes back with the Dutch problem next to its field."""

import re
import sqlite3

import asyncpg
import httpx
import pytest
import time_machine

from practice.tables import (
    Advice,
    ManagerConsultation,
    OfferChange,
    Referral,
    TaskOverride,
    TreatmentEpisode,
    WorkGoal,
)
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import (
    HTML,
    IN_TREATMENT,
    NOW,
    post_page_form,
    post_steps,
    referred,
)
from tests.web import api


async def posted(
    client: httpx.AsyncClient, page: str, path: str, data: dict[str, str], section: str
) -> None:
    """One form posted from its section: done, back to that section."""
    response = await post_page_form(client, f"{page}?section={section}", page + path, data)
    assert response.status_code == 303, response.text[:1500]
    expected = page if section == "overview" else f"{page}?section={section}"
    assert response.headers["location"] == expected


async def section(client: httpx.AsyncClient, page: str, name: str) -> str:
    response = await client.get(f"{page}?section={name}", headers=HTML)
    assert response.status_code == 200
    return response.text


def field_problem(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-problem" id="{field_id}-problem">([^<]*)</p>', html)
    assert match, f"no problem next to {field_id}"
    return match.group(1)


@time_machine.travel(NOW, tick=False)
async def test_the_four_questions_to_the_manager_are_asked_and_shown_back(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, IN_TREATMENT[:1])
    answers = {
        "recovery_view": "Verwacht herstel binnen drie maanden",
        "functioning_before": "Werkte zelfstandig en betrouwbaar",
        "future_view": "Terug in de eigen functie",
        "existing_agreements": "Twee ochtenden per week op kantoor",
        "advice_to_manager": "Wekelijks kort contact",
    }
    await posted(
        client, page, "/manager-consultations", {"held_on": "2026-06-12", **answers}, "intake"
    )
    row = await ManagerConsultation.select().first()
    assert row is not None
    assert {name: row[name] for name in answers} == answers
    shown = await section(client, page, "intake")
    for text in answers.values():
        assert text in shown
    assert "Visie van de leidinggevende op herstel" in shown


@time_machine.travel(NOW, tick=False)
async def test_the_offer_changes_with_a_reason_and_its_history_is_shown(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await posted(
        client,
        page,
        "/offer",
        {"offer": "atwork_compleet", "reason": "Werkgever wil afstemmingsoverleg"},
        "intake",
    )
    episode = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    assert episode is not None and episode["offer"] == "atwork_compleet"
    change = await OfferChange.select().first()
    assert change is not None
    assert (change["from_offer"], change["to_offer"]) == ("atwork_basic", "atwork_compleet")
    shown = await section(client, page, "intake")
    history = shown.split('data-testid="offer-history"', 1)[1].split("</ul>", 1)[0]
    assert "@Work Compleet" in history and "Werkgever wil afstemmingsoverleg" in history
    # the current offer is no longer offered as the new one
    form = shown.split(f'action="{page}/offer"', 1)[1].split("</form>", 1)[0]
    assert 'value="atwork_compleet"' not in form


@time_machine.travel(NOW, tick=False)
async def test_an_offer_change_without_a_reason_is_refused_next_to_the_field_keeping_the_choice(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    response = await post_page_form(
        client, f"{page}?section=intake", page + "/offer", {"offer": "preventive", "reason": " "}
    )
    assert response.status_code == 400
    assert field_problem(response.text, "offer_reason") == "Vul dit veld in."
    form = response.text.split(f'action="{page}/offer"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<option value="preventive" selected>', form)
    assert await OfferChange.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_a_referral_that_does_not_become_treatment_is_recorded_and_shown(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    before = await section(client, page, "intake")
    form = before.split(f'action="{page}/referral-outcome"', 1)[1].split("</form>", 1)[0]
    assert '<option value="">' in form  # no outcome chosen for the therapist
    await posted(
        client,
        page,
        "/referral-outcome",
        {"outcome": "recovered_before_start", "note": "Al weer volledig aan het werk"},
        "intake",
    )
    episode = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    assert episode is not None and episode["status"] == "declined"
    referral = await Referral.select().first()
    assert referral is not None and referral["outcome"] == "recovered_before_start"
    shown = await section(client, page, "intake")
    outcome = shown.split('data-testid="referral-outcome"', 1)[1].split("</dd>", 1)[0]
    assert "hersteld voor de start" in outcome and "Al weer volledig aan het werk" in outcome
    # a declined referral ends: no second outcome, no offer change
    assert f'action="{page}/referral-outcome"' not in shown
    assert f'action="{page}/offer"' not in shown


@time_machine.travel(NOW, tick=False)
async def test_a_work_goal_is_set_marked_achieved_and_shown_back(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, IN_TREATMENT)
    await posted(
        client,
        page,
        "/work-goals",
        {
            "description": "Elke week een belafspraak met de leidinggevende",
            "set_on": "2026-06-12",
            "easy_first_goal": "true",
        },
        "plan",
    )
    goal = await WorkGoal.select().first()
    assert goal is not None and goal["easy_first_goal"] and goal["achieved_on"] is None
    plan = await section(client, page, "plan")
    assert "Elke week een belafspraak met de leidinggevende" in plan
    achievement = f"{page}/work-goals/{goal['id']}/achievement"
    assert f'action="{achievement}"' in plan
    await posted(
        client, page, f"/work-goals/{goal['id']}/achievement", {"achieved_on": "2026-06-15"}, "plan"
    )
    goal = await WorkGoal.select().first()
    assert goal is not None and str(goal["achieved_on"]) == "2026-06-15"
    plan = await section(client, page, "plan")
    assert "bereikt op" in plan
    assert f'action="{achievement}"' not in plan  # achieved: nothing left to mark


@time_machine.travel(NOW, tick=False)
async def test_a_goal_achieved_before_it_was_set_or_ahead_of_today_is_refused_in_dutch(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, IN_TREATMENT)
    await posted(
        client, page, "/work-goals", {"description": "Halve dagen", "set_on": "2026-06-12"}, "plan"
    )
    goal = await WorkGoal.select().first()
    assert goal is not None
    path = f"{page}/work-goals/{goal['id']}/achievement"
    response = await post_page_form(
        client, f"{page}?section=plan", path, {"achieved_on": "2026-06-11"}
    )
    assert response.status_code == 400
    problem = field_problem(response.text, f"achieved_on_{goal['id']}")
    assert problem.startswith("Een doel kan niet bereikt zijn voordat het gesteld is")
    assert 'value="2026-06-11"' in response.text  # what was typed is kept
    response = await post_page_form(
        client, f"{page}?section=plan", path, {"achieved_on": "2026-07-01"}
    )
    assert response.status_code == 400
    assert "niet na vandaag" in field_problem(response.text, f"achieved_on_{goal['id']}")
    # The JSON door says the same; a goal of no episode of this path is not found.
    answer = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/work-goals/{goal['id']}/achievement",
        {"achieved_on": "2026-07-01"},
    )
    assert answer.status_code == 400
    missing = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/work-goals/999999/achievement",
        {"achieved_on": "2026-06-15"},
    )
    assert missing.status_code == 404
    done = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/work-goals/{goal['id']}/achievement",
        {"achieved_on": "2026-06-14"},
    )
    assert done.status_code == 200
    goal = await WorkGoal.select().first()
    assert goal is not None and str(goal["achieved_on"]) == "2026-06-14"


@time_machine.travel(NOW, tick=False)
async def test_advice_of_each_party_with_its_conflict_is_recorded_and_shown(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, IN_TREATMENT)
    plan = await section(client, page, "plan")
    form = plan.split(f'action="{page}/advice"', 1)[1].split("</form>", 1)[0]
    assert (
        'type="checkbox" id="advice_conflicts" name="conflicts_with_other_advice" value="true">'
        in form
    )
    refused = await post_page_form(
        client,
        f"{page}?section=plan",
        page + "/advice",
        {
            "author_role": "company_doctor",
            "given_on": "2026-06-12",
            "content": "Volledig werkhervatting binnen zes weken",
            "conflicts_with_other_advice": "true",
        },
    )
    assert refused.status_code == 400
    assert (
        field_problem(refused.text, "advice_conflict_note") == "zeg waarmee het advies strijdig is"
    )
    assert "Volledig werkhervatting binnen zes weken" in refused.text
    assert await Advice.count() == 0
    await posted(
        client,
        page,
        "/advice",
        {
            "author_role": "company_doctor",
            "given_on": "2026-06-12",
            "content": "Volledig werkhervatting binnen zes weken",
            "conflicts_with_other_advice": "true",
            "conflict_note": "De huisarts adviseert rust",
        },
        "plan",
    )
    row = await Advice.select().first()
    assert row is not None and row["conflicts_with_other_advice"]
    shown = (await section(client, page, "plan")).split('data-testid="advice"', 1)[1]
    assert "bedrijfsarts" in shown.split("</li>", 1)[0].lower()
    assert "De huisarts adviseert rust" in shown


@time_machine.travel(NOW, tick=False)
async def test_the_session_budget_is_set_from_the_plan_and_shown_back(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await posted(
        client,
        page,
        "/plan",
        {"sessions_authorised": "12", "planned_start_on": "2026-06-22"},
        "plan",
    )
    episode = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    assert episode is not None and episode["sessions_authorised"] == 12
    budget = (await section(client, page, "plan")).split('data-testid="budget"', 1)[1]
    assert "<dd>12</dd>" in budget.split("</dl>", 1)[0]
    refused = await post_page_form(
        client, f"{page}?section=plan", page + "/plan", {"sessions_authorised": "-3"}
    )
    assert refused.status_code == 400
    assert field_problem(refused.text, "plan_sessions_authorised") == "tussen 0 en 200"
    assert 'value="-3"' in refused.text


@time_machine.travel(NOW, tick=False)
async def test_a_deadline_warning_is_silenced_with_a_reason_next_to_its_task(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    overview = await section(client, page, "overview")
    key = re.search(r'name="task_key" value="([^"]+)"', overview)
    assert key, "no override form next to the open task"
    await posted(
        client,
        page,
        "/task-overrides",
        {"task_key": key.group(1), "reason": "Cliënt is op vakantie tot 25 juni"},
        "overview",
    )
    row = await TaskOverride.select().first()
    assert row is not None and row["task_key"] == key.group(1)
    shown = await section(client, page, "overview")
    assert "Waarschuwing uitgezet" in shown and "Cliënt is op vakantie tot 25 juni" in shown
    refused = await post_page_form(
        client, page, page + "/task-overrides", {"task_key": key.group(1), "reason": ""}
    )
    assert refused.status_code == 400
    # only the refused task's form is open with its problem
    assert refused.text.count('class="field-problem"') == 1


@time_machine.travel(NOW, tick=False)
async def test_silencing_a_warning_again_replaces_its_reason_and_keeps_one_override(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    key = re.search(r'name="task_key" value="([^"]+)"', await section(client, page, "overview"))
    assert key
    for reason in ("Cliënt is op vakantie", "Cliënt is ziek, belt terug na 1 juli"):
        fields = {"task_key": key.group(1), "reason": reason}
        await posted(client, page, "/task-overrides", fields, "overview")

    rows = await TaskOverride.select(TaskOverride.task_key, TaskOverride.reason)
    assert rows == [{"task_key": key.group(1), "reason": "Cliënt is ziek, belt terug na 1 juli"}]
    shown = await section(client, page, "overview")
    assert "belt terug na 1 juli" in shown and "op vakantie" not in shown


@time_machine.travel(NOW, tick=False)
async def test_the_database_holds_one_override_per_task_of_an_episode(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    await TaskOverride.insert(TaskOverride(episode=episode_id, task_key="screening", reason="a"))
    # Straight to the table, past the service's upsert: the unique index is the last line
    # when two requests race.
    with pytest.raises((asyncpg.exceptions.UniqueViolationError, sqlite3.IntegrityError)):
        await TaskOverride.insert(
            TaskOverride(episode=episode_id, task_key="screening", reason="b")
        )
