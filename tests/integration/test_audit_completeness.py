"""The audit-completeness crawl (AUD-9, NEN 7513): what was served or refused left a row.

Every GET route of the app is called as every requester of the relation matrix's world
(each role, in each relation to Anna Jansen's episode; Bert de Vries is another client of
the same employer) and anonymously. For each answer:

- 2xx whose body (PDFs as extracted text) names a client: a row written during that request,
  by that requester, with outcome success, must name that client's id;
- 403 (the role guard), and 404 on a path that names a client's object (episode,
  appointment, report, document, update or client): a denied row written during that
  request, naming the object's client when the object exists;
- anonymous callers (401) leave no row at all: they carry no identity and are refused
  before any object is looked up (``practice.web.access.audited_role_guard``).

The misses are listed in the assertion message; the target is 0.
"""

import io
import re
from dataclasses import dataclass
from typing import Any

import httpx
import time_machine
from litestar import Litestar
from pypdf import PdfReader

from practice.access_policy import Need
from practice.accounts import Role
from practice.audit.trail import Outcome
from practice.audit.verify import verify_chain
from practice.tables import AuditEvent, Client, Employer
from practice.web.access import need_of, resolvable
from tests.cast import Cast, Member
from tests.integration.test_authorization_matrix import story
from tests.integration.test_relation_matrix import build_world
from tests.sql import statements
from tests.story import ok
from tests.web import api, login

# The query a route needs to show anything: the story's sessions are in May 2026.
QUERIES = {
    "/api/calendar": "start=2026-05-01&days=31",
    "/calendar": "start=2026-05-11",
    "/api/free-slots": "start=2026-06-15",
}
# Routes under a client's object that serve nothing of the client (still guarded by the
# relation, so a stranger's refusal is audited), with the reason.
NOT_CLIENT_DATA = {
    "/reports/{report_id:int}/print.css": "the documents' stylesheet, one file for every report",
}
# How a body names a client: the surname is enough ("A. Jansen" names Anna Jansen too).
SURNAMES = {"Anna Jansen": "Jansen", "Bert de Vries": "de Vries"}


@dataclass(frozen=True)
class Caller:
    member: Member | None  # None: anonymous
    relation: str

    def describe(self) -> str:
        if self.member is None:
            return "anonymous"
        return f"{self.member.role.value} ({self.relation})"


def get_routes(app: Litestar) -> list[tuple[str, bool]]:
    """Every GET route of the app (walked like the authorization matrix's ``registered``),
    and whether a 2xx of it serves the client data of the object its path names: every read
    need does; breaking the glass is a form that shows nothing of the record yet."""
    found = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" in handler.http_methods and not route.path.startswith("/static"):
                objects = client_objects(route.path)
                need = need_of(handler, objects, "GET")
                serves = route.path not in NOT_CLIENT_DATA
                found[route.path] = (
                    serves and bool(objects) and need not in (None, Need.BREAK_GLASS)
                )
    return sorted(found.items())


def fill(path: str, ids: dict[str, int]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith(("token", "path", "name")):
            return "x"
        return str(ids.get(name, 999999))

    filled = re.sub(r"\{(\w+)(?::\w+)?\}", one, path)
    query = QUERIES.get(path)
    return f"{filled}?{query}" if query else filled


def client_objects(path: str) -> list[str]:
    """The path parameters that name a client's object (``practice.web.access``)."""
    return [name for name in re.findall(r"\{(\w+)", path) if resolvable(name)]


def text_of(response: httpx.Response) -> str:
    if response.headers.get("content-type", "").startswith("application/pdf"):
        pages = PdfReader(io.BytesIO(response.content)).pages
        return " ".join(page.extract_text() for page in pages)
    return response.text


async def last_audit_id() -> int:
    row = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id, ascending=False).first()
    return 0 if row is None else int(row["id"])


async def rows_after(after: int) -> list[dict[str, Any]]:
    return await AuditEvent.select(
        AuditEvent.actor_id, AuditEvent.client_id, AuditEvent.outcome, AuditEvent.object_type
    ).where(AuditEvent.id > after)


async def clients_by_name() -> dict[str, int]:
    rows = await Client.select(Client.id, Client.name).where(Client.name.is_in(list(SURNAMES)))
    found = {str(r["name"]): int(r["id"]) for r in rows}
    assert set(found) == set(SURNAMES), found
    return found


def named_in(body: str, clients: dict[str, int]) -> dict[str, int]:
    """The clients a body names."""
    return {name: clients[name] for name, surname in SURNAMES.items() if surname in body}


def misses_of(
    caller: Caller,
    where: str,
    status: int,
    served: dict[str, int],
    written: list[dict[str, Any]],
    refusal_names: int | None,
    names_an_object: bool,
) -> list[str]:
    """What this answer should have left in the audit log and did not."""
    if caller.member is None:
        return [f"{where}: {len(written)} rows for an anonymous caller"] if written else []
    mine = [r for r in written if r["actor_id"] == caller.member.id]
    misses = []
    if 200 <= status < 300:
        for name, client_id in served.items():
            if not any(
                r["client_id"] == client_id and r["outcome"] == Outcome.SUCCESS.value for r in mine
            ):
                misses.append(f"{where}: served {name} without a success row naming {client_id}")
    if status == 403 or (status == 404 and names_an_object):
        denied = [r for r in mine if r["outcome"] == Outcome.DENIED.value]
        if not denied:
            misses.append(f"{where}: refused without a denied row")
        elif refusal_names is not None and not any(r["client_id"] == refusal_names for r in denied):
            misses.append(f"{where}: no denied row names client {refusal_names}: {denied}")
    return misses


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_every_served_client_and_every_refusal_leaves_an_audit_row_naming_the_client(
    app: Litestar, client: httpx.AsyncClient, cast: Cast
) -> None:
    world = await build_world(client, cast)
    clients = await clients_by_name()
    anna = clients["Anna Jansen"]
    routes = get_routes(app)
    assert len(routes) > 40, routes
    callers = [Caller(w.member, w.relation_name) for w in world.requesters]
    callers.append(Caller(None, "anonymous"))
    # Every object id of the world belongs to Anna's episode. Unknown ids name nobody; the
    # answer to them does not depend on the relation, so the cast alone asks for them.
    unknown = dict.fromkeys(world.ids, 999999)
    cast_ids = {cast.by_role(role).id for role in Role}
    misses: list[str] = []
    reached: set[str] = set()  # the roles that were served a client's name
    for caller in callers:
        if caller.member is None:
            client.cookies.clear()
        else:
            await login(client, caller.member.email)
        for path, reads_the_object in routes:
            objects = bool(client_objects(path))
            tries: list[tuple[dict[str, int], int | None]] = [(world.ids, anna)]
            if objects and (caller.member is None or caller.member.id in cast_ids):
                tries.append((unknown, None))
            for ids, owner in tries:
                before = await last_audit_id()
                response = await api(client, "GET", fill(path, ids))
                status = response.status_code
                assert status < 500, (caller.describe(), path, response.text)
                served = named_in(text_of(response), clients) if 200 <= status < 300 else {}
                if 200 <= status < 300 and reads_the_object and owner is not None:
                    # A client's object was served, named or not (a report list, a chart).
                    served.setdefault("the owner of the object", owner)
                where = f"{caller.describe()} GET {fill(path, ids)} -> {status}"
                written = await rows_after(before)
                misses += misses_of(
                    caller, where, status, served, written, owner if objects else None, objects
                )
                if served and caller.member is not None:
                    reached.add(caller.member.role.value)
    assert misses == [], f"{len(misses)} misses:\n" + "\n".join(misses)
    # The crawl did reach client data as every role.
    assert reached == {role.value for role in Role}, reached
    # The list pages' rows (one INSERT each) and the single rows form one verifying chain.
    report = await verify_chain()
    assert report.broken_at is None, report


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_caseload_audits_each_client_in_one_statement_however_many_it_lists(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await story(client, cast)
    employer = await Employer.select(Employer.id).first()
    assert employer is not None

    async def caseload() -> tuple[list[str], list[dict[str, Any]]]:
        before = await last_audit_id()
        with statements() as sent:
            response = await api(client, "GET", "/api/caseload")
        assert response.status_code == 200
        return sent, await rows_after(before)

    await login(client, cast.therapist.email)
    one_sent, one_rows = await caseload()
    for name in ("Bert de Vries", "Cora Smit", "Daan Visser"):
        created = await ok(
            await api(
                client,
                "POST",
                "/api/clients",
                {
                    "name": name,
                    "employer_id": employer["id"],
                    "contract_hours": "36",
                    "contract_from": "2020-01-01",
                    "date_of_birth": "1979-02-03",
                },
            ),
            201,
        )
        referral = {
            "client_id": created["client_id"],
            "received_at": "2026-06-10T09:00:00+02:00",
            "referrer_type": "employer",
            "requested_offer": "atwork_basic",
            "absence_status": "not_absent",
        }
        await ok(await api(client, "POST", "/api/referrals", referral), 201)
    four_sent, four_rows = await caseload()
    assert len(one_rows) == 1 and len(four_rows) == 4
    assert len({r["client_id"] for r in four_rows}) == 4
    assert len(four_sent) == len(one_sent), (one_sent, four_sent)
    assert sum("INSERT" in sql and "audit_event" in sql for sql in four_sent) == 1
    report = await verify_chain()
    assert report.broken_at is None, report


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_the_clients_access_log_lists_a_read_by_every_role_that_read_the_client(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    world = await build_world(client, cast)
    ids = world.ids
    reads = {
        cast.therapist: [f"/episodes/{ids['episode_id']}", "/caseload"],
        cast.company_doctor: [f"/documents/{ids['document_id']}", "/company-doctor"],
        cast.employer_contact: [f"/employer/updates/{ids['update_id']}", "/employer"],
        cast.practice_manager: [f"/api/episodes/{ids['episode_id']}", "/monitor"],
    }
    for member, paths in reads.items():
        await login(client, member.email)
        for path in paths:
            response = await api(client, "GET", path)
            assert response.status_code == 200, (member.role, path, response.status_code)
    await login(client, cast.practice_manager.email)
    response = await api(client, "GET", f"/api/clients/{ids['client_id']}/access-log?limit=1000")
    assert response.status_code == 200
    log = response.json()
    read_by = {
        (row["actor_id"], row["object_type"])
        for row in log
        if row["outcome"] == Outcome.SUCCESS.value
    }
    for member, _paths in reads.items():
        objects = sorted(o for actor, o in read_by if actor == member.id)
        assert len(objects) >= 2, (member.role, objects)  # the object page and the list page
    assert {row["actor_role"] for row in log} >= {m.role.value for m in reads}
