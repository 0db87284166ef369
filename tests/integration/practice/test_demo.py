"""The demo practice: a living practice in every stage, loaded once, with the past done and
the coming two weeks booked, and no mail about the past."""

from datetime import UTC, date, datetime, timedelta

from practice.capacity import open_conflicts
from practice.composition.demo import load_demo
from practice.composition.demo.plan import THERAPISTS
from practice.episodes import EpisodeStatus
from practice.platform.settings import Settings
from practice.queries.episodes import load_facts
from practice.tables import (
    AbsenceEpisode,
    Advice,
    AuditEvent,
    CaseAssignment,
    EmployerContact,
    LeavePeriod,
    OutboundMessage,
    Setback,
    StatusChange,
    TreatmentEpisode,
    User,
    WorkResumptionAgreement,
)
from practice.tasks import TaskKind, derive_tasks
from scheduling.tables import Appointment, ClosingDay, WorkingHours
from tests.web import login

# What the company doctor and the employer are told: the reporting part of the demo's past.
REPORT_KINDS = {
    TaskKind.COMPANY_DOCTOR_BRIEFING,
    TaskKind.INTERIM_REPORT,
    TaskKind.EMPLOYER_UPDATE,
}


def _last_saturday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=(today.weekday() - 5) % 7)


async def test_the_demo_has_every_status_over_two_years_and_a_second_run_changes_nothing(
    db, settings: Settings
) -> None:
    created = await load_demo(tz=settings.time_zone)
    assert 150 <= created <= 250
    # The absence record as a practice keeps it: causes, a chain, a relapse, leave.
    links = await AbsenceEpisode.select(AbsenceEpisode.link_kind).where(
        AbsenceEpisode.link_kind.is_not_null()
    )
    assert sorted(r["link_kind"] for r in links) == ["chain", "relapse"]
    assert await AbsenceEpisode.count().where(AbsenceEpisode.cause.is_not_null()) > 50
    assert await LeavePeriod.count() == 1
    # Setbacks (terugval) as the therapists record them: three clients, three kinds, noted.
    setbacks = await Setback.select(Setback.kind, Setback.note)
    assert len({s["kind"] for s in setbacks}) == len(setbacks) == 3
    assert all(s["note"] for s in setbacks)
    # The capacity-advice loop: one case with the company doctor's advice, one open conflict.
    advised = {
        int(r["episode"])
        for r in await Advice.select(Advice.episode).where(Advice.author_role == "company_doctor")
    }
    assert len(advised) == 1
    [(facts, _)] = (await load_facts(sorted(advised), settings.time_zone)).values()
    today = datetime.now(settings.time_zone).date()
    assert len(open_conflicts(facts.capacity, today)) == 1
    statuses = {r["status"] for r in await TreatmentEpisode.select(TreatmentEpisode.status)}
    assert statuses == {s.value for s in EpisodeStatus}
    changes = await StatusChange.select(StatusChange.changed_at).where(
        StatusChange.to_status == "closed"
    )
    # Status changes are dated when they happened, not when the demo was loaded.
    assert min(c["changed_at"] for c in changes) < datetime.now(UTC) - timedelta(days=365)
    therapists = await User.select(User.id).where(User.role == "therapist")
    assert len(therapists) == len(THERAPISTS)
    assert await WorkingHours.count() == 5 * len(THERAPISTS)
    counts = [
        await table.count()
        for table in (TreatmentEpisode, Appointment, AuditEvent, OutboundMessage, ClosingDay)
    ]
    assert await load_demo(tz=settings.time_zone) == 0
    assert counts == [
        await table.count()
        for table in (TreatmentEpisode, Appointment, AuditEvent, OutboundMessage, ClosingDay)
    ]


async def test_a_start_on_a_saturday_books_the_coming_two_weeks_and_mails_nothing_of_the_past(
    db, settings: Settings
) -> None:
    tz = settings.time_zone
    saturday = _last_saturday()
    await load_demo(today=saturday, tz=tz)
    closed = {r["day"] for r in await ClosingDay.select(ClosingDay.day)}
    rows = await Appointment.select(
        Appointment.starts_at,
        Appointment.ends_at,
        Appointment.attendance,
        Appointment.episode._.client._.name.as_alias("name"),
    )
    for row in rows:
        local = row["starts_at"].astimezone(tz)
        assert local.weekday() < 5 and local.date() not in closed
        assert local.date() != saturday
        # inside the working hours of every demo therapist (08:30 at the earliest, 17:00)
        assert local.hour >= 8 and row["ends_at"].astimezone(tz).hour <= 16
        if row["attendance"] == "planned":
            assert saturday < local.date() <= saturday + timedelta(days=18)
        else:
            assert local.date() < saturday
    daan = [r["attendance"] for r in rows if r["name"] == "Daan Behandeling"]
    assert daan.count("held") >= 3 and daan.count("planned") == 2
    eva = await Appointment.count().where(
        (Appointment.episode._.client._.name == "Eva Compleet")
        & (Appointment.kind == "alignment_meeting")
        & (Appointment.attendance == "planned")
    )
    assert eva == 1
    # Confirmations went out only for appointments still to come, one each; invitations
    # only to the participants of meetings still to come.
    keys = [str(m["key"]) for m in await OutboundMessage.select(OutboundMessage.key)]
    assert keys and all(k.startswith(("confirmation:", "participant-invitation:")) for k in keys)
    confirmed = [int(k.split(":")[1]) for k in keys if k.startswith("confirmation:")]
    invited = [int(k.split(":")[1]) for k in keys if k.startswith("participant-invitation:")]
    starts = await Appointment.select(Appointment.starts_at).where(Appointment.id.is_in(confirmed))
    now = datetime.now(UTC)
    assert all(s["starts_at"] > now - timedelta(minutes=5) for s in starts)
    meetings = await Appointment.select(Appointment.starts_at).where(Appointment.id.is_in(invited))
    assert invited and all(m["starts_at"] > now for m in meetings)
    coming = [r for r in rows if r["attendance"] == "planned" and r["starts_at"] > now]
    assert len(starts) == len(coming)


async def test_the_demo_therapist_owes_nothing_of_their_own_long_overdue_and_the_manager_sees_staff(
    db, settings: Settings
) -> None:
    tz = settings.time_zone
    today = datetime.now(tz).date()
    await load_demo(today, tz=tz)
    therapist = await User.select(User.id).where(User.email == THERAPISTS[0].email).first()
    assert therapist is not None
    seats = await CaseAssignment.select(CaseAssignment.episode).where(
        (CaseAssignment.user == therapist["id"]) & (CaseAssignment.team_role == "therapist")
    )
    facts = await load_facts([int(s["episode"]) for s in seats], tz)
    late = [
        (episode_id, task.key)
        for episode_id, (episode, rules) in facts.items()
        for task in derive_tasks(episode, today, rules)
        if task.is_overdue
        and task.kind not in REPORT_KINDS
        and task.status is not None
        and task.status.days_left < -14
    ]
    assert late == []
    lotte = (
        await EmployerContact.select(EmployerContact.user)
        .where(EmployerContact.email == "leidinggevende@demo.atwork.nl")
        .first()
    )
    assert lotte is not None
    managed = [
        int(r["episode"])
        for r in await CaseAssignment.select(CaseAssignment.episode).where(
            CaseAssignment.user == lotte["user"]
        )
    ]
    held = {
        int(r["episode"])
        for r in await Appointment.select(Appointment.episode).where(
            Appointment.episode.is_in(managed) & (Appointment.attendance == "held")
        )
    }
    agreed = {
        int(r["episode"])
        for r in await WorkResumptionAgreement.select(WorkResumptionAgreement.episode).where(
            WorkResumptionAgreement.episode.is_in(managed)
        )
    }
    assert len(held & agreed) >= 3


async def test_the_demo_therapist_sees_a_caseload_with_overdue_deadlines_first(
    client, db, settings: Settings
) -> None:
    await load_demo(tz=settings.time_zone)
    await login(client, "therapeut@demo.atwork.nl", "werkgericht-demo")
    page = await client.get("/caseload")
    assert page.status_code == 200
    assert "Bram Bijna-te-laat" in page.text
    assert "te laat" in page.text  # the overdue screening, in Dutch
    first_row = page.text.index("<tbody>")
    # below the new-referrals list, the table lists overdue clients first
    assert page.text.index('class="overdue"', first_row) < page.text.index(
        "Anna Aanmelding", first_row
    )
    await login(client, "praktijkmanager@demo.atwork.nl", "werkgericht-demo")
    response = await client.get("/api/monitor", headers={"accept": "application/json"})
    assert response.status_code == 200, response.text
    items = response.json()
    overdue = [i for i in items if i["overdue"]]
    assert any(
        i["client_name"] == "Bram Bijna-te-laat" and i["kind"] == "screening" for i in overdue
    )
    assert {i["therapist"] for i in items} == {
        "Tessa de Therapeut",
        "Thomas Terpstra",
        "Tamara Tuinstra",
    }
    assert items.index(overdue[-1]) < len(overdue)  # overdue first
