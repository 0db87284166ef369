"""A session entered afterwards is history: the client gets no invitation to a past moment."""

import time_machine

from practice.tables import OutboundMessage
from tests.story import ok, refer, setup_parties
from tests.web import api


@time_machine.travel("2026-05-13 10:00 +0200", tick=False)
async def test_a_session_booked_in_the_past_mails_nothing_and_a_coming_one_its_confirmation(
    client, cast
) -> None:
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-04-28T09:00:00+02:00"
    )
    url = f"/api/episodes/{episode_id}/appointments"
    body = {"kind": "treatment_session", "starts_at": "2026-05-11T09:30:00+02:00"}
    past = await ok(await api(client, "POST", url, body), 201)
    assert await OutboundMessage.count() == 0
    body = {"kind": "treatment_session", "starts_at": "2026-05-18T09:30:00+02:00"}
    coming = await ok(await api(client, "POST", url, body), 201)
    keys = [m["key"] for m in await OutboundMessage.select(OutboundMessage.key)]
    assert keys == [f"confirmation:{coming['id']}"]
    assert past["id"] != coming["id"]


@time_machine.travel("2026-05-13 10:00 +0200", tick=False)
async def test_a_series_that_began_last_week_confirms_its_first_coming_session_only(
    client, cast
) -> None:
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-04-28T09:00:00+02:00"
    )
    result = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointment-series",
            {"kind": "treatment_session", "first_starts_at": "2026-05-04T10:00:00+02:00",
             "count": 4},
        ),
        201,
    )  # fmt: skip
    coming = [b for b in result["booked"] if b["starts_at"] >= "2026-05-14"]
    keys = [m["key"] for m in await OutboundMessage.select(OutboundMessage.key)]
    assert keys == [f"confirmation:{coming[0]['id']}"]
