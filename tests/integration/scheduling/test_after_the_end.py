"""Appointments left in the calendar after a treatment ended: the client is not reminded of
them, the sessions section says so, and one form cancels them all but the follow-ups (a
closing left eleven weekly sessions planned, and the reminders went on)."""

from datetime import UTC, datetime, timedelta

import httpx
import time_machine

from practice.platform.settings import Settings
from practice.tables import OutboundMessage
from scheduling.services.notices import queue_due_reminders, reminder_key
from scheduling.tables import Appointment
from tests.cast import Cast
from tests.integration.scheduling.test_booking import _compleet_in_treatment, book, held_sessions
from tests.integration.scheduling.test_calendar_pages import HTML, post_page_form
from tests.story import ok
from tests.web import api

NOW = "2026-06-01 10:00 +0200"  # a Monday


async def _closed_with_appointments_left(client: httpx.AsyncClient, cast: Cast) -> dict[str, int]:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    await held_sessions(client, episode_id, [6, 13])
    session = await ok(await book(client, episode_id, "2026-06-02T10:00:00+02:00"), 201)
    later = await ok(await book(client, episode_id, "2026-06-09T10:00:00+02:00"), 201)
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/transitions",
            {"to_status": "closed", "on": "2026-06-01"},
        )
    )
    follow_up = await ok(
        await book(client, episode_id, "2026-06-02T09:00:00+02:00", "follow_up_conversation"), 201
    )
    return {
        "episode": episode_id,
        "session": int(session["id"]),
        "later": int(later["id"]),
        "follow_up": int(follow_up["id"]),
    }


@time_machine.travel(NOW, tick=False)
async def test_a_closed_treatments_sessions_get_no_reminder_and_are_cancelled_in_one_form(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    ids = await _closed_with_appointments_left(client, cast)
    await queue_due_reminders(datetime.now(UTC), timedelta(hours=24), settings.time_zone)
    reminded = {
        str(r["key"]).split(":")[1]
        for r in await OutboundMessage.select(OutboundMessage.key).where(
            OutboundMessage.key.like("reminder:%")
        )
    }
    # Both are tomorrow: the session after the closing is not reminded, the follow-up is.
    assert reminded == {str(ids["follow_up"])}
    assert reminder_key(ids["session"], "client").split(":")[1] not in reminded

    page = f"/episodes/{ids['episode']}?section=sessions"
    shown = (await client.get(page, headers=HTML)).text
    warning = shown.split('data-testid="left-after-end"', 1)[1].split("</div>", 1)[0]
    assert "nog 2 afspraken gepland (de eerste op 2 jun 2026, 10:00)" in warning
    done = await post_page_form(
        client, page, f"/episodes/{ids['episode']}/appointments/cancellation", {}
    )
    assert done.status_code == 303
    rows = {
        int(r["id"]): r
        for r in await Appointment.select(
            Appointment.id, Appointment.attendance, Appointment.attendance_reason
        )
    }
    for cancelled in (ids["session"], ids["later"]):
        assert rows[cancelled]["attendance"] == "cancelled_by_practice"
        assert rows[cancelled]["attendance_reason"] == "De behandeling is beëindigd."
    assert rows[ids["follow_up"]]["attendance"] == "planned"  # a follow-up belongs after it
    after = (await client.get(page, headers=HTML)).text
    assert 'data-testid="left-after-end"' not in after
    # Cancelled because the treatment ended: no date is owed, and none is offered.
    assert "#rebook-title" not in after and 'id="to-rebook-title"' not in after
    # No e-mail to the client: its cancellation text promises a new appointment.
    assert not await OutboundMessage.exists().where(OutboundMessage.key.like("cancellation:%"))


@time_machine.travel(NOW, tick=False)
async def test_a_treatment_still_running_has_its_appointments_cancelled_one_by_one(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    await ok(await book(client, episode_id, "2026-06-02T10:00:00+02:00"), 201)
    page = f"/episodes/{episode_id}?section=sessions"
    assert 'data-testid="left-after-end"' not in (await client.get(page, headers=HTML)).text
    refused = await post_page_form(
        client, page, f"/episodes/{episode_id}/appointments/cancellation", {}
    )
    assert refused.status_code == 409
    assert await Appointment.count().where(Appointment.attendance == "planned") == 1
