"""Logs hold method, path and status: no bodies, cookies, headers or query strings."""

import logging

import pytest

from tests.cast import PASSWORD, Cast
from tests.web import login


async def test_a_login_leaves_no_credentials_or_cookies_in_the_logs(
    client, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await login(client, cast.therapist.email)
    await client.get("/caseload?search=secret-query-term")
    # Everything the server side logs (the test's own HTTP client logs are not the server's).
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    session = client.cookies.get("__Host-session") or "no-session"
    for secret in (PASSWORD, cast.therapist.email, session, "secret-query-term", "csrf"):
        assert secret not in text
    assert "POST /login 303" in text
    assert "GET /caseload 200" in text


async def test_an_unexpected_error_is_logged_without_its_message(
    client, cast: Cast, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from practice.queries import accounts as queries

    async def explode(actor: object) -> list[dict[str, object]]:
        raise ValueError("diagnosis: a canary that must not reach the logs")

    monkeypatch.setattr(queries, "user_list", explode)
    await login(client, cast.administrator.email)
    caplog.set_level(logging.DEBUG)
    response = await client.get("/admin/users")
    assert response.status_code == 500
    assert "canary" not in response.text
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "ValueError" in text
    assert "canary" not in text
    assert all(record.exc_info is None for record in caplog.records)
