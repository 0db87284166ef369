"""Helpers for driving the app like a browser: CSRF tokens, logging in, audit checks."""

import re
from typing import Any

import httpx
import pyotp

from practice.accounts import normalise_email
from practice.tables import AuditEvent, User
from tests.cast import PASSWORD, TOTP_SECRET

_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The token a form on ``path`` carries (the page also sets the CSRF cookie)."""
    response = await client.get(path)
    match = _TOKEN.search(response.text)
    assert match, f"no CSRF token in {path} ({response.status_code})"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, str], *, token_from: str = "/login"
) -> httpx.Response:
    token = await csrf_token(client, token_from)
    return await client.post(path, data={**data, "_csrf_token": token})


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Log in; for an account with the second factor on (the cast), also enter the code.

    Returns the last response: the password step's, or the code step's."""
    response = await post_form(client, "/login", {"email": email, "password": password})
    if response.status_code == 303 and response.headers["location"] == "/login/totp":
        # A code works once; tests log in several times within one 30-second step.
        await User.update({User.totp_last_step: None}).where(User.email == normalise_email(email))
        code = pyotp.TOTP(TOTP_SECRET).now()
        response = await post_form(client, "/login/totp", {"code": code}, token_from="/login/totp")
    return response


async def audit_rows(**where: Any) -> list[dict[str, Any]]:
    query = AuditEvent.select()
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return await query.order_by(AuditEvent.id)


async def assert_audited(**where: Any) -> dict[str, Any]:
    """Assert that exactly one audit row matches and return it (the NEN 7513 test helper)."""
    rows = await audit_rows(**where)
    assert len(rows) == 1, f"expected one audit row for {where}, found {len(rows)}"
    return rows[0]


async def api(
    client: httpx.AsyncClient, method: str, path: str, json: Any | None = None
) -> httpx.Response:
    """A JSON API call as a logged-in browser script makes it (CSRF header from the cookie)."""
    token = client.cookies.get("__Host-csrftoken")
    if token is None:
        await client.get("/login")
        token = client.cookies.get("__Host-csrftoken")
    headers = {"accept": "application/json", "x-csrftoken": token or ""}
    return await client.request(method, path, json=json, headers=headers)


async def whole_record(client: httpx.AsyncClient, page: str, query: str = "") -> str:
    """Every section of a client page (``/episodes/{id}``) joined: for a test that asks
    whether something is on the page at all, wherever the workspace keeps it."""
    from practice.web.episode_sections import tabs

    joiner = "&" if query else ""
    texts = []
    for tab in tabs():
        response = await client.get(
            f"{page}?section={tab.name}{joiner}{query}", headers={"accept": "text/html"}
        )
        assert response.status_code == 200, (tab.name, response.status_code)
        texts.append(response.text)
    return "\n".join(texts)
