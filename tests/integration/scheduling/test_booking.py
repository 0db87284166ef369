"""Booking: no double booking under concurrency, series around holidays, DST, attendance."""

import asyncio
import dataclasses
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from icalendar import Calendar
from litestar import Litestar

from practice.composition.app import create_app
from practice.platform.settings import Settings
from scheduling.tables import Appointment, MeetingProposal
from tests.cast import Cast
from tests.conftest import make_client
from tests.story import ok, refer, setup_parties, task
from tests.web import api, login

AMS = ZoneInfo("Europe/Amsterdam")
JSON = {"accept": "application/json"}


async def book(
    client: httpx.AsyncClient, episode_id: int, starts_at: str, kind: str = "treatment_session"
) -> httpx.Response:
    return await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/appointments",
        {"kind": kind, "starts_at": starts_at, "duration_minutes": 45},
    )


async def hold(client: httpx.AsyncClient, appointment_id: int) -> None:
    await ok(
        await api(
            client, "POST", f"/api/appointments/{appointment_id}/attendance", {"attendance": "held"}
        )
    )


async def held_sessions(
    client: httpx.AsyncClient, episode_id: int, days: list[int], kind: str = "treatment_session"
) -> list[int]:
    ids = []
    for day in days:
        created = await ok(
            await book(client, episode_id, f"2026-05-{day:02d}T10:00:00+02:00", kind), 201
        )
        await hold(client, created["id"])
        ids.append(created["id"])
    return ids


@pytest.mark.commits
@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_twenty_simultaneous_bookings_of_one_slot_give_one_success(
    app: Litestar, db, redis
) -> None:
    from tests.cast import make_cast

    cast = await make_cast()
    async with make_client(app) as client:
        episode_id = await refer(client, cast, await setup_parties(client, cast))
        await client.get("/caseload")  # the CSRF cookie
        responses = await asyncio.gather(
            *[book(client, episode_id, "2026-05-04T10:00:00+02:00") for _ in range(20)]
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19
    assert all("already booked" in r.json()["detail"] for r in responses if r.status_code == 409)
    assert await Appointment.count() == 1


@time_machine.travel("2026-04-01 10:00 +0200", tick=False)
async def test_a_weekly_series_over_koningsdag_reports_the_holiday_and_books_the_rest(
    client, cast: Cast
) -> None:
    episode_id = await refer(
        client,
        cast,
        await setup_parties(client, cast),
        received_at="2026-03-30T09:00:00+02:00",
        first_sick_day="2026-03-01",
    )
    result = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointment-series",
            {
                "kind": "treatment_session",
                "first_starts_at": "2026-04-13T10:00:00+02:00",
                "count": 4,
            },
        ),
        201,
    )
    assert [b["starts_at"][:10] for b in result["booked"]] == [
        "2026-04-13",
        "2026-04-20",
        "2026-05-04",
    ]
    assert [(r["starts_at"][:10], r["reason"]) for r in result["refused"]] == [
        ("2026-04-27", "holiday")
    ]
    assert "Koningsdag" in result["refused"][0]["holiday"]


@time_machine.travel("2026-12-01 10:00 +0100", tick=False)
async def test_a_weekly_series_over_christmas_skips_both_christmas_days(client, cast) -> None:
    episode_id = await refer(
        client,
        cast,
        await setup_parties(client, cast),
        received_at="2026-11-30T09:00:00+01:00",
        first_sick_day="2026-11-01",
    )
    result = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointment-series",
            {
                "kind": "treatment_session",
                "first_starts_at": "2026-12-18T09:00:00+01:00",
                "count": 3,
            },
        ),
        201,
    )
    assert [r["starts_at"][:10] for r in result["refused"]] == ["2026-12-25", "2027-01-01"]
    assert [b["starts_at"][:10] for b in result["booked"]] == ["2026-12-18"]


@time_machine.travel("2026-03-16 10:00 +0100", tick=False)
async def test_a_weekly_ten_oclock_session_stays_ten_oclock_across_summer_time(
    client, cast: Cast
) -> None:
    episode_id = await refer(
        client,
        cast,
        await setup_parties(client, cast),
        received_at="2026-03-10T09:00:00+01:00",
        first_sick_day="2026-03-01",
    )
    result = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointment-series",
            {
                "kind": "treatment_session",
                "first_starts_at": "2026-03-24T10:00:00+01:00",
                "count": 3,
            },
        ),
        201,
    )
    rows = await Appointment.select(Appointment.starts_at).order_by(Appointment.starts_at)
    local = [r["starts_at"].astimezone(AMS) for r in rows]
    assert [(t.date().isoformat(), t.hour) for t in local] == [
        ("2026-03-24", 10),
        ("2026-03-31", 10),
        ("2026-04-07", 10),
    ]
    assert [r["starts_at"].astimezone(ZoneInfo("UTC")).hour for r in rows] == [9, 8, 8]
    assert result["refused"] == []


@time_machine.travel("2026-10-19 10:00 +0200", tick=False)
async def test_a_weekly_session_stays_ten_oclock_when_winter_time_starts(client, cast) -> None:
    episode_id = await refer(
        client,
        cast,
        await setup_parties(client, cast),
        received_at="2026-10-12T09:00:00+02:00",
        first_sick_day="2026-10-01",
    )
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointment-series",
            {
                "kind": "treatment_session",
                "first_starts_at": "2026-10-19T10:00:00+02:00",
                "count": 2,
            },
        ),
        201,
    )
    rows = await Appointment.select(Appointment.starts_at).order_by(Appointment.starts_at)
    assert [r["starts_at"].astimezone(AMS).hour for r in rows] == [10, 10]
    assert [r["starts_at"].astimezone(ZoneInfo("UTC")).hour for r in rows] == [8, 9]


async def _compleet_in_treatment(client: httpx.AsyncClient, cast: Cast, offer: str) -> int:
    episode_id = await refer(client, cast, await setup_parties(client, cast), requested_offer=offer)
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/transitions",
            {"to_status": "screening_planned"},
        )
    )
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/screening",
            {
                "held_on": "2026-04-24",
                "suitable": True,
                "diagnosis_category": "depressie",
                "proposal": offer,
            },
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/transitions",
            {"to_status": "in_treatment", "on": "2026-05-04"},
        )
    )
    return episode_id


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_the_fourth_held_session_of_compleet_proposes_the_alignment_meeting(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_compleet")
    await held_sessions(client, episode_id, [4, 6, 11])
    assert not await MeetingProposal.exists().where(MeetingProposal.episode == episode_id)
    await held_sessions(client, episode_id, [13])
    assert await MeetingProposal.exists().where(MeetingProposal.episode == episode_id)
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    assert task(detail, "alignment_meeting")["done_on"] is None


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_a_basic_episode_gets_no_alignment_meeting_until_it_is_upgraded(
    client, cast: Cast
) -> None:
    from scheduling.jobs import due_alignment_meetings

    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    await held_sessions(client, episode_id, [4, 6, 11, 13, 18])
    assert not await MeetingProposal.exists().where(MeetingProposal.episode == episode_id)
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    assert "alignment_meeting" not in {t["key"] for t in detail["tasks"]}
    # 5 working days after session 5 on 18 May, skipping Tweede Pinksterdag (25 May)
    assert task(detail, "interim_report:5")["due_on"] == "2026-05-26"

    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/offer",
            {"offer": "atwork_compleet", "reason": "werkgever wil afstemming"},
        )
    )
    await due_alignment_meetings(date(2026, 6, 1), None)  # type: ignore[arg-type]
    assert await MeetingProposal.exists().where(MeetingProposal.episode == episode_id)
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    assert task(detail, "alignment_meeting")["overdue"] is True  # anchored on session 4


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_an_offer_change_after_session_three_replans_the_offer_dependent_steps(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_compleet")
    await held_sessions(client, episode_id, [4, 6, 11])
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/offer",
            {"offer": "atwork_basic", "reason": "werkgever betaalt basis"},
        )
    )
    await held_sessions(client, episode_id, [13, 18])
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    keys = {t["key"] for t in detail["tasks"]}
    assert "alignment_meeting" not in keys
    assert "interim_report:5" in keys
    assert not await MeetingProposal.exists().where(MeetingProposal.episode == episode_id)


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_only_held_sessions_count_and_cancelled_ones_free_the_slot(client, cast) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    first = await ok(await book(client, episode_id, "2026-05-04T10:00:00+02:00"), 201)
    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{first['id']}/attendance",
            {"attendance": "cancelled_by_client", "reason": "ziek"},
        )
    )
    again = await book(client, episode_id, "2026-05-04T10:00:00+02:00")
    assert again.status_code == 201
    no_show = await ok(await book(client, episode_id, "2026-05-06T10:00:00+02:00"), 201)
    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{no_show['id']}/attendance",
            {"attendance": "no_show"},
        )
    )
    await held_sessions(client, episode_id, [11, 13, 18, 20])
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    assert "interim_report:5" not in {t["key"] for t in detail["tasks"]}  # 4 held, not 5
    refused = await api(
        client, "POST", f"/api/appointments/{first['id']}/attendance", {"attendance": "held"}
    )
    assert refused.status_code == 409
    assert refused.json()["allowed"] == []


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_booking_on_a_holiday_or_without_time_zone_is_refused_clearly(client, cast) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    holiday = await book(client, episode_id, "2026-04-27T10:00:00+02:00")
    assert holiday.status_code == 409
    assert "Koningsdag" in holiday.json()["detail"]
    naive = await book(client, episode_id, "2026-05-04T10:00:00")
    assert naive.status_code == 400
    assert "starts_at" in naive.json()["fields"]
    assert await Appointment.count() == 0


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_the_calendar_feed_parses_and_names_no_diagnosis(client, cast: Cast) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    await held_sessions(client, episode_id, [4])
    await ok(await book(client, episode_id, "2026-06-03T10:00:00+02:00"), 201)
    url = (await ok(await api(client, "POST", "/api/calendar-feed"), 201))["url"]
    path = url.split("testserver", 1)[1]
    client.cookies.clear()  # a calendar app has no session
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"  # once
    parsed = Calendar.from_ical(response.text)
    summaries = [str(e["summary"]) for e in parsed.walk("VEVENT")]
    assert summaries == ["A.J. – afspraak", "A.J. – afspraak"]
    for word in ("depressie", "Depressie", "Anna", "behandel", "therapie"):
        assert word not in response.text
    await login(client, cast.therapist.email)
    await api(client, "DELETE", "/api/calendar-feed")
    client.cookies.clear()
    assert (await client.get(path)).status_code == 404


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_the_week_calendar_and_free_slots_follow_working_hours(client, cast) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    await api(
        client,
        "PUT",
        "/api/working-hours",
        [{"weekday": 0, "starts": "09:00:00", "ends": "12:00:00"}],
    )
    await ok(await book(client, episode_id, "2026-06-08T10:00:00+02:00"), 201)
    week: list[dict[str, Any]] = await ok(
        await client.get("/api/calendar?start=2026-06-08&days=7", headers=JSON)
    )
    assert [(w["starts_at"][11:16], w["client_name"]) for w in week] == [("10:00", "Anna Jansen")]
    free = await ok(
        await client.get("/api/free-slots?start=2026-06-08&days=1&minutes=45", headers=JSON)
    )
    starts = [f["starts_at"][11:16] for f in free]
    assert "09:00" in starts and "10:45" in starts
    assert not any("09:30" < s < "10:45" for s in starts)
    assert datetime.fromisoformat(free[-1]["ends_at"]).hour <= 12


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_an_alignment_meeting_invites_the_manager_and_optionally_the_company_doctor(
    client, cast: Cast
) -> None:
    from scheduling.tables import Participant

    episode_id = await _compleet_in_treatment(client, cast, "atwork_compleet")
    meeting = await ok(
        await book(client, episode_id, "2026-06-10T13:00:00+02:00", "alignment_meeting"), 201
    )
    rows = (
        await Participant.select(Participant.role, Participant.required)
        .where(Participant.appointment == meeting["id"])
        .order_by(Participant.role)
    )
    assert [(r["role"], r["required"]) for r in rows] == [
        ("company_doctor", False),
        ("manager", True),
    ]
    added = await api(
        client,
        "POST",
        f"/api/appointments/{meeting['id']}/participants",
        {"role": "hr_adviser", "name": "H. Rozen", "required": False},
    )
    assert added.status_code == 201
    wrong = await api(
        client,
        "POST",
        f"/api/appointments/{meeting['id']}/participants",
        {"role": "neighbour", "name": "X"},
    )
    assert wrong.status_code == 400


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_a_room_cannot_be_double_booked_by_two_therapists(client, cast: Cast) -> None:
    from practice.accounts import Role
    from practice.tables import CompanyDoctor
    from tests.cast import make_user

    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    await login(client, cast.administrator.email)
    await ok(
        await api(client, "POST", "/api/locations", {"name": "Utrecht", "rooms": ["Kamer 1"]}), 201
    )
    colleague = await make_user(Role.THERAPIST, "colleague@cast.test")
    await ok(await api(client, "POST", "/api/therapists", {"user_id": colleague.id}), 201)
    employer = await ok(await api(client, "POST", "/api/employers", {"name": "Tweede BV"}), 201)
    contact = await ok(
        await api(
            client,
            "POST",
            f"/api/employers/{employer['id']}/contacts",
            {"name": "M", "email": "m@tweede.nl", "contact_role": "manager"},
        ),
        201,
    )
    doctor = await CompanyDoctor.select(CompanyDoctor.id).first()
    assert doctor is not None
    second = await refer(
        client,
        cast,
        {"employer": employer["id"], "doctor": doctor["id"], "contact": contact["id"]},
        therapist_user_id=colleague.id,
    )
    await login(client, cast.therapist.email)
    room_id = (await ok(await client.get("/api/locations", headers=JSON)))[0]["id"]
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {
                "kind": "treatment_session",
                "starts_at": "2026-06-03T10:00:00+02:00",
                "room_id": room_id,
            },
        ),
        201,
    )
    await login(client, colleague.email)
    clash = await api(
        client,
        "POST",
        f"/api/episodes/{second}/appointments",
        {"kind": "treatment_session", "starts_at": "2026-06-03T10:30:00+02:00", "room_id": room_id},
    )
    assert clash.status_code == 409
    elsewhere = await api(
        client,
        "POST",
        f"/api/episodes/{second}/appointments",
        {"kind": "treatment_session", "starts_at": "2026-06-03T10:30:00+02:00"},
    )
    assert elsewhere.status_code == 201  # the colleague is free; only the room was taken


@time_machine.travel("2026-06-01 10:00 +0200", tick=False)
async def test_a_practice_cancellation_creates_a_rebooking_task_until_rebooked(
    client, cast: Cast
) -> None:
    episode_id = await _compleet_in_treatment(client, cast, "atwork_basic")
    created = await ok(await book(client, episode_id, "2026-06-02T10:00:00+02:00"), 201)
    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{created['id']}/attendance",
            {"attendance": "cancelled_by_practice", "reason": "ziek"},
        )
    )
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    rebooking = task(detail, "rebooking:2026-06-02")
    assert rebooking["due_on"] == "2026-06-04"
    # The task points at the sessions' list of what is owed a new date, each with its rebook.
    overview = (await client.get(f"/episodes/{episode_id}")).text
    assert f'href="/episodes/{episode_id}?section=sessions#to-rebook-title"' in overview
    sessions = (await client.get(f"/episodes/{episode_id}?section=sessions")).text
    owed = sessions[sessions.index('id="to-rebook-title"') :]
    owed = owed[: owed.index("</ul>")]
    assert f'href="/appointments/{created["id"]}#rebook-title"' in owed
    new = await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{created['id']}/rebooking",
            {"starts_at": "2026-06-09T10:00:00+02:00"},
        ),
        201,
    )
    assert new["id"] != created["id"]
    detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
    assert not [t for t in detail["tasks"] if t["key"].startswith("rebooking")]
    sessions = (await client.get(f"/episodes/{episode_id}?section=sessions")).text
    assert 'id="to-rebook-title"' not in sessions
    again = await api(
        client,
        "POST",
        f"/api/appointments/{created['id']}/rebooking",
        {"starts_at": "2026-06-16T10:00:00+02:00"},
    )
    assert again.status_code == 409


async def test_held_session_dates_are_local_days_in_order_and_only_of_counting_kinds(
    client, cast: Cast
) -> None:
    from scheduling.queries.sessions import held_counting_dates

    parties = await setup_parties(client, cast)
    episode_id = await refer(client, cast, parties)
    other_id = await refer(client, cast, parties)
    # Written directly: no practice books at half past midnight, but a migrated or corrected
    # record can hold such a time. 23:30 UTC on Saturday 28 March 2026 is 00:30 on Sunday in
    # Amsterdam (CET); 22:30 UTC on Sunday 29 March is 00:30 on Monday (CEST).
    rows = [
        ("2026-03-29T22:30:00+00:00", "treatment_session", "held"),
        ("2026-03-28T23:30:00+00:00", "work_conversation", "held"),
        ("2026-03-27T10:00:00+00:00", "screening", "held"),  # does not count
        ("2026-03-26T10:00:00+00:00", "alignment_meeting", "held"),  # does not count
        ("2026-03-25T10:00:00+00:00", "treatment_session", "no_show"),
        ("2026-04-07T10:00:00+00:00", "treatment_session", "planned"),
    ]
    await Appointment.insert(
        *(
            Appointment(
                episode=episode_id,
                therapist=cast.therapist.id,
                kind=kind,
                starts_at=datetime.fromisoformat(at),
                ends_at=datetime.fromisoformat(at),
                attendance=attendance,
            )
            for at, kind, attendance in rows
        )
    )

    dates = await held_counting_dates([episode_id, other_id], AMS)

    assert dates == {episode_id: (date(2026, 3, 29), date(2026, 3, 30))}


# A referral at 23:30 UTC and sessions late in the evening UTC: their local dates (and the
# deadlines counted from them) are a day apart in Amsterdam and New York.
@pytest.mark.parametrize(
    ("zone", "held_on", "screening_due_on"),
    [
        ("Europe/Amsterdam", (date(2026, 3, 29), date(2026, 3, 30)), "2026-04-07"),
        ("America/New_York", (date(2026, 3, 28), date(2026, 3, 29)), "2026-04-06"),
    ],
)
@time_machine.travel("2026-03-31 12:00 +0000", tick=False)
async def test_held_session_dates_and_the_screening_deadline_follow_the_practice_time_zone(
    settings: Settings,
    redis: Any,
    db: None,
    cast: Cast,
    zone: str,
    held_on: tuple[date, ...],
    screening_due_on: str,
) -> None:
    from practice.queries.episodes import load_facts

    local = dataclasses.replace(settings, time_zone=ZoneInfo(zone))
    application = create_app(local)
    try:
        async with make_client(application) as client:
            parties = await setup_parties(client, cast)
            # Friday 27 March 23:30 UTC: Saturday in Amsterdam, still Friday in New York.
            episode_id = await refer(
                client,
                cast,
                parties,
                received_at="2026-03-27T23:30:00+00:00",
                first_sick_day="2026-03-02",
            )
            await Appointment.insert(
                *(
                    Appointment(
                        episode=episode_id,
                        therapist=cast.therapist.id,
                        kind="treatment_session",
                        starts_at=datetime.fromisoformat(at),
                        ends_at=datetime.fromisoformat(at),
                        attendance="held",
                    )
                    for at in ("2026-03-28T23:30:00+00:00", "2026-03-29T22:30:00+00:00")
                )
            )
            detail = await ok(await client.get(f"/api/episodes/{episode_id}", headers=JSON))
            # The fact sources the app registered at start-up, with the zone of its settings.
            facts, _rules = (await load_facts([episode_id], local.time_zone))[episode_id]
    finally:
        await application.state.redis.aclose(close_connection_pool=True)

    assert task(detail, "screening")["due_on"] == screening_due_on  # 10 calendar days
    assert facts.held_session_dates == held_on
