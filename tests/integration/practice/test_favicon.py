"""Every page shows the practice's icon, and no browser console shows a favicon 404."""

import httpx

from practice.web.favicon import FAVICON
from tests.cast import Cast
from tests.web import login


async def test_a_browser_asking_favicon_ico_gets_the_practices_icon(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.content == FAVICON.read_bytes()


async def test_pages_name_the_icon_and_the_named_icon_is_served(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    login_page = await client.get("/login", headers={"accept": "text/html"})
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in login_page.text
    await login(client, cast.therapist.email)
    today = await client.get("/today", headers={"accept": "text/html"})
    assert 'href="/static/favicon.svg"' in today.text
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")


async def test_the_api_schema_page_names_the_practices_icon_not_one_from_a_cdn(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/schema/scalar")
    assert page.status_code == 200
    assert 'href="/static/favicon.svg"' in page.text
    assert "Badge%20-%20Blue%20and%20Yellow.png" not in page.text  # Litestar's own icon
