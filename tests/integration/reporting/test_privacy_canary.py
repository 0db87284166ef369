"""The privacy canary: every medical field holds a unique marker; nothing an employer account
can reach (pages, JSON, CSV, PDFs, e-mails, error pages) may contain one (PRIV-1).

The fields an employer does read are free text (agreements, the shared minutes, the shared
work section of the plan): words of the employer-text lexicon seeded into each of them,
through the JSON doors and the forms, are refused with 422, and no employer surface holds
a word of the lexicon afterwards (issue 18).
"""

import dataclasses
import io
import json
from datetime import date
from typing import Any

import facturx
import httpx
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from practice.audit.trail import Actor, Channel
from practice.employer_text import medical_words
from practice.platform.settings import Settings
from practice.services.employer_text import lexicon
from practice.tables import OutboundMessage, RelapsePreventionPlan, WorkResumptionAgreement
from reporting import jobs as reporting_jobs
from reporting.services import billing_terms, invoice_sending, invoices
from reporting.services.billing_terms import TermsIn
from reporting.tables import EmployerStatistics, EmployerUpdate, MeetingMinutes
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import post_page_form
from tests.integration.reporting.test_invoices import AMSTERDAM, employer_of
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.mailbox import Mailbox
from tests.story import ok
from tests.web import api, login

JSON = {"accept": "application/json"}
TODAY = date(2026, 6, 15)
MARKERS = {
    "work_factors": "CANARYworkfactors",
    "functioning_impact": "CANARYfunctioning",
    "intervention_need": "CANARYintervention",
    "late_reason": "CANARYlatereason",
    "advice": "CANARYadvice",
    "conflict_note": "CANARYconflict",
    "goal": "CANARYgoal",
    "warning_signs": "CANARYwarning",
    "actions": "CANARYactions",
    "work_situation": "CANARYworksituation",
    "internal_minutes": "CANARYinternal",
    "report_progress": "CANARYreportprogress",
    "report_advice": "CANARYreportadvice",
    "qualifications": "CANARYqualifications",
    "session_reason": "CANARYsessionreason",
    "session_notes": "CANARYsessionnotes",
    "setback_note": "CANARYsetbacknote",
}
DIAGNOSIS_WORDS = ("angststoornis", "Angststoornis", "GAD-7", "anxiety")
SYSTEM = Actor.system(Channel.WORKER)
BILLING_TERMS = TermsIn(
    valid_from=date(2026, 1, 1),
    price_model="per_session",
    billing_moment="monthly",
    invoice_email="crediteuren@zorgenco.nl",
    screening_cents=15000,
    session_cents=9500,
    no_show_cents=9500,
    late_cancellation_cents=9500,
)


async def seed_medical_markers(client: httpx.AsyncClient, cast: Cast) -> int:
    """An episode whose every medical field carries a marker, and employer-visible facts."""
    episode_id = await episode_with_ten_held_sessions(client, cast)
    path = f"/api/episodes/{episode_id}"
    from practice.tables import Screening, Therapist

    await Screening.update(
        {
            Screening.work_factors: MARKERS["work_factors"],
            Screening.functioning_impact: MARKERS["functioning_impact"],
            Screening.intervention_need: MARKERS["intervention_need"],
            Screening.late_reason: MARKERS["late_reason"],
            Screening.complaint_instrument: "GAD-7",
            Screening.complaint_score: 17,
        }
    ).where(Screening.episode == episode_id)
    await Therapist.update({Therapist.qualifications: MARKERS["qualifications"]}).where(
        Therapist.user == cast.therapist.id
    )
    from scheduling.tables import Appointment

    await Appointment.update({Appointment.notes: MARKERS["session_notes"]}).where(
        Appointment.episode == episode_id
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/advice",
            {
                "author_role": "therapist",
                "given_on": "2026-05-05",
                "content": MARKERS["advice"],
                "conflicts_with_other_advice": True,
                "conflict_note": MARKERS["conflict_note"],
            },
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/setbacks",
            {
                "occurred_on": "2026-05-20",
                "kind": "life_event",
                "medical_note": MARKERS["setback_note"],
            },
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/work-goals",
            {"description": MARKERS["goal"], "set_on": "2026-05-05"},
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/relapse-prevention-plan",
            {
                "drawn_up_on": "2026-06-01",
                "warning_signs": MARKERS["warning_signs"],
                "actions": MARKERS["actions"],
                "work_situation": MARKERS["work_situation"],
            },
        )
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/agreements",
            {
                "agreed_on": "2026-05-06",
                "description": "Twee ochtenden per week eigen werk",
                "hours_per_week": "8",
            },
        ),
        201,
    )
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
    meeting = await ok(
        await api(
            client,
            "POST",
            f"{path}/appointments",
            {"kind": "alignment_meeting", "starts_at": "2026-06-01T13:00:00+02:00"},
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{meeting['id']}/attendance",
            {"attendance": "held", "reason": MARKERS["session_reason"]},
        )
    )
    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{meeting['id']}/minutes",
            {
                "shared_text": "Werkplek aangepast; wekelijks contact",
                "internal_text": MARKERS["internal_minutes"],
            },
        )
    )
    return episode_id


async def approve_and_deliver(client: httpx.AsyncClient, settings: Settings) -> None:
    from reporting.tables import Report

    await reporting_jobs.due_reports(TODAY, settings)
    for report in await Report.select(Report.id).where(Report.kind == "interim_report"):
        await ok(
            await api(
                client,
                "PATCH",
                f"/api/reports/{report['id']}",
                {
                    "progress": MARKERS["report_progress"],
                    "work_participation": "50%",
                    "advice": MARKERS["report_advice"],
                },
            )
        )
        await ok(await api(client, "POST", f"/api/reports/{report['id']}/approval"))
        await reporting_jobs.deliver_report({"settings": settings}, report["id"])


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def workbook_text(content: bytes) -> str:
    """Every cell of every sheet, as a person opening the workbook reads it."""
    book = load_workbook(io.BytesIO(content))
    cells = [
        v for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
    ]
    return "\n".join(str(value) for value in cells if value is not None)


def leaks(text: str) -> list[str]:
    return [m for m in (*MARKERS.values(), *DIAGNOSIS_WORDS) if m in text]


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_no_medical_marker_reaches_any_employer_surface(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port)
    episode_id = await seed_medical_markers(client, cast)
    await approve_and_deliver(client, settings)
    await reporting_jobs.due_employer_updates(TODAY, mail)
    # The therapist tells the employer of the re-integration extract (an e-mail to the manager).
    sent = await ok(
        await api(client, "POST", f"/api/episodes/{episode_id}/reintegration-extract/sending"),
        201,
    )
    assert sent == {"queued": 1}
    # A follow-up alignment meeting tomorrow: the manager gets a reminder e-mail.
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "alignment_meeting", "starts_at": "2026-06-16T09:00:00+02:00"},
        ),
        201,
    )
    from scheduling import jobs as scheduling_jobs

    await scheduling_jobs.due_reminders(TODAY, mail)
    # The employer pays (issue 22): per held session, monthly; the invoices are sent.
    employer_id = await employer_of(episode_id)
    await billing_terms.record_terms(SYSTEM, employer_id, BILLING_TERMS)
    made = await invoices.make_due_invoices(TODAY, AMSTERDAM, vat_exempt=True)
    assert made, "the screening and the sessions are invoiced"
    for invoice in made:
        await invoice_sending.send(SYSTEM, invoice.invoice_id, mail)
    for message in await OutboundMessage.select(OutboundMessage.id):
        from practice import jobs as practice_jobs

        await practice_jobs.send_message({"settings": mail}, message["id"])

    # The month before is published, as the sweep would (its page and JSON are crawled).
    for job in await reporting_jobs.due_employer_statistics(TODAY, settings):
        await reporting_jobs.publish_employer_statistics({"settings": settings}, *job.args)
    assert await EmployerStatistics.count() > 0
    await login(client, cast.employer_contact.email)
    surfaces: dict[str, str] = {}
    page = await client.get("/employer")
    assert page.status_code == 200
    surfaces["employer page"] = page.text
    employees = await client.get("/api/employer/employees", headers=JSON)
    assert employees.status_code == 200
    surfaces["employer JSON"] = employees.text
    csv = await client.get("/api/employer/employees.csv")
    assert csv.status_code == 200
    surfaces["employer CSV"] = csv.text
    workbook = await client.get("/employer/employees.xlsx")
    assert workbook.status_code == 200
    surfaces["employer workbook"] = workbook_text(workbook.content)
    updates = await EmployerUpdate.select(EmployerUpdate.id)
    assert updates, "an employer update was sent"
    for update in updates:
        pdf = await client.get(f"/employer/updates/{update['id']}")
        assert pdf.status_code == 200
        surfaces[f"update PDF {update['id']}"] = pdf_text(pdf.content)
    extract = await client.get(f"/employer/episodes/{episode_id}/reintegration-extract.pdf")
    assert extract.status_code == 200
    surfaces["re-integration extract PDF"] = pdf_text(extract.content)
    for path in (
        f"/api/episodes/{episode_id}",
        f"/api/episodes/{episode_id}/reports",
        "/company-doctor",
        "/documents/1",
        "/caseload",
        "/api/caseload",
        "/statistics",
        "/api/employer/statistics",
        "/employer/statistics",
    ):
        response = await client.get(path, headers=JSON)
        surfaces[f"{path} ({response.status_code})"] = response.text
    employer_mail = [
        text
        for message, text in zip(mailbox.messages, mailbox.texts(), strict=True)
        if message["To"] == cast.employer_contact.email
    ]
    assert len(employer_mail) >= 3, "the update notice, the extract notice and the reminder"
    assert any("re-integratieverslag" in text for text in employer_mail)
    assert any("Herinnering" in text for text in employer_mail)
    surfaces.update({f"e-mail {n}": text for n, text in enumerate(employer_mail)})
    invoice_page = await client.get("/employer/invoices")
    assert invoice_page.status_code == 200 and "2026-00001" in invoice_page.text
    surfaces["employer invoices page"] = invoice_page.text
    for invoice in made:
        pdf = await client.get(f"/employer/invoices/{invoice.invoice_id}/invoice.pdf")
        assert pdf.status_code == 200
        surfaces[f"invoice PDF {invoice.invoice_id}"] = pdf_text(pdf.content)
        _, cii = facturx.get_xml_from_pdf(pdf.content, check_xsd=False)
        surfaces[f"invoice Factur-X {invoice.invoice_id}"] = cii.decode()
        ubl = await client.get(f"/employer/invoices/{invoice.invoice_id}/ubl.xml")
        assert ubl.status_code == 200
        surfaces[f"invoice UBL {invoice.invoice_id}"] = ubl.text
    billing_mail = [m for m in mailbox.messages if m["To"] == BILLING_TERMS.invoice_email]
    assert len(billing_mail) == len(made)
    for n, mail_message in enumerate(billing_mail):
        for part in mail_message.walk():
            content = part.get_payload(decode=True)
            if not isinstance(content, bytes):
                continue
            name = part.get_filename() or "body"
            text = pdf_text(content) if name.endswith(".pdf") else content.decode()
            surfaces[f"invoice e-mail {n}: {name}"] = text
    await login(client, cast.practice_manager.email)
    lines = await client.get("/invoices/lines.csv?start=2026-01-01&end=2026-12-31")
    assert lines.status_code == 200 and "session" in lines.text
    surfaces["the bookkeeper's invoice lines CSV"] = lines.text
    await login(client, cast.employer_contact.email)

    found = {name: leaks(text) for name, text in surfaces.items() if leaks(text)}
    assert found == {}
    # Nor a word of the lexicon about anyone: the statistics' fixed definition ("never split
    # by diagnosis") is about the figure, so only their figures are read for it.
    statistics = await client.get("/api/employer/statistics", headers=JSON)
    about_people = {
        **{k: v for k, v in surfaces.items() if not k.startswith("/api/employer/statistics")},
        "employer statistics": json.dumps(statistics.json()["employers"]),
    }
    # The statistics page likewise: its figures, not the definition beside them.
    statistics_page = about_people.pop("/employer/statistics (200)")
    about_people["employer statistics page"] = statistics_page.split("<table", 1)[1].split(
        "</table>", 1
    )[0]
    words = {
        name: [hit.word for hit in medical_words(text, lexicon())]
        for name, text in about_people.items()
    }
    assert {name: found for name, found in words.items() if found} == {}
    # The employer does see what it may: sessions held, agreements, participation, minutes.
    assert "Twee ochtenden per week eigen werk" in surfaces["employer page"]
    assert "Werkplek aangepast" in surfaces["employer page"]
    view: list[dict[str, Any]] = employees.json()
    assert view[0]["sessions_held"] == 10
    assert view[0]["participation"][0]["volume_percent"] == "25.0"


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_work_section_of_the_plan_reaches_the_employer_only_by_the_clients_choice(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await seed_medical_markers(client, cast)
    await login(client, cast.employer_contact.email)
    assert MARKERS["work_situation"] not in (await client.get("/employer")).text
    await login(client, cast.therapist.email)
    path = f"/api/episodes/{episode_id}"
    await ok(
        await api(
            client,
            "POST",
            f"{path}/relapse-prevention-plan",
            {
                "drawn_up_on": "2026-06-01",
                "warning_signs": MARKERS["warning_signs"],
                "actions": MARKERS["actions"],
                "work_situation": "Taken afbakenen met de leiding",
                "share_work_section_with_employer": True,
            },
        )
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/consents",
            {
                "recipient": "employer",
                "purpose": "relapse_plan_work_section",
                "given_at": "2026-06-02T10:00:00+02:00",
            },
        ),
        201,
    )
    await login(client, cast.employer_contact.email)
    page = (await client.get("/employer")).text
    assert "Taken afbakenen met de leiding" in page
    assert MARKERS["warning_signs"] not in page


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_without_consent_the_employer_sees_nothing_and_gets_no_update(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/agreements",
            {"agreed_on": "2026-05-06", "description": "Start met 4 uur", "hours_per_week": "4"},
        ),
        201,
    )
    await reporting_jobs.due_employer_updates(TODAY, settings)
    assert await EmployerUpdate.count() == 0
    # Nor the re-integration extract: not sent (409 with the reason), not readable (404).
    refused = await api(client, "POST", f"/api/episodes/{episode_id}/reintegration-extract/sending")
    assert refused.status_code == 409
    assert await OutboundMessage.count().where(OutboundMessage.key.like("reintegration%")) == 0
    await login(client, cast.employer_contact.email)
    assert (await client.get("/api/employer/employees", headers=JSON)).json() == []
    extract = await client.get(f"/employer/episodes/{episode_id}/reintegration-extract.pdf")
    assert extract.status_code == 404


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_an_agreement_change_sends_one_update_however_often_the_sweep_runs(
    client, cast: Cast, settings: Settings
) -> None:
    episode_id = await episode_with_ten_held_sessions(client, cast)
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
    await reporting_jobs.due_employer_updates(TODAY, settings)
    await reporting_jobs.due_employer_updates(TODAY, settings)
    assert await EmployerUpdate.count() == 1
    await ok(
        await api(
            client,
            "POST",
            f"{path}/agreements",
            {"agreed_on": "2026-06-10", "description": "Naar 12 uur", "hours_per_week": "12"},
        ),
        201,
    )
    await reporting_jobs.due_employer_updates(TODAY, settings)
    assert await EmployerUpdate.count() == 2
    messages = await OutboundMessage.select(
        OutboundMessage.subject, OutboundMessage.body_text
    ).where(OutboundMessage.to_address == cast.employer_contact.email)
    assert len(messages) == 2
    assert all("Naar 12 uur" not in m["body_text"] for m in messages)  # a link, not content


# ---------------------------------------------------------------- employer-bound free text


def lexicon_samples() -> list[str]:
    """Sentences a therapist in a hurry might write, one per sampled lexicon term: every
    fifth term of every category (the whole lexicon is the unit test's), written plainly."""
    terms = lexicon().terms
    return [
        f"Vanwege {term.text.lstrip('=').replace('*', '')} start met 2 x 4 uur"
        for index, term in enumerate(terms)
        if index % 5 == 0
    ]


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_lexicon_words_seeded_into_every_employer_bound_text_are_refused_at_every_door(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    episode_id = await seed_medical_markers(client, cast)
    minutes = await MeetingMinutes.select(MeetingMinutes.appointment).first()
    assert minutes is not None
    meeting = minutes["appointment"]
    path = f"/api/episodes/{episode_id}"
    plan: dict[str, Any] = {
        "drawn_up_on": "2026-06-01",
        "warning_signs": MARKERS["warning_signs"],
        "actions": MARKERS["actions"],
        "share_work_section_with_employer": True,
    }
    # (JSON door, body, the page the form is on, the form's action, form fields): the text
    # goes in as {text}; each door must refuse it with 422 naming a word of it.
    doors: list[tuple[str, dict[str, Any], str, str, str]] = [
        (
            f"{path}/agreements",
            {"agreed_on": "2026-06-01"},
            "description",
            f"/episodes/{episode_id}?section=work",
            f"/episodes/{episode_id}/agreements",
        ),
        (
            f"/api/appointments/{meeting}/minutes",
            {"internal_text": "intern"},
            "shared_text",
            f"/episodes/{episode_id}?section=reports",
            f"/appointments/{meeting}/minutes",
        ),
        (
            f"{path}/relapse-prevention-plan",
            plan,
            "work_situation",
            f"/episodes/{episode_id}?section=end",
            f"/episodes/{episode_id}/relapse-prevention-plan",
        ),
    ]
    samples = lexicon_samples()
    assert len(samples) >= 80
    before = (
        await WorkResumptionAgreement.count(),
        [r["shared_text"] for r in await MeetingMinutes.select(MeetingMinutes.shared_text)],
        await RelapsePreventionPlan.select(RelapsePreventionPlan.work_situation),
    )
    passed: list[tuple[str, str, int]] = []
    for api_path, body, field, page, action in doors:
        for text in samples:
            response = await api(client, "POST", api_path, {**body, field: text})
            if response.status_code != 422 or field not in response.json().get("fields", {}):
                passed.append((api_path, text, response.status_code))
            form = {k: "true" if v is True else str(v) for k, v in body.items()}
            response = await post_page_form(client, page, action, {**form, field: text})
            if response.status_code != 422 or 'aria-invalid="true"' not in response.text:
                passed.append((action, text, response.status_code))
    assert passed == []
    after = (
        await WorkResumptionAgreement.count(),
        [r["shared_text"] for r in await MeetingMinutes.select(MeetingMinutes.shared_text)],
        await RelapsePreventionPlan.select(RelapsePreventionPlan.work_situation),
    )
    assert after == before  # nothing of it was written

    # And whatever is on the employer's side afterwards holds no word of the lexicon.
    mail = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port)
    await reporting_jobs.due_employer_updates(TODAY, mail)
    for message in await OutboundMessage.select(OutboundMessage.id):
        from practice import jobs as practice_jobs

        await practice_jobs.send_message({"settings": mail}, message["id"])
    await login(client, cast.employer_contact.email)
    surfaces = {
        "employer page": (await client.get("/employer")).text,
        "employer JSON": (await client.get("/api/employer/employees", headers=JSON)).text,
        "employer CSV": (await client.get("/api/employer/employees.csv")).text,
        "employer workbook": workbook_text((await client.get("/employer/employees.xlsx")).content),
    }
    for update in await EmployerUpdate.select(EmployerUpdate.id):
        pdf = await client.get(f"/employer/updates/{update['id']}")
        surfaces[f"update PDF {update['id']}"] = pdf_text(pdf.content)
    for n, (sent, text) in enumerate(zip(mailbox.messages, mailbox.texts(), strict=True)):
        if sent["To"] == cast.employer_contact.email:
            surfaces[f"e-mail {n}"] = text
    assert len(surfaces) >= 5
    found = {
        name: [hit.word for hit in medical_words(text, lexicon())]
        for name, text in surfaces.items()
    }
    assert {name: words for name, words in found.items() if words} == {}
    assert {name: leaks(text) for name, text in surfaces.items() if leaks(text)} == {}


# Texts as they could have been stored before the guard (or before the lexicon grew): each
# written straight into its table, past the guard, then read on every employer surface.
STORED_BEFORE = {
    "agreement": "Vanwege zijn depressie eerst 2 uur per dag",
    "minutes": "Besproken: paniekaanvallen op de werkvloer, EMDR loopt",
    "work_section": "Bij terugkerende burn-out-klachten belt hij de psychiater",
}
WITHHELD_NL = "Wordt herzien door de behandelaar"


def _stored_words() -> set[str]:
    return {hit.word for text in STORED_BEFORE.values() for hit in medical_words(text, lexicon())}


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_text_stored_past_the_guard_never_reaches_an_employer_and_is_named_to_the_therapist(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    import html

    import msgspec

    from practice.privacy import AgreementView, EmployerView
    from practice.tables import TreatmentEpisode
    from reporting.queries.employer_texts import recheck_lines, refused_texts
    from tests.integration.practice.test_portal_forms import HTML

    episode_id = await seed_medical_markers(client, cast)
    path = f"/api/episodes/{episode_id}"
    await ok(
        await api(
            client,
            "POST",
            f"{path}/consents",
            {
                "recipient": "employer",
                "purpose": "relapse_plan_work_section",
                "given_at": "2026-06-02T10:00:00+02:00",
            },
        ),
        201,
    )
    await WorkResumptionAgreement.update(
        {WorkResumptionAgreement.description: STORED_BEFORE["agreement"]}
    ).where(WorkResumptionAgreement.episode == episode_id)
    await MeetingMinutes.update({MeetingMinutes.shared_text: STORED_BEFORE["minutes"]}).where(
        MeetingMinutes.id > 0
    )
    await RelapsePreventionPlan.update(
        {
            RelapsePreventionPlan.work_situation: STORED_BEFORE["work_section"],
            RelapsePreventionPlan.share_work_section_with_employer: True,
        }
    ).where(RelapsePreventionPlan.episode == episode_id)
    # And an update sent before the guard, holding them as they were then.
    employer_id = (
        await TreatmentEpisode.select(TreatmentEpisode.referral._.employer.as_alias("employer"))
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert employer_id is not None
    sent_before = EmployerView(
        episode_id=episode_id,
        employee_name="Anna",
        employer_id=int(employer_id["employer"]),
        sessions_held=4,
        agreements=(
            AgreementView(agreed_on=date(2026, 5, 6), description=STORED_BEFORE["agreement"]),
        ),
        shared_minutes=STORED_BEFORE["minutes"],
        relapse_plan_work_section=STORED_BEFORE["work_section"],
    )
    await EmployerUpdate.insert(
        EmployerUpdate(
            episode=episode_id,
            trigger="before-the-guard",
            content=json.loads(msgspec.json.encode(sent_before)),
        )
    )
    mail = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port)
    await reporting_jobs.due_employer_updates(TODAY, mail)
    for message in await OutboundMessage.select(OutboundMessage.id):
        from practice import jobs as practice_jobs

        await practice_jobs.send_message({"settings": mail}, message["id"])

    # The therapist sees which stored texts fail now, with the words, linked to their forms.
    page = html.unescape((await client.get(f"/episodes/{episode_id}", headers=HTML)).text)
    summary = page.split('data-testid="summary"', 1)[1].split("</dl>", 1)[0]
    assert summary.count("Achtergehouden voor de werkgever") == 3
    for word in ("depressie", "paniekaanvallen", "EMDR", "burn-out-klachten", "psychiater"):
        assert word in summary
    for section in ("work", "reports", "end"):
        assert f"/episodes/{episode_id}?section={section}" in summary
    # The operator's listing names the three records by id, and no word of them.
    found = await refused_texts()
    minutes = await MeetingMinutes.select(MeetingMinutes.appointment).first()
    plan = await RelapsePreventionPlan.select(RelapsePreventionPlan.id).first()
    agreement = await WorkResumptionAgreement.select(WorkResumptionAgreement.id).first()
    assert minutes is not None and plan is not None and agreement is not None
    lines = recheck_lines(found)
    assert lines == [
        f"agreement {agreement['id']} episode {episode_id}",
        f"minutes {minutes['appointment']} episode {episode_id}",
        f"relapse_plan {plan['id']} episode {episode_id}",
    ]
    assert not [word for word in _stored_words() if word in "\n".join(lines)]

    await login(client, cast.employer_contact.email)
    surfaces = {
        "employer page": (await client.get("/employer")).text,
        "employer JSON": (await client.get("/api/employer/employees", headers=JSON)).text,
        "employer CSV": (await client.get("/api/employer/employees.csv")).text,
        "employer workbook": workbook_text((await client.get("/employer/employees.xlsx")).content),
    }
    updates = await EmployerUpdate.select(EmployerUpdate.id, EmployerUpdate.trigger)
    assert "before-the-guard" in {u["trigger"] for u in updates} and len(updates) >= 2
    for update in updates:
        pdf = await client.get(f"/employer/updates/{update['id']}")
        assert pdf.status_code == 200
        surfaces[f"update PDF {update['trigger']}"] = pdf_text(pdf.content)
    for n, (sent, text) in enumerate(zip(mailbox.messages, mailbox.texts(), strict=True)):
        if sent["To"] == cast.employer_contact.email:
            surfaces[f"e-mail {n}"] = text
    words = {
        name: [hit.word for hit in medical_words(text, lexicon())]
        for name, text in surfaces.items()
    }
    assert {name: found for name, found in words.items() if found} == {}
    assert {name: leaks(text) for name, text in surfaces.items() if leaks(text)} == {}
    # In their place the placeholder, where the texts were.
    assert html.unescape(surfaces["employer page"]).count(WITHHELD_NL) == 3
    assert WITHHELD_NL in surfaces["employer JSON"]
    assert " ".join(surfaces["update PDF before-the-guard"].split()).count(WITHHELD_NL) == 3

    # Rephrased through the form, the minutes are shown again and no longer listed.
    await login(client, cast.therapist.email)
    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{minutes['appointment']}/minutes",
            {"shared_text": "Werkplek aangepast; wekelijks contact", "internal_text": "intern"},
        )
    )
    assert [text.kind.value for text in await refused_texts([episode_id])] == [
        "agreement",
        "relapse_plan",
    ]
    # An agreement has no text to edit: marked revised (a new one replaces it), it is no
    # longer asked for, and stays withheld.
    await ok(
        await api(
            client,
            "PATCH",
            f"{path}/agreements/{agreement['id']}",
            {"status": "revised"},
        )
    )
    page = html.unescape((await client.get(f"/episodes/{episode_id}", headers=HTML)).text)
    summary = page.split('data-testid="summary"', 1)[1].split("</dl>", 1)[0]
    assert summary.count("Achtergehouden voor de werkgever") == 1
    assert "psychiater" in summary and "depressie" not in summary
    await login(client, cast.employer_contact.email)
    employer_page = html.unescape((await client.get("/employer")).text)
    assert "depressie" not in employer_page and employer_page.count(WITHHELD_NL) == 2
