"""The README's first command: one process serves the demo practice on the embedded default.

Runs ``practice serve --demo`` as a real process (SQLite file, embedded Redis, in-process
worker, the mail catcher) on a free port, waits for the login page, and then reads what it
printed, logs in as the demo therapist over real HTTP, and reads what it mailed.
"""

import mailbox
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis

from practice.composition.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.e2e.served import Served, serve_demo

# A start prints a dozen lines of its own (what started, the logins, the address); ~190
# lines of SMTP, queue and server chatter once buried them.
MOST_START_LINES = 25
# A request after the start logs its method, path and status: not part of the start.
REQUEST_LINE = re.compile(r" INFO practice\.requests: ")
ICS_START = re.compile(r"DTSTART(?:;[^:\r\n]*)?:(\d{8}T\d{6})Z")


@dataclass(frozen=True)
class Start:
    served: Served
    began: datetime  # just before the command ran: anything earlier is the past

    @property
    def data_dir(self) -> Path:
        return self.served.log_path.parent


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Start]:
    """One start for the whole module (a start takes ~15 s); the tests only read it, log
    in, and the throttle test runs last."""
    began = datetime.now(UTC)
    # serve_demo fails the test if the login page is not up within START_LIMIT_SECONDS
    for served in serve_demo(tmp_path_factory.mktemp("quick-start")):
        yield Start(served, began)


@pytest.fixture
def served(start: Start) -> Served:
    return start.served


def _start_lines(start: Start) -> list[str]:
    """What the command printed at its start: its output without request lines, once the
    address is out (a thread prints it as soon as the server answers)."""
    deadline = time.monotonic() + 60
    while "(Ctrl+C stops)" not in start.served.log_path.read_text():
        assert time.monotonic() < deadline, start.served.log_path.read_text()
        time.sleep(0.1)
    text = start.served.log_path.read_text()
    own = [line for line in text.splitlines() if not REQUEST_LINE.search(line)]
    return "\n".join(own).rstrip().splitlines()


def _decoded(message: mailbox.MaildirMessage) -> str:
    """A kept message as its headers and every part decoded (bodies may be
    quoted-printable, the invitation base64)."""
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        # An invoice's files (issue 22) are documents, not text: the PDF is binary and the
        # UBL names its XML schemas by their w3.org and oasis-open.org addresses.
        if part.get_content_type() in ("application/pdf", "application/xml"):
            continue
        if isinstance(payload, bytes):
            parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


def _kept_mail(start: Start) -> list[str]:
    return [_decoded(m) for m in mailbox.Maildir(start.data_dir / "mail", create=False)]


def _outbox(start: Start) -> list[sqlite3.Row]:
    """Every message the practice queued, with the start of the appointment it is about
    (confirmations and reminders), read from the demo's own SQLite file."""
    with sqlite3.connect(start.data_dir / "practice.sqlite") as db:
        db.row_factory = sqlite3.Row
        return list(
            db.execute(
                """
                SELECT m.key, m.sent_at, a.starts_at
                FROM outbound_message m
                LEFT JOIN appointment a
                  ON m.key = 'confirmation:' || a.id OR m.key LIKE 'reminder:' || a.id || ':%'
                ORDER BY m.id
                """
            )
        )


def _wait_until_the_outbox_is_sent(start: Start, seconds: float = 150) -> list[sqlite3.Row]:
    """The embedded worker sends what was queued (its first sweep runs at start)."""
    deadline = time.monotonic() + seconds
    while True:
        rows = _outbox(start)
        if all(row["sent_at"] is not None for row in rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.25)


def test_the_start_prints_the_logins_and_then_the_address_last_without_library_chatter(
    start: Start,
) -> None:
    lines = _start_lines(start)
    accounts = [f"  {a.role.value:<18} {a.email}" for a in DEMO_ACCOUNTS]
    assert lines[-1] == f"@Work practice service: {start.served.base_url}/  (Ctrl+C stops)"
    assert lines[-len(accounts) - 3 : -2] == [
        f"Demo logins (password for all: {DEMO_PASSWORD}):",
        *accounts,
    ]
    assert len(lines) < MOST_START_LINES, "\n".join(lines)
    text = "\n".join(lines)
    for chatter in ("mail.log", "aiosmtpd", "SMTP", "EHLO", "arq", "uvicorn", "Uvicorn", "INFO:"):
        assert chatter not in text, text
    # The migration summary counts what ran, once (not "N already complete, N not yet run").
    assert re.search(r"database migrated: \d+ migrations run now, 0 had already run", text)
    assert "not yet run" not in text


def test_the_quick_start_serves_a_login_page_and_the_demo_therapist_logs_in(
    start: Start,
) -> None:
    base_url, log_path = start.served.base_url, start.served.log_path
    output = log_path.read_text()
    assert f"{base_url}/" in output
    assert DEMO_PASSWORD in output
    therapist = next(a for a in DEMO_ACCOUNTS if a.role.value == "therapist")
    assert therapist.email in output

    with httpx.Client(base_url=base_url, headers={"accept": "text/html"}) as browser:
        page = browser.get("/login")
        match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert match
        response = browser.post(
            "/login",
            data={
                "email": therapist.email,
                "password": DEMO_PASSWORD,
                "_csrf_token": match.group(1),
            },
        )
        assert response.status_code == 303
        home = browser.get("/", follow_redirects=True)
        assert home.status_code == 200
        assert "<h1>Vandaag</h1>" in home.text

    # The embedded worker runs in the same process: it keeps its heartbeat in Redis, and
    # its first sweep (at start) sends whatever the demo queued.
    with redis.Redis(unix_socket_path=str(start.data_dir / "redis.sock")) as queue:
        deadline = time.monotonic() + 60
        while not queue.exists("arq:queue:health-check") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert queue.exists("arq:queue:health-check")
    unsent = [row["key"] for row in _wait_until_the_outbox_is_sent(start) if not row["sent_at"]]
    assert unsent == []


def test_the_demo_mails_nothing_about_an_appointment_in_the_past(start: Start) -> None:
    """The demo's history is written as it happened, but its e-mails were never sent: a
    start must not confirm or remind anyone of sessions months ago. Confirmations of the
    coming weeks' appointments may go out (to the mail catcher)."""
    rows = _wait_until_the_outbox_is_sent(start)
    past = [
        (row["key"], row["starts_at"])
        for row in rows
        if row["starts_at"] is not None and datetime.fromisoformat(row["starts_at"]) < start.began
    ]
    assert past == []
    # What reached the mail catcher agrees: every invitation is for a moment to come.
    invited = [
        datetime.strptime(moment, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        for text in _kept_mail(start)
        for moment in ICS_START.findall(text)
    ]
    assert [moment for moment in invited if moment < start.began] == []


def test_every_mail_of_the_start_has_a_date_a_message_id_and_links_to_the_served_address(
    start: Start,
) -> None:
    """BASE_URL is not set: links follow the address served (a random free port here, never
    the default 8000). The calendar feed's address is built the same way as e-mail links."""
    _wait_until_the_outbox_is_sent(start)
    for message in mailbox.Maildir(start.data_dir / "mail", create=False):
        assert message["Date"] and message["Message-ID"], message.as_string()[:500]
    for text in _kept_mail(start):
        for link in re.findall(r"https?://[^\s\"'<>]+", text):
            assert link.startswith(f"{start.served.base_url}/"), link
    therapist = next(a for a in DEMO_ACCOUNTS if a.role.value == "therapist")
    with httpx.Client(base_url=start.served.base_url) as browser:
        page = browser.get("/login", headers={"accept": "text/html"})
        match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert match
        login = browser.post(
            "/login",
            data={"email": therapist.email, "password": DEMO_PASSWORD, "_csrf_token": match[1]},
            headers={"accept": "text/html"},
        )
        assert login.status_code == 303
        token = next(v for k, v in browser.cookies.items() if k.endswith("csrftoken"))
        feed = browser.post("/api/calendar-feed", headers={"x-csrftoken": token})
        assert feed.status_code == 201, feed.text
        assert feed.json()["url"].startswith(f"{start.served.base_url}/calendar/")


def test_the_served_app_ignores_x_forwarded_for_from_a_peer_it_was_not_told_to_trust(
    served: Served,
) -> None:
    """uvicorn believes proxy headers from 127.0.0.1 unless told otherwise; ``practice serve``
    leaves them to the app, which trusts no proxy by default (TRUSTED_PROXIES): a local peer
    cannot choose a fresh throttle key for every guess."""
    statuses = []
    with httpx.Client(base_url=served.base_url, headers={"accept": "text/html"}) as browser:
        for n in range(6):
            match = re.search(r'name="_csrf_token" value="([^"]+)"', browser.get("/login").text)
            assert match
            response = browser.post(
                "/login",
                data={
                    "email": "nobody@example.org",
                    "password": f"wrong password {n}",
                    "_csrf_token": match.group(1),
                },
                headers={"x-forwarded-for": f"203.0.113.{n + 1}"},
            )
            statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 401, 401, 429]
