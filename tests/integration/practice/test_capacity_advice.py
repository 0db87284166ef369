"""The capacity-advice loop (issue 19): the company doctor records capacity advice in their
portal; agreements, hours worked and the therapist's advice are checked against the advice
in force on their date; a conflict is the therapist's task and a notice in the company
doctor's inbox until it is resolved with a note; consultations are recorded from both sides;
none of it reaches the employer."""

from datetime import UTC, datetime
from typing import Any

import httpx
import time_machine

from practice.audit.trail import Action
from practice.platform.settings import Settings
from practice.tables import (
    Advice,
    AuditEvent,
    CompanyDoctorConsultation,
    Consent,
    OutboundMessage,
)
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import HTML, NOW, post_page_form, referred
from tests.story import ok
from tests.web import api, login

LIMITS = "Geen klantcontact aan de balie; geen nachtdiensten"
NOTE = "MEDISCHE-NOTITIE-ALLEEN-VOOR-ARTS-EN-BEHANDELAAR"


async def advised(client: httpx.AsyncClient, cast: Cast, episode_id: int) -> None:
    """The company doctor advises 4 hours a day, 16 a week, from 12 June, on their page."""
    await login(client, cast.company_doctor.email)
    page = f"/episodes/{episode_id}/capacity"
    response = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/capacity-advice",
        {
            "given_on": "2026-06-12",
            "hours_per_day": "4",
            "hours_per_week": "16",
            "task_limits": LIMITS,
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{page}?saved=capacity-advice"
    shown = await client.get(response.headers["location"], headers=HTML)
    assert 'data-testid="saved"' in shown.text
    assert "Het belastbaarheidsadvies is opgeslagen." in shown.text


async def capacity(client: httpx.AsyncClient, episode_id: int) -> dict[str, Any]:
    return await ok(await api(client, "GET", f"/api/episodes/{episode_id}/capacity"))  # type: ignore[no-any-return]


async def notices() -> list[dict[str, Any]]:
    return await OutboundMessage.select().where(OutboundMessage.sender == "advice_conflict_notice")


async def conflict_tasks(client: httpx.AsyncClient, episode_id: int) -> list[dict[str, Any]]:
    detail = await ok(await api(client, "GET", f"/api/episodes/{episode_id}"))
    return [t for t in detail["tasks"] if t["kind"] == "advice_conflict"]


@time_machine.travel(NOW, tick=False)
async def test_the_company_doctor_records_capacity_advice_and_the_therapist_sees_it_in_force(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await advised(client, cast, episode_id)
    page = await client.get(f"/episodes/{episode_id}/capacity", headers=HTML)
    assert page.status_code == 200
    assert LIMITS in page.text and "Belastbaarheidsadvies" in page.text
    [row] = await Advice.select()
    assert row["author_role"] == "company_doctor"
    assert (row["hours_per_day_minutes"], row["hours_per_week_minutes"]) == (240, 960)
    await login(client, cast.therapist.email)
    view = await capacity(client, episode_id)
    assert view["in_force"]["hours_per_week"] == "16"
    assert view["in_force"]["task_limits"] == LIMITS
    plan = await client.get(f"/episodes/{episode_id}?section=plan", headers=HTML)
    assert LIMITS in plan.text
    assert await conflict_tasks(client, episode_id) == []


@time_machine.travel(NOW, tick=False)
async def test_an_agreement_over_the_advised_hours_is_a_task_and_a_notice_until_resolved(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await advised(client, cast, episode_id)
    await login(client, cast.therapist.email)
    agreement = {
        "agreed_on": "2026-06-15",
        "description": "Opbouw naar drie dagen",
        "hours_per_week": "24",
        "starts_on": "2026-06-22",
    }
    await ok(await api(client, "POST", f"/api/episodes/{episode_id}/agreements", agreement), 201)
    [task] = await conflict_tasks(client, episode_id)
    assert task["done_on"] is None and "24 hours a week" in task["reason"]
    # The company doctor is told once by mail, through the consent gate, by initials only.
    within = {
        "agreed_on": "2026-06-15",
        "description": "Eerst twee ochtenden",
        "hours_per_week": "8",
    }
    await ok(await api(client, "POST", f"/api/episodes/{episode_id}/agreements", within), 201)
    [notice] = await notices()
    assert notice["recipient_user_id"] == cast.company_doctor.id
    assert notice["audience"] == "company_doctor"
    # The whole address, so the link opens from a mail client (BASE_URL).
    assert Settings.from_env().link(f"/episodes/{episode_id}/capacity") in notice["body_text"]
    assert "Formulier" not in notice["body_text"] + notice["subject"]
    [conflict] = (await capacity(client, episode_id))["conflicts"]
    assert (conflict["kind"], conflict["found_hours"], conflict["advised_hours"]) == (
        "agreement",
        "24",
        "16",
    )
    # The company doctor's inbox says it, and links the case's page.
    await login(client, cast.company_doctor.email)
    inbox = await client.get("/company-doctor", headers=HTML)
    assert "1 open strijdigheid" in inbox.text
    capacity_page = await client.get(f"/episodes/{episode_id}/capacity", headers=HTML)
    assert 'data-testid="case-status">Traject: <strong>' in capacity_page.text
    assert 'data-testid="ended"' not in capacity_page.text  # still running
    assert f'href="/episodes/{episode_id}/capacity"' in inbox.text
    # Resolved with a note from the company doctor's page: shown back, audited, task done.
    page = f"/episodes/{episode_id}/capacity"
    resolved = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/advice-conflict-resolutions",
        {"conflict_key": conflict["key"], "note": "Afgesproken: eerst 16 uur, over 3 weken 24"},
    )
    assert resolved.status_code == 303, resolved.text
    shown = await client.get(page, headers=HTML)
    assert "Afgesproken: eerst 16 uur, over 3 weken 24" in shown.text
    inbox = await client.get("/company-doctor", headers=HTML)
    assert "open strijdigheid" not in inbox.text  # the case has folded among the settled
    assert "1 cliënt zonder open strijdigheden" in inbox.text
    assert 'data-testid="case-status">(aangemeld)' in inbox.text  # where it stands
    assert f'href="/episodes/{episode_id}/capacity"' in inbox.text
    assert await AuditEvent.exists().where(
        (AuditEvent.object_type == "advice_conflict_resolution")
        & (AuditEvent.action == Action.CREATE.value)
        & (AuditEvent.actor_id == cast.company_doctor.id)
    )
    await login(client, cast.therapist.email)
    [task] = await conflict_tasks(client, episode_id)
    assert task["done_on"] is not None
    again = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/advice-conflict-resolutions",
        {"conflict_key": conflict["key"], "note": "nog eens"},
    )
    assert again.status_code == 409


@time_machine.travel(NOW, tick=False)
async def test_hours_and_the_therapists_advice_are_checked_against_the_advice_of_their_date(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await login(client, cast.therapist.email)
    hours = f"/api/episodes/{episode_id}/work-participation"
    # Before any advice: nothing to check against.
    await ok(
        await api(client, "POST", hours, {"measured_on": "2026-06-11", "own_work_hours": "30"}),
        201,
    )
    await advised(client, cast, episode_id)
    await login(client, cast.therapist.email)
    await ok(
        await api(client, "POST", hours, {"measured_on": "2026-06-15", "own_work_hours": "20"}),
        201,
    )
    advice = {
        "author_role": "therapist",
        "given_on": "2026-06-15",
        "content": "Rustiger opbouwen",
        "hours_per_week": "12",
    }
    await ok(await api(client, "POST", f"/api/episodes/{episode_id}/advice", advice), 201)
    kinds = sorted(c["kind"] for c in (await capacity(client, episode_id))["conflicts"])
    assert kinds == ["hours", "therapist_advice"]
    assert len(await conflict_tasks(client, episode_id)) == 2


@time_machine.travel(NOW, tick=False)
async def test_consultations_are_recorded_from_both_sides_and_shown_back(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await login(client, cast.company_doctor.email)
    page = f"/episodes/{episode_id}/capacity"
    response = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/company-doctor-consultations",
        {"held_on": "2026-06-12", "participants": "bedrijfsarts, behandelaar", "note": NOTE},
    )
    assert response.status_code == 303, response.text
    await login(client, cast.therapist.email)
    plan = f"/episodes/{episode_id}?section=plan"
    response = await post_page_form(
        client,
        plan,
        f"/episodes/{episode_id}/company-doctor-consultations",
        {"held_on": "2026-06-15", "participants": "behandelaar, bedrijfsarts", "note": "Tweede"},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("section=plan")
    shown = await client.get(plan, headers=HTML)
    assert NOTE in shown.text and "Tweede" in shown.text
    listed = (await capacity(client, episode_id))["consultations"]
    assert [c["note"] for c in listed] == ["Tweede", NOTE]
    assert await CompanyDoctorConsultation.count() == 2
    # On the client page's timeline too.
    overview = await client.get(f"/episodes/{episode_id}", headers=HTML)
    assert overview.text.count("Overleg met de bedrijfsarts gevoerd") == 2


@time_machine.travel(NOW, tick=False)
async def test_a_refused_form_comes_back_with_the_problem_beside_its_field_and_writes_nothing(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await login(client, cast.company_doctor.email)
    page = f"/episodes/{episode_id}/capacity"
    response = await post_page_form(
        client, page, f"/episodes/{episode_id}/capacity-advice", {"given_on": "2026-06-12"}
    )
    assert response.status_code == 400
    assert "Vul de uren per dag, de uren per week of de taakbeperkingen in." in response.text
    response = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/capacity-advice",
        {"given_on": "2026-06-12", "hours_per_day": "30", "valid_until": "2026-06-01"},
    )
    assert response.status_code == 400
    assert "Een dag heeft hoogstens 24 uur." in response.text
    response = await post_page_form(
        client,
        page,
        f"/episodes/{episode_id}/capacity-advice",
        {"given_on": "2026-06-12", "hours_per_day": "10", "hours_per_week": "5"},
    )
    assert response.status_code == 400
    assert "Meer uren per dag dan de 5 uur per week: controleer beide." in response.text
    assert await Advice.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_an_employer_contact_never_reads_the_capacity_advice_or_the_consultations(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await advised(client, cast, episode_id)
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/company-doctor-consultations",
            {"held_on": "2026-06-12", "participants": "bedrijfsarts, behandelaar", "note": NOTE},
        ),
        201,
    )
    await login(client, cast.employer_contact.email)
    for path in (f"/api/episodes/{episode_id}/capacity", f"/episodes/{episode_id}/capacity"):
        response = await api(client, "GET", path)
        assert response.status_code == 403
        assert NOTE not in response.text and LIMITS not in response.text
    for path in ("/employer", "/api/employer/employees"):
        response = await api(client, "GET", path)
        assert NOTE not in response.text and LIMITS not in response.text


@time_machine.travel(NOW, tick=False)
async def test_without_the_consent_to_interim_reports_the_company_doctor_gets_no_mail_of_it(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await Consent.update({Consent.withdrawn_at: datetime(2026, 6, 12, 9, 0, tzinfo=UTC)}).where(
        Consent.purpose == "interim_reports"
    )
    await advised(client, cast, episode_id)
    await login(client, cast.therapist.email)
    over = {"agreed_on": "2026-06-15", "description": "Drie dagen", "hours_per_week": "24"}
    await ok(await api(client, "POST", f"/api/episodes/{episode_id}/agreements", over), 201)
    assert len(await conflict_tasks(client, episode_id)) == 1
    assert await notices() == []
    # The inbox still shows it: their own page, not a message leaving the practice.
    await login(client, cast.company_doctor.email)
    assert "1 open strijdigheid" in (await client.get("/company-doctor", headers=HTML)).text
