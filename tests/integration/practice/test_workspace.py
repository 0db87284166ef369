"""The client page as a workspace: a summary header, sections, a timeline of every event."""

import re

import time_machine

from practice.platform.templating import TEMPLATE_DIR
from practice.tasks import TaskKind
from practice.web import episode_sections
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import (
    HTML,
    IN_TREATMENT,
    NOW,
    post_steps,
    referred,
)
from tests.web import login

SESSIONS = {"kind": "treatment_session", "starts_at": "2026-06-16T10:00", "count": "2"}


@time_machine.travel(NOW, tick=False)
async def test_the_client_page_opens_on_a_summary_of_stage_offer_absence_sessions_and_consents(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, [*IN_TREATMENT, ("/appointments", SESSIONS)])
    overview = (await client.get(page, headers=HTML)).text
    summary = overview[overview.index('data-testid="summary"') : overview.index("</dl>")]
    assert "in behandeling" in summary  # the stage
    assert "@Work" in summary  # the offer
    assert "<dd>6</dd>" in summary  # weeks since the first sick day (1 May -> 15 June)
    assert "16-06-2026" in summary or "16 jun" in summary  # the next appointment
    assert "Gehouden sessies" in summary
    assert "bedrijfsarts" in summary  # the consent given at the referral
    # Every section of the record is one click away.
    for section in ("intake", "plan", "work", "consents", "sessions", "reports", "end"):
        assert f'href="/episodes/{episode_id}?section={section}"' in overview


@time_machine.travel(NOW, tick=False)
async def test_the_timeline_lists_every_event_newest_first(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, [*IN_TREATMENT, ("/appointments", SESSIONS)])
    overview = (await client.get(page, headers=HTML)).text
    timeline = overview[overview.index('id="timeline-title"') :]
    order = [
        timeline.index(what)
        for what in (
            "Behandelsessie",  # booked for tomorrow: the newest
            "Status: in behandeling",
            "Screening gehouden",
            "Aanmelding ontvangen",
        )
    ]
    assert order == sorted(order)
    assert "Toestemming gegeven" in timeline


@time_machine.travel(NOW, tick=False)
async def test_every_section_of_a_fresh_referral_renders_and_an_unknown_one_shows_the_overview(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    for section in ("overview", "intake", "plan", "work", "consents", "sessions", "reports", "end"):
        response = await client.get(f"{page}?section={section}", headers=HTML)
        assert response.status_code == 200, section
        assert f'data-section="{section}"' in response.text
    odd = await client.get(f"{page}?section=%3Cscript%3E", headers=HTML)
    assert odd.status_code == 200
    assert 'data-section="overview"' in odd.text


@time_machine.travel(NOW, tick=False)
async def test_a_status_change_has_no_default_so_closing_is_never_one_click(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    overview = (await client.get(f"/episodes/{episode_id}", headers=HTML)).text
    form = overview[overview.index('name="to_status"') : overview.index("</select>")]
    assert '<option value="">Kies…</option>' in form
    assert " selected" not in form


@time_machine.travel(NOW, tick=False)
async def test_the_practice_manager_overview_has_no_contact_details_of_the_client(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await login(client, cast.practice_manager.email)
    detail = (await client.get(f"/api/episodes/{episode_id}")).json()
    assert detail["client"]["name"]
    assert detail["client"]["email"] is None and detail["client"]["date_of_birth"] is None


@time_machine.travel(NOW, tick=False)
async def test_a_long_timeline_shows_the_newest_events_and_links_to_all(
    client, cast: Cast, monkeypatch
) -> None:
    from practice.web import episode_page

    monkeypatch.setattr(episode_page, "TIMELINE_SHOWN", 5)
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    series = {"kind": "treatment_session", "starts_at": "2026-06-16T10:00", "count": "8"}
    await post_steps(client, page, [*IN_TREATMENT, ("/appointments", series)])
    overview = (await client.get(page, headers=HTML)).text
    timeline = overview[overview.index('id="timeline-title"') :]
    assert timeline.count("<li>") == 5
    assert "De laatste 5 gebeurtenissen." in timeline
    assert "Aanmelding ontvangen" not in timeline  # the oldest event waits behind the link
    everything = (await client.get(page + "?everything=true", headers=HTML)).text
    assert "Aanmelding ontvangen" in everything[everything.index('id="timeline-title"') :]


def _source_with_includes(name: str) -> str:
    """A template's text with the text of every template it includes, recursively."""
    text = (TEMPLATE_DIR / name).read_text()
    included = re.findall(r'{%-? include "([^"]+)"', text)
    return text + "".join(_source_with_includes(other) for other in included)


async def test_every_kind_of_task_points_at_a_section_whose_template_holds_its_heading(
    client,
) -> None:
    sections = {tab.name: tab.template for tab in episode_sections.tabs()}  # the app's, wired
    assert set(episode_sections.TASK_PLACES) == set(TaskKind)
    for kind, place in episode_sections.TASK_PLACES.items():
        assert place.section in sections, kind
        assert f'id="{place.anchor}"' in _source_with_includes(sections[place.section]), kind


@time_machine.travel(NOW, tick=False)
async def test_an_open_task_links_to_where_it_is_done_on_the_page_the_caseload_and_today(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    href = f'href="/episodes/{episode_id}?section=intake#screening-title"'
    overview = (await client.get(f"/episodes/{episode_id}", headers=HTML)).text
    tasks = overview[overview.index('id="tasks-title"') : overview.index("</section>")]
    assert href in tasks
    assert f'href="/episodes/{episode_id}?section=intake#consultation-title"' in tasks
    caseload = (await client.get("/caseload", headers=HTML)).text
    assert href in caseload
    with time_machine.travel("2026-07-15T10:00:00+02:00", tick=False):  # the screening is late
        await login(client, cast.therapist.email)  # a month on, the session has ended
        today = (await client.get("/today", headers=HTML)).text
    overdue = today[today.index('id="overdue-title"') :]
    assert href in overdue
