"""The calendar to work in, by HTML forms only: the week grid with working hours, absences
and closing days; a free slot clicked and booked; cancel, move and rebook from the
appointment's page; participants; the alignment meeting proposed where it is due; and the
sessions section's attendance defaults."""

import re
from datetime import UTC, datetime

import httpx
import pytest
import time_machine

from scheduling.tables import Appointment, MeetingProposal, Participant
from tests.cast import Cast
from tests.integration.scheduling.test_booking import _compleet_in_treatment, book, held_sessions
from tests.story import ok
from tests.web import api, csrf_token, login

HTML = {"accept": "text/html"}
NOW = "2026-06-01 10:00 +0200"  # a Monday


async def post_page_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Post a form the way the browser does: token from the page, URL-encoded body."""
    token = await csrf_token(client, page)
    return await client.post(action, data={**data, "_csrf_token": token}, headers=HTML)


WEEKDAYS_NINE_TO_FIVE = {
    **{f"starts_{d}": "09:00" for d in range(5)},
    **{f"ends_{d}": "17:00" for d in range(5)},
}


async def set_hours(client: httpx.AsyncClient, hours: dict[str, str]) -> None:
    response = await post_page_form(client, "/calendar/settings", "/calendar/working-hours", hours)
    assert response.status_code == 303, response.text[:800]


def free_links(page: str) -> set[str]:
    return set(re.findall(r'href="/calendar/book\?starts_at=([0-9T:-]+)"', page))


def options_of(page: str, select_id: str) -> list[tuple[str, bool]]:
    """The (value, selected) options of one select on a page."""
    block = page.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return [
        (value, bool(selected))
        for value, selected in re.findall(r'<option value="([^"]*)"( selected)?', block)
    ]


@time_machine.travel(NOW, tick=False)
async def test_the_week_grid_shows_working_hours_absence_and_closing_day_with_sunday_on_one_row(
    client, cast: Cast
) -> None:
    await _compleet_in_treatment(client, cast, "atwork_basic")
    await set_hours(client, WEEKDAYS_NINE_TO_FIVE)
    absence = await post_page_form(
        client,
        "/calendar/settings",
        "/calendar/absences",
        {"starts_at": "2026-06-03T09:00", "ends_at": "2026-06-03T13:00", "reason": "illness"},
    )
    assert absence.status_code == 303, absence.text[:800]
    settings_page = (await client.get("/calendar/settings", headers=HTML)).text
    assert 'value="09:00"' in settings_page and 'value="17:00"' in settings_page
    assert "ziekte" in settings_page.split('data-testid="absences"', 1)[1]

    refused = await post_page_form(
        client, "/calendar", "/calendar/closing-days", {"day": "2026-06-05", "reason": "Teamdag"}
    )
    assert refused.status_code == 403  # practice-wide: the practice manager's
    await login(client, cast.practice_manager.email)
    added = await post_page_form(
        client,
        "/calendar/closing-days",
        "/calendar/closing-days",
        {"day": "2026-06-05", "reason": "Teamdag"},
    )
    assert added.status_code == 303
    assert "Teamdag" in (await client.get("/calendar/closing-days", headers=HTML)).text

    await login(client, cast.therapist.email)
    week = (await client.get("/calendar?start=2026-06-03", headers=HTML)).text
    header = week.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert header.count('class="cal-day') == 7  # Monday to Sunday in one row
    assert header.count('aria-current="date"') == 1
    assert "maandag 1 juni 2026" in header.split('aria-current="date"', 1)[1].split("</th>", 1)[0]
    assert "Teamdag" in header and "Afwezig (ziekte)" in header
    assert "cal-work" in week and "cal-absent" in week
    free = free_links(week)
    assert "2026-06-02T09:00" in free and "2026-06-03T13:00" in free
    assert "2026-06-03T09:00" not in free  # absent
    assert not any(s.startswith("2026-06-05") for s in free)  # closing day
    assert not any(s.startswith(("2026-06-06", "2026-06-07")) for s in free)  # weekend
    assert "2026-06-01T09:00" not in free and "2026-06-01T10:00" in free  # not in the past


@time_machine.travel(NOW, tick=False)
async def test_a_free_slot_clicked_is_booked_for_the_chosen_client_and_back_in_the_week(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    await set_hours(client, WEEKDAYS_NINE_TO_FIVE)
    week = (await client.get("/calendar", headers=HTML)).text
    assert "2026-06-02T10:00" in free_links(week)
    form_page = "/calendar/book?starts_at=2026-06-02T10:00"
    shown = await client.get(form_page, headers=HTML)
    assert "Anna Jansen" in shown.text and 'value="2026-06-02T10:00"' in shown.text
    data = {
        "episode_id": str(episode_id),
        "kind": "treatment_session",
        "starts_at": "2026-06-02T10:00",
        "duration_minutes": "45",
    }
    booked = await post_page_form(client, form_page, "/calendar/book", data)
    assert booked.status_code == 303, booked.text[:800]
    assert booked.headers["location"] == "/calendar?start=2026-06-01"
    row = await Appointment.select().first()
    assert row is not None and row["starts_at"] == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    week = (await client.get("/calendar", headers=HTML)).text
    assert f'href="/appointments/{row["id"]}"' in week and "Anna Jansen" in week
    assert "2026-06-02T10:00" not in free_links(week)
    # The week as a list (what a phone shows): the same appointment and free times per day.
    tuesday = week.split('class="cal-agenda"', 1)[1].split('data-day="2026-06-02"', 1)[1]
    tuesday = tuesday.split("</section>", 1)[0]
    assert f'href="/appointments/{row["id"]}"' in tuesday and "Anna Jansen" in tuesday
    assert "2026-06-02T11:00" in free_links(tuesday)
    assert "2026-06-02T10:00" not in free_links(tuesday)

    again = await post_page_form(client, form_page, "/calendar/book", data)
    assert again.status_code == 409
    assert "al bezet" in again.text  # the reason in Dutch, the form kept
    assert f'<option value="{episode_id}" selected' in again.text
    nobody = await post_page_form(client, form_page, "/calendar/book", {**data, "episode_id": ""})
    assert nobody.status_code == 400 and "Kies een cliënt" in nobody.text
    assert await Appointment.count() == 1


@time_machine.travel(NOW, tick=False)
async def test_an_appointment_is_cancelled_with_its_reason_and_rebooked_from_its_page(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    created = await ok(await book(client, episode_id, "2026-06-02T10:00:00+02:00"), 201)
    page = f"/appointments/{created['id']}"
    shown = (await client.get(page, headers=HTML)).text
    # Who cancelled is chosen, never a default (nobody asked in the portal).
    assert options_of(shown, "attendance") == [
        ("", False),
        ("cancelled_by_client", False),
        ("cancelled_by_practice", False),
    ]
    cancelled = await post_page_form(
        client,
        page,
        f"{page}/attendance",
        {"attendance": "cancelled_by_client", "reason": "griep", "back": "appointment"},
    )
    assert cancelled.status_code == 303 and cancelled.headers["location"] == page
    shown = (await client.get(page, headers=HTML)).text
    assert "afgezegd door de cliënt (griep)" in shown
    assert 'id="rebook-title"' in shown

    rebooked = await post_page_form(
        client, page, f"{page}/rebooking", {"starts_at": "2026-06-04T11:00"}
    )
    assert rebooked.status_code == 303
    new_page = rebooked.headers["location"]
    new = (await client.get(new_page, headers=HTML)).text
    assert f'href="{page}"' in new  # rebooked from the cancelled one
    old = (await client.get(page, headers=HTML)).text
    assert f'href="{new_page}"' in old and 'id="rebook-title"' not in old
    # Rebooked again from a tab left open: the form is gone, its refusal is said all the same.
    twice = await post_page_form(
        client, new_page, f"{page}/rebooking", {"starts_at": "2026-06-05T11:00"}
    )
    assert twice.status_code == 409
    refusal = twice.text.split('data-testid="refusal"', 1)[1].split("</div>", 1)[0]
    assert "Niet opgeslagen." in refusal and "al opnieuw geboekt" in refusal
    sessions = (await client.get(f"/episodes/{episode_id}?section=sessions", headers=HTML)).text
    assert "griep" in sessions


@pytest.mark.commits  # the refused move must roll its cancellation back for real
@time_machine.travel(NOW, tick=False)
async def test_moving_a_planned_appointment_cancels_it_and_books_the_new_time_or_nothing(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    first = await ok(await book(client, episode_id, "2026-06-02T10:00:00+02:00"), 201)
    await ok(await book(client, episode_id, "2026-06-03T10:00:00+02:00"), 201)
    page = f"/appointments/{first['id']}"
    clash = await post_page_form(
        client,
        page,
        f"{page}/move",
        {"starts_at": "2026-06-03T10:00", "attendance": "cancelled_by_client", "reason": "x"},
    )
    assert clash.status_code == 409
    # The page again: the taken time above the form, the new time as typed.
    form = clash.text.split('id="move-title"', 1)[1].split("</form>", 1)[0]
    assert "Niet opgeslagen." in form
    typed = 'id="move-starts-at" name="starts_at" type="datetime-local" value="2026-06-03T10:00"'
    assert typed in form
    row = await Appointment.select().where(Appointment.id == first["id"]).first()
    assert row is not None and row["attendance"] == "planned"  # nothing changed
    # Who asked for the move is chosen, never a default (the client's request makes it theirs).
    shown = (await client.get(page, headers=HTML)).text
    assert options_of(shown, "move-attendance")[0] == ("", False)
    moved = await post_page_form(
        client,
        page,
        f"{page}/move",
        {"starts_at": "2026-06-02T10:30", "attendance": "cancelled_by_client", "reason": "later"},
    )
    assert moved.status_code == 303, moved.text[:800]
    row = await Appointment.select().where(Appointment.id == first["id"]).first()
    assert row is not None and row["attendance"] == "cancelled_by_client"
    assert row["rebooked_as"] is not None
    new = await Appointment.select().where(Appointment.id == row["rebooked_as"]).first()
    assert new is not None and new["starts_at"] == datetime(2026, 6, 2, 8, 30, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
async def test_participants_of_an_alignment_meeting_are_added_by_form_and_shown_back(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_compleet")
    meeting = await ok(
        await book(client, episode_id, "2026-06-10T13:00:00+02:00", "alignment_meeting"), 201
    )
    page = f"/appointments/{meeting['id']}"
    shown = (await client.get(page, headers=HTML)).text
    assert "leidinggevende" in shown.split('data-testid="participants"', 1)[1]
    added = await post_page_form(
        client,
        page,
        f"{page}/participants",
        {"role": "hr_adviser", "name": "H. Rozen", "email": "h@zorg.nl", "required": "false"},
    )
    assert added.status_code == 303
    table = (await client.get(page, headers=HTML)).text.split('data-testid="participants"', 1)[1]
    assert "H. Rozen" in table and "HR-adviseur" in table
    row = await Participant.select().where(Participant.name == "H. Rozen").first()
    assert row is not None and row["required"] is False
    wrong = await post_page_form(
        client, page, f"{page}/participants", {"role": "neighbour", "name": "X"}
    )
    assert wrong.status_code == 400
    assert 'id="participant-role-problem"' in wrong.text  # next to the field, on the page
    assert 'id="participant-name" name="name" type="text" value="X"' in wrong.text


@time_machine.travel(NOW, tick=False)
async def test_a_refused_proposal_comes_back_on_the_sessions_with_the_problem_and_the_time_kept(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_compleet")
    await held_sessions(client, episode_id, [4, 6, 11, 13])
    sessions_path = f"/episodes/{episode_id}?section=sessions"
    action = f"/episodes/{episode_id}/alignment-meeting"

    # No working hours, so no time is suggested: the therapist types one, at night.
    night = await post_page_form(
        client, sessions_path, action, {"starts_at": "2026-06-03T03:00", "back": "sessions"}
    )
    assert night.status_code == 400
    form = night.text.split('data-testid="alignment-proposal"', 1)[1].split("</form>", 1)[0]
    assert "Niet opgeslagen." in form
    assert 'id="proposal-starts-at-problem"' in form
    assert "Een sessie vindt plaats tussen 07:00 en 22:00." in form
    assert 'value="2026-06-03T03:00"' in form

    # A time that is taken by then: the conflict above the form (409), nothing booked.
    await ok(await book(client, episode_id, "2026-06-03T10:00:00+02:00"), 201)
    taken = await post_page_form(
        client, sessions_path, action, {"starts_at": "2026-06-03T10:00", "back": "sessions"}
    )
    assert taken.status_code == 409
    assert "Niet opgeslagen." in taken.text.split('data-testid="alignment-proposal"', 1)[1]
    assert not await Appointment.exists().where(Appointment.kind == "alignment_meeting")


@time_machine.travel(NOW, tick=False)
async def test_the_proposed_alignment_meeting_is_shown_where_it_is_due_and_booked_in_one_click(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_compleet")
    await held_sessions(client, episode_id, [4, 6, 11, 13])
    await set_hours(client, WEEKDAYS_NINE_TO_FIVE)
    sessions_path = f"/episodes/{episode_id}?section=sessions"
    sessions = (await client.get(sessions_path, headers=HTML)).text
    assert 'data-testid="alignment-proposal"' in sessions
    week = (await client.get("/calendar", headers=HTML)).text
    proposal = week.split('data-testid="alignment-proposal"', 1)[1].split("</li>", 1)[0]
    assert "Anna Jansen" in proposal and "Boek dit voorstel" in proposal
    suggested = re.search(r'name="starts_at" value="([^"]+)"', proposal)
    assert suggested and suggested.group(1) == "2026-06-01T10:00"  # the first free hour
    back = re.search(r'name="back" value="([^"]+)"', proposal)
    assert back is not None
    booked = await post_page_form(
        client,
        "/calendar",
        f"/episodes/{episode_id}/alignment-meeting",
        {"starts_at": suggested.group(1), "duration_minutes": "60", "back": back.group(1)},
    )
    assert booked.status_code == 303, booked.text[:800]
    assert booked.headers["location"] == "/calendar?start=2026-06-01"
    meeting = await Appointment.select().where(Appointment.kind == "alignment_meeting").first()
    assert meeting is not None
    linked = await MeetingProposal.select().where(MeetingProposal.episode == episode_id).first()
    assert linked is not None and linked["appointment"] == meeting["id"]
    assert (
        'data-testid="alignment-proposal"' not in (await client.get("/calendar", headers=HTML)).text
    )
    sessions = (await client.get(sessions_path, headers=HTML)).text
    assert 'data-testid="alignment-proposal"' not in sessions
    await api(
        client,
        "POST",
        f"/api/appointments/{meeting['id']}/attendance",
        {"attendance": "cancelled_by_practice", "reason": "manager ziek"},
    )
    sessions = (await client.get(sessions_path, headers=HTML)).text
    assert 'data-testid="alignment-proposal"' in sessions  # cancelled: proposed again


@time_machine.travel(NOW, tick=False)
async def test_a_future_session_asks_who_cancelled_it_and_a_past_one_defaults_to_held(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    past = await ok(await book(client, episode_id, "2026-05-26T10:00:00+02:00"), 201)
    future = await ok(await book(client, episode_id, "2026-06-02T10:00:00+02:00"), 201)
    await ok(
        await api(client, "PATCH", f"/api/episodes/{episode_id}/plan", {"sessions_authorised": 10})
    )
    page = f"/episodes/{episode_id}?section=sessions"
    sessions = (await client.get(page, headers=HTML)).text
    # Who cancelled is chosen, never a default: a cancellation is not one stray click.
    assert options_of(sessions, f"attendance-{future['id']}") == [
        ("", True),
        ("cancelled_by_client", False),
        ("cancelled_by_practice", False),
    ]
    assert f'id="attendance-{future["id"]}" name="attendance" required>' in sessions
    unchosen = await post_page_form(
        client, page, f"/appointments/{future['id']}/attendance", {"attendance": ""}
    )
    assert unchosen.status_code == 400
    assert options_of(sessions, f"attendance-{past['id']}")[0] == ("held", True)
    assert "0 van 10" in sessions.split('data-testid="session-budget"', 1)[1][:80]

    early = await post_page_form(
        client, page, f"/appointments/{future['id']}/attendance", {"attendance": "held"}
    )
    assert early.status_code == 409
    assert "kan nog niet gehouden zijn" in early.text  # the reason in Dutch
    no_show = await api(
        client, "POST", f"/api/appointments/{future['id']}/attendance", {"attendance": "no_show"}
    )
    assert no_show.status_code == 409
    assert no_show.json()["allowed"] == ["cancelled_by_client", "cancelled_by_practice"]
    held = await post_page_form(
        client, page, f"/appointments/{past['id']}/attendance", {"attendance": "held"}
    )
    assert held.status_code == 303
    assert held.headers["location"] == f"/episodes/{episode_id}?section=sessions"
    sessions = (await client.get(page, headers=HTML)).text
    assert "1 van 10" in sessions.split('data-testid="session-budget"', 1)[1][:80]
