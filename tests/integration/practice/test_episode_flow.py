"""A referral driven through every state of the treatment track over the JSON API."""

from datetime import date
from typing import Any

import pytest
import time_machine

from practice.audit.trail import Action, Outcome
from practice.tables import StatusChange, TreatmentEpisode
from tests.cast import Cast
from tests.story import ok, refer, setup_parties, task
from tests.web import api, audit_rows, login


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_referral_goes_from_aanmelding_to_follow_up(client, cast: Cast) -> None:
    parties = await setup_parties(client, cast)
    episode_id = await refer(client, cast, parties)
    path = f"/api/episodes/{episode_id}"

    detail = await ok(await client.get(path, headers={"accept": "application/json"}))
    assert detail["status"] == "referred"
    screening = task(detail, "screening")
    assert screening["due_on"] == "2026-04-30"  # 10 calendar days after the aanmelding
    assert screening["days_left"] == 8
    assert {m["team_role"] for m in detail["team"]} == {"therapist", "company_doctor", "manager"}
    assert {c["purpose"] for c in detail["consents"]} == {"briefing", "interim_reports"}

    await ok(await api(client, "POST", f"{path}/screening-plan", {"planned_on": "2026-04-28"}))
    # What took place is recorded on or after its day (practice.timeline.held).
    with time_machine.travel("2026-04-30 17:00 +0200", tick=False):
        await login(client, cast.therapist.email)
        await ok(
            await api(
                client,
                "POST",
                f"{path}/screening",
                {
                    "held_on": "2026-04-29",
                    "suitable": True,
                    "diagnosis_category": "angststoornis",
                    "complaint_instrument": "GAD-7",
                    "complaint_score": 14,
                    "proposal": "atwork_basic",
                    "discussed_with_client_on": "2026-04-29",
                },
            ),
            201,
        )
        await ok(
            await api(
                client,
                "POST",
                f"{path}/manager-consultations",
                {
                    "held_on": "2026-04-30",
                    "contact_id": parties["contact"],
                    "recovery_view": "Ziet mogelijkheden",
                    "existing_agreements": "Nog geen",
                    "advice_to_manager": "Wekelijks kort contact",
                },
            ),
            201,
        )

    with time_machine.travel("2026-05-04 10:00 +0200", tick=False):
        await login(client, cast.therapist.email)  # days later: a new session
        detail = await ok(await client.get(path, headers={"accept": "application/json"}))
    assert detail["status"] == "screened"
    start = task(detail, "treatment_start")
    assert start["due_on"] == "2026-05-13"  # 10 working days; 5 May 2026 is no holiday
    assert task(detail, "screening")["done_late"] is False
    assert detail["screening"]["diagnosis_category"] == "angststoornis"

    await ok(
        await api(
            client, "POST", f"{path}/transitions", {"to_status": "in_treatment", "on": "2026-05-06"}
        )
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/work-participation",
            {"measured_on": "2026-05-06", "own_work_hours": "16", "moment": "begin"},
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/agreements",
            {
                "agreed_on": "2026-05-06",
                "description": "2 × 4 uur per week eigen werk",
                "hours_per_week": "8",
                "starts_on": "2026-05-11",
            },
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/work-goals",
            {
                "description": "Wekelijks bellen met leidinggevende",
                "set_on": "2026-05-06",
                "easy_first_goal": True,
            },
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/offer",
            {"offer": "atwork_compleet", "reason": "afstemming met werkgever nodig"},
        )
    )
    await ok(
        await api(
            client, "POST", f"{path}/transitions", {"to_status": "paused", "reason": "vakantie"}
        )
    )
    await ok(await api(client, "POST", f"{path}/transitions", {"to_status": "in_treatment"}))
    await ok(
        await api(
            client, "POST", f"{path}/contract-hours", {"valid_from": "2026-06-01", "hours": "24"}
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/work-participation",
            {"measured_on": "2026-06-15", "own_work_hours": "24", "moment": "end"},
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/relapse-prevention-plan",
            {
                "drawn_up_on": "2026-06-20",
                "warning_signs": "slecht slapen",
                "actions": "bellen",
                "work_situation": "taken afbakenen",
            },
        )
    )
    await ok(
        await api(
            client, "POST", f"{path}/transitions", {"to_status": "closed", "on": "2026-06-24"}
        )
    )

    with time_machine.travel("2026-07-01 10:00 +0200", tick=False):
        await login(client, cast.therapist.email)
        detail = await ok(await client.get(path, headers={"accept": "application/json"}))
    assert detail["status"] == "closed"
    assert detail["offer"] == "atwork_compleet"
    series = detail["work_participation"]
    assert [p["volume_percent"] for p in series] == ["50.0", "100.0"]  # 16/32, then 24/24
    assert [p["baseline_volume_percent"] for p in series] == ["50.0", "75.0"]  # 24/32
    follow_up = task(detail, "follow_up_conversation")
    assert follow_up["due_on"] == "2026-12-24"  # Compleet: half a year after the last session
    assert task(detail, "relapse_prevention_plan")["done_on"] == "2026-06-20"

    with time_machine.travel("2026-11-20 17:00 +0100", tick=False):
        await login(client, cast.therapist.email)
        await ok(
            await api(
                client,
                "POST",
                f"{path}/follow-ups",
                {
                    "kind": "conversation",
                    "held_on": "2026-11-20",
                    "response": "done",
                    "relapse": False,
                },
            ),
            201,
        )
    history = (
        await StatusChange.select(StatusChange.to_status)
        .where(StatusChange.episode == episode_id)
        .order_by(StatusChange.id)
    )
    assert [h["to_status"] for h in history] == [
        "referred",
        "screening_planned",
        "screened",
        "in_treatment",
        "paused",
        "in_treatment",
        "closed",
    ]
    reads = await audit_rows(
        action=Action.READ.value, object_type="episode", object_id=str(episode_id)
    )
    assert len(reads) == 3
    assert all(r["client_id"] is not None for r in reads)


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_an_invalid_transition_gets_409_naming_the_allowed_ones(client, cast) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    response = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/transitions",
        {"to_status": "closed", "on": "2026-04-22"},
    )
    assert response.status_code == 409
    assert response.json()["allowed"] == ["declined", "referred_elsewhere", "screening_planned"]
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.status)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    assert row["status"] == "referred"


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_declined_referral_ends_the_episode_with_its_outcome(client, cast) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/referral-outcome",
            {"outcome": "recovered_before_start", "note": "al aan het werk"},
        )
    )
    detail = await ok(
        await client.get(f"/api/episodes/{episode_id}", headers={"accept": "application/json"})
    )
    assert detail["status"] == "declined"
    assert detail["referral"]["outcome"] == "recovered_before_start"
    assert detail["allowed_transitions"] == []


@time_machine.travel("2026-05-20 10:00 +0200", tick=False)
async def test_a_late_screening_is_recorded_and_shown_late_with_its_reason(client, cast) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    path = f"/api/episodes/{episode_id}"
    await ok(
        await api(
            client,
            "POST",
            f"{path}/screening",
            {
                "held_on": "2026-05-04",
                "suitable": True,
                "diagnosis_category": "depressie",
                "proposal": "atwork_compleet",
                "late_reason": "cliënt ziek",
            },
        ),
        201,
    )
    await ok(
        await api(
            client,
            "POST",
            f"{path}/task-overrides",
            {"task_key": "company_doctor_briefing", "reason": "telefonisch besproken"},
        )
    )
    detail = await ok(await client.get(path, headers={"accept": "application/json"}))
    screening = task(detail, "screening")
    assert screening["done_on"] == "2026-05-04"
    assert screening["done_late"] is True
    briefing = task(detail, "company_doctor_briefing")
    assert briefing["override_reason"] == "telefonisch besproken"
    assert briefing["overdue"] is False
    assert detail["offer"] == "atwork_compleet"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"absence_status": "not_absent"}, "first_sick_day"),
        ({"absence_status": "sickness", "first_sick_day": None}, "first_sick_day"),
        ({"requested_offer": "gold"}, "requested_offer"),
        ({"received_at": "2026-04-20T09:00:00"}, "received_at"),
        ({"referrer_type": "neighbour"}, "referrer_type"),
    ],
)
@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_bad_referral_gets_400_naming_the_field_and_writes_nothing(
    client, cast: Cast, payload: dict[str, Any], field: str
) -> None:
    parties = await setup_parties(client, cast)
    with pytest.raises(AssertionError, match=field):
        await refer(client, cast, parties, **payload)
    assert await TreatmentEpisode.count() == 0


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_another_therapist_cannot_read_or_change_the_episode(client, cast) -> None:
    from practice.accounts import Role
    from tests.cast import make_user

    episode_id = await refer(client, cast, await setup_parties(client, cast))
    other = await make_user(Role.THERAPIST, "other-therapist@cast.test")
    await login(client, other.email)
    read = await client.get(f"/api/episodes/{episode_id}", headers={"accept": "application/json"})
    assert read.status_code == 404
    assert "Anna" not in read.text
    write = await api(
        client, "POST", f"/api/episodes/{episode_id}/transitions", {"to_status": "declined"}
    )
    assert write.status_code == 404
    denied = await audit_rows(outcome=Outcome.DENIED.value, actor_id=other.id)
    assert [d["action"] for d in denied] == ["read", "update"]


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_handover_moves_access_to_the_successor(client, cast) -> None:
    from practice.accounts import Role
    from tests.cast import make_user

    parties = await setup_parties(client, cast)
    episode_id = await refer(client, cast, parties)
    # The company doctor's consent comes with the referral; the manager hears of the new
    # contact person only with the client's consent to process updates (issue 18).
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/consents",
            {
                "recipient": "employer",
                "purpose": "process_updates",
                "given_at": "2026-04-21T09:00:00+02:00",
            },
        ),
        201,
    )
    successor = await make_user(Role.THERAPIST, "successor@cast.test")
    done = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/handovers",
            {
                "role": "therapist",
                "leaving_user_id": cast.therapist.id,
                "successor_user_id": successor.id,
                "on": "2026-04-22",
                "note": "verlof",
            },
        ),
        201,
    )
    assert set(done["notify"]) == {"company_doctor", "manager"}
    from practice.tables import OutboundMessage

    messages = await OutboundMessage.select().order_by(OutboundMessage.to_address)
    assert [m["to_address"] for m in messages] == [
        cast.company_doctor.email,
        cast.employer_contact.email,
    ]
    assert all("A.J." in m["body_text"] and "Anna" not in m["body_text"] for m in messages)
    assert "Nieuwe contactpersoon" in messages[0]["subject"]
    assert (
        await client.get(f"/api/episodes/{episode_id}", headers={"accept": "application/json"})
    ).status_code == 404
    await login(client, successor.email)
    assert (
        await client.get(f"/api/episodes/{episode_id}", headers={"accept": "application/json"})
    ).status_code == 200


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_the_caseload_lists_the_episode_with_its_open_tasks(client, cast) -> None:
    await refer(client, cast, await setup_parties(client, cast))
    entries = await ok(await client.get("/api/caseload", headers={"accept": "application/json"}))
    assert [e["client_name"] for e in entries] == ["Anna Jansen"]
    assert {t["key"] for t in entries[0]["tasks"]} >= {"screening", "manager_consultation"}


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_therapist_tied_to_the_employer_cannot_take_the_case(client, cast) -> None:
    await login(client, cast.administrator.email)
    employer = await ok(await api(client, "POST", "/api/employers", {"name": "Eigen Zaak"}), 201)
    await ok(
        await api(
            client,
            "POST",
            "/api/therapists",
            {"user_id": cast.therapist.id, "employer_affiliations": [employer["id"]]},
        ),
        201,
    )
    await login(client, cast.therapist.email)
    created = await ok(
        await api(
            client,
            "POST",
            "/api/clients",
            {
                "name": "B",
                "employer_id": employer["id"],
                "contract_hours": "36",
                "contract_from": "2021-01-01",
            },
        ),
        201,
    )
    response = await api(
        client,
        "POST",
        "/api/referrals",
        {
            "client_id": created["client_id"],
            "received_at": "2026-04-21T09:00:00+02:00",
            "referrer_type": "employer",
            "requested_offer": "atwork_basic",
            "absence_status": "not_absent",
        },
    )
    assert response.status_code == 409
    assert "works for the client's employer" in response.json()["detail"]
    assert date(2026, 4, 22)  # the frozen day of the test


async def test_departments_and_a_backup_therapist_are_registered(client, cast: Cast) -> None:
    from practice.accounts import Role
    from practice.tables import Department, Therapist
    from tests.cast import make_user

    await login(client, cast.administrator.email)
    employer = await ok(await api(client, "POST", "/api/employers", {"name": "Afdelingen BV"}), 201)
    await ok(
        await api(
            client,
            "POST",
            f"/api/employers/{employer['id']}/departments",
            {"name": "Wijkteam Noord"},
        ),
        201,
    )
    assert await Department.count() == 1
    first = await ok(
        await api(client, "POST", "/api/therapists", {"user_id": cast.therapist.id}), 201
    )
    colleague = await make_user(Role.THERAPIST, "backup-colleague@cast.test")
    await ok(
        await api(
            client,
            "POST",
            "/api/therapists",
            {"user_id": colleague.id, "backup_therapist_id": first["id"]},
        ),
        201,
    )
    row = await Therapist.select(Therapist.backup).where(Therapist.user == colleague.id).first()
    assert row is not None
    assert row["backup"] == first["id"]
    missing = await api(
        client, "POST", f"/api/employers/{employer['id']}/departments", {"name": " "}
    )
    assert missing.status_code == 400


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_the_remaining_states_drop_out_refer_elsewhere_and_reopen_after_relapse(
    client, cast: Cast
) -> None:
    parties = await setup_parties(client, cast)
    statuses = []
    for ending in ("dropped_out", "referred_elsewhere", "reopened"):
        episode_id = await refer(client, cast, parties)
        path = f"/api/episodes/{episode_id}"
        await ok(
            await api(
                client,
                "POST",
                f"{path}/screening",
                {
                    "held_on": "2026-04-21",
                    "suitable": True,
                    "diagnosis_category": "depressie",
                    "proposal": "atwork_basic",
                },
            ),
            201,
        )
        await ok(
            await api(
                client,
                "POST",
                f"{path}/transitions",
                {"to_status": "in_treatment", "on": "2026-04-22"},
            )
        )
        if ending == "reopened":
            await ok(
                await api(
                    client,
                    "POST",
                    f"{path}/transitions",
                    {"to_status": "closed", "on": "2026-04-22"},
                )
            )
            await ok(
                await api(
                    client,
                    "POST",
                    f"{path}/transitions",
                    {"to_status": "in_treatment", "reason": "terugval"},
                )
            )
        else:
            await ok(
                await api(
                    client, "POST", f"{path}/transitions", {"to_status": ending, "reason": "test"}
                )
            )
        detail = await ok(await client.get(path, headers={"accept": "application/json"}))
        statuses.append((detail["status"], detail["dates"]["closed_on"]))
    assert statuses == [("dropped_out", None), ("referred_elsewhere", None), ("in_treatment", None)]


@time_machine.travel("2026-04-22 10:00 +0200", tick=False)
async def test_a_consultation_with_an_unknown_contact_gets_400_not_500(client, cast) -> None:
    episode_id = await refer(client, cast, await setup_parties(client, cast))
    response = await api(
        client,
        "POST",
        f"/api/episodes/{episode_id}/manager-consultations",
        {"held_on": "2026-04-21", "contact_id": 999999},
    )
    assert response.status_code == 400
    assert "contact_id" in response.json()["fields"]
