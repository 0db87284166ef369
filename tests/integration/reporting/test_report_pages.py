"""The reports in the portal, without a JSON client: a draft edited in one form, an
approval confirmed on a page naming the recipient, the employer updates listed with what
was sent (and the consent asked for where it is missing), and alignment-meeting minutes."""

import httpx
import time_machine

from practice.platform.settings import Settings
from practice.tables import User
from reporting import jobs as reporting_jobs
from reporting.tables import EmployerUpdate, MeetingMinutes, Report
from tests.cast import Cast
from tests.integration.reporting.test_reports import TODAY, episode_with_ten_held_sessions
from tests.story import ok
from tests.web import api, csrf_token, login

NOW = "2026-06-15 10:00 +0200"


async def first_draft(settings: Settings) -> int:
    await reporting_jobs.due_reports(TODAY, settings)
    row = (
        await Report.select(Report.id)
        .where(Report.kind == "interim_report")
        .order_by(Report.ordinal)
        .first()
    )
    assert row is not None
    return int(row["id"])


async def text_of(report_id: int) -> dict[str, str]:
    row = (
        await Report.select(
            Report.progress, Report.work_participation, Report.advice, exclude_secrets=False
        )
        .where(Report.id == report_id)
        .first()
    )
    assert row is not None
    return dict(row)


@time_machine.travel(NOW, tick=False)
async def test_a_draft_is_edited_in_one_form_whose_every_button_saves_every_section(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    await episode_with_ten_held_sessions(client, cast)
    report_id = await first_draft(settings)
    before = await text_of(report_id)
    page = await client.get(f"/reports/{report_id}/edit")
    assert page.status_code == 200, page.text[:2000]
    # One form: text typed in one section survives the button of another.
    assert page.text.count(f'action="/reports/{report_id}/edit"') == 1
    for field in ("progress", "work_participation", "advice"):
        assert f'<label for="{field}">' in page.text and f'id="{field}"' in page.text
        assert f'name="section" value="{field}"' in page.text
    token = await csrf_token(client, f"/reports/{report_id}/edit")
    saved = await client.post(
        f"/reports/{report_id}/edit",
        data={
            "_csrf_token": token,
            "progress": "Cliënt werkt weer <halve> dagen.",
            "work_participation": "Drie ochtenden per week.",
            "advice": before["advice"],
            "section": "progress",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/reports/{report_id}/edit?saved=progress#section-progress"
    after = await text_of(report_id)
    assert after["progress"] == "Cliënt werkt weer <halve> dagen."
    assert after["work_participation"] == "Drie ochtenden per week."  # typed there, kept
    assert after["advice"] == before["advice"]
    shown = (await client.get(saved.headers["location"])).text
    assert "Opgeslagen." in shown
    assert "Cliënt werkt weer &lt;halve&gt; dagen." in shown  # shown back, escaped
    assert "Drie ochtenden per week." in shown
    # A post of one section (the JSON door's shape, an older page) leaves the others.
    one = await client.post(
        f"/reports/{report_id}/edit",
        data={"_csrf_token": token, "advice": "Twee uur per dag.", "section": "advice"},
    )
    assert one.headers["location"] == f"/reports/{report_id}/edit?saved=advice#section-advice"
    assert (await text_of(report_id))["work_participation"] == "Drie ochtenden per week."
    # Emptying a section saves it empty (an empty field is not "not given" here).
    cleared = await client.post(
        f"/reports/{report_id}/edit", data={"_csrf_token": token, "advice": ""}
    )
    assert cleared.status_code == 303
    assert (await text_of(report_id))["advice"] == ""
    preview = (await client.get(f"/reports/{report_id}/preview")).text
    assert "Cliënt werkt weer &lt;halve&gt; dagen." in preview


@time_machine.travel(NOW, tick=False)
async def test_approval_asks_first_naming_the_company_doctor_and_sends_only_on_confirm(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    report_id = await first_draft(settings)
    section = (await client.get(f"/episodes/{episode_id}?section=reports")).text
    assert f'href="/reports/{report_id}/approval"' in section
    assert f'<form method="post" action="/reports/{report_id}/approval"' not in section
    confirm = await client.get(f"/reports/{report_id}/approval")
    assert confirm.status_code == 200, confirm.text[:2000]
    assert "Tussenevaluatie na sessie 5 versturen naar B. Arts (Arbo Noord)?" in confirm.text
    assert f'<form method="post" action="/reports/{report_id}/approval"' in confirm.text
    assert (await Report.select(Report.status).where(Report.id == report_id).first()) == {
        "status": "draft"
    }  # looking at the question approves nothing
    token = await csrf_token(client, f"/reports/{report_id}/approval")
    done = await client.post(f"/reports/{report_id}/approval", data={"_csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == f"/episodes/{episode_id}?section=reports"
    status = await Report.select(Report.status).where(Report.id == report_id).first()
    assert status == {"status": "approved"}
    again = await client.get(f"/reports/{report_id}/approval")
    assert "Confirm" not in again.text and "Bevestigen" not in again.text


@time_machine.travel(NOW, tick=False)
async def test_an_empty_report_is_not_approved_and_an_empty_part_is_named_before_approval(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    await episode_with_ten_held_sessions(client, cast)
    report_id = await first_draft(settings)
    token = await csrf_token(client, f"/reports/{report_id}/edit")
    await client.post(f"/reports/{report_id}/edit", data={"_csrf_token": token, "advice": "   "})
    confirm = await client.get(f"/reports/{report_id}/approval")
    blank = confirm.text.split('data-testid="blank-sections"', 1)[1].split("</div>", 1)[0]
    assert "Advies voor de belastbaarheid" in blank and "Doelen en voortgang" not in blank
    assert f'<form method="post" action="/reports/{report_id}/approval"' in confirm.text
    await client.post(
        f"/reports/{report_id}/edit",
        data={"_csrf_token": token, "progress": " ", "work_participation": "", "advice": ""},
    )
    confirm = await client.get(f"/reports/{report_id}/approval")
    assert "De rapportage is leeg" in confirm.text
    assert f'<form method="post" action="/reports/{report_id}/approval"' not in confirm.text
    token = await csrf_token(client, f"/reports/{report_id}/approval")
    refused = await client.post(f"/reports/{report_id}/approval", data={"_csrf_token": token})
    assert refused.status_code == 400  # an approval posted anyway (an older page)
    status = await Report.select(Report.status).where(Report.id == report_id).first()
    assert status == {"status": "draft"}


async def give_update_consent_and_an_agreement(client: httpx.AsyncClient, episode_id: int) -> None:
    path = f"/api/episodes/{episode_id}"
    await ok(
        await api(
            client,
            "POST",
            f"{path}/consents",
            {
                "recipient": "employer",
                "purpose": "process_updates",
                "given_at": "2026-04-20T10:00:00+02:00",
            },
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/agreements",
            {"agreed_on": "2026-05-06", "description": "Start met 4 uur", "hours_per_week": "4"},
        ),
        201,
    )


@time_machine.travel(NOW, tick=False)
async def test_a_report_sent_and_an_agreement_made_before_one_sweep_give_one_update_not_two(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    """Regression (issue 16): each trigger sent its own update, so the walk's sweep after the
    report went out sent two identical ones (the report's and the agreement's)."""
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await give_update_consent_and_an_agreement(client, episode_id)
    report_id = await first_draft(settings)
    await ok(await api(client, "POST", f"/api/reports/{report_id}/approval"))
    await reporting_jobs.deliver_report({"settings": settings}, report_id)
    await reporting_jobs.due_employer_updates(TODAY, settings)
    await reporting_jobs.due_employer_updates(TODAY, settings)
    updates = await EmployerUpdate.select(EmployerUpdate.trigger)
    assert [u["trigger"] for u in updates] == ["interim_report:5"]
    # A later change of the agreements is news: one more update, and only one.
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/agreements",
            {"agreed_on": "2026-06-12", "description": "Naar 12 uur", "hours_per_week": "12"},
        ),
        201,
    )
    await reporting_jobs.due_employer_updates(TODAY, settings)
    await reporting_jobs.due_employer_updates(TODAY, settings)
    assert await EmployerUpdate.count() == 2


@time_machine.travel(NOW, tick=False)
async def test_the_client_page_lists_each_employer_update_with_what_was_sent_and_to_whom(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    before = (await client.get(f"/episodes/{episode_id}?section=reports")).text
    assert "de toestemming van de cliënt daarvoor ontbreekt" in before
    assert 'href="?section=consents#consents-title"' in before
    await give_update_consent_and_an_agreement(client, episode_id)
    await reporting_jobs.due_employer_updates(TODAY, settings)
    page = (await client.get(f"/episodes/{episode_id}?section=reports")).text
    assert "de toestemming van de cliënt daarvoor ontbreekt" not in page
    assert page.count('id="employer-update-') == 1
    assert "de afspraken zijn gewijzigd" in page
    assert cast.employer_contact.email in page  # to whom
    assert "Start met 4 uur" in page  # what was sent
    assert (
        "hoge werkdruk"
        not in page.split('id="employer-updates-title"')[1].split('id="minutes-title"')[0]
    )  # the screening's text is never part of an update


@time_machine.travel(NOW, tick=False)
async def test_minutes_of_a_held_alignment_meeting_are_written_in_a_form_and_shown_back(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    meeting = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "alignment_meeting", "starts_at": "2026-06-02T14:00:00+02:00"},
        ),
        201,
    )
    await ok(
        await api(
            client, "POST", f"/api/appointments/{meeting['id']}/attendance", {"attendance": "held"}
        )
    )
    page = (await client.get(f"/episodes/{episode_id}?section=reports")).text
    assert f'action="/appointments/{meeting["id"]}/minutes"' in page
    token = await csrf_token(client, f"/episodes/{episode_id}?section=reports")
    saved = await client.post(
        f"/appointments/{meeting['id']}/minutes",
        data={
            "_csrf_token": token,
            "shared_text": "Leidinggevende regelt een rustige werkplek.",
            "internal_text": "Cliënt oogt gespannen.",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == (
        f"/episodes/{episode_id}?section=reports#minutes-{meeting['id']}"
    )
    assert await MeetingMinutes.count() == 1
    shown = (await client.get(f"/episodes/{episode_id}?section=reports")).text
    assert "Leidinggevende regelt een rustige werkplek." in shown
    assert "Cliënt oogt gespannen." in shown
    refused = await client.post(
        f"/appointments/{meeting['id']}/minutes",
        data={"_csrf_token": token, "shared_text": "", "internal_text": "x"},
    )
    assert refused.status_code == 400


async def test_an_administrator_sets_a_therapists_registration_on_the_users_page(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await login(client, cast.administrator.email)
    users = await client.get("/admin/users")
    assert f'action="/admin/users/{cast.therapist.id}/registration"' in users.text
    assert f'<label for="registration-{cast.therapist.id}"' in users.text
    token = await csrf_token(client, "/admin/users")
    saved = await client.post(
        f"/admin/users/{cast.therapist.id}/registration",
        data={"_csrf_token": token, "registration": "  NIP  12345 "},
    )
    assert saved.status_code == 303
    row = await User.select(User.registration).where(User.id == cast.therapist.id).first()
    assert row == {"registration": "NIP 12345"}
    assert 'value="NIP 12345"' in (await client.get("/admin/users")).text
    await client.post(
        f"/admin/users/{cast.therapist.id}/registration",
        data={"_csrf_token": token, "registration": ""},
    )
    row = await User.select(User.registration).where(User.id == cast.therapist.id).first()
    assert row == {"registration": None}

    # A number without its register: the account's page, the problem next to the field and
    # what was typed kept; nothing written.
    refused = await client.post(
        f"/admin/users/{cast.therapist.id}/registration",
        data={"_csrf_token": token, "registration": "49012345625"},
        headers={"accept": "text/html"},
    )
    assert refused.status_code == 400
    assert 'id="registration-problem"' in refused.text
    assert "Schrijf het register en het nummer" in refused.text
    assert 'value="49012345625"' in refused.text
    row = await User.select(User.registration).where(User.id == cast.therapist.id).first()
    assert row == {"registration": None}


@time_machine.travel(NOW, tick=False)
async def test_an_open_process_update_says_it_waits_for_its_report_and_links_to_the_report(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    overview = (await client.get(f"/episodes/{episode_id}")).text
    tasks = overview[overview.index('id="tasks-title"') : overview.index("</section>")]
    # What there is to do is the report's approval: the update goes out with it.
    link = f'<a href="/episodes/{episode_id}?section=reports#reports-title">'
    update = tasks[tasks.index(f"{link}Procesinformatie naar werkgever na sessie 5") :]
    update = update[: update.index("</li>")]
    assert "wacht op: Tussenevaluatie na sessie 5" in update
