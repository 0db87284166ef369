"""The relapse-prevention plan's document made from the client page's end section: a button
next to the plan, the PDF then listed with the episode's documents (issue #16)."""

import time_machine

from reporting.tables import Document
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import (
    HTML,
    IN_TREATMENT,
    NOW,
    post_page_form,
    post_steps,
    referred,
)

PLAN = (
    "/relapse-prevention-plan",
    {
        "drawn_up_on": "2026-06-14",
        "warning_signs": "slecht slapen",
        "actions": "bellen",
        "work_situation": "rustig opbouwen",
    },
)


@time_machine.travel(NOW, tick=False)
async def test_the_plan_becomes_a_document_listed_in_the_reports_section(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    end = (await client.get(page + "?section=end", headers=HTML)).text
    assert f'action="{page}/relapse-prevention-plan/document"' not in end  # no plan yet
    await post_steps(client, page, [*IN_TREATMENT, PLAN])
    end = (await client.get(page + "?section=end", headers=HTML)).text
    assert f'action="{page}/relapse-prevention-plan/document"' in end
    for _ in range(2):
        response = await post_page_form(
            client, page + "?section=end", page + "/relapse-prevention-plan/document", {}
        )
        assert response.status_code == 303
        assert response.headers["location"] == page + "?section=end"
    documents = await Document.select(Document.id, Document.version).where(
        (Document.episode == episode_id) & (Document.kind == "relapse_prevention_plan")
    )
    assert sorted(d["version"] for d in documents) == [1, 2]  # a new version each time
    reports = (await client.get(page + "?section=reports", headers=HTML)).text
    for document in documents:
        assert f'href="/documents/{document["id"]}">Terugvalpreventieplan</a>' in reports
    pdf = await client.get(f"/documents/{documents[0]['id']}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


@time_machine.travel(NOW, tick=False)
async def test_without_a_plan_the_document_is_refused_on_the_end_section_in_dutch(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    response = await post_page_form(
        client, page + "?section=end", page + "/relapse-prevention-plan/document", {}
    )
    assert response.status_code == 409
    assert 'id="end-title"' in response.text
    assert "Stel eerst het terugvalpreventieplan op." in response.text
    assert await Document.count() == 0
