"""A screening booked after its deadline goes through, with a warning that says why: the
deadline and how many days and working days late, in the JSON answer and on the pages."""

import time_machine

from scheduling.tables import Appointment
from tests.cast import Cast
from tests.story import ok, refer, setup_parties
from tests.web import api, post_form

# Referred on Monday 20 April 2026: the screening is due ten calendar days later, Thursday
# 30 April. Monday 4 May is 4 days late, and 2 working days (Friday 1 May, Monday 4 May).
REFERRED = "2026-04-20T09:00:00+02:00"


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_screening_booked_after_its_deadline_is_booked_with_a_warning_saying_how_late(
    client, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast), received_at=REFERRED)

    late = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "screening", "starts_at": "2026-05-04T10:00:00+02:00"},
        ),
        201,
    )

    assert await Appointment.count().where(Appointment.id == late["id"]) == 1
    [warning] = late["warnings"]
    assert warning["code"] == "screening_after_deadline"
    assert (warning["due_on"], warning["days_late"], warning["working_days_late"]) == (
        "2026-04-30",
        4,
        2,
    )
    assert "2026-04-30" in warning["reason"] and "2 working days" in warning["reason"]


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_screening_on_time_and_a_late_treatment_session_carry_no_warning(
    client, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast), received_at=REFERRED)

    on_time = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "screening", "starts_at": "2026-04-30T10:00:00+02:00"},
        ),
        201,
    )
    session = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "treatment_session", "starts_at": "2026-05-11T10:00:00+02:00"},
        ),
        201,
    )

    assert on_time["warnings"] == []
    assert session["warnings"] == []


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_the_booking_form_books_a_late_screening_and_its_page_says_how_late(
    client, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast), received_at=REFERRED)
    page = f"/episodes/{episode_id}?section=sessions"

    booked = await post_form(
        client,
        f"/episodes/{episode_id}/appointments",
        {"kind": "screening", "starts_at": "2026-05-04T10:00", "duration_minutes": "60"},
        token_from=page,
    )

    assert booked.status_code == 303
    appointment_id = int(booked.headers["location"].removeprefix("/appointments/"))
    dutch = (await client.get(f"/appointments/{appointment_id}")).text
    assert 'data-testid="late-screening"' in dutch
    assert "4 dagen (2 werkdagen) te laat" in dutch and "30 apr 2026" in dutch
    assert "2 werkdagen" in (await client.get(page)).text

    client.cookies.set("lang", "en")
    english = (await client.get(f"/appointments/{appointment_id}")).text
    assert "4 days (2 working days) late" in english


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_the_booking_form_returns_to_the_sessions_for_a_screening_on_time(
    client, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast), received_at=REFERRED)
    page = f"/episodes/{episode_id}?section=sessions"

    booked = await post_form(
        client,
        f"/episodes/{episode_id}/appointments",
        {"kind": "screening", "starts_at": "2026-04-29T10:00", "duration_minutes": "60"},
        token_from=page,
    )

    assert booked.status_code == 303
    assert "section=sessions" in booked.headers["location"]
    assert 'data-testid="late-screening"' not in (await client.get(page)).text
