"""The other participants of a meeting are invited when they are added, and told when it is
off: the manager, HR adviser and company doctor of the afstemmingsoverleg get its .ics by
e-mail (scheduling.services.invitations), once each, only with the client's consent, never
naming the location or anything medical; the appointment page shows what each was sent."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from email.message import Message

import httpx
import time_machine

from practice.audit.trail import Actor, Channel
from practice.consent import Purpose, Recipient
from practice.platform import outbox
from practice.platform.settings import Settings
from practice.services import consents
from practice.tables import OutboundMessage, TreatmentEpisode
from scheduling import jobs as scheduling_jobs
from scheduling.appointments import invitation_cancelled_key, invitation_key
from scheduling.services.invitations import invite_participants
from scheduling.tables import Appointment, Participant
from tests.cast import Cast
from tests.integration.scheduling.test_booking import _compleet_in_treatment, book
from tests.integration.scheduling.test_calendar_pages import HTML, post_page_form
from tests.integration.scheduling.test_mail import assert_nothing_medical
from tests.mailbox import Mailbox
from tests.story import ok
from tests.web import api

NOW = "2026-06-01 10:00 +0200"  # a Monday
SYSTEM = Actor.system(Channel.WORKER)


async def _meeting(client: httpx.AsyncClient, cast: Cast, starts_at: str) -> tuple[int, int]:
    """A Compleet episode (the company doctor's consent given at referral, none for the
    employer) with an alignment meeting booked at ``starts_at``."""
    episode_id = await _compleet_in_treatment(client, cast, "atwork_compleet")
    meeting = await ok(await book(client, episode_id, starts_at, "alignment_meeting"), 201)
    return episode_id, int(meeting["id"])


async def _employer_consent(episode_id: int) -> None:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    await consents.give_consent(
        SYSTEM,
        client_id=int(row["client"]),
        recipient=Recipient.EMPLOYER.value,
        purpose=Purpose.PROCESS_UPDATES.value,
        given_at=datetime.now(UTC) - timedelta(hours=1),
    )


async def _sent(pattern: str) -> dict[str, dict[str, object]]:
    """The outbox rows whose key is like ``pattern``, by the participant's role."""
    roles = {
        int(p["id"]): str(p["role"])
        for p in await Participant.select(Participant.id, Participant.role)
    }
    rows = await OutboundMessage.select().where(OutboundMessage.key.like(pattern))
    return {roles[int(str(r["key"]).rsplit(":", 1)[1])]: r for r in rows}


async def _invitation_cells(client: httpx.AsyncClient, page: str) -> list[str]:
    """The participants table's invitation column, top to bottom."""
    table = (await client.get(page, headers=HTML)).text.split('data-testid="participants"', 1)[1]
    return [cell.split("</td>", 1)[0] for cell in table.split('data-testid="invitation">')[1:]]


@time_machine.travel(NOW, tick=False)
async def test_booking_the_meeting_invites_the_company_doctor_and_the_manager_only_with_consent(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id, meeting = await _meeting(client, cast, "2026-06-10T13:00:00+02:00")
    invited = await _sent(invitation_key(meeting, "%"))
    # The company doctor's consent came with the referral; the employer's was never given.
    assert set(invited) == {"company_doctor"}
    doctor = invited["company_doctor"]
    assert doctor["to_address"] == cast.company_doctor.email
    assert doctor["subject"] == "Uitnodiging: afstemmingsoverleg op 10 juni 2026"
    body = str(doctor["body_text"])
    assert "woensdag 10 juni 2026, 13:00.\nDe praktijk laat u weten waar" in body  # a line each
    assert "A.J." in body
    assert "Anna" not in body and "Jansen" not in body  # initials only
    assert "METHOD:REQUEST" in str(doctor["ics"])
    assert f"UID:appointment-{meeting}@atwork" in str(doctor["ics"])
    assert "SUMMARY:Afstemmingsoverleg A.J." in str(doctor["ics"])

    # With the employer's consent the manager is invited too; the doctor not again.
    await _employer_consent(episode_id)
    again = await invite_participants(meeting, settings.time_zone, None)
    assert len(again) == 1
    invited = await _sent(invitation_key(meeting, "%"))
    assert set(invited) == {"company_doctor", "manager"}
    assert invited["manager"]["to_address"] == cast.employer_contact.email
    manager_text = f"{invited['manager']['subject']}\n{invited['manager']['body_text']}"
    assert_nothing_medical([manager_text])
    assert "Uw aanwezigheid is nodig." in manager_text  # the manager is required
    assert await invite_participants(meeting, settings.time_zone, None) == []  # once each


@time_machine.travel(NOW, tick=False)
async def test_a_participant_added_by_hand_is_invited_and_the_page_shows_what_each_was_sent(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id, meeting = await _meeting(client, cast, "2026-06-10T13:00:00+02:00")
    await _employer_consent(episode_id)
    page = f"/appointments/{meeting}"
    added = await post_page_form(
        client,
        page,
        f"{page}/participants",
        {"role": "hr_adviser", "name": "H. Rozen", "email": "h@zorg.nl", "required": "false"},
    )
    assert added.status_code == 303
    hr = (await _sent(invitation_key(meeting, "%")))["hr_adviser"]
    assert hr["to_address"] == "h@zorg.nl"
    assert "uw aanwezigheid is niet verplicht" in str(hr["body_text"])
    await post_page_form(
        client, page, f"{page}/participants", {"role": "hr_adviser", "name": "Zonder Adres"}
    )
    # The doctor was invited at booking; the manager not, as the employer's consent came
    # later; H. Rozen when added; the last has no address.
    assert await _invitation_cells(client, page) == [
        "staat klaar om te versturen",
        "nog niet: wacht op toestemming van de cliënt om met hen te delen",
        "staat klaar om te versturen",
        "geen: geen e-mailadres",
    ]
    # The sweep invites whom the consent now allows, once.
    assert len(await scheduling_jobs.due_invitations(date(2026, 6, 1), settings)) == 1
    assert await scheduling_jobs.due_invitations(date(2026, 6, 1), settings) == []
    assert (await _invitation_cells(client, page))[1] == "staat klaar om te versturen"


@time_machine.travel(NOW, tick=False)
async def test_no_invitation_goes_out_for_a_meeting_entered_after_it_took_place(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    _, meeting = await _meeting(client, cast, "2026-05-28T13:00:00+02:00")
    assert await _sent(invitation_key(meeting, "%")) == {}


@time_machine.travel(NOW, tick=False)
async def test_a_moved_meeting_tells_the_invited_it_is_off_and_invites_them_to_the_new_time(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id, meeting = await _meeting(client, cast, "2026-06-10T13:00:00+02:00")
    await _employer_consent(episode_id)
    page = f"/appointments/{meeting}"
    await post_page_form(
        client,
        page,
        f"{page}/participants",
        {"role": "hr_adviser", "name": "H. Rozen", "email": "h@zorg.nl", "required": "false"},
    )
    moved = await post_page_form(
        client,
        page,
        f"{page}/move",
        {"starts_at": "2026-06-11T13:00", "attendance": "cancelled_by_practice", "reason": "x"},
    )
    assert moved.status_code == 303, moved.text[:800]
    told = await _sent(invitation_cancelled_key(meeting, "%"))
    # Only who was invited hears it is off: the doctor and H. Rozen (the manager's
    # consent came after the booking, and nobody invited them since).
    assert set(told) == {"company_doctor", "hr_adviser"}
    assert "METHOD:CANCEL" in str(told["company_doctor"]["ics"])
    assert told["hr_adviser"]["subject"] == "Geannuleerd: afstemmingsoverleg op 10 juni 2026"
    new = await Appointment.select().where(Appointment.id == meeting).first()
    assert new is not None
    new_id = int(new["rebooked_as"])
    # The participant added by hand came along; everyone is invited to the new time.
    assert set(await _sent(invitation_key(new_id, "%"))) == {
        "company_doctor",
        "manager",
        "hr_adviser",
    }
    shown = (await client.get(page, headers=HTML)).text.split('data-testid="participants"', 1)[1]
    assert shown.count("afzegging gestuurd") == 2


@time_machine.travel(NOW, tick=False)
async def test_the_invitation_arrives_by_smtp_with_its_calendar_entry(
    client: httpx.AsyncClient, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    _, meeting = await _meeting(client, cast, "2026-06-10T13:00:00+02:00")
    doctor = (await _sent(invitation_key(meeting, "%")))["company_doctor"]
    mail = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port)
    assert await outbox.send_message(mail, int(str(doctor["id"]))) is True
    [received] = mailbox.messages
    assert received["To"] == cast.company_doctor.email
    parts: list[Message] = list(received.walk())
    calendars = [p for p in parts if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    payload = calendars[0].get_payload(decode=True)
    assert isinstance(payload, bytes) and b"SUMMARY:Afstemmingsoverleg A.J." in payload
    # RFC 5546: a REQUEST names its organizer and the attendee it is for, and the part's
    # method is the calendar's own.
    assert calendars[0].get_param("method") == "REQUEST"
    text = payload.decode().replace("\r\n ", "")
    assert f"ORGANIZER:mailto:{settings.mail_from}" in text
    assert f"mailto:{cast.company_doctor.email}" in text.split("ATTENDEE", 1)[1]


@time_machine.travel(NOW, tick=False)
async def test_no_invitation_goes_out_for_a_meeting_of_a_treatment_that_ended(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    episode_id, meeting = await _meeting(client, cast, "2026-06-10T13:00:00+02:00")
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/transitions",
            {"to_status": "closed", "on": "2026-06-01"},
        )
    )
    # The employer's consent comes after the closing: the sweep would tell the manager of a
    # meeting that says the treatment still runs.
    await _employer_consent(episode_id)
    assert await scheduling_jobs.due_invitations(date(2026, 6, 1), settings) == []
    assert set(await _sent(invitation_key(meeting, "%"))) == {"company_doctor"}
