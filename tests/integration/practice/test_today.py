"""The therapist's start view "Vandaag": today's appointments, drafts to approve, overdue work
and the new referrals whose screening clock runs; only ever the therapist's own clients."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
import time_machine

from practice.accounts import Role
from practice.audit.trail import Action
from tests.cast import Cast, make_user
from tests.integration.practice.workload import (
    HTML,
    NOW,
    TODAY,
    Workload,
    build_workload,
    names,
    section,
)
from tests.story import ok
from tests.web import api, audit_rows, csrf_token, login


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def workload(frozen: None, client: httpx.AsyncClient, cast: Cast) -> Workload:
    return await build_workload(client, cast)


async def today(client: httpx.AsyncClient) -> str:
    response = await client.get("/today", headers=HTML)
    assert response.status_code == 200, response.text[:500]
    return response.text


async def tasks_of(client: httpx.AsyncClient, episode_id: int) -> list[dict[str, Any]]:
    json = {"accept": "application/json"}
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=json))
    found: list[dict[str, Any]] = detail["tasks"]
    return found


async def test_the_therapist_starts_the_day_on_today_from_the_navigation(
    client, workload: Workload
) -> None:
    home = await client.get("/", headers=HTML)
    assert home.headers["location"] == "/today"
    page = await today(client)
    assert "<h1>Vandaag</h1>" in page
    assert '<a href="/today">Vandaag</a>' in page
    assert "maandag 15 juni 2026" in page


async def test_todays_appointments_are_listed_in_time_order_with_a_link_to_the_client(
    client, workload: Workload
) -> None:
    panel = section(await today(client), "today-appointments-title")
    carla = workload.episodes["Carla"]
    # The held one at 09:00 and the planned one at 14:00; not Wednesday's, not Daan's tomorrow.
    assert names(workload, panel) == ["Carla", "Carla"]
    assert panel.index(">09:00<") < panel.index(">14:00<")
    assert f'<a href="/episodes/{carla}">Carla de Wit</a>' in panel
    assert "Behandelsessie" in panel or "behandelsessie" in panel
    assert "gehouden" in panel  # the 09:00 session was held
    assert "(2)" in panel


async def test_the_drafts_to_approve_are_the_own_clients_reports_in_draft(
    client, workload: Workload
) -> None:
    panel = section(await today(client), "today-drafts-title")
    assert names(workload, panel) == ["Carla"]
    # To the review page (preview, edit, approve), not the bare document.
    assert f'href="/reports/{workload.drafts["Carla"]}/approval"' in panel
    assert "Briefing" in panel or "briefing" in panel
    assert f"/reports/{workload.drafts['Eva']}/" not in panel


async def test_overdue_work_names_each_late_task_with_its_days_overdue(
    client, workload: Workload
) -> None:
    panel = section(await today(client), "overdue-title")
    screening = next(
        t for t in await tasks_of(client, workload.episodes["Bram"]) if t["kind"] == "screening"
    )
    late = (TODAY - date.fromisoformat(screening["due_on"])).days
    assert late > 0
    items = [i.split("</li>", 1)[0] for i in panel.split("<li")[1:]]
    bram = next(i for i in items if "Bram" in i and "Screening" in i)
    assert f"{late} dagen te laat" in bram
    # Every overdue open task of every own client, and nothing that is not late.
    expected = []
    for name, episode in workload.episodes.items():
        if name == "Eva":
            continue
        for t in await tasks_of(client, episode):
            if t["overdue"] and t["done_on"] is None:
                expected.append(name)
    assert sorted(names(workload, panel)) == sorted(expected)
    assert "Anna" not in names(workload, panel)


async def appointment_of(episode_id: int, starts_at: str) -> int:
    from datetime import datetime

    from scheduling.tables import Appointment

    moment = datetime.fromisoformat(f"{starts_at}:00+02:00")
    row = (
        await Appointment.select(Appointment.id)
        .where((Appointment.episode == episode_id) & (Appointment.starts_at == moment))
        .first()
    )
    assert row is not None
    return int(row["id"])


async def test_a_clients_request_to_move_an_appointment_waits_on_today_until_it_is_answered(
    client, workload: Workload
) -> None:
    from scheduling.tables import AppointmentRequest

    wednesday = await appointment_of(workload.episodes["Carla"], "2026-06-17T10:00")
    theirs = await appointment_of(workload.episodes["Eva"], "2026-06-15T11:00")
    await AppointmentRequest.insert(
        AppointmentRequest(appointment=wednesday, kind="move", message="Liever 's middags"),
        AppointmentRequest(appointment=theirs, kind="cancel", message="Ik ben ziek"),
    )

    panel = section(await today(client), "today-requests-title")
    assert names(workload, panel) == ["Carla"]  # not the colleague's client
    assert f'href="/appointments/{wednesday}"' in panel
    assert "vraagt in het portaal hem te verzetten naar een ander moment" in panel
    assert "Liever &#39;s middags" in panel
    sessions = await client.get(f"/episodes/{workload.episodes['Carla']}?section=sessions")
    assert 'data-testid="client-request"' in sessions.text
    assert "De cliënt vraagt hem te verzetten naar een ander moment" in sessions.text

    # Cancelled (or moved: cancelled and rebooked), the request is answered.
    body = {"attendance": "cancelled_by_client", "reason": "op verzoek"}
    await ok(await api(client, "POST", f"/api/appointments/{wednesday}/attendance", body))
    answered = section(await today(client), "today-requests-title")
    assert 'data-testid="client-request"' not in answered
    assert "Geen cliënt vraagt" in answered
    sessions = await client.get(f"/episodes/{workload.episodes['Carla']}?section=sessions")
    assert 'data-testid="client-request"' not in sessions.text


async def test_a_request_answered_by_keeping_the_appointment_leaves_today_and_tells_the_client(
    client, workload: Workload
) -> None:
    from practice.tables import Client, OutboundMessage, TreatmentEpisode
    from scheduling.services.requests import answer_key
    from scheduling.tables import AppointmentRequest

    carla = workload.episodes["Carla"]
    wednesday = await appointment_of(carla, "2026-06-17T10:00")
    their = TreatmentEpisode.select(TreatmentEpisode.client).where(TreatmentEpisode.id == carla)
    await Client.update({Client.email: "carla@example.test"}).where(Client.id.is_in(their))
    await AppointmentRequest.insert(
        AppointmentRequest(appointment=wednesday, kind="move", message="Liever 's middags")
    )
    page = f"/appointments/{wednesday}"
    shown = await client.get(page, headers=HTML)
    assert "De afspraak laten staan" in shown.text
    assert "De cliënt vraagt in het portaal om" in shown.text
    assert 'value="cancelled_by_client" selected' in shown.text  # the request is the default

    # Words past the limit: refused next to the field, nothing answered.
    token = await csrf_token(client, page)
    long = await client.post(
        f"{page}/kept", data={"reply": "x" * 1001, "_csrf_token": token}, headers=HTML
    )
    assert long.status_code == 400
    assert "Houd het bericht onder" in long.text
    assert "x" * 1001 + "</textarea>" in long.text  # what was typed, in the form opened
    assert "<details open>" in long.text
    assert await AppointmentRequest.count().where(AppointmentRequest.kept_at.is_not_null()) == 0

    reply = "Zoals besproken aan de telefoon: we houden woensdag 10:00 aan."
    kept = await client.post(
        f"{page}/kept", data={"reply": reply, "_csrf_token": token}, headers=HTML
    )
    assert kept.status_code == 303, kept.text[:300]
    answered = (await client.get(page, headers=HTML)).text
    assert 'data-testid="request-kept"' in answered
    assert "de afspraak blijft staan" in answered and "we houden woensdag 10:00 aan" in answered
    assert "De afspraak laten staan" not in answered  # answered once
    assert "De cliënt vroeg in het portaal om" in answered  # past: answered
    # Cancelling it after all is the therapist's choice again, never the client's by default.
    assert 'value="cancelled_by_client" selected' not in answered

    assert 'data-testid="client-request"' not in section(
        await today(client), "today-requests-title"
    )
    sessions = await client.get(f"/episodes/{carla}?section=sessions", headers=HTML)
    assert 'data-testid="client-request"' not in sessions.text
    [mail] = await OutboundMessage.select().where(OutboundMessage.key == answer_key(wednesday))
    assert mail["to_address"] == "carla@example.test"
    assert "blijft staan" in mail["body_text"]
    assert reply not in mail["body_text"]  # the words wait behind the client's login
    assert "Lees het antwoord in het cliëntportaal" in mail["body_text"]
    assert len(await audit_rows(action=Action.UPDATE.value, object_type="appointment_request")) == 1

    again = await client.post(
        f"{page}/kept", data={"reply": "", "_csrf_token": token}, headers=HTML
    )
    assert again.status_code == 409
    assert "Dit verzoek is al beantwoord" in again.text


async def test_only_an_open_request_of_an_appointment_still_to_come_is_kept(
    client, cast: Cast, workload: Workload
) -> None:
    from scheduling.tables import AppointmentRequest

    unasked = await appointment_of(workload.episodes["Carla"], "2026-06-17T10:00")
    token = await csrf_token(client, f"/appointments/{unasked}")
    refused = await client.post(
        f"/appointments/{unasked}/kept", data={"_csrf_token": token}, headers=HTML
    )
    assert refused.status_code == 409
    assert "De cliënt heeft niet gevraagd deze afspraak te annuleren" in refused.text

    # Asked about, and the session began before the therapist answered.
    await AppointmentRequest.insert(AppointmentRequest(appointment=unasked, kind="cancel"))
    with time_machine.travel("2026-06-17 10:05 +0200", tick=False):
        await login(client, cast.therapist.email)  # the Monday's session has lapsed
        page = await client.get(f"/appointments/{unasked}", headers=HTML)
        assert 'data-testid="client-request"' in page.text
        assert "De afspraak laten staan" not in page.text
        # Vandaag and the sessions table no longer call it open either: its attendance is due.
        assert "Geen cliënt vraagt" in section(await today(client), "today-requests-title")
        carla = workload.episodes["Carla"]
        sessions = await client.get(f"/episodes/{carla}?section=sessions", headers=HTML)
        assert "De cliënt vraagt" not in sessions.text
        token = await csrf_token(client, f"/appointments/{unasked}")
        begun = await client.post(
            f"/appointments/{unasked}/kept", data={"_csrf_token": token}, headers=HTML
        )
    assert begun.status_code == 409
    assert "Deze afspraak is al begonnen" in begun.text
    assert await AppointmentRequest.count().where(AppointmentRequest.kept_at.is_not_null()) == 0


async def test_a_report_the_client_withheld_today_is_due_today_not_first_tomorrow(
    client, cast: Cast, workload: Workload
) -> None:
    from datetime import UTC, datetime

    from reporting.tables import Report

    daan = workload.episodes["Daan"]
    await Report.insert(
        Report(
            episode=daan,
            kind="briefing",
            ordinal=0,
            status="blocked",
            review_decision="withheld",
            reviewed_at=datetime(2026, 6, 15, 7, 30, tzinfo=UTC),
            review_comment="Dit klopt niet",
        )
    )

    page = await today(client)
    due = section(page, "due-today-title")
    item = due.split(f'data-episode="{daan}"', 1)[1].split("</li>", 1)[0]
    assert "De cliënt hield een rapportage tegen" in item
    assert "Dit klopt niet" not in page  # the client's words are on the reports tab
    withheld = "De cliënt hield een rapportage tegen"
    assert withheld not in section(page, "overdue-title")
    with time_machine.travel("2026-06-16 10:00 +0200", tick=False):
        await login(client, cast.therapist.email)  # yesterday's session has lapsed
        tomorrow = await today(client)
    assert withheld in section(tomorrow, "overdue-title")
    assert withheld not in section(tomorrow, "due-today-title")


async def test_the_new_referrals_show_their_screening_clock(client, workload: Workload) -> None:
    panel = section(await today(client), "referrals-title")
    assert names(workload, panel) == ["Bram", "Anna"]  # the nearest deadline first
    anna = panel.split(f'data-episode="{workload.episodes["Anna"]}"', 1)[1].split("</li>", 1)[0]
    assert "nog 5 dagen" in anna
    assert "20 jun 2026" in anna or "20 juni 2026" in anna
    bram = panel.split(f'data-episode="{workload.episodes["Bram"]}"', 1)[1]
    assert "te laat" in bram.split("</li>", 1)[0]


async def test_another_therapists_clients_never_appear_and_theirs_see_none_of_mine(
    client, workload: Workload
) -> None:
    page = await today(client)
    assert "Eva Ander" not in page
    assert "Eva" not in names(workload, page)
    await login(client, workload.colleague.email)
    theirs = await today(client)
    assert set(names(workload, theirs)) == {"Eva"}
    for name in ("Anna Jansen", "Bram", "Carla de Wit", "Daan"):
        assert name not in theirs
    # The colleague's appointment at 11:00 and draft are on their own page.
    assert ">11:00<" in section(theirs, "today-appointments-title")
    assert f"/reports/{workload.drafts['Eva']}/approval" in theirs


async def test_the_start_view_audits_every_client_it_names_once(client, workload: Workload) -> None:
    page = await today(client)
    rows = [r for r in await audit_rows(object_type="today") if r["action"] == Action.SEARCH.value]
    audited = {(int(r["object_id"]), int(r["client_id"])) for r in rows}
    named = {workload.episodes[n] for n in names(workload, page)}
    assert {episode for episode, _ in audited} == named
    assert len(rows) == len(named)


async def test_an_empty_day_says_so_in_every_list(frozen: None, client, cast: Cast) -> None:
    newcomer = await make_user(Role.THERAPIST, "newcomer@cast.test")
    await login(client, newcomer.email)
    page = await today(client)
    for empty in (
        "Vandaag geen afspraken.",
        "Geen cliënt vraagt een afspraak te verzetten of af te zeggen.",
        "Verder is er vandaag niets te doen.",
        "Geen concepten die op uw goedkeuring wachten.",
        "Niets is te laat.",
        "Geen aanmeldingen die op hun screening wachten.",
    ):
        assert empty in page
    assert await audit_rows(object_type="today", client_id=None)


async def test_the_start_view_speaks_english_with_the_switch(client, workload: Workload) -> None:
    client.cookies.set("lang", "en")
    page = await today(client)
    assert "<h1>Today</h1>" in page
    for heading in ("Today's appointments", "Drafts to approve", "Overdue work"):
        assert heading in page
    assert "Monday, June 15, 2026" in page
    assert "5 days left" in page


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.THERAPIST])
async def test_only_a_therapist_has_a_start_view_of_clients(client, cast: Cast, role: Role) -> None:
    await login(client, cast.by_role(role).email)
    assert (await client.get("/today", headers=HTML)).status_code == 403


async def test_the_json_caseload_is_unchanged_by_the_page_filters(
    client, workload: Workload
) -> None:
    json = {"accept": "application/json"}
    entries = await ok(await api(client, "GET", "/api/caseload?stage=referred", None))
    assert len(entries) == 4
    assert (await client.get("/api/caseload", headers=json)).status_code == 200
