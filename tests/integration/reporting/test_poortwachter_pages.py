"""The Poortwachter milestones where people need them: the therapist's client page (and its
JSON), the company doctor's inbox per client, and the employer's view per employee (issue 19).

The story's client is sick from Wednesday 1 April 2026; on 15 June 2026 that is week 11.
"""

from datetime import date

import time_machine

from practice.platform.settings import Settings
from reporting import jobs as reporting_jobs
from reporting.tables import Report
from tests.cast import Cast
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.story import ok
from tests.web import api, login

JSON = {"accept": "application/json"}
TODAY = date(2026, 6, 15)
KINDS = [
    "problem_analysis",
    "plan_of_approach",
    "evaluation",
    "uwv_notification",
    "first_year_evaluation",
    "wia_letter",
    "wia_application",
    "end_of_waiting_time",
]


async def deliver_reports(client, settings: Settings) -> None:
    """The sweep's drafts approved and delivered to the company doctor."""
    await reporting_jobs.due_reports(TODAY, settings)
    for report in await Report.select(Report.id).where(Report.kind == "interim_report"):
        await ok(
            await api(
                client,
                "PATCH",
                f"/api/reports/{report['id']}",
                {"progress": "Voortgang.", "work_participation": "50%", "advice": "Opbouw"},
            )
        )
        await ok(await api(client, "POST", f"/api/reports/{report['id']}/approval"))
    for job in await reporting_jobs.due_reports(TODAY, settings):
        await reporting_jobs.deliver_report({"settings": settings}, *job.args)


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_client_page_the_company_doctor_and_the_employer_see_the_same_milestones(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)

    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    steps = {m["kind"]: m for m in detail["milestones"]}
    assert [m["kind"] for m in detail["milestones"]] == KINDS
    # Day 1 = 1 April: week 6 ends on 12 May, week 8 on 26 May, week 14 on 7 July.
    assert (steps["problem_analysis"]["due_on"], steps["problem_analysis"]["status"]) == (
        "2026-05-12",
        "passed",
    )
    assert (steps["plan_of_approach"]["due_on"], steps["plan_of_approach"]["status"]) == (
        "2026-05-26",
        "passed",
    )
    assert (steps["evaluation"]["week"], steps["evaluation"]["due_on"]) == (14, "2026-07-07")
    assert steps["evaluation"]["status"] == "upcoming"
    assert steps["uwv_notification"]["due_on"] == "2027-01-20"

    page = await client.get(f"/episodes/{episode_id}")
    assert page.status_code == 200, page.text[:2000]
    assert 'data-testid="milestones"' in page.text
    assert 'data-milestone="problem_analysis" data-status="passed"' in page.text
    assert "Probleemanalyse" in page.text and "42e-weeksmelding aan UWV" in page.text
    assert 'data-testid="next-milestone"' in page.text  # the header names the next step

    consent = {
        "recipient": "employer",
        "purpose": "process_updates",
        "given_at": "2026-04-20T10:00:00+02:00",
    }
    await ok(await api(client, "POST", f"/api/episodes/{episode_id}/consents", consent), 201)
    await deliver_reports(client, settings)
    await login(client, cast.company_doctor.email)
    inbox = await client.get("/company-doctor")
    assert inbox.status_code == 200, inbox.text[:2000]
    assert f'id="milestones-{episode_id}"' in inbox.text
    assert 'data-milestone="evaluation" data-status="upcoming"' in inbox.text

    await login(client, cast.employer_contact.email)
    views = await ok(await client.get("/api/employer/employees", headers=JSON))
    (view,) = views
    assert [m["kind"] for m in view["milestones"]] == KINDS
    assert set(view["milestones"][0]) == {"kind", "week", "opens_on", "due_on", "status"}
    portal = await client.get("/employer")
    assert portal.status_code == 200
    assert 'data-milestone="plan_of_approach" data-status="passed"' in portal.text


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_client_who_is_not_absent_has_no_milestones(client, cast: Cast) -> None:
    from tests.story import refer, setup_parties

    episode_id = await refer(
        client, cast, await setup_parties(client, cast), absence_status="not_absent",
        first_sick_day=None,
    )  # fmt: skip
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    assert detail["milestones"] == []
    page = await client.get(f"/episodes/{episode_id}")
    assert page.status_code == 200
    assert 'data-testid="milestones"' not in page.text
