"""The client portal (issue 20): the client sees their own appointments, questionnaires,
documents, consents and what was shared with whom, downloads their record, and reaches
nothing of another client's (404, audited) and nothing a therapist keeps internal."""

import html
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import time_machine

from practice.audit.trail import Outcome
from practice.consent import Purpose, Recipient
from practice.disclosure import Addressee, Sender
from practice.platform.settings import Settings
from practice.services import disclosure
from practice.tables import AuditEvent, Consent, TreatmentEpisode, User
from reporting.services.monitoring import invite_due_questionnaires
from reporting.tables import Document, MeetingMinutes
from scheduling.tables import Appointment
from tests.cast import Cast
from tests.integration.practice.test_client_accounts import (
    ADDRESS,
    client_with_account,
    invitation_path,
    invite,
    log_in_with_code,
    set_up,
)
from tests.integration.practice.test_portal_forms import (
    IN_TREATMENT,
    post_page_form,
    post_steps,
    referral_form,
)
from tests.integration.reporting.test_questionnaire_link import NOW, TODAY
from tests.web import csrf_token, login

OTHER = "bram.other@example.org"
NOW_DAY = TODAY


async def arrange_record(episode_id: int, therapist_id: int, hour: int = 10) -> dict[str, int]:
    """An appointment ahead (at ``hour``: one therapist is never booked twice at once, which
    PostgreSQL enforces), minutes with an internal part, a relapse-prevention plan."""
    start = datetime(2026, 6, 19, hour, 0, tzinfo=UTC)
    rows = await Appointment.insert(
        Appointment(
            episode=episode_id,
            therapist=therapist_id,
            kind="session",
            starts_at=start,
            ends_at=start + timedelta(minutes=45),
            notes="SESSIENOTITIE",
        )
    ).returning(Appointment.id)
    appointment_id = int(rows[0]["id"])
    await MeetingMinutes.insert(
        MeetingMinutes(
            appointment=appointment_id, shared_text="gedeeld", internal_text="INTERN-GEHEIM"
        )
    )
    documents = await Document.insert(
        Document(
            episode=episode_id,
            kind="relapse_prevention_plan",
            title="Terugvalpreventieplan",
            pdf=b"%PDF-1.4 plan",
            sha256="0" * 64,
        ),
        Document(
            episode=episode_id,
            kind="interim_report",
            title="Tussenrapportage (nooit verzonden)",
            pdf=b"%PDF-1.4 draft",
            sha256="1" * 64,
        ),
    ).returning(Document.id)
    return {
        "appointment_id": appointment_id,
        "plan_id": int(documents[0]["id"]),
        "unsent_id": int(documents[1]["id"]),
    }


async def second_client_in_treatment(client: httpx.AsyncClient, cast: Cast) -> int:
    """Another client of the same therapist, in treatment (the therapist stays logged in)."""
    from practice.tables import CompanyDoctor, Employer, EmployerContact

    employer = await Employer.select(Employer.id).first()
    doctor = await CompanyDoctor.select(CompanyDoctor.id).first()
    contact = await EmployerContact.select(EmployerContact.id).first()
    assert employer and doctor and contact
    parties = {"employer": employer["id"], "doctor": doctor["id"], "contact": contact["id"]}
    await login(client, cast.therapist.email)
    form = referral_form(parties, email=OTHER, name="Bram Ander")
    response = await post_page_form(client, "/referrals/new", "/referrals", form)
    assert response.status_code == 303, response.text[:500]
    episode_id = int(response.headers["location"].rsplit("/", 1)[1])
    await post_steps(client, f"/episodes/{episode_id}", IN_TREATMENT)
    return episode_id


@time_machine.travel(NOW, tick=False)
async def test_the_client_sees_appointments_questionnaires_and_documents_of_their_own(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await client_with_account(client, cast)
    ids = await arrange_record(episode_id, cast.therapist.id)
    await invite_due_questionnaires(TODAY, settings)

    home = await client.get("/my")

    assert home.status_code == 200
    assert f'data-appointment="{ids["appointment_id"]}"' in home.text
    assert "Terugvalpreventieplan" in home.text
    assert "nooit verzonden" not in home.text  # a document that never left is not shown
    assert "SESSIENOTITIE" not in home.text
    ics = await client.get(f"/my/appointments/{ids['appointment_id']}/calendar.ics")
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text and "Afspraak" in ics.text
    plan = await client.get(f"/my/documents/{ids['plan_id']}")
    assert plan.status_code == 200 and plan.content.startswith(b"%PDF")
    assert (await client.get(f"/my/documents/{ids['unsent_id']}")).status_code == 404

    # The questionnaire: from the portal to the link's page with a fresh token.
    token = await csrf_token(client, "/my")
    invitation = home.text.split('action="/my/questionnaires/', 1)[1].split('"', 1)[0]
    opened = await client.post(f"/my/questionnaires/{invitation}", data={"_csrf_token": token})
    assert opened.status_code == 303 and opened.headers["location"].startswith("/questionnaires/")
    assert (await client.get(opened.headers["location"])).status_code == 200


@time_machine.travel(NOW, tick=False)
async def test_a_client_reaches_nothing_of_another_clients_record(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await client_with_account(client, cast)
    own = await arrange_record(episode_id, cast.therapist.id)
    client.cookies.clear()
    other_episode = await second_client_in_treatment(client, cast)
    theirs = await arrange_record(other_episode, cast.therapist.id, hour=13)
    assert (await invite(client, other_episode)).status_code == 303
    path = await invitation_path(OTHER)
    await invite_due_questionnaires(TODAY, settings)
    client.cookies.clear()
    assert (await set_up(client, path)).status_code == 303  # logged in as the other client

    home = await client.get("/my")
    assert f'data-appointment="{theirs["appointment_id"]}"' in home.text
    assert f'data-appointment="{own["appointment_id"]}"' not in home.text
    for path in (
        f"/my/appointments/{own['appointment_id']}/calendar.ics",
        f"/my/documents/{own['plan_id']}",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Anna" not in response.text
    first_client = await TreatmentEpisode.select(TreatmentEpisode.client).where(
        TreatmentEpisode.id == episode_id
    )
    assert await AuditEvent.exists().where(
        (AuditEvent.client_id == first_client[0]["client"])
        & (AuditEvent.outcome == Outcome.DENIED.value)
    )
    # The client's role opens no staff page, not even of their own episode.
    for staff_path in (f"/episodes/{other_episode}", "/today", f"/api/episodes/{other_episode}"):
        assert (await client.get(staff_path)).status_code == 403, staff_path


@time_machine.travel(NOW, tick=False)
async def test_a_consent_withdrawn_in_the_portal_blocks_the_next_employer_update(
    client, cast: Cast
) -> None:
    episode_id = await client_with_account(client, cast)
    page = await client.get("/my/consents")
    assert 'data-testid="consent-purposes"' in page.text  # what goes where, under the form
    consents_before = await Consent.count()
    token = await csrf_token(client, "/my/consents")
    # Nothing medical is given to the employer: refused beside the purpose, nothing stored.
    medical = await client.post(
        "/my/consents",
        data={"recipient": "employer", "purpose": "interim_reports", "_csrf_token": token},
    )
    assert medical.status_code == 400
    assert 'id="purpose-problem"' in medical.text
    assert "Naar de werkgever gaat nooit iets medisch" in html.unescape(medical.text)
    assert await Consent.count() == consents_before
    given = await client.post(
        "/my/consents",
        data={"recipient": "employer", "purpose": "process_updates", "_csrf_token": token},
    )
    assert given.status_code == 303
    client_id = int(
        (
            await TreatmentEpisode.select(TreatmentEpisode.client).where(
                TreatmentEpisode.id == episode_id
            )
        )[0]["client"]
    )
    now = datetime.now(UTC)
    cleared = await disclosure.clear(
        Sender.EMPLOYER_UPDATE_NOTICE, client_id, Addressee.account(cast.employer_contact.id), now
    )
    consent = (
        await Consent.select()
        .where(
            (Consent.client == client_id)
            & (Consent.recipient == Recipient.EMPLOYER.value)
            & (Consent.purpose == Purpose.PROCESS_UPDATES.value)
            & Consent.withdrawn_at.is_null()
        )
        .first()
    )
    assert consent is not None

    page = await client.get("/my/consents")
    token = await csrf_token(client, "/my/consents")
    withdrawn = await client.post(
        f"/my/consents/{consent['id']}/withdrawal", data={"_csrf_token": token}
    )

    assert page.status_code == 200
    assert withdrawn.status_code == 303
    refused = await disclosure.clear(
        Sender.EMPLOYER_UPDATE_NOTICE,
        client_id,
        Addressee.account(cast.employer_contact.id),
        datetime.now(UTC) + timedelta(seconds=1),
    )
    assert isinstance(refused, disclosure.Refusal)
    del cleared  # before the withdrawal the consent held (the manager's seat aside)
    # Another client's consent cannot be withdrawn from this account.
    assert (
        await client.post("/my/consents/999999/withdrawal", data={"_csrf_token": token})
    ).status_code == 404


@time_machine.travel(NOW, tick=False)
async def test_the_clients_download_holds_the_record_without_internal_notes_or_credentials(
    client, cast: Cast
) -> None:
    episode_id = await client_with_account(client, cast)
    await arrange_record(episode_id, cast.therapist.id)

    response = await client.get("/my/record.zip")

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    everything = "".join(
        archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
    )
    assert "gedeeld" in everything and "SESSIENOTITIE" in everything
    assert "INTERN-GEHEIM" not in everything
    assert "argon2" not in everything and "password_hash" not in everything
    # A note in the client's language says what is where, and how many of each.
    readme = archive.read("LEESMIJ.txt").decode("utf-8")
    assert "documents/: de documenten die over u zijn geschreven" in readme
    assert "werkaantekeningen van uw behandelaar" in readme
    assert "  client_account.json: 1" in readme
    bundle = await client.get("/my/record.fhir.json")
    assert bundle.status_code == 200 and bundle.json()["resourceType"] == "Bundle"
    assert "INTERN-GEHEIM" not in bundle.text
    accounts: list[dict[str, Any]] = json.loads(archive.read("data/client_account.json"))
    assert len(accounts) == 1 and "token_hash" not in accounts[0]
    assert "code_hash" not in accounts[0]


@time_machine.travel(NOW, tick=False)
async def test_erasing_the_client_erases_their_login_too(client, cast: Cast) -> None:
    from practice.services.erasure import erase_on_request

    episode_id = await client_with_account(client, cast)
    client_id = int(
        (
            await TreatmentEpisode.select(TreatmentEpisode.client).where(
                TreatmentEpisode.id == episode_id
            )
        )[0]["client"]
    )
    await erase_on_request(
        client_id,
        request_ref="AVG-2026-001",
        by_email=cast.practice_manager.email,
        requested_on=NOW_DAY,
    )

    assert not await User.exists().where(User.email == ADDRESS)


@time_machine.travel(NOW, tick=False)
async def test_the_client_reads_what_each_update_told_their_employer(client, cast: Cast) -> None:
    from reporting.tables import EmployerUpdate

    episode_id = await client_with_account(client, cast)
    told = {
        "employee_name": "Anna",
        "episode_id": episode_id,
        "sessions_held": 5,
        "agreements": [{"agreed_on": "2026-06-01", "description": "Twee ochtenden per week"}],
        "participation": [],
        "phase": "treatment",
        "phase_since": "2026-06-01",
        "alignment_meeting_planned_at": "2026-06-19T08:00:00+00:00",
    }
    await EmployerUpdate.insert(
        EmployerUpdate(episode=episode_id, trigger="interim_report:5", content=json.dumps(told))
    )

    page = await client.get("/my/shared")

    assert page.status_code == 200
    updates = page.text.split('data-testid="shared-updates"', 1)[1].split("</ul>\n", 1)[0]
    assert "wat uw werkgever te horen kreeg" in updates
    assert "Twee ochtenden per week" in updates and "<dd>5</dd>" in updates
    # Where the treatment stood and the meeting it named: all the employer was told.
    assert "in behandeling (sinds 1 jun 2026)" in updates
    assert "19 jun 2026, 10:00" in updates


@time_machine.travel(NOW, tick=False)
async def test_shared_with_whom_lists_the_access_log_of_the_record(client, cast: Cast) -> None:
    await client_with_account(client, cast)
    for _ in range(3):  # the client's own reading, which is no news to them
        assert (await client.get("/my")).status_code == 200

    page = await client.get("/my/shared")

    assert page.status_code == 200
    log = page.text.split('data-testid="shared-log"', 1)[1].split("</ul>", 1)[0]
    assert "Test therapist" in log  # the therapist who opened the record
    assert "uw behandeling: " in log or "de aanmelding: " in log  # what, in words
    assert "(cliënt)" not in log  # not the client's own rows


@time_machine.travel(NOW, tick=False)
async def test_the_access_log_names_an_export_of_the_re_integration_extract_in_words(
    client, cast: Cast
) -> None:
    from practice.audit import trail as audit
    from practice.audit.trail import Action, Actor, Channel
    from practice.platform.db import write_tx
    from practice.tables import TreatmentEpisode
    from reporting.reintegration import TITLE

    episode_id = await client_with_account(client, cast)
    client_id = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert client_id is not None
    manager = Actor(cast.employer_contact.id, "employer_contact", "127.0.0.1", Channel.WEB)
    async with write_tx():
        await audit.record(
            manager, Action.EXPORT, TITLE, episode_id, purpose="reporting",
            client_id=int(client_id["client"]),
        )  # fmt: skip

    page = await client.get("/my/shared")

    log = page.text.split('data-testid="shared-log"', 1)[1].split("</ul>", 1)[0]
    # Not "uw dossier: gedownload", which read as the employer taking the whole record.
    line = next(item for item in log.split("<li>") if "contactpersoon werkgever" in item)
    assert "de bijdrage aan uw re-integratieverslag: " in line, line


@time_machine.travel(NOW, tick=False)
async def test_the_client_asks_to_move_an_appointment_once_and_the_therapist_hears(
    client, cast: Cast
) -> None:
    from practice.tables import OutboundMessage
    from scheduling.tables import AppointmentRequest

    episode_id = await client_with_account(client, cast)
    ids = await arrange_record(episode_id, cast.therapist.id)
    action = f"/my/appointments/{ids['appointment_id']}/request"
    token = await csrf_token(client, "/my")

    odd = await client.post(action, data={"kind": "vanish", "_csrf_token": token})
    # Far past the limit: the problem beside the field, what was typed kept (no error page).
    long = await client.post(
        action, data={"kind": "move", "message": "x" * 5000, "_csrf_token": token}
    )
    assert long.status_code == 400
    assert "Houd het bericht onder 1.000 tekens." in long.text and "x" * 5000 in long.text
    asked = await client.post(
        action, data={"kind": "move", "message": "Liever dinsdag", "_csrf_token": token}
    )
    again = await client.post(action, data={"kind": "cancel", "_csrf_token": token})

    assert odd.status_code == 400 and f'id="kind-{ids["appointment_id"]}-problem"' in odd.text
    assert "Kies een van de mogelijkheden." in odd.text and "cancel, move" not in odd.text
    # The form reads as a sentence, and says what to call when it is too late for it.
    assert "Ik vraag de praktijk" in odd.text and "belt u de praktijk: 030 800 12 34" in odd.text
    assert asked.status_code == 303
    assert again.status_code == 409
    assert "U hebt over deze afspraak al een verzoek gestuurd." in again.text  # said, not silent
    home = (await client.get("/my")).text
    assert 'data-testid="asked"' in home
    assert 'data-testid="your-message"' in home and "Liever dinsdag" in home  # shown back
    assert await AppointmentRequest.count() == 1
    notice = (
        await OutboundMessage.select()
        .where(OutboundMessage.key == f"appointment-request:{ids['appointment_id']}")
        .first()
    )
    assert notice is not None and notice["to_address"] == "therapist@cast.test"
    assert "Liever dinsdag" not in notice["body_text"]  # the client's words stay in the record
    client.cookies.clear()
    await login(client, cast.therapist.email)
    page = await client.get(f"/appointments/{ids['appointment_id']}")
    assert 'data-testid="client-request"' in page.text and "Liever dinsdag" in page.text

    # The therapist keeps it, after a call; the client reads the answer in the portal.
    token = await csrf_token(client, f"/appointments/{ids['appointment_id']}")
    kept = await client.post(
        f"/appointments/{ids['appointment_id']}/kept",
        data={"reply": "Dinsdag zit vol; woensdag blijft staan.", "_csrf_token": token},
    )
    assert kept.status_code == 303
    client.cookies.clear()
    await log_in_with_code(client)
    home = (await client.get("/my")).text
    answer = home.split('data-testid="kept"', 1)[1].split("</div>", 1)[0]
    assert "de afspraak blijft staan" in answer
    assert "Dinsdag zit vol; woensdag blijft staan." in answer
    assert 'data-testid="asked"' not in home
    assert f'action="/my/appointments/{ids["appointment_id"]}/request"' not in home  # once


@time_machine.travel(NOW, tick=False)
async def test_less_than_a_day_ahead_the_client_is_told_to_call(client, cast: Cast) -> None:
    episode_id = await client_with_account(client, cast)
    soon = datetime.now(UTC) + timedelta(hours=10)
    rows = await Appointment.insert(
        Appointment(
            episode=episode_id,
            therapist=cast.therapist.id,
            kind="session",
            starts_at=soon,
            ends_at=soon + timedelta(minutes=45),
        )
    ).returning(Appointment.id)
    appointment_id = rows[0]["id"]

    home = await client.get("/my")
    token = await csrf_token(client, "/my")
    late = await client.post(
        f"/my/appointments/{appointment_id}/request", data={"kind": "cancel", "_csrf_token": token}
    )

    assert f'data-appointment="{appointment_id}"' in home.text
    assert f"/my/appointments/{appointment_id}/request" not in home.text
    assert late.status_code == 400 and "bel de praktijk" in late.text.lower()
