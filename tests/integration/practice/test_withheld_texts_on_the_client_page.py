"""A stored employer-bound text that the guard refuses now (written before it, or before the
lexicon grew) is named beside the text on the client page, with its words, in Dutch and
English, and its form is at hand: the plan's form comes back filled in to rephrase it."""

import html

import time_machine

from practice.tables import RelapsePreventionPlan, WorkResumptionAgreement
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import NOW, post_steps, referred
from tests.integration.practice.test_work_forms import section

STORED = "Vanwege zijn depressie eerst 2 uur per dag"


async def _stored_past_the_guard(client, cast: Cast) -> int:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(
        client,
        page,
        [
            ("/agreements", {"agreed_on": "2026-06-12", "description": "2 x 4 uur eigen werk"}),
            (
                "/relapse-prevention-plan",
                {
                    "drawn_up_on": "2026-06-12",
                    "warning_signs": "Slecht slapen",
                    "actions": "Bellen",
                    "work_situation": "Taken afbakenen",
                    "share_work_section_with_employer": "true",
                },
            ),
        ],
    )
    await WorkResumptionAgreement.update({WorkResumptionAgreement.description: STORED}).where(
        WorkResumptionAgreement.episode == episode_id
    )
    await RelapsePreventionPlan.update({RelapsePreventionPlan.work_situation: STORED}).where(
        RelapsePreventionPlan.episode == episode_id
    )
    return episode_id


@time_machine.travel(NOW, tick=False)
async def test_a_stored_text_the_guard_refuses_now_is_named_beside_it_with_its_words(
    client, cast: Cast
) -> None:
    episode_id = await _stored_past_the_guard(client, cast)
    work = await section(client, episode_id, "work")
    row = work.split('data-agreement="', 1)[1].split("</tr>", 1)[0]
    assert "Achtergehouden voor de werkgever: dit noemt depressie." in row
    end = await section(client, episode_id, "end")
    plan = end.split('data-testid="relapse-plan"', 1)[1].split("</dl>", 1)[0]
    assert "Achtergehouden voor de werkgever: dit noemt depressie." in plan
    # The plan's form is there, filled in, to draw it up again in other words.
    form = end.split(f'action="/episodes/{episode_id}/relapse-prevention-plan"', 1)[1]
    form = form.split("</form>", 1)[0]
    assert f">{STORED}</textarea>" in form and "Slecht slapen" in form
    client.cookies.set("lang", "en")
    work = html.unescape(
        (
            await client.get(
                f"/episodes/{episode_id}?section=work", headers={"accept": "text/html"}
            )
        ).text
    )
    assert "Withheld from the employer: it names depressie." in work
    assert "Achtergehouden" not in work


@time_machine.travel(NOW, tick=False)
async def test_a_text_kept_with_the_client_is_not_withheld_nor_named(client, cast: Cast) -> None:
    episode_id = await _stored_past_the_guard(client, cast)
    await RelapsePreventionPlan.update(
        {RelapsePreventionPlan.share_work_section_with_employer: False}
    ).where(RelapsePreventionPlan.episode == episode_id)
    end = await section(client, episode_id, "end")
    plan = end.split('data-testid="relapse-plan"', 1)[1].split("</dl>", 1)[0]
    assert STORED in plan and "Achtergehouden" not in plan
    # A plan drawn up is changed from a folded form of its own, not asked for again.
    folded = end.split('data-testid="change-relapse-plan"', 1)
    assert len(folded) == 2 and '/relapse-prevention-plan"' not in folded[0].split("<section")[-1]
    summary = end.split('data-testid="summary"', 1)[1].split("</dl>", 1)[0]
    assert "?section=end" not in summary  # only the agreement is named there
