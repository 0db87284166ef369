"""The README's first command: one process serves the demo practice on the embedded default.

Runs ``practice serve --demo`` as a real process (SQLite file, embedded Redis, in-process
worker) on a free port, waits for the login page, and logs in as the demo therapist over
real HTTP.
"""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from practice.composition.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.e2e.served import Served, serve_demo


@pytest.fixture
def served(tmp_data_dir: Path) -> Iterator[Served]:
    # serve_demo fails the test if the login page is not up within START_LIMIT_SECONDS
    yield from serve_demo(tmp_data_dir)


def test_the_quick_start_serves_a_login_page_and_the_demo_therapist_logs_in(
    served: Served,
) -> None:
    base_url, log_path = served.base_url, served.log_path
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

    # The embedded worker runs in the same process and has swept once at start.
    deadline = time.monotonic() + 10
    while "sweep_due_work" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "sweep_due_work" in log_path.read_text()


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
