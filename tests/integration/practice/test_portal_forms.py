"""The therapist's HTML forms: the JSON doors' rules, post/redirect/get, no half-written records."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from practice.tables import (
    AuditEvent,
    Client,
    Consent,
    Referral,
    TreatmentEpisode,
    WorkResumptionAgreement,
)
from reporting.tables import Document, Report
from scheduling.tables import Appointment
from tests.cast import Cast
from tests.story import setup_parties
from tests.web import api, csrf_token, login, whole_record

NOW = "2026-06-15 10:00 +0200"
HTML = {"accept": "text/html"}


async def post_page_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Post a form the way the browser does: token from the page, URL-encoded body."""
    token = await csrf_token(client, page)
    return await client.post(action, data={**data, "_csrf_token": token}, headers=HTML)


# From referral to treatment in two posts: the screening, then the start.
IN_TREATMENT = [
    (
        "/screening",
        {
            "held_on": "2026-06-11",
            "diagnosis_category": "depressie",
            "proposal": "atwork_basic",
            "suitable": "true",
        },
    ),
    ("/transitions", {"to_status": "in_treatment", "on": "2026-06-11"}),
]


async def post_steps(
    client: httpx.AsyncClient, page: str, steps: list[tuple[str, dict[str, str]]]
) -> None:
    """Post each form of the page in turn; every one must succeed and return to the page
    (at the section the form is in)."""
    for action, data in steps:
        response = await post_page_form(client, page, page + action, data)
        assert response.status_code == 303, (action, response.text[:800])
        location = response.headers["location"]
        assert location == page or location.startswith(page + "?section="), location


def referral_form(parties: dict[str, int], **overrides: str) -> dict[str, str]:
    return {
        "name": "Anna Formulier",
        "employer_id": str(parties["employer"]),
        "contract_hours": "32",
        "contract_from": "2020-01-01",
        "date_of_birth": "",
        "email": "",
        "received_at": "2026-06-10T09:00",
        "referrer_type": "company_doctor",
        "referrer_name": "",
        "company_doctor_id": str(parties["doctor"]),
        "manager_id": str(parties["contact"]),
        "requested_offer": "atwork_basic",
        "absence_status": "sickness",
        "first_sick_day": "2026-05-01",
        "consent_at_referral": "true",
        **overrides,
    }


async def referred(client: httpx.AsyncClient, cast: Cast) -> int:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    response = await post_page_form(client, "/referrals/new", "/referrals", referral_form(parties))
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/episodes/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


@time_machine.travel(NOW, tick=False)
async def test_the_referral_form_registers_client_and_referral_and_opens_the_client_page(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = await client.get(f"/episodes/{episode_id}", headers=HTML)
    assert page.status_code == 200
    assert "<h1>Anna Formulier</h1>" in page.text
    referral = await Referral.select().first()
    assert referral is not None
    # the browser's local time is the practice's: 09:00 in Amsterdam is 07:00 UTC in June
    assert referral["received_at"].astimezone(UTC) == datetime(2026, 6, 10, 7, 0, tzinfo=UTC)
    assert await Consent.count() == 2  # briefing and interim reports, given at referral


@time_machine.travel(NOW, tick=False)
async def test_a_referral_form_with_bad_fields_names_them_and_writes_nothing(
    client, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    form = referral_form(parties, name="", contract_hours="many", received_at="yesterday")
    response = await post_page_form(client, "/referrals/new", "/referrals", form)
    assert response.status_code == 400
    for field in ("contract_hours", "received_at"):
        assert field in response.text
    assert await Client.count() == 0
    assert await TreatmentEpisode.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_a_referral_dated_decades_back_is_refused_naming_each_date_and_writes_nothing(
    client, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)

    async def problem_of(field: str, **dated: str) -> str:
        form = referral_form(parties, **dated)
        response = await post_page_form(client, "/referrals/new", "/referrals", form)
        assert response.status_code == 400, (dated, response.text[-400:])
        found = re.search(rf'id="{field}-problem">([^<]*)<', response.text)
        assert found, (field, dated)
        return found.group(1)

    # Received three years back at most; sick five years before the referral at most.
    assert await problem_of("received_at", received_at="2000-01-01T09:00") == (
        "Deze datum ligt te ver in het verleden (vóór 15 jun 2023)."
    )
    assert await problem_of("first_sick_day", first_sick_day="1999-01-01") == (
        "Deze datum ligt te ver in het verleden (vóór 10 jun 2021)."
    )
    assert "1900" in await problem_of("contract_from", contract_from="1899-12-31")
    # (That a refused referral leaves no client behind: the test after this one.)
    assert await TreatmentEpisode.count() == 0


@pytest.mark.commits  # real transactions: the rollback of the client is what is tested
@time_machine.travel(NOW, tick=False)
async def test_a_referral_the_rules_refuse_leaves_no_client_behind(client, cast: Cast) -> None:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    # A first sick day while "not absent": the referral's rule refuses after the client's passed.
    form = referral_form(parties, absence_status="not_absent")
    response = await post_page_form(client, "/referrals/new", "/referrals", form)
    assert response.status_code == 400
    assert "first_sick_day" in response.text
    assert await Client.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_the_client_page_forms_move_the_episode_into_treatment_with_sessions(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    steps = [
        ("/screening-plan", {"planned_on": "2026-06-11"}),
        (
            "/screening",
            {
                "held_on": "2026-06-11",
                "diagnosis_category": "depressie",
                "proposal": "atwork_basic",
                "suitable": "true",
                "complaint_instrument": "",
                "complaint_score": "",
            },
        ),
        ("/manager-consultations", {"held_on": "2026-06-12", "contact_id": ""}),
        ("/transitions", {"to_status": "in_treatment", "on": "2026-06-12", "reason": ""}),
        ("/agreements", {"agreed_on": "2026-06-12", "description": "Halve dagen", "starts_on": ""}),
        (
            "/consents",
            {"recipient": "employer", "purpose": "process_updates", "given_at": "2026-06-12T10:00"},
        ),
        (
            "/appointments",
            {"kind": "treatment_session", "starts_at": "2026-06-16T10:00", "count": "3"},
        ),
    ]
    await post_steps(client, page, steps)
    episode = await TreatmentEpisode.select().where(TreatmentEpisode.id == episode_id).first()
    assert episode is not None and episode["status"] == "in_treatment"
    assert await WorkResumptionAgreement.count() == 1
    starts = [a["starts_at"] for a in await Appointment.select().order_by(Appointment.starts_at)]
    assert [s.isoformat() for s in starts] == [
        "2026-06-16T08:00:00+00:00",
        "2026-06-23T08:00:00+00:00",
        "2026-06-30T08:00:00+00:00",
    ]
    work = await client.get(page + "?section=work", headers=HTML)
    assert "Halve dagen" in work.text
    sessions = await client.get(page + "?section=sessions", headers=HTML)
    # one attendance form per session
    assert sessions.text.count('action="/appointments/') >= 3


@time_machine.travel(NOW, tick=False)
async def test_attendance_from_the_client_page_refuses_a_session_in_the_future(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    steps = [
        *IN_TREATMENT,
        ("/appointments", {"kind": "treatment_session", "starts_at": "2026-06-16T10:00"}),
    ]
    await post_steps(client, page, steps)
    appointment = await Appointment.select(Appointment.id).first()
    assert appointment is not None
    response = await post_page_form(
        client, page, f"/appointments/{appointment['id']}/attendance", {"attendance": "held"}
    )
    assert response.status_code == 409
    # in the user's language, Dutch by default
    assert "Een afspraak in de toekomst kan nog niet gehouden zijn." in response.text


@pytest.mark.parametrize("path", ["/episodes/{id}", "/referrals/new", "/calendar"])
@time_machine.travel(NOW, tick=False)
async def test_the_therapist_pages_are_refused_to_a_company_doctor(
    client, cast: Cast, path: str
) -> None:
    episode_id = await referred(client, cast)
    await login(client, cast.company_doctor.email)
    response = await client.get(path.format(id=episode_id), headers=HTML)
    assert response.status_code == 403
    assert "Anna" not in response.text


@time_machine.travel(NOW, tick=False)
async def test_the_week_calendar_and_the_monitor_show_the_new_client(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_page_form(client, page, page + "/screening-plan", {"planned_on": "2026-06-17"})
    calendar = await client.get("/calendar?start=2026-06-15", headers=HTML)
    assert calendar.status_code == 200
    await login(client, cast.practice_manager.email)
    monitor = await client.get("/monitor", headers=HTML)
    assert monitor.status_code == 200
    assert "Anna Formulier" in monitor.text
    capacity = monitor.text.split("Capaciteit per behandelaar", 1)[1].split("</table>", 1)[0]
    assert "<td>1</td><td>25</td><td>24</td>" in capacity  # one case of 25


@time_machine.travel(NOW, tick=False)
async def test_the_caseload_shows_new_referrals_with_their_clock_and_the_next_appointment(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    caseload = await client.get("/caseload", headers=HTML)
    assert f'href="/episodes/{episode_id}">Anna Formulier</a>' in caseload.text
    assert "nog 5 dagen" in caseload.text  # referred 10 June: screening by 20 June

    page = f"/episodes/{episode_id}"
    steps = [
        *IN_TREATMENT,
        ("/appointments", {"kind": "treatment_session", "starts_at": "2026-06-16T10:00"}),
    ]
    await post_steps(client, page, steps)
    caseload = await client.get("/caseload", headers=HTML)
    assert "16 jun 2026, 10:00" in caseload.text


@time_machine.travel(NOW, tick=False)
async def test_the_work_track_and_the_end_of_treatment_are_recorded_from_the_client_page(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    steps = [
        *IN_TREATMENT,
        (
            "/work-participation",
            {
                "measured_on": "2026-06-12",
                "own_work_hours": "16",
                "adapted_work_hours": "0",
                "moment": "begin",
            },
        ),
        (
            "/relapse-prevention-plan",
            {
                "drawn_up_on": "2026-06-14",
                "warning_signs": "slecht slapen",
                "actions": "bellen",
                "work_situation": "rustig opbouwen",
            },
        ),
        ("/transitions", {"to_status": "closed", "on": "2026-06-14"}),
        ("/follow-ups", {"kind": "conversation", "held_on": "2026-06-15", "response": "done"}),
    ]
    await post_steps(client, page, steps)
    shown = await whole_record(client, page)
    assert "50" in shown  # 16 of 32 contract hours
    assert f"/api/episodes/{episode_id}/outcome-chart" in shown
    assert "Terugvalpreventieplan" in shown and "slecht slapen" in shown
    # A plan drawn up is changed from a folded form of its own, not asked for again.
    folded = shown.split('data-testid="change-relapse-plan"', 1)
    assert len(folded) == 2 and '/relapse-prevention-plan"' not in folded[0].split("<section")[-1]


@time_machine.travel(NOW, tick=False)
async def test_session_notes_are_kept_for_the_therapist_and_audited(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    steps = [
        *IN_TREATMENT,
        ("/appointments", {"kind": "treatment_session", "starts_at": "2026-06-12T10:00"}),
    ]
    await post_steps(client, page, steps)
    appointment = await Appointment.select(Appointment.id).first()
    assert appointment is not None
    base = f"/appointments/{appointment['id']}"
    assert (
        await post_page_form(client, page, base + "/attendance", {"attendance": "held"})
    ).status_code == 303
    response = await post_page_form(client, page, base + "/notes", {"notes": "Piekeren besproken"})
    assert response.status_code == 303
    assert "Piekeren besproken" in await whole_record(client, page)
    rows = await AuditEvent.select().where(
        (AuditEvent.object_type == "appointment") & (AuditEvent.action == "update")
    )
    assert len(rows) == 2  # attendance, then the notes


@time_machine.travel(NOW, tick=False)
async def test_a_long_treatment_shows_its_latest_sessions_and_links_to_all(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    series = {"kind": "treatment_session", "starts_at": "2026-06-16T10:00", "count": "35"}
    await post_steps(client, page, [*IN_TREATMENT, ("/appointments", series)])
    shown = (await client.get(page + "?section=sessions", headers=HTML)).text
    assert "De laatste 30 van 35 afspraken." in shown
    rows = shown.count("<tr data-appointment") or shown.count('action="/appointments/')
    everything_page = page + "?section=sessions&everything=true"
    everything = (await client.get(everything_page, headers=HTML)).text
    all_rows = everything.count("<tr data-appointment") or everything.count(
        'action="/appointments/'
    )
    assert rows < all_rows and all_rows >= 35


@time_machine.travel(NOW, tick=False)
async def test_a_neglected_record_shows_its_most_urgent_tasks_and_latest_reports_with_a_link_to_all(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, IN_TREATMENT)
    # 110 held sessions, as a migrated record has them: 22 interim reports and 22 employer
    # updates are owed, and none was written.
    first = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
    await Appointment.insert(
        *(
            Appointment(
                episode=episode_id,
                therapist=cast.therapist.id,
                kind="treatment_session",
                starts_at=first + timedelta(days=3 * n),
                ends_at=first + timedelta(days=3 * n, minutes=45),
                attendance="held",
            )
            for n in range(110)
        )
    )
    await Appointment.update({Appointment.notes: "Eerste sessie: kennismaking"}).where(
        (Appointment.episode == episode_id) & (Appointment.starts_at == first)
    )
    # 14 reports: the oldest is a draft still to review, the rest were sent.
    await Report.insert(
        *(
            Report(episode=episode_id, kind="interim_report", ordinal=n, status=status)
            for n, status in ((1, "draft"), *((n, "sent") for n in range(2, 15)))
        )
    )
    await Document.insert(
        *(
            Document(
                episode=episode_id,
                kind="interim_report",
                title=f"Document {n:02d}",
                pdf=b"%PDF-",
                sha256="0" * 64,
            )
            for n in range(1, 13)
        )
    )
    detail = (await client.get(f"/api/episodes/{episode_id}")).json()
    open_tasks = sum(1 for task in detail["tasks"] if task["done_on"] is None)
    assert open_tasks > 40
    overview = (await client.get(page, headers=HTML)).text
    tasks = overview[overview.index('id="tasks-title"') : overview.index('id="timeline-title"')]
    assert f"De 20 meest dringende van {open_tasks} open taken." in tasks
    assert tasks.count("<li ") == 20
    shown = await whole_record(client, page)
    reports = (await client.get(page + "?section=reports", headers=HTML)).text
    assert "11 van 14 rapportages: de laatste, en elke die nog beoordeeld moet worden." in reports
    assert "Tussenevaluatie na sessie 1<" in reports  # the draft, however old
    assert "Tussenevaluatie na sessie 2<" not in reports
    assert "Tussenevaluatie na sessie 14<" in reports
    assert "Eerste sessie" not in shown  # the first session's row is not on the page
    assert "De laatste 10 van 12 documenten." in reports
    assert "Document 12<" in reports and "Document 02<" not in reports
    everything = await whole_record(client, page, "everything=true")
    start, end = everything.index('id="tasks-title"'), everything.index('id="timeline-title"')
    tasks = everything[start:end]
    assert tasks.count("<li ") == open_tasks
    assert "Tussenevaluatie na sessie 2<" in everything
    assert "Eerste sessie: kennismaking" in everything
    assert "Document 02<" in everything


@time_machine.travel(NOW, tick=False)
async def test_the_caseload_drops_declined_referrals_and_closed_episodes_after_their_follow_up(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    closing = ("/transitions", {"to_status": "closed", "on": "2026-06-14"})
    await post_steps(client, page, [*IN_TREATMENT, closing])
    assert "Anna Formulier" in (await client.get("/caseload", headers=HTML)).text
    with time_machine.travel("2027-07-14 10:00 +0200", tick=False):  # 395 days after closing
        await login(client, cast.therapist.email)  # the session ended long ago
        assert "Anna Formulier" in (await client.get("/caseload", headers=HTML)).text
    with time_machine.travel("2027-07-16 10:00 +0200", tick=False):
        await login(client, cast.therapist.email)
        assert "Anna Formulier" not in (await client.get("/caseload", headers=HTML)).text


@time_machine.travel(NOW, tick=False)
async def test_a_declined_referral_leaves_the_caseload(client, cast: Cast) -> None:
    episode_id = await referred(client, cast)
    response = await api(
        client, "POST", f"/api/episodes/{episode_id}/referral-outcome", {"outcome": "declined"}
    )
    assert response.status_code == 200, response.text
    assert "Anna Formulier" not in (await client.get("/caseload", headers=HTML)).text


@time_machine.travel(NOW, tick=False)
async def test_a_refused_form_comes_back_itself_and_never_links_to_another_site(
    client, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    token = await csrf_token(client, "/referrals/new")
    form = {**referral_form(parties, contract_hours="many"), "_csrf_token": token}
    ours = await client.post(
        "/referrals", data=form, headers={**HTML, "referer": "https://testserver/referrals/new"}
    )
    assert ours.status_code == 400
    # No way back needed: the form itself is shown again, filled in, the problem beside it.
    assert 'action="/referrals"' in ours.text and 'value="many"' in ours.text
    assert 'id="contract_hours-problem"' in ours.text
    theirs = await client.post(
        "/referrals", data=form, headers={**HTML, "referer": "https://evil.example/referrals/new"}
    )
    assert theirs.status_code == 400
    assert "evil.example" not in theirs.text


@time_machine.travel(NOW, tick=False)
async def test_a_refused_referral_comes_back_with_what_was_typed_and_the_problem_beside_its_field(
    client, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    await login(client, cast.therapist.email)
    data = referral_form(
        parties, name="Ruud Typewerk", date_of_birth="2030-01-01", referrer_name="Dr. Vos"
    )
    response = await post_page_form(client, "/referrals/new", "/referrals", data)
    assert response.status_code == 400
    assert 'value="Ruud Typewerk"' in response.text and 'value="Dr. Vos"' in response.text
    assert 'aria-invalid="true" aria-describedby="date_of_birth-problem"' in response.text
    assert 'id="date_of_birth-problem"' in response.text
    assert "Niet opgeslagen." in response.text
    assert await TreatmentEpisode.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_a_malformed_date_on_the_client_page_is_named_in_dutch_next_to_its_field(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    response = await post_page_form(
        client,
        page + "?section=work",
        page + "/agreements",
        {"agreed_on": "12-06-2026", "description": "Twee ochtenden per week"},
    )
    assert response.status_code == 400
    assert "Vul een geldige datum in." in response.text
    assert "RFC3339" not in response.text
    assert ">Twee ochtenden per week</textarea>" in response.text
    assert 'data-section="work"' in response.text
