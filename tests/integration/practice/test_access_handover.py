"""The relation guard's reads are handed to the route's own check: one request decides an
episode from one read of its client and of the requester's seats (issue 21, P-10), and
never from a read that a write in the same request may have overtaken."""

from datetime import date
from typing import Any

import pytest
import time_machine

from practice.access_policy import Need, Relation
from practice.audit.trail import Actor, Channel
from practice.case_team import TeamRole
from practice.errors import NotFound
from practice.platform.db import request_reads, write_tx
from practice.queries.access import authorize, authorize_read, hand_over
from practice.tables import CaseAssignment, TreatmentEpisode
from tests.cast import Cast
from tests.sql import statements
from tests.story import ok, refer, setup_parties
from tests.web import api

NOW = "2026-05-01 08:00 +0200"
TODAY = date(2026, 5, 1)
A_SEAT = Relation(seats=frozenset({TeamRole.THERAPIST}))


def seat_reads(sent: list[str]) -> int:
    return sum(
        1 for sql in sent if sql.lstrip().startswith("SELECT") and 'FROM "case_assignment"' in sql
    )


def client_reads(sent: list[str]) -> int:
    return sum(
        1
        for sql in sent
        if '"treatment_episode"."client" AS "client" FROM "treatment_episode"' in sql
    )


def someone(user_id: int) -> Actor:
    return Actor(user_id=user_id, role="therapist", source="127.0.0.1", channel=Channel.WEB)


async def an_episode_nobody_holds(cast: Cast, client: Any) -> int:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    await CaseAssignment.delete().where(CaseAssignment.episode == episode_id)
    return episode_id


@time_machine.travel(NOW, tick=False)
async def test_an_episode_write_reads_the_client_and_the_requesters_seats_once(
    client: Any, cast: Cast
) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    with statements() as sent:
        await ok(
            await api(
                client,
                "POST",
                f"/api/episodes/{episode_id}/task-overrides",
                {"task_key": "screening", "reason": "De cliënt is op vakantie."},
            )
        )
    assert seat_reads(sent) == 1
    assert client_reads(sent) == 1


@time_machine.travel(NOW, tick=False)
async def test_a_refused_write_is_still_refused_and_reads_no_more(client: Any, cast: Cast) -> None:
    episode_id = await an_episode_nobody_holds(cast, client)
    with statements() as sent:
        response = await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/task-overrides",
            {"task_key": "screening", "reason": "Geen zetel."},
        )
    assert response.status_code == 404
    assert seat_reads(sent) == 1


@time_machine.travel(NOW, tick=False)
async def test_the_routes_check_decides_from_what_the_guard_handed_over(
    client: Any, cast: Cast
) -> None:
    episode_id = await an_episode_nobody_holds(cast, client)
    actor = someone(cast.therapist.id)
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    with request_reads(), statements() as sent:
        hand_over(actor, episode_id, TODAY, int(row["client"]), A_SEAT)
        assert await authorize(actor, episode_id, Need.RECORD_WRITE, TODAY) == row["client"]
    assert sent == []


@time_machine.travel(NOW, tick=False)
async def test_what_was_handed_over_serves_once(client: Any, cast: Cast) -> None:
    episode_id = await an_episode_nobody_holds(cast, client)
    actor = someone(cast.therapist.id)
    with request_reads():
        hand_over(actor, episode_id, TODAY, 1, A_SEAT)
        await authorize_read(actor, episode_id, TODAY)
        with pytest.raises(NotFound):  # read again: the therapist holds no seat
            await authorize_read(actor, episode_id, TODAY)


@time_machine.travel(NOW, tick=False)
async def test_a_write_in_the_request_forgets_what_the_guard_read(client: Any, cast: Cast) -> None:
    episode_id = await an_episode_nobody_holds(cast, client)
    actor = someone(cast.therapist.id)
    with request_reads():
        hand_over(actor, episode_id, TODAY, 1, A_SEAT)
        async with write_tx():
            pass
        with pytest.raises(NotFound):
            await authorize(actor, episode_id, Need.RECORD_WRITE, TODAY)


@time_machine.travel(NOW, tick=False)
async def test_another_user_episode_or_day_is_not_served_what_was_handed_over(
    client: Any, cast: Cast
) -> None:
    episode_id = await an_episode_nobody_holds(cast, client)
    actor = someone(cast.therapist.id)
    for asked_by, asked_for, asked_on in (
        (someone(cast.therapist.id + 1000), episode_id, TODAY),
        (actor, episode_id + 1000, TODAY),
        (actor, episode_id, date(2026, 5, 2)),
    ):
        with request_reads():
            hand_over(actor, episode_id, TODAY, 1, A_SEAT)
            with pytest.raises(NotFound):
                await authorize(asked_by, asked_for, Need.RECORD_WRITE, asked_on)


@time_machine.travel(NOW, tick=False)
async def test_outside_a_request_nothing_is_remembered(client: Any, cast: Cast) -> None:
    episode_id = await an_episode_nobody_holds(cast, client)
    actor = someone(cast.therapist.id)
    hand_over(actor, episode_id, TODAY, 1, A_SEAT)
    with pytest.raises(NotFound):
        await authorize(actor, episode_id, Need.RECORD_WRITE, TODAY)
