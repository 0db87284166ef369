"""FUZZ-1 (issue #8): requests generated from the OpenAPI schema, sent as every role.

For each role (the five of the cast, and an anonymous caller) every operation in
``/schema/openapi.json`` is called with inputs Schemathesis generates from the schema,
valid ones and invalid ones, with a fixed seed and a bounded number per operation:

- no call may get a server error (5xx, or an exception out of the app);
- a role outside an operation's roles (the ``roles`` of its route, as the authorization
  matrix declares them) is refused: 401, 403 or 404 (or, for a browser, the 303 to the
  login page) -- never a 2xx, which would mean the guard was skipped.

How it runs. Schemathesis's own transports call an ASGI app from a thread with its own
event loop (``schemathesis.python.asgi``), which breaks the per-test rollback on
PostgreSQL (stack-notes section 1.5). So Schemathesis only generates: the cases are drawn
once per session with Hypothesis (``operation.as_strategy()``, fixed seed, no database)
and serialised by Schemathesis (``case.as_transport_kwargs()``, then ``requests`` prepares
the bytes). The test sends them through ``httpx.ASGITransport`` in its own task, inside
the test's transaction. Every call starts from the same state: a savepoint is rolled back
after it, and it carries a fresh copy of the role's server-side session, so a generated
``POST /logout`` or ``POST /language`` cannot change what the next call sees. Half of the
cases of an operation have their path ids replaced by ids of the seeded story (an episode
in treatment with ten held sessions and drafted reports), so the handlers get past their
look-ups; a refused role is always sent the real ids. Request objects in the schema are
closed (``additionalProperties: false``) before generating, as the app enforces them.
Schemathesis's response-conformance checks are not run: the schema documents only the
success code and 400, so every 401/403/404/409 would be reported.

Environment:
- ``SCHEMATHESIS_REPORT_ONLY=1``: do not stop at the first failure; collect all of a
  role's failures (grouped) into one assertion message;
- ``SCHEMATHESIS_SEED`` (default 20260615), ``SCHEMATHESIS_EXAMPLES`` (valid and invalid
  cases per operation for a role that may call it, default 4 + 4) and
  ``SCHEMATHESIS_REFUSED_EXAMPLES`` (per operation for a refused role, default 2): a
  nightly job can raise these and vary the seed;
- ``SCHEMATHESIS_STATS=path``: append one tab-separated line per call (role, allowed or
  refused, operation, status, request, body, response), to see what the run reached.
"""

import contextlib
import logging
import os
import re
import secrets
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import hypothesis
import pytest
import pytest_asyncio
import requests
import schemathesis
import time_machine
from hypothesis import HealthCheck, Phase
from litestar import Litestar
from redis.asyncio import Redis
from schemathesis import Case, GenerationMode
from schemathesis.core.errors import SerializationNotPossible
from schemathesis.core.result import Err

from practice.accounts import Role
from practice.composition.app import create_app
from practice.platform.db import engine
from practice.platform.settings import Settings
from practice.web.errors import EXCEPTION_HANDLERS
from tests.cast import Cast
from tests.integration.reporting.test_reports import episode_with_ten_held_sessions
from tests.web import login

SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20260615"))
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
REFUSED_EXAMPLES = int(os.environ.get("SCHEMATHESIS_REFUSED_EXAMPLES", "2"))
STATS = os.environ.get("SCHEMATHESIS_STATS", "")
REPORT_ONLY = os.environ.get("SCHEMATHESIS_REPORT_ONLY", "") not in ("", "0")

BASE_URL = "https://testserver"
SESSION_COOKIE = "__Host-session"
CSRF_COOKIE = "__Host-csrftoken"
ANONYMOUS = "anonymous"
PUBLIC = "public"
HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
JSON = "application/json"

Operation = tuple[str, str]  # ("POST", "/api/episodes/{episode_id}/transitions")


# ---------------------------------------------------------------- generation (once a session)

_GENERATED: dict[Operation, list[Case[Any]]] = {}


def _draw(strategy: Any, count: int) -> list[Case[Any]]:
    """``count`` cases from a Schemathesis strategy: fixed seed, no example database, no
    shrinking (nothing fails here: the cases are only collected)."""
    drawn: list[Case[Any]] = []
    if count <= 0:
        return drawn

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
        print_blob=False,
    )
    @hypothesis.given(case=strategy)
    def collect(case: Case[Any]) -> None:
        drawn.append(case)

    collect()
    return drawn[:count]


def closed_objects(node: Any) -> Any:
    """The schema as the app enforces it: its request types refuse unknown fields (msgspec
    ``forbid_unknown_fields``), which the schema does not say. Left open, nearly every
    "valid" body gets an extra property and a 400, and nothing gets past the validation."""
    if isinstance(node, list):
        return [closed_objects(item) for item in node]
    if not isinstance(node, dict):
        return node
    closed = {key: closed_objects(value) for key, value in node.items()}
    if closed.get("type") == "object" and "properties" in closed:
        closed.setdefault("additionalProperties", False)
    return closed


def generated_cases(raw_schema: dict[str, Any]) -> dict[Operation, list[Case[Any]]]:
    """Per operation: valid and invalid cases, interleaved (valid, invalid, valid, ...)."""
    if not _GENERATED:
        schema = schemathesis.openapi.from_dict(closed_objects(raw_schema))
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # the app's schema does not load: a finding of its own
            operation = result.ok()
            valid = _draw(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), EXAMPLES)
            try:
                invalid = _draw(
                    operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), EXAMPLES
                )
            except hypothesis.errors.Unsatisfiable:  # nothing in it can be made invalid
                invalid = []
            mixed = [c for pair in zip(valid, invalid, strict=False) for c in pair]
            mixed += valid[len(invalid) :] + invalid[len(valid) :]
            _GENERATED[(operation.method.upper(), operation.path)] = mixed
    return _GENERATED


# ---------------------------------------------------------------- who may call what


def _openapi_path(route_path: str) -> str:
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route_path)


def declared_roles(app: Litestar) -> dict[Operation, frozenset[str] | str]:
    """From the routes themselves (the matrix test keeps them equal to the reviewed table)."""
    found: dict[Operation, frozenset[str] | str] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            roles = handler.opt.get("roles") or ()
            declared = PUBLIC if handler.opt.get("public") else frozenset(r.value for r in roles)
            for method in handler.http_methods:
                found[(method, _openapi_path(route.path))] = declared
    return found


def may_call(declared: frozenset[str] | str, role: str) -> bool:
    return declared == PUBLIC or (isinstance(declared, frozenset) and role in declared)


def refused(status: int | None, location: str) -> bool:
    # A browser without a session is sent to the login page instead of getting the 401.
    return status in (401, 403, 404) or (status == 303 and location.startswith("/login"))


# ---------------------------------------------------------------- the app, instrumented


@dataclass
class Crashes:
    """Tracebacks of the exceptions the app's handlers turned into a 5xx response."""

    tracebacks: list[str] = field(default_factory=list)

    def wrap(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        def recording(request: Any, exc: Exception) -> Any:
            response = handler(request, exc)
            if getattr(response, "status_code", 500) >= 500:
                self.tracebacks.append(condensed(exc))
            return response

        return recording


def condensed(exc: BaseException) -> str:
    """The project's frames, the frame that raised, and the exception."""
    frames = traceback.extract_tb(exc.__traceback__)
    shown = [
        f for i, f in enumerate(frames) if i == len(frames) - 1 or "site-packages" not in f.filename
    ]
    lines = [f"{f.filename}:{f.lineno} in {f.name}: {(f.line or '').strip()}" for f in shown]
    lines += traceback.format_exception_only(exc)[-1:]
    return "\n".join(line.rstrip() for line in lines)


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")


@pytest_asyncio.fixture
async def fuzz_app(
    settings: Settings, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Litestar, Crashes]]:
    crashes = Crashes()
    for kind, handler in list(EXCEPTION_HANDLERS.items()):
        monkeypatch.setitem(EXCEPTION_HANDLERS, kind, crashes.wrap(handler))
    application = create_app(settings)
    yield application, crashes
    await application.state.redis.aclose(close_connection_pool=True)


@contextlib.contextmanager
def captured_logs() -> Iterator[LogLines]:
    handler = LogLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def http_client(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


# ---------------------------------------------------------------- seeded data


async def seed(app: Litestar, cast: Cast) -> dict[str, int]:
    """The story of the report tests, then the ids a path may name."""
    from practice.tables import (
        AbsenceEpisode,
        Client,
        Consent,
        Employer,
        TreatmentEpisode,
        WorkResumptionAgreement,
    )
    from reporting import jobs
    from reporting.tables import Report
    from scheduling.tables import Appointment

    async with http_client(app) as http:
        http.headers["accept"] = "text/html"
        await episode_with_ten_held_sessions(http, cast)
    await jobs.due_reports(date(2026, 6, 15), Settings.from_env())
    ids: dict[str, int] = {}
    for name, table in {
        "episode_id": TreatmentEpisode,
        "appointment_id": Appointment,
        "report_id": Report,
        "client_id": Client,
        "employer_id": Employer,
        "absence_id": AbsenceEpisode,
        "agreement_id": WorkResumptionAgreement,
        "consent_id": Consent,
    }.items():
        row = await table.select(table._meta.primary_key).order_by(table._meta.primary_key).first()
        if row is not None:
            ids[name] = int(row["id"])
    return ids


def known_values(path: str, ids: dict[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = dict(ids)
    if path.startswith("/fhir/Questionnaire/"):
        values["name"] = "phq-9"
    elif path.startswith("/fhir/CodeSystem/"):
        from reporting.fhir.codes import CODE_SYSTEMS

        values["name"] = next(iter(CODE_SYSTEMS))
    return values


# ---------------------------------------------------------------- a logged-in session per role


@dataclass
class Session:
    role: str
    app: Litestar
    session_id: str | None
    csrf: str

    @classmethod
    async def open(cls, app: Litestar, cast: Cast, role: str) -> "Session":
        async with http_client(app) as http:
            http.headers["accept"] = "text/html"
            if role == ANONYMOUS:
                await http.get("/login")
            else:
                response = await login(http, cast.by_role(Role(role)).email)
                assert response.status_code == 303, (role, response.status_code, response.text)
                home = await http.get("/")  # to the role's own start page, not to /login
                assert home.status_code == 303, (role, home.status_code)
                assert not home.headers["location"].startswith("/login"), (role, "not logged in")
            csrf = http.cookies.get(CSRF_COOKIE)
            assert csrf, "no CSRF cookie"
            return cls(role, app, http.cookies.get(SESSION_COOKIE), csrf)

    async def cookie_header(self, generated: str) -> str:
        """The role's cookies for one call. A logged-in role gets a fresh copy of its session
        each time: whatever a call does to its session (log out, rotate, change the
        language), the next call starts logged in again. The schema declares the session
        cookie as the security scheme, so cases may carry a made-up one: a logged-in role
        sends its own instead; the anonymous caller sends the made-up one (it must not log
        anyone in)."""
        pairs = [p.strip() for p in generated.split(";") if p.strip()]
        kept = [p for p in pairs if p.split("=", 1)[0] != CSRF_COOKIE]
        if self.session_id is not None:
            kept = [p for p in kept if p.split("=", 1)[0] != SESSION_COOKIE]
            store = self.app.stores.get("sessions")
            data = await store.get(self.session_id)
            assert data is not None, f"the {self.role} session is gone"
            fork = secrets.token_hex(16)
            await store.set(fork, data, expires_in=3600)
            kept.append(f"{SESSION_COOKIE}={fork}")
        return "; ".join([f"{CSRF_COOKIE}={self.csrf}", *kept])


# ---------------------------------------------------------------- sending one case


@dataclass
class Call:
    role: str
    operation: Operation
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    status: int | None = None
    location: str = ""
    response_text: str = ""
    exception: str = ""
    logs: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)

    def server_error(self) -> bool:
        return bool(self.exception) or (self.status or 0) >= 500

    def signature(self) -> str:
        """What makes two failures of one operation the same (digits ignored)."""
        first = (self.tracebacks or [self.exception])[0].splitlines()[-1:] or [""]
        return re.sub(r"-?\d+", "N", first[0])

    def describe(self, problem: str) -> str:
        shown = {k: v for k, v in self.headers.items() if k in ("content-type", "accept")}
        body = (self.body or b"")[:600].decode("utf-8", "backslashreplace")
        if self.body and len(self.body) > 600:
            body += f"... ({len(self.body)} bytes)"
        lines = [
            f"[{self.role}] {' '.join(self.operation)}: {problem}",
            f"  request:  {self.method} {self.url}  {shown}",
            f"  body:     {body!r}",
            f"  response: {self.status} {self.location} {self.response_text[:300]!r}",
        ]
        lines += [f"  log:      {line}" for line in self.logs]
        for text in [self.exception, *self.tracebacks[:1]]:
            if text:
                lines.append("  traceback:\n    " + text.replace("\n", "\n    "))
        return "\n".join(lines)


_REQUEST_ARGS = ("method", "url", "headers", "files", "data", "params", "auth", "cookies", "json")


def prepare(case: Case[Any], path_values: dict[str, Any]) -> requests.PreparedRequest:
    """The bytes Schemathesis would send (its serialisers, via ``requests``)."""
    if path_values:
        case = case.derive()
        case.path_parameters = {**case.path_parameters, **path_values}
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    return requests.Request(**{k: v for k, v in kwargs.items() if k in _REQUEST_ARGS}).prepare()


async def send(
    session: Session,
    crashes: Crashes,
    operation: Operation,
    prepared: requests.PreparedRequest,
    accept: str,
) -> Call:
    """One call in the test's task (so inside its transaction), undone afterwards."""
    headers = {k.lower(): _text(v) for k, v in prepared.headers.items()}
    # The schema declares no header parameters: what requests adds (accept: */*) is ours.
    headers["accept"] = accept
    headers["x-csrftoken"] = session.csrf
    headers["cookie"] = await session.cookie_header(headers.pop("cookie", ""))
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    assert body is None or isinstance(body, bytes), type(body)
    url = str(prepared.url).removeprefix(BASE_URL)
    call = Call(session.role, operation, str(prepared.method), url, headers, body)

    transaction = engine().current_transaction.get()
    assert transaction is not None, "the test must run inside the db fixture's transaction"
    savepoint = await transaction.savepoint()
    crashes.tracebacks.clear()
    with captured_logs() as logs:
        try:
            async with http_client(session.app) as http:
                response = await http.request(call.method, url, headers=headers, content=body)
            call.status = response.status_code
            call.location = response.headers.get("location", "")
            call.response_text = response.text
        except Exception as exc:  # the app let it out: a server error as well
            call.exception = condensed(exc)
        finally:
            await savepoint.rollback_to()
            await savepoint.release()
    call.logs = logs.lines
    call.tracebacks = list(crashes.tracebacks)
    return call


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


# ---------------------------------------------------------------- the test


@dataclass
class Planned:
    operation: Operation
    allowed: bool
    case: Case[Any]
    path_values: dict[str, Any]
    accept: str


def plan(
    cases: dict[Operation, list[Case[Any]]],
    declared: dict[Operation, frozenset[str] | str],
    role: str,
    ids: dict[str, int],
) -> Iterator[Planned]:
    for operation, generated in sorted(cases.items()):
        allowed = may_call(declared[operation], role)
        values = known_values(operation[1], ids)
        if allowed:
            # In blocks of four: (valid, invalid) with generated ids, then with seeded
            # ids; JSON for the first block, a browser's Accept for the next, and so on.
            for index, case in enumerate(generated):
                seeded = (index // 2) % 2 == 1
                accept = JSON if (index // 4) % 2 == 0 else HTML
                real = {k: v for k, v in values.items() if k in case.path_parameters}
                yield Planned(operation, allowed, case, real if seeded else {}, accept)
        else:
            # The guard comes before any input is read: a few valid cases, real ids.
            for index, case in enumerate(generated[::2][:REFUSED_EXAMPLES]):
                real = {k: v for k, v in values.items() if k in case.path_parameters}
                yield Planned(operation, allowed, case, real, JSON if index % 2 == 0 else HTML)


@dataclass
class Failures:
    found: dict[tuple[Operation, str, str], list[Call]] = field(default_factory=dict)

    def add(self, call: Call, problem: str) -> None:
        if not REPORT_ONLY:
            pytest.fail(call.describe(problem), pytrace=False)
        self.found.setdefault((call.operation, problem, call.signature()), []).append(call)

    def report(self, summary: str) -> str:
        parts = []
        for (_operation, problem, _), calls in sorted(self.found.items()):
            more = f"\n  ({len(calls) - 1} more like it)" if len(calls) > 1 else ""
            parts.append(calls[0].describe(problem) + more)
        return f"{len(self.found)} distinct failure(s); {summary}\n\n" + "\n\n".join(parts)


@pytest.mark.parametrize("role", [*(r.value for r in Role), ANONYMOUS])
async def test_generated_requests_never_get_a_server_error_or_get_past_the_role_guard(
    role: str, fuzz_app: tuple[Litestar, Crashes], cast: Cast, db: None
) -> None:
    app, crashes = fuzz_app
    async with http_client(app) as http:
        raw_schema = (await http.get("/schema/openapi.json")).json()
    cases = generated_cases(raw_schema)  # before the clock stops: Hypothesis times itself
    declared = declared_roles(app)
    missing = sorted(op for op in cases if op not in declared)
    assert not missing, f"operations in the schema without a route: {missing}"

    failures = Failures()
    statuses: Counter[int | None] = Counter()
    unsendable = 0
    with time_machine.travel("2026-06-15 10:00 +0200", tick=False):
        ids = await seed(app, cast)
        session = await Session.open(app, cast, role)
        for planned in plan(cases, declared, role, ids):
            try:
                prepared = prepare(planned.case, planned.path_values)
            except SerializationNotPossible:
                unsendable += 1  # a media type no serialiser handles
                continue
            call = await send(session, crashes, planned.operation, prepared, planned.accept)
            statuses[call.status] += 1
            if STATS:
                _record(call, planned.allowed)
            if call.server_error():
                failures.add(call, "server error")
            elif not planned.allowed and not refused(call.status, call.location):
                failures.add(call, f"the {role} role was not refused ({call.status})")
    summary = f"{statuses.total()} calls, statuses {dict(sorted(statuses.items(), key=str))}"
    assert statuses.total() > len(cases), f"too few calls: {summary}, {unsendable} unsendable"
    if failures.found:
        pytest.fail(failures.report(summary), pytrace=False)


def _record(call: Call, allowed: bool) -> None:
    """``SCHEMATHESIS_STATS=file``: one tab-separated line per call, to see what was reached."""
    with open(STATS, "a", encoding="utf-8") as out:
        out.write(
            "\t".join(
                [
                    call.role,
                    "allowed" if allowed else "refused",
                    " ".join(call.operation),
                    str(call.status),
                    f"{call.method} {call.url[:200]}",
                    repr((call.body or b"")[:200]),
                    repr(call.response_text[:200]),
                ]
            )
            + "\n"
        )
