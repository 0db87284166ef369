"""Who may reach what: role guards, CSRF, security headers, and refusals that lose nothing."""

import httpx
import pytest
from litestar import Litestar

from practice.accounts import HOME_PATH, Role
from practice.audit.trail import Action
from practice.tables import User
from practice.web.security import SECURITY_HEADERS
from tests.cast import Cast
from tests.web import audit_rows, csrf_token, login

THERAPIST_ROUTE = "/caseload"


async def test_an_employer_contact_gets_403_on_a_therapist_route(client, cast: Cast) -> None:
    await login(client, cast.employer_contact.email)
    response = await client.get(THERAPIST_ROUTE)
    assert response.status_code == 403
    assert "Geen toegang" in response.text


async def test_a_refusal_and_an_unknown_path_speak_the_readers_language(client, cast: Cast) -> None:
    await login(client, cast.employer_contact.email)
    client.cookies.set("lang", "en")
    refused = await client.get(THERAPIST_ROUTE, headers={"accept": "text/html"})
    assert refused.status_code == 403
    assert "No access" in refused.text and "Geen toegang" not in refused.text
    assert "Your role does not give access to this page." in refused.text
    for path, status, title in (
        ("/no-such-page", 404, "Not found"),
        ("/logout", 405, "Not allowed"),
    ):
        page = await client.get(path, headers={"accept": "text/html"})
        assert page.status_code == status, path
        assert f"<h1>{title}</h1>" in page.text, path
        assert "Not Found" not in page.text and "Method Not Allowed" not in page.text
    client.cookies.set("lang", "nl")
    unknown = await client.get("/no-such-page", headers={"accept": "text/html"})
    assert "<h1>Niet gevonden</h1>" in unknown.text


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_lands_on_its_own_portal_and_nowhere_else(
    client, cast: Cast, role: Role
) -> None:
    await login(client, cast.by_role(role).email)
    for other, path in HOME_PATH.items():
        response = await client.get(path)
        # The cast's client login is linked to no client: its portal has nothing to show.
        own = 404 if role is Role.CLIENT else 200
        assert response.status_code == (own if other is role else 403), (role, path)


async def test_an_anonymous_browser_is_sent_to_the_login_page(client, db) -> None:
    response = await client.get(THERAPIST_ROUTE)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


async def test_an_anonymous_api_call_gets_401_json(client, db) -> None:
    response = await client.get("/api/users", headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["status_code"] == 401


async def test_a_post_without_csrf_token_is_refused_with_403(client, cast: Cast) -> None:
    await client.get("/login")  # has the CSRF cookie, but sends no token
    response = await client.post(
        "/login", data={"email": cast.therapist.email, "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert await audit_rows(action=Action.LOGIN.value) == []


async def test_a_post_with_someone_elses_csrf_token_is_refused(app: Litestar, client, cast) -> None:
    from tests.conftest import make_client

    async with make_client(app) as other:
        foreign_token = await csrf_token(other)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": cast.therapist.email, "password": "x", "_csrf_token": foreign_token},
    )
    assert response.status_code == 403


CSRF_COOKIE = "__Host-csrftoken"


def _plant_csrf_cookie(client: httpx.AsyncClient, token: str) -> None:
    client.cookies.delete(CSRF_COOKIE)
    client.cookies.set(CSRF_COOKIE, token, domain="testserver.local")


async def test_a_csrf_token_of_one_session_is_refused_with_another_sessions_cookie(
    app: Litestar, client, cast: Cast
) -> None:
    """Token and CSRF cookie copied from session A into session B: the double submit matches,
    but the token is not B's, so B's state-changing request is refused."""
    from tests.conftest import make_client

    async with make_client(app) as session_a:
        await login(session_a, cast.therapist.email)
        token_a = await csrf_token(session_a, "/caseload")
    await login(client, cast.therapist.email)
    own_token = await csrf_token(client, "/caseload")
    assert own_token != token_a
    _plant_csrf_cookie(client, token_a)
    response = await client.post("/logout", data={"_csrf_token": token_a})
    assert response.status_code == 403
    assert "verlopen" in response.text
    assert await audit_rows(action=Action.LOGOUT.value) == []


async def test_a_csrf_token_minted_before_login_is_refused_after_it(client, cast: Cast) -> None:
    before = await csrf_token(client)
    await login(client, cast.therapist.email)
    after = client.cookies.get(CSRF_COOKIE)
    assert after and after != before  # the login response set a fresh cookie
    _plant_csrf_cookie(client, before)
    assert (await client.post("/logout", data={"_csrf_token": before})).status_code == 403
    # The session's own token still works, and a page shows it even without the cookie.
    client.cookies.delete(CSRF_COOKIE)
    assert await csrf_token(client, "/caseload") == after
    assert client.cookies.get(CSRF_COOKIE) == after
    assert (await client.post("/logout", data={"_csrf_token": after})).status_code == 303


async def test_logout_ends_the_csrf_token_with_the_session(client, cast: Cast) -> None:
    await login(client, cast.therapist.email)
    token = await csrf_token(client, "/caseload")
    assert (await client.post("/logout", data={"_csrf_token": token})).status_code == 303
    assert client.cookies.get(CSRF_COOKIE) is None
    assert await csrf_token(client) != token


@pytest.mark.parametrize("path", ["/no/such/page", "/login", "/caseload", "/static/app.css"])
async def test_security_headers_are_on_every_response_including_errors(
    client, db, path: str
) -> None:
    response = await client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_pages_are_never_cached_but_static_files_may_be(client, db) -> None:
    assert (await client.get("/login")).headers["cache-control"] == "no-store"
    assert (await client.get("/no/such/page")).headers["cache-control"] == "no-store"
    assert (await client.get("/static/app.css")).headers.get("cache-control") != "no-store"


async def test_a_404_page_is_html_for_a_browser_and_json_for_an_api(client, db) -> None:
    page = await client.get("/no/such/page")
    assert page.status_code == 404
    assert "Niet gevonden" in page.text
    api = await client.get("/api/no-such-thing", headers={"accept": "application/json"})
    assert api.status_code == 404
    assert api.json()["status_code"] == 404


async def test_a_refused_episode_page_says_so_in_the_users_language(client, cast: Cast) -> None:
    await login(client, cast.therapist.email)
    page = await client.get("/episodes/999999")
    assert page.status_code == 404
    assert "Dit dossier bestaat niet of is niet voor u toegankelijk." in page.text
    assert "No such" not in page.text
    api = await client.get("/api/episodes/999999", headers={"accept": "application/json"})
    assert api.json()["detail"] == "No such record."  # API clients keep the message id


async def _admin(client: httpx.AsyncClient, cast: Cast) -> str:
    await login(client, cast.administrator.email)
    return await csrf_token(client, "/admin/users")


async def test_bad_form_input_gets_400_naming_the_field_and_writes_nothing(
    client, cast: Cast
) -> None:
    token = await _admin(client, cast)
    before = await User.count()
    response = await client.post(
        "/admin/users",
        data={
            "_csrf_token": token,
            "email": "not-an-address",
            "display_name": "Nieuwe Collega",
            "role": "therapist",
            "password": "long enough password",
        },
    )
    assert response.status_code == 400
    # the form comes back with the problem beside its field, in Dutch, and what was typed kept
    assert 'id="email-problem">geen geldig e-mailadres<' in response.text
    assert 'value="not-an-address"' in response.text
    assert await User.count() == before


async def test_a_form_missing_a_field_gets_400_naming_it(client, cast: Cast) -> None:
    token = await _admin(client, cast)
    before = await User.count()
    response = await client.post(
        "/admin/users", data={"_csrf_token": token, "email": "a@b.nl", "role": "therapist"}
    )
    assert response.status_code == 400
    # the problem in words beside the field, in Dutch
    assert 'id="display_name-problem">Vul dit veld in.<' in response.text
    assert await User.count() == before


async def test_an_unknown_role_in_a_form_gets_400_naming_the_role_field(client, cast: Cast) -> None:
    token = await _admin(client, cast)
    response = await client.post(
        "/admin/users",
        data={
            "_csrf_token": token,
            "email": "a@b.nl",
            "display_name": "X",
            "role": "superuser",
            "password": "long enough password",
        },
    )
    assert response.status_code == 400
    assert 'aria-describedby="role-problem"' in response.text


async def test_an_administrator_creates_a_user_and_it_is_audited(client, cast: Cast) -> None:
    token = await _admin(client, cast)
    response = await client.post(
        "/admin/users",
        data={
            "_csrf_token": token,
            "email": " Nieuwe.Collega@Praktijk.NL ",
            "display_name": "Nieuwe Collega",
            "role": "therapist",
            "password": "long enough password",
        },
    )
    assert response.status_code == 303
    row = await User.select().where(User.email == "nieuwe.collega@praktijk.nl").first()
    assert row is not None
    assert row["password_hash"].startswith("$argon2id$")
    rows = await audit_rows(action=Action.CREATE.value, object_type="user")
    assert [r["object_id"] for r in rows] == [str(row["id"])]
    assert rows[0]["actor_id"] == cast.administrator.id


async def test_the_json_api_names_invalid_fields_and_refuses_duplicates(client, cast: Cast) -> None:
    token = await _admin(client, cast)
    headers = {"x-csrftoken": token, "accept": "application/json"}
    bad = await client.post(
        "/api/users",
        json={"email": "x", "display_name": "", "role": "therapist", "password": "short"},
        headers=headers,
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"email", "display_name", "password"}
    wrong_type = await client.post(
        "/api/users",
        json={"email": 5, "display_name": "A", "role": "therapist", "password": "p" * 12},
        headers=headers,
    )
    assert wrong_type.status_code == 400
    assert "email" in wrong_type.json()["fields"]
    duplicate = await client.post(
        "/api/users",
        json={
            "email": cast.therapist.email,
            "display_name": "Again",
            "role": "therapist",
            "password": "long enough password",
        },
        headers=headers,
    )
    assert duplicate.status_code == 409
    listing = await client.get("/api/users", headers=headers)
    assert listing.status_code == 200
    assert all("password_hash" not in user for user in listing.json())


async def test_a_malformed_json_body_gets_400_not_500(client, cast: Cast) -> None:
    token = await _admin(client, cast)
    response = await client.post(
        "/api/users",
        content=b"{not json",
        headers={
            "x-csrftoken": token,
            "content-type": "application/json",
            "accept": "application/json",
        },
    )
    assert response.status_code == 400


def test_every_route_declares_public_or_the_roles_that_may_use_it(app: Litestar) -> None:
    undeclared = [
        (route.path, handler.handler_name)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        # Litestar adds an OPTIONS handler per path; the guard denies it like any other.
        if handler.handler_name != "options_handler"
        and not handler.opt.get("public")
        and not handler.opt.get("roles")
    ]
    assert undeclared == []


async def test_the_language_switch_serves_english(client, db) -> None:
    token = await csrf_token(client)
    switched = await client.post(
        "/language", data={"_csrf_token": token, "locale": "en", "next": "/login"}
    )
    assert switched.status_code == 303
    page = await client.get("/login")
    assert "Log in" in page.text
    assert 'lang="en"' in page.text


async def test_the_language_switch_never_redirects_off_site(client, db) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/language", data={"_csrf_token": token, "locale": "en", "next": "//evil.example"}
    )
    assert response.headers["location"] == "/"


async def test_the_language_switch_keeps_the_page_s_query(client, db) -> None:
    page = await client.get("/login?month=2026-05")
    assert 'name="next" value="/login?month=2026-05"' in page.text
    token = await csrf_token(client)
    switched = await client.post(
        "/language", data={"_csrf_token": token, "locale": "en", "next": "/login?month=2026-05"}
    )
    assert switched.headers["location"] == "/login?month=2026-05"


def test_every_handler_written_in_a_web_module_is_registered(app: Litestar) -> None:
    import importlib
    import pkgutil

    from litestar.handlers import HTTPRouteHandler

    registered = {
        handler.fn for route in app.routes for handler in getattr(route, "route_handlers", [])
    }
    written = {
        (module_name, name)
        for package in ("practice", "scheduling", "reporting")
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__)
        if info.name.startswith("web")
        for module_name in [f"{package}.{info.name}"]
        for name, value in vars(importlib.import_module(module_name)).items()
        if isinstance(value, HTTPRouteHandler) and value.fn not in registered
    }
    assert written == set()


async def test_an_id_too_large_for_the_database_is_not_found_not_an_error(
    client, cast: Cast
) -> None:
    await login(client, cast.therapist.email)
    response = await client.get(
        "/api/episodes/99999999999999999999999", headers={"accept": "application/json"}
    )
    # SQLite cannot bind it (404: no such record); PostgreSQL's driver refuses it (400).
    assert response.status_code in {400, 404}


async def test_logging_out_deletes_the_session_and_csrf_cookies_so_a_browser_can_log_in_again(
    client, cast: Cast
) -> None:
    # Chromium keeps a cookie set with an unparsable "expires=0"; Max-Age=0 deletes it.
    await login(client, cast.practice_manager.email)
    token = await csrf_token(client, "/statistics/outcomes")
    response = await client.post("/logout", data={"_csrf_token": token})
    deleted = [h for h in response.headers.get_list("set-cookie") if "max-age=0" in h.lower()]
    names = {h.split("=", 1)[0].removeprefix("__Host-") for h in deleted}
    assert names >= {"session", "csrftoken"}, deleted
