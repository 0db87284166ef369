"""The treatment's contribution to the employer's re-integration report (issue 19): a PDF of
sessions held, agreements, hours worked and the Poortwachter milestones, nothing medical;
the therapist downloads it; the employer reads it and is told of it only with the client's
consent to process updates, once a day however often the therapist sends.

The story's client is sick from 1 April 2026, has held ten sessions, agreed two mornings a
week of own work and worked 8 of 32 contract hours (25 %) on 6 May.
"""

from datetime import UTC, datetime

import time_machine

from practice.tables import Consent, OutboundMessage
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import HTML, post_page_form
from tests.integration.reporting.test_privacy_canary import (
    leaks,
    pdf_text,
    seed_medical_markers,
)
from tests.story import ok
from tests.web import api, audit_rows, login


def flat(text: str) -> str:
    """The PDF's words on one line, a word hyphenated at a line's end joined again."""
    return " ".join(text.split()).replace("re- integratie", "re-integratie")


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_therapist_downloads_the_extract_with_its_facts_and_nothing_medical(
    client, cast: Cast
) -> None:
    episode_id = await seed_medical_markers(client, cast)
    response = await client.get(f"/episodes/{episode_id}/reintegration-extract.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = flat(pdf_text(response.content))
    assert "Bijdrage van de behandeling aan het re-integratieverslag" in text
    assert "Gehouden sessies 10" in text
    assert "Twee ochtenden per week eigen werk" in text
    assert "8,0" in text and "32" in text  # 25 % of 32 contract hours: 8.0 hours worked
    assert "Probleemanalyse (week 6)" in text and "Eerstejaarsevaluatie" in text
    assert leaks(text) == []
    rows = await audit_rows(action="export", object_type="reintegration_extract")
    assert [r["object_id"] for r in rows] == [str(episode_id)]
    page = await client.get(f"/episodes/{episode_id}?section=reports", headers=HTML)
    assert f'href="/episodes/{episode_id}/reintegration-extract.pdf"' in page.text


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_employer_is_told_once_a_day_and_reads_the_extract_with_consent(
    client, cast: Cast
) -> None:
    episode_id = await seed_medical_markers(client, cast)
    path = f"/episodes/{episode_id}/reintegration-extract/sending"
    for _ in range(2):  # the form, pressed twice: one notice
        sent = await post_page_form(client, f"/episodes/{episode_id}?section=reports", path, {})
        assert sent.status_code == 303
    notices = await OutboundMessage.select(OutboundMessage.to_address, OutboundMessage.body_text)
    extract_notices = [m for m in notices if "re-integratieverslag" in m["body_text"]]
    assert [m["to_address"] for m in extract_notices] == [cast.employer_contact.email]
    assert (
        f"/employer/episodes/{episode_id}/reintegration-extract.pdf"
        in (extract_notices[0]["body_text"])
    )
    await login(client, cast.employer_contact.email)
    home = await client.get("/employer", headers=HTML)
    assert f"/employer/episodes/{episode_id}/reintegration-extract.pdf" in home.text
    pdf = await client.get(f"/employer/episodes/{episode_id}/reintegration-extract.pdf")
    assert pdf.status_code == 200
    text = flat(pdf_text(pdf.content))
    assert "Twee ochtenden per week eigen werk" in text and leaks(text) == []
    client.cookies.set("lang", "en")
    english = flat(
        pdf_text(
            (await client.get(f"/employer/episodes/{episode_id}/reintegration-extract.pdf")).content
        )
    )
    assert "Contribution of the treatment to the re-integration report" in english


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_once_the_consent_is_withdrawn_the_employer_can_neither_read_nor_be_told(
    client, cast: Cast
) -> None:
    episode_id = await seed_medical_markers(client, cast)
    await Consent.update({Consent.withdrawn_at: datetime(2026, 6, 10, 8, tzinfo=UTC)}, force=True)
    refused = await api(client, "POST", f"/api/episodes/{episode_id}/reintegration-extract/sending")
    assert refused.status_code == 409
    form = await post_page_form(
        client,
        f"/episodes/{episode_id}?section=reports",
        f"/episodes/{episode_id}/reintegration-extract/sending",
        {},
    )
    assert form.status_code == 409
    assert "toestemming" in form.text
    assert await OutboundMessage.count().where(OutboundMessage.key.like("reintegration%")) == 0
    # The therapist still has it: it is their own record.
    assert (
        await client.get(f"/episodes/{episode_id}/reintegration-extract.pdf")
    ).status_code == 200
    await login(client, cast.employer_contact.email)
    denied = await client.get(f"/employer/episodes/{episode_id}/reintegration-extract.pdf")
    assert denied.status_code == 404
    assert await ok(await api(client, "GET", "/api/employer/employees")) == []
