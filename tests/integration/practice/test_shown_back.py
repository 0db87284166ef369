"""What the therapist typed is shown back, and what is due can be done (from a walk-through of
the client page as a therapist): the job and personnel number of the referral, the manager
consulted before the screening, the relapse-prevention plan changed from its own words."""

import re

import httpx
import time_machine

from practice.tables import RelapsePreventionPlan
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import (
    HTML,
    IN_TREATMENT,
    NOW,
    post_page_form,
    post_steps,
    referral_form,
)
from tests.story import setup_parties
from tests.web import login


async def _referred(client: httpx.AsyncClient, cast: Cast, **fields: str) -> str:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    response = await post_page_form(
        client, "/referrals/new", "/referrals", referral_form(parties, **fields)
    )
    assert response.status_code == 303, response.text[:800]
    assert re.fullmatch(r"/episodes/\d+", response.headers["location"])
    return str(response.headers["location"])


@time_machine.travel(NOW, tick=False)
async def test_the_job_title_and_personnel_number_of_the_referral_are_shown_on_the_client_page(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    page = await _referred(client, cast, job_title="Wijkverpleegkundige", personnel_number="P-4711")
    intake = (await client.get(f"{page}?section=intake", headers=HTML)).text
    shown = intake.split('data-testid="employment">', 1)[1].split("</dd>", 1)[0]
    assert "Zorg &amp; Co" in shown
    assert "Wijkverpleegkundige" in shown and "personeelsnummer P-4711" in shown


@time_machine.travel(NOW, tick=False)
async def test_the_manager_is_consulted_before_the_screening_while_that_task_is_due(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    page = await _referred(client, cast)
    intake = (await client.get(f"{page}?section=intake", headers=HTML)).text
    assert f'action="{page}/manager-consultations"' in intake
    response = await post_page_form(
        client,
        f"{page}?section=intake",
        f"{page}/manager-consultations",
        {"held_on": "2026-06-12", "recovery_view": "Binnen drie maanden terug"},
    )
    assert response.status_code == 303, response.text[:800]
    intake = (await client.get(f"{page}?section=intake", headers=HTML)).text
    assert "Binnen drie maanden terug" in intake


@time_machine.travel(NOW, tick=False)
async def test_a_relapse_prevention_plan_is_changed_from_its_own_words(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    page = await _referred(client, cast)
    await post_steps(client, page, IN_TREATMENT)
    plan = {
        "drawn_up_on": "2026-06-12",
        "warning_signs": "Slecht slapen",
        "actions": "Contact opnemen met de praktijk",
        "work_situation": "Werkt vier ochtenden",
    }
    await post_steps(client, page, [("/relapse-prevention-plan", plan)])
    end = (await client.get(f"{page}?section=end", headers=HTML)).text
    change = end.split('data-testid="change-relapse-plan"', 1)[1].split("</details>", 1)[0]
    assert "Plan wijzigen" in change and "Slecht slapen" in change  # the form holds the plan
    # Sharing the work section says what it waits for: the consent to process updates.
    assert 'data-testid="share-needs-consent"' in change
    assert "alleen zolang de toestemming van de cliënt" in change
    await post_steps(
        client,
        page,
        [("/relapse-prevention-plan", {**plan, "warning_signs": "Slecht slapen; piekeren"})],
    )
    rows = await RelapsePreventionPlan.select(RelapsePreventionPlan.warning_signs)
    assert [r["warning_signs"] for r in rows][-1] == "Slecht slapen; piekeren"
    end = (await client.get(f"{page}?section=end", headers=HTML)).text
    assert "Slecht slapen; piekeren" in end.split('data-testid="relapse-plan"', 1)[1]


@time_machine.travel(NOW, tick=False)
async def test_a_follow_up_measurement_before_its_window_is_kept_and_said_to_count_not(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    page = await _referred(client, cast)
    await post_steps(client, page, IN_TREATMENT)
    await post_steps(
        client,
        page,
        [
            ("/transitions", {"to_status": "closed", "on": "2026-06-14"}),
            ("/follow-ups", {"kind": "measurement", "held_on": "2026-06-15", "response": "done"}),
        ],
    )
    end = (await client.get(f"{page}?section=end", headers=HTML)).text
    too_early = end.split('data-testid="too-early"', 1)[1].split("</strong>", 1)[0]
    assert (
        "Te vroeg om als follow-upmeting te tellen: de termijn begint op 14 dec 2026" in too_early
    )
    assert "Een follow-upmeting telt vanaf 14 dec 2026." in end  # the form's hint
    overview = (await client.get(page, headers=HTML)).text
    assert "telt vanaf 14 dec 2026" in overview  # on the task it left open
