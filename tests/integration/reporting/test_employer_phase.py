"""The employer reads where the treatment of its employee stands, and since when: the phase
of the process (practice.privacy.employer_phase), never why a treatment ended or did not
start."""

import html
from datetime import UTC, datetime

import time_machine

from scheduling.tables import Appointment
from tests.cast import Cast
from tests.story import ok, refer, setup_parties
from tests.web import api, login


async def phase_on_the_employer_page(client, cast: Cast) -> tuple[str, str]:
    await login(client, cast.employer_contact.email)
    page = html.unescape((await client.get("/employer")).text)
    return page.split('data-testid="phase">', 1)[1].split("</td>", 1)[0], page


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_employer_reads_where_the_treatment_stands_and_never_why_it_did_not_start(
    client, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    consent = {
        "recipient": "employer",
        "purpose": "process_updates",
        "given_at": "2026-06-15T09:00:00+02:00",
    }
    await ok(await api(client, "POST", f"/api/episodes/{episode_id}/consents", consent), 201)
    # The afstemmingsoverleg planned: the manager is invited, so the portal says when.
    await Appointment.insert(
        Appointment(
            episode=episode_id,
            therapist=cast.therapist.id,
            kind="alignment_meeting",
            starts_at=datetime(2026, 6, 19, 8, 0, tzinfo=UTC),
            ends_at=datetime(2026, 6, 19, 9, 0, tzinfo=UTC),
        )
    )
    phase, page = await phase_on_the_employer_page(client, cast)
    assert "aangemeld, nog niet gescreend" in phase and "sinds 15 jun 2026" in phase
    assert "gepland: 19 jun 2026, 10:00" in page
    assert 'data-testid="meeting-planned">Afstemmingsoverleg gepland: 19 jun 2026, 10:00' in page

    await login(client, cast.therapist.email)
    reason = "Cliënt zoekt liever eerst hulp bij de GGZ voor de paniekaanvallen"
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/transitions",
            {"to_status": "referred_elsewhere", "reason": reason},
        )
    )
    phase, page = await phase_on_the_employer_page(client, cast)
    assert "geen behandeling bij de praktijk" in phase
    # Not which way it ended, nor why: that may be medical.
    assert "doorverwezen" not in page.lower() and "paniek" not in page.lower()
