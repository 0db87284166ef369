"""The employer's and the company doctor's portals grow with the practice: both find a
client by part of their name (case and accents folded), say when nobody matches, and audit
only the clients the search shows."""

import dataclasses

import time_machine

from practice.platform.settings import Settings
from reporting import jobs as reporting_jobs
from tests.cast import Cast
from tests.integration.reporting.test_employer_volume_basis import TODAY
from tests.integration.reporting.test_privacy_canary import approve_and_deliver
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.mailbox import Mailbox
from tests.story import ok
from tests.web import api, audit_rows, login


async def anna_reported_to_both(client, cast: Cast, settings: Settings, mailbox: Mailbox) -> int:
    """Anna Jansen, with an interim report at the company doctor's and a process update at
    the employer's."""
    mail = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port)
    episode_id = await episode_with_ten_held_sessions(client, cast)
    consent = {
        "recipient": "employer",
        "purpose": "process_updates",
        "given_at": "2026-04-20T10:00:00+02:00",
    }
    await ok(await api(client, "POST", f"/api/episodes/{episode_id}/consents", consent), 201)
    await approve_and_deliver(client, settings)
    await reporting_jobs.due_employer_updates(TODAY, mail)
    return episode_id


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_employer_finds_an_employee_by_part_of_the_name_and_audits_only_who_is_shown(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    episode_id = await anna_reported_to_both(client, cast, settings, mailbox)
    await login(client, cast.employer_contact.email)

    found = await client.get("/employer", params={"q": "  JANS "})
    assert found.status_code == 200
    glance = found.text.split('data-testid="employees-at-a-glance"', 1)[1].split("</table>")[0]
    assert f'href="#employee-{episode_id}">Anna Jansen</a>' in glance
    assert 'id="q" name="q" value="JANS"' in found.text
    assert "Alleen de namen met ‘JANS’." in found.text

    before = len(await audit_rows(object_type="employer_view"))
    nobody = await client.get("/employer", params={"q": "Pietersen"})
    assert nobody.status_code == 200
    assert "Anna Jansen" not in nobody.text
    assert "Geen medewerker past bij de zoekopdracht." in nobody.text
    assert len(await audit_rows(object_type="employer_view")) == before  # nobody was shown
    assert 'href="/employer">Alles tonen</a>' in nobody.text


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_company_doctor_finds_a_client_by_part_of_the_name(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    await anna_reported_to_both(client, cast, settings, mailbox)
    await login(client, cast.company_doctor.email)

    everyone = (await client.get("/company-doctor")).text
    found = (await client.get("/company-doctor", params={"q": "anna"})).text
    nobody = (await client.get("/company-doctor", params={"q": "Pietersen"})).text

    assert "Anna Jansen" in everyone and "Anna Jansen" in found
    assert "Anna Jansen" not in nobody
    assert "Geen cliënt past bij de zoekopdracht." in nobody
