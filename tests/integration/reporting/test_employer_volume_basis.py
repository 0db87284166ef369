"""Every volume % an employer reads says what it is a share of: the contract hours and which
contract they are (domain brief S1, pitfall 7): on the portal page, in the JSON, in the CSV
and in the process update's PDF, and so in the therapist's copy of what was told."""

import csv
import dataclasses
import io
from datetime import date

import time_machine

from practice.platform.settings import Settings
from reporting import jobs as reporting_jobs
from reporting.tables import EmployerUpdate
from tests.cast import Cast
from tests.integration.reporting.test_privacy_canary import approve_and_deliver, pdf_text
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.mailbox import Mailbox
from tests.story import ok
from tests.web import api, login

JSON = {"accept": "application/json"}
TODAY = date(2026, 6, 15)
NAMED = "25,0 % van 32 contracturen (contract op de meetdatum)"


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_employer_reads_the_percentage_with_its_contract_hours_and_basis(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port)
    episode_id = await episode_with_ten_held_sessions(client, cast)
    path = f"/api/episodes/{episode_id}"
    # 8 hours against the 32 contract hours of the referral's employment.
    await ok(
        await api(
            client,
            "POST",
            f"{path}/work-participation",
            {"measured_on": "2026-05-06", "own_work_hours": "8", "moment": "begin"},
        ),
        201,
    )
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
    await approve_and_deliver(client, settings)
    await reporting_jobs.due_employer_updates(TODAY, mail)
    therapist_copy = await client.get(f"/episodes/{episode_id}?section=reports")
    assert therapist_copy.status_code == 200
    assert NAMED in therapist_copy.text

    await login(client, cast.employer_contact.email)
    page = await client.get("/employer")
    assert page.status_code == 200
    assert NAMED in page.text

    employees = await ok(await client.get("/api/employer/employees", headers=JSON))
    participation = employees[0]["participation"][0]
    assert participation["volume_percent"] == "25.0"
    assert participation["contract_hours"] == "32"
    assert participation["basis"] == "measurement_date"

    rows = list(csv.DictReader(io.StringIO((await client.get("/api/employer/employees.csv")).text)))
    assert (rows[0]["latest_volume_percent"], rows[0]["latest_contract_hours"]) == ("25.0%", "32")
    assert rows[0]["latest_volume_basis"] == "measurement_date"

    updates = await EmployerUpdate.select(EmployerUpdate.id)
    assert updates, "an employer update was sent"
    pdf = await client.get(f"/employer/updates/{updates[0]['id']}")
    assert pdf.status_code == 200
    assert NAMED in " ".join(pdf_text(pdf.content).split())
    # In the reader's language: after the switch to English, the PDF is English too.
    client.cookies.set("lang", "en")
    english = " ".join(
        pdf_text((await client.get(f"/employer/updates/{updates[0]['id']}")).content).split()
    )
    assert "contract hours" in english and "contracturen" not in english


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_therapist_sees_the_percentage_with_at_hours_beside_the_plain_one(
    client, cast: Cast
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    path = f"/api/episodes/{episode_id}"
    # 8 hours own work and 4 hours on a therapeutic basis, of 32 contract hours.
    await ok(
        await api(
            client,
            "POST",
            f"{path}/work-participation",
            {
                "measured_on": "2026-05-06",
                "own_work_hours": "8",
                "therapeutic_hours": "4",
                "moment": "begin",
            },
        ),
        201,
    )
    detail = await ok(await client.get(path, headers=JSON))
    point = detail["work_participation"][-1]
    assert (point["volume_percent"], point["volume_percent_with_at"]) == ("25.0", "37.5")
    page = await client.get(f"/episodes/{episode_id}?section=work")
    assert page.status_code == 200
    assert "25,0 %" in page.text and "37,5 %" in page.text
