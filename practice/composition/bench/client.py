"""The measured app, in-process: ``create_app()`` driven through ``httpx.ASGITransport``.

In-process, not a uvicorn server: control and candidate go through the very same transport,
so neither pays for a socket the other does not; the audit sink can be stubbed for one side
(P-7); the bench process *is* the web worker whose memory P-8 samples; and no port, pid or
stray server is left behind. The price: the load generator shares the event loop and core
with the app, so absolute times include the client's cost (the ratios do not favour either
side). The app's lifespan runs as under uvicorn (connection pool, SQLite WAL).
"""

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from litestar import Litestar

from practice.platform.settings import Settings

_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


class BenchError(Exception):
    """The harness could not do what a measurement needs (e.g. log in)."""


@dataclass
class Browser:
    """A logged-in session, as a browser holds it (session and CSRF cookies)."""

    http: httpx.AsyncClient

    async def get(self, path: str, *, accept: str = "text/html") -> httpx.Response:
        response = await self.http.get(path, headers={"accept": accept})
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code}")
        return response

    async def post_json(self, path: str, body: dict[str, Any]) -> httpx.Response:
        token = next(
            (value for name, value in self.http.cookies.items() if name.endswith("csrftoken")),
            "",
        )
        headers = {"accept": "application/json", "x-csrftoken": token}
        return await self.http.post(path, json=body, headers=headers)


def asgi_client(app: Litestar, base_url: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=base_url)


async def log_in(app: Litestar, settings: Settings, email: str, password: str) -> Browser:
    return await log_in_with(asgi_client(app, settings.base_url), email, password)


async def log_in_with(http: httpx.AsyncClient, email: str, password: str) -> Browser:
    """Log in like a person: the login page (CSRF token), then the form."""
    page = await http.get("/login", headers={"accept": "text/html"})
    match = _TOKEN.search(page.text)
    if match is None:
        raise BenchError(f"no CSRF token on /login ({page.status_code})")
    response = await http.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": match.group(1)},
        headers={"accept": "text/html"},
    )
    if response.status_code != 303 or response.headers.get("location") != "/":
        raise BenchError(
            f"login of {email} answered {response.status_code} "
            f"to {response.headers.get('location')} (the bench accounts skip the second step)"
        )
    return Browser(http)


@contextlib.asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[Litestar]:
    """The app's lifespan, as uvicorn runs it around the requests."""
    async with app.lifespan():
        yield app
