"""The relation matrix (AZ-4): every client-data route × every role × every care relation.

One episode is the target: Anna Jansen's, with a therapist, a company doctor and a manager
on its team, an appointment, a report, a delivered document and an employer update. Around
it stand people in each relation to it, in each role that can hold a seat:

- own: on the episode's team today;
- handed over away: was on the team until yesterday;
- handed over to: on the team from today;
- same client, other episode: on the team of Anna's *other* episode (registered with a
  referral for the existing client, which was the exploit);
- other client: on the team of another client's episode, same employer;
- other employer: a contact of another employer;
- no relation: nothing at all;
- and the clients themselves: Anna's own account ("own": her record), Bert's ("other
  client"), and a client login linked to no one.

For every route that names a client's object (``practice.web.access.need_of``), the
expected answer is computed from the route's roles and ``practice.access_policy`` alone; the
test then calls the route and compares. A denied call answers 403 (role) or 404 (relation),
carries no client data and leaves a denied audit row. A new client-data route is in the
matrix the moment it exists.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import time_machine
from litestar import Litestar

from practice.access_policy import NO_RELATION, Need, Relation, decide
from practice.accounts import Role
from practice.audit.trail import Outcome
from practice.case_team import TeamRole
from practice.platform.settings import Settings
from practice.tables import (
    AuditEvent,
    CaseAssignment,
    ClientAccount,
    Employer,
    EmployerContact,
    Therapist,
)
from practice.web.access import CLIENT_PARAM, need_of
from reporting import jobs as reporting_jobs
from reporting.tables import Document, EmployerUpdate, QuestionnaireInvitation, Report
from tests.cast import Cast, Member, make_user
from tests.integration.test_authorization_matrix import story
from tests.story import ok
from tests.web import api, login

TODAY = date(2026, 6, 15)
YESTERDAY = date(2026, 6, 14)
SECRETS = ("Anna", "Jansen")
REASON_MARKER = "REDEN-ALLEEN-VOOR-BEHANDELAAR"
SEAT = {
    Role.THERAPIST: TeamRole.THERAPIST,
    Role.COMPANY_DOCTOR: TeamRole.COMPANY_DOCTOR,
    Role.EMPLOYER_CONTACT: TeamRole.MANAGER,
}


@dataclass(frozen=True)
class Requester:
    member: Member
    relation_name: str
    relation: Relation  # to the target episode
    # to the client: a seat on any of the client's episodes opens a client-level route,
    # which then shows only those episodes
    client_relation: Relation | None = None


@dataclass
class World:
    ids: dict[str, int]
    requesters: list[Requester]


def client_data_routes(app: Litestar) -> list[tuple[str, str, Any]]:
    found = []
    for route in app.routes:
        params = re.findall(r"\{(\w+)", route.path)
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method in ("HEAD", "OPTIONS") or handler.opt.get("public"):
                    continue
                if need_of(handler, params, method) is not None:
                    found.append((method, route.path, handler))
    return sorted(found, key=lambda r: (r[1], r[0]))


def fill(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids.get(m.group(1), 999999)), path)


async def seat(member: Member, episode_id: int, valid_from: date, valid_to: date | None) -> None:
    await CaseAssignment.insert(
        CaseAssignment(
            episode=episode_id,
            user=member.id,
            team_role=SEAT[member.role].value,
            valid_from=valid_from,
            valid_to=valid_to,
        )
    )


async def referral_by(client: httpx.AsyncClient, therapist: Member, body: dict[str, Any]) -> int:
    await login(client, therapist.email)
    created = await ok(await api(client, "POST", "/api/referrals", body), 201)
    return int(created["episode_id"])


async def build_world(client: httpx.AsyncClient, cast: Cast) -> World:
    ids = await story(client, cast)
    episode_id = ids["episode_id"]
    settings = Settings.from_env()
    # The report goes out: a document delivered to the company doctor.
    await login(client, cast.therapist.email)
    report_id = ids["report_id"]
    await ok(
        await api(
            client,
            "PATCH",
            f"/api/reports/{report_id}",
            {"progress": "voortgang", "work_participation": "50%", "advice": "advies"},
        )
    )
    await ok(await api(client, "POST", f"/api/reports/{report_id}/approval"))
    await reporting_jobs.deliver_report({"settings": settings}, report_id)
    document = await Document.select(Document.id).where(Document.report == report_id).first()
    assert document is not None
    # A reason only the treating therapist may read (the overview leaves it out).
    path = f"/api/episodes/{episode_id}/transitions"
    await ok(await api(client, "POST", path, {"to_status": "paused", "reason": REASON_MARKER}))
    await ok(await api(client, "POST", path, {"to_status": "in_treatment"}))
    # The employer's consent, then a process update.
    await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/consents",
            {
                "recipient": "employer",
                "purpose": "process_updates",
                "given_at": "2026-06-01T09:00:00+02:00",
            },
        ),
        201,
    )
    agreement = {"agreed_on": "2026-06-15", "description": "Twee ochtenden per week"}
    await ok(await api(client, "POST", f"/api/episodes/{episode_id}/agreements", agreement), 201)
    from reporting.services.employer_updates import send_due_employer_updates

    await send_due_employer_updates(TODAY, ZoneInfo("Europe/Amsterdam"))
    update = await EmployerUpdate.select(EmployerUpdate.id).first()
    assert update is not None
    anna = await Report.select(Report.episode._.client.as_alias("client")).first()
    assert anna is not None
    employer = await Employer.select(Employer.id).first()
    assert employer is not None
    invitation = await QuestionnaireInvitation.insert(
        QuestionnaireInvitation(
            episode=episode_id,
            moment="interim",
            ordinal=5,
            instruments=["phq9"],
            token_hash="0" * 64,
            expires_at=datetime(2026, 6, 30, tzinfo=UTC),
        )
    ).returning(QuestionnaireInvitation.id)
    ids |= {
        "document_id": int(document["id"]),
        "update_id": int(update["id"]),
        "client_id": int(anna["client"]),
        "invitation_id": int(invitation[0]["id"]),
    }

    requesters: list[Requester] = []

    def add(member: Member, name: str, seated: bool, on_client: bool | None = None) -> None:
        seats = frozenset({SEAT[member.role]}) if seated else frozenset()
        client_seats = seats if on_client is None else frozenset({SEAT[member.role]})
        requesters.append(Requester(member, name, Relation(seats), Relation(client_seats)))

    # Seat holders of every kind, in every relation.
    add(cast.therapist, "own", True)
    add(cast.company_doctor, "own", True)
    add(cast.employer_contact, "own", True)
    for role in SEAT:
        tag = role.value.replace("_", "-")
        away = await make_user(role, f"away-{tag}@cast.test")
        await seat(away, episode_id, date(2026, 4, 20), YESTERDAY)
        add(away, "handed over away", False)
        to = await make_user(role, f"to-{tag}@cast.test")
        await seat(to, episode_id, TODAY, None)
        add(to, "handed over to", True)
        nobody = await make_user(role, f"none-{tag}@cast.test")
        add(nobody, "no relation", False)

    # Another episode of the same client, opened by another therapist's referral.
    same = await make_user(Role.THERAPIST, "same-client@cast.test")
    other = await make_user(Role.THERAPIST, "other-client@cast.test")
    await login(client, cast.administrator.email)
    for therapist in (same, other):
        await ok(
            await api(client, "POST", "/api/therapists", {"user_id": therapist.id}),
            201,
        )
    second = await referral_by(
        client,
        same,
        {
            "client_id": ids["client_id"],
            "received_at": "2026-06-10T09:00:00+02:00",
            "referrer_type": "employer",
            "requested_offer": "atwork_basic",
            "absence_status": "not_absent",
        },
    )
    add(same, "same client, other episode", False, on_client=True)
    # Another client of the same employer, with its own team.
    await login(client, other.email)
    bert = await ok(
        await api(
            client,
            "POST",
            "/api/clients",
            {
                "name": "Bert de Vries",
                "employer_id": employer["id"],
                "contract_hours": "36",
                "contract_from": "2020-01-01",
                "date_of_birth": "1979-02-03",
            },
        ),
        201,
    )
    third = await referral_by(
        client,
        other,
        {
            "client_id": bert["client_id"],
            "received_at": "2026-06-10T09:00:00+02:00",
            "referrer_type": "employer",
            "requested_offer": "atwork_basic",
            "absence_status": "not_absent",
        },
    )
    add(other, "other client", False)
    for role in (Role.COMPANY_DOCTOR, Role.EMPLOYER_CONTACT):
        tag = role.value.replace("_", "-")
        member = await make_user(role, f"other-client-{tag}@cast.test")
        await seat(member, third, date(2026, 6, 10), None)
        add(member, "other client", False)
    assert second != third
    # A contact of another employer.
    await login(client, cast.administrator.email)
    elsewhere = await ok(
        await api(
            client, "POST", "/api/employers", {"name": "Elders BV", "default_offer": "atwork_basic"}
        ),
        201,
    )
    stranger = await make_user(Role.EMPLOYER_CONTACT, "other-employer@cast.test")
    await EmployerContact.insert(
        EmployerContact(
            employer=elsewhere["id"],
            user=stranger.id,
            name="Elders",
            email="elders@example.org",
            contact_role="manager",
        )
    )
    add(stranger, "other employer", False)
    # The clients themselves (issue 20): Anna's own account, Bert's, and a client login
    # linked to no one. A client's relation is their own record, never a seat. They ask
    # first: a therapist's turn revokes and re-invites Anna's account.
    clients: list[Requester] = []
    for name, client_id, relation in (
        ("own", ids["client_id"], Relation(own=True)),
        ("other client", int(bert["client_id"]), NO_RELATION),
    ):
        login_of = await make_user(Role.CLIENT, f"{name.replace(' ', '-')}-client@cast.test")
        await ClientAccount.insert(
            ClientAccount(
                client=client_id,
                user=login_of.id,
                set_up_at=datetime(2026, 6, 1, tzinfo=UTC),
                second_factor="totp",
            )
        )
        clients.append(Requester(login_of, name, relation, relation))
    clients.append(Requester(cast.client, "no relation", NO_RELATION, NO_RELATION))
    requesters[:0] = clients
    # Roles without seats: the practice manager and the administrator.
    add(cast.practice_manager, "no relation", False)
    add(cast.administrator, "no relation", False)
    assert await Therapist.count() >= 3
    return World(ids=ids, requesters=requesters)


def expected(handler: Any, method: str, params: list[str], who: Requester) -> str:
    """ "role" (403), "relation" (404) or "allowed", from the route and the policy alone."""
    if who.member.role not in handler.opt["roles"]:
        return "role"
    need = need_of(handler, params, method)
    assert need is not None
    relation = who.client_relation if CLIENT_PARAM in params else who.relation
    if not decide(who.member.role, need, relation or who.relation):
        return "relation"
    # A document reaches a company doctor by its delivery to them and the client's consent
    # for that doctor, on top of the seat: the successor of a handover gets what is sent
    # from then on, not the predecessor's mail.
    if need is Need.DOCUMENT_READ and who.member.role is Role.COMPANY_DOCTOR:
        return "allowed" if who.relation_name == "own" else "relation"
    return "allowed"


async def denied_rows(actor_id: int, after: int) -> int:
    return await AuditEvent.count().where(  # type: ignore[no-any-return]
        (AuditEvent.actor_id == actor_id)
        & (AuditEvent.id > after)
        & (AuditEvent.outcome == Outcome.DENIED.value)
    )


async def last_audit_id() -> int:
    row = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id, ascending=False).first()
    return 0 if row is None else int(row["id"])


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_every_client_data_route_answers_every_role_and_relation_as_the_policy_says(
    app: Litestar, client: httpx.AsyncClient, cast: Cast
) -> None:
    world = await build_world(client, cast)
    routes = client_data_routes(app)
    assert len(routes) > 50
    wrong: list[tuple[str, str, str, str, str, int]] = []
    counted = {"allowed": 0, "role": 0, "relation": 0}
    for who in world.requesters:
        await login(client, who.member.email)
        for method, path, handler in routes:
            params = re.findall(r"\{(\w+)", path)
            outcome = expected(handler, method, params, who)
            counted[outcome] += 1
            before = await last_audit_id()
            body: Any = {} if method in ("POST", "PATCH", "PUT") else None
            response = await api(client, method, fill(path, world.ids), body)
            status = response.status_code
            refused = await denied_rows(who.member.id, before)
            ok_answer = {
                "role": status == 403 and refused > 0,
                "relation": status == 404 and refused > 0,
                # allowed: past both guards; a 404 may only be a missing sub-object
                "allowed": status not in (401, 403) and refused == 0,
            }[outcome]
            leaked = outcome != "allowed" and any(s in response.text for s in SECRETS)
            if not ok_answer or leaked:
                wrong.append(
                    (who.member.role.value, who.relation_name, method, path, outcome, status)
                )
    assert wrong == [], "\n".join(map(str, wrong))
    assert min(counted.values()) > 0, counted


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_referral_for_an_existing_client_opens_nothing_of_the_clients_other_episodes(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    world = await build_world(client, cast)
    same = next(w for w in world.requesters if w.relation_name.startswith("same client"))
    await login(client, same.member.email)
    episode = world.ids["episode_id"]
    for path in (
        f"/api/episodes/{episode}",
        f"/api/fhir/episodes/{episode}",
        f"/api/episodes/{episode}/reports",
        f"/documents/{world.ids['document_id']}",
    ):
        response = await api(client, "GET", path)
        assert response.status_code == 404, path
    # The client-level export names only the episode this therapist treats.
    bundle = (await api(client, "GET", f"/api/fhir/clients/{world.ids['client_id']}")).json()
    episodes = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "EpisodeOfCare"
    ]
    assert len(episodes) == 1
    assert str(episode) not in {e["id"].rsplit("-", 1)[-1] for e in episodes}
    assert REASON_MARKER not in str(bundle)
    assert "AuditEvent" not in {e["resource"]["resourceType"] for e in bundle["entry"]}


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_practice_manager_reads_the_same_minimum_in_json_and_fhir(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    world = await build_world(client, cast)
    episode = world.ids["episode_id"]
    await login(client, cast.practice_manager.email)
    for path in (
        f"/api/episodes/{episode}",
        f"/api/episodes/{episode}/appointments",
        f"/api/fhir/episodes/{episode}",
        f"/api/fhir/clients/{world.ids['client_id']}",
    ):
        response = await api(client, "GET", path)
        assert response.status_code == 200, path
        assert REASON_MARKER not in response.text, path
    detail = (await api(client, "GET", f"/api/episodes/{episode}")).json()
    assert "screening" not in detail and detail["status_history"]
    assert all("reason" not in row for row in detail["status_history"])
    # The treating therapist reads the reason.
    await login(client, cast.therapist.email)
    assert REASON_MARKER in (await api(client, "GET", f"/api/episodes/{episode}")).text


def test_relations_the_matrix_names_are_decided_by_the_policy_alone() -> None:
    assert decide(Role.THERAPIST, Need.RECORD_READ, Relation(frozenset({TeamRole.THERAPIST})))
    assert not decide(Role.THERAPIST, Need.RECORD_READ, NO_RELATION)


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_employer_statistics_show_a_contact_only_its_own_employer_and_refuse_others(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    """The statistics page and its JSON name no client object, so they are not in the matrix
    above: an employer contact reads its own employer's published months only (none when it
    is no employer's contact), every other role gets 403 with a denied audit row."""
    world = await build_world(client, cast)
    settings = Settings.from_env()
    for job in await reporting_jobs.due_employer_statistics(TODAY, settings):
        await reporting_jobs.publish_employer_statistics({"settings": settings}, *job.args)
    contacts = await EmployerContact.select(EmployerContact.user, EmployerContact.employer)
    own = {int(c["user"]): int(c["employer"]) for c in contacts if c["user"] is not None}
    assert (
        own[cast.employer_contact.id]
        != own[next(w.member.id for w in world.requesters if w.relation_name == "other employer")]
    )
    for who in world.requesters:
        await login(client, who.member.email)
        for path in ("/employer/statistics", "/api/employer/statistics"):
            before = await last_audit_id()
            response = await api(client, "GET", path)
            refused = await denied_rows(who.member.id, before)
            name = (who.member.role.value, who.relation_name, path)
            if who.member.role is not Role.EMPLOYER_CONTACT:
                assert response.status_code == 403 and refused > 0, name
            elif who.member.id not in own:
                assert response.status_code == 404, name
            else:
                assert response.status_code == 200 and refused == 0, name
                if path.startswith("/api"):
                    shown = [e["employer_id"] for e in response.json()["employers"]]
                    assert shown == [own[who.member.id]], name
                else:
                    assert f'data-employer="{own[who.member.id]}"' in response.text, name
                    others = set(own.values()) - {own[who.member.id]}
                    assert not any(f'data-employer="{o}"' in response.text for o in others)
            assert not any(s in response.text for s in SECRETS), name
