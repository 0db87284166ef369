"""Setbacks (terugval) as records: recorded from the client page's work section (form) or
the JSON door, shown back there with kind, day, note and who recorded it, on the timeline
and in the episode's JSON, audited; refused beside the field in Dutch with nothing written;
the note is the therapist's: not in the practice manager's overview."""

import time_machine

from practice.setbacks import SetbackKind
from practice.tables import Setback
from tests.cast import Cast
from tests.integration.practice.test_portal_forms import (
    IN_TREATMENT,
    NOW,
    post_page_form,
    post_steps,
    referred,
)
from tests.integration.practice.test_treatment_track_forms import field_problem, posted
from tests.web import api, assert_audited, login

NOTE = "Vader overleden; slaapt slecht, weer meer piekeren"


@time_machine.travel(NOW, tick=False)
async def test_a_setback_recorded_on_the_form_is_shown_back_on_the_timeline_and_audited(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    page = f"/episodes/{episode_id}"
    await post_steps(client, page, IN_TREATMENT)

    await posted(
        client,
        page,
        "/setbacks",
        {"occurred_on": "2026-06-12", "kind": "life_event", "medical_note": NOTE},
        "work",
    )

    row = await Setback.select().first()
    assert row is not None
    assert (str(row["occurred_on"]), row["kind"], row["note"]) == ("2026-06-12", "life_event", NOTE)
    assert row["recorded_by"] == cast.therapist.id
    await assert_audited(action="create", object_type="setback", object_id=str(row["id"]))
    work = (await client.get(f"{page}?section=work")).text
    assert 'data-testid="setbacks"' in work
    assert "ingrijpende gebeurtenis" in work and NOTE in work and "Test therapist" in work
    overview = (await client.get(page)).text
    assert "Terugval: ingrijpende gebeurtenis" in overview  # on the timeline
    client.cookies.set("lang", "en")
    assert "Setback: life event" in (await client.get(page)).text


@time_machine.travel(NOW, tick=False)
async def test_the_json_door_records_a_setback_and_the_episode_lists_it_newest_first(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    path = f"/api/episodes/{episode_id}/setbacks"

    first = await api(client, "POST", path, {"occurred_on": "2026-06-11", "kind": "fewer_hours"})
    second = await api(
        client,
        "POST",
        path,
        {"occurred_on": "2026-06-14", "kind": "more_absence", "medical_note": NOTE},
    )

    assert first.status_code == 201 and second.status_code == 201
    detail = (await api(client, "GET", f"/api/episodes/{episode_id}")).json()
    listed = [(s["occurred_on"], s["kind"], s["medical_note"]) for s in detail["setbacks"]]
    assert listed == [("2026-06-14", "more_absence", NOTE), ("2026-06-11", "fewer_hours", "")]


@time_machine.travel(NOW, tick=False)
async def test_a_setback_before_the_referral_after_today_or_of_an_unknown_kind_is_refused(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)  # referred on 10 June 2026; today 15 June
    page = f"/episodes/{episode_id}"

    refused = await post_page_form(
        client,
        f"{page}?section=work",
        f"{page}/setbacks",
        {"occurred_on": "2026-06-01", "kind": "life_event", "medical_note": NOTE},
    )
    assert refused.status_code == 400
    assert "vóór de aanmelding" in field_problem(refused.text, "setback_occurred_on")
    assert NOTE in refused.text  # what was typed is kept
    answer = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/setbacks",
        {"occurred_on": "2026-06-16", "kind": "weather"},
    )
    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"occurred_on", "kind"}
    assert await Setback.count() == 0


@time_machine.travel(NOW, tick=False)
async def test_the_practice_manager_reads_the_overview_without_the_setbacks_note(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/setbacks",
        {"occurred_on": "2026-06-12", "kind": "symptoms_worse", "medical_note": NOTE},
    )

    await login(client, cast.practice_manager.email)
    detail = await api(client, "GET", f"/api/episodes/{episode_id}")

    assert detail.status_code == 200
    assert NOTE not in detail.text and "setbacks" not in detail.json()


def test_every_setback_kind_has_a_label() -> None:
    from practice.labels import SETBACK_KIND_LABELS

    assert set(SETBACK_KIND_LABELS) == {k.value for k in SetbackKind}


@time_machine.travel(NOW, tick=False)
async def test_only_the_therapist_records_a_setback_others_are_refused_and_nothing_is_written(
    client, cast: Cast
) -> None:
    episode_id = await referred(client, cast)
    body = {"occurred_on": "2026-06-12", "kind": "other", "medical_note": NOTE}

    for member in (cast.company_doctor, cast.employer_contact, cast.practice_manager):
        await login(client, member.email)
        answer = await api(client, "POST", f"/api/episodes/{episode_id}/setbacks", body)
        assert answer.status_code == 403, member.role
        assert NOTE not in answer.text

    assert await Setback.count() == 0
