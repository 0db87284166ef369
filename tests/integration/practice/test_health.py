"""Liveness, readiness and the API description."""

from litestar import Litestar

from tests.conftest import make_client


async def test_healthz_answers_without_login(client, db) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_and_redis(client, db) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


async def test_readyz_says_503_when_redis_is_unreachable(app: Litestar, db) -> None:
    from redis.asyncio import ConnectionPool

    broken = ConnectionPool.from_url("redis://127.0.0.1:1/0")
    original = app.state.redis.connection_pool
    app.state.redis.connection_pool = broken
    try:
        async with make_client(app) as http:
            response = await http.get("/readyz")
    finally:
        app.state.redis.connection_pool = original
        await broken.disconnect()
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["redis"] != "ok"


async def test_the_openapi_schema_is_served_and_documents_the_api(client, db) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/users" in paths
    assert "/login" in paths
