"""Interim reports on the Poortwachter clock (issue 19): a contract that asks for them gets a
draft before each evaluation exactly once, however often the sweep runs; the task list says
why; the administrator sets the number of working days on the employer form; the client's
timeline shows the milestones.

The story's client is sick from Wednesday 1 April 2026: week 14 ends on Tuesday 7 July, and
ten working days before it is Tuesday 23 June.
"""

from datetime import date

import httpx
import time_machine

from practice.platform.settings import Settings
from practice.tables import Employer
from reporting import jobs as reporting_jobs
from reporting.tables import Report
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import HTML, post_page_form
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.story import ok
from tests.web import login

JSON = {"accept": "application/json"}


async def milestone_reports() -> list[dict[str, object]]:
    return (
        await Report.select(Report.episode, Report.ordinal, Report.status, Report.due_on)
        .where(Report.kind == "milestone_report")
        .order_by(Report.ordinal)
    )


async def contract_asks(days_before: int | None) -> None:
    await Employer.update({Employer.milestone_report_days_before: days_before}, force=True)


@time_machine.travel("2026-06-24 10:00 +0200", tick=False)
async def test_the_report_before_the_evaluation_is_drafted_once_however_often_the_sweep_runs(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await contract_asks(10)
    for _ in range(3):
        await reporting_jobs.due_reports(date(2026, 6, 24), settings)
    assert await milestone_reports() == [
        {"episode": episode_id, "ordinal": 14, "status": "draft", "due_on": date(2026, 6, 30)}
    ]
    tasks = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    (task,) = [t for t in tasks["tasks"] if t["kind"] == "milestone_report"]
    assert "before the Poortwachter evaluation of 2026-07-07" in task["reason"]
    page = await client.get(f"/episodes/{episode_id}?section=reports", headers=HTML)
    assert page.status_code == 200
    assert "Tussenevaluatie vóór week 14 van het verzuim" in page.text


@time_machine.travel("2026-06-24 10:00 +0200", tick=False)
async def test_without_the_contract_setting_no_report_is_drafted_before_a_milestone(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    await episode_with_ten_held_sessions(client, cast)
    await reporting_jobs.due_reports(date(2026, 6, 24), settings)
    assert await milestone_reports() == []


@time_machine.travel("2026-06-22 10:00 +0200", tick=False)
async def test_the_report_is_not_drafted_before_its_moment(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    await episode_with_ten_held_sessions(client, cast)
    await contract_asks(10)
    await reporting_jobs.due_reports(date(2026, 6, 22), settings)
    assert await milestone_reports() == []


async def test_the_administrator_sets_the_working_days_on_the_employer_form_and_sees_them_back(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    rows = await Employer.insert(Employer(name="Zorg & Co")).returning(Employer.id)
    employer_id = int(rows[0]["id"])
    await login(client, cast.administrator.email)
    fields = {
        "name": "Zorg & Co",
        "default_offer": "atwork_basic",
        "report_every": "5",
        "employer_update_every_days": "",
        "cost_per_absence_day": "250,00",
        "min_cell_size": "5",
        "screening_day_unit": "calendar",
    }
    path = f"/admin/employers/{employer_id}"
    refused = await post_page_form(
        client, "/admin/employers", path, fields | {"milestone_report_days_before": "61"}
    )
    assert refused.status_code == 400
    assert f'id="milestone_report_days_before-{employer_id}-problem"' in refused.text
    assert 'value="61"' in refused.text
    done = await post_page_form(
        client, "/admin/employers", path, fields | {"milestone_report_days_before": "10"}
    )
    assert done.status_code == 303
    row = await Employer.select(Employer.milestone_report_days_before).first()
    assert row == {"milestone_report_days_before": 10}
    page = await client.get("/admin/employers", headers=HTML)
    assert "10 werkdagen ervoor" in page.text
    client.cookies.set("lang", "en")
    page = await client.get("/admin/employers", headers=HTML)
    assert "10 working days before" in page.text
    off = await post_page_form(
        client, "/admin/employers", path, fields | {"milestone_report_days_before": ""}
    )
    assert off.status_code == 303
    row = await Employer.select(Employer.milestone_report_days_before).first()
    assert row == {"milestone_report_days_before": None}


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_clients_timeline_shows_the_poortwachter_milestones(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    page = await client.get(f"/episodes/{episode_id}", headers=HTML)
    assert page.status_code == 200
    timeline = page.text.split('id="timeline-title"', 1)[1]
    assert "Poortwachter: Probleemanalyse (week 6)" in timeline
    assert "Poortwachter: 42e-weeksmelding aan UWV (week 42)" in timeline
    client.cookies.set("lang", "en")
    page = await client.get(f"/episodes/{episode_id}", headers=HTML)
    timeline = page.text.split('id="timeline-title"', 1)[1]
    assert "Poortwachter: Problem analysis (week 6)" in timeline
