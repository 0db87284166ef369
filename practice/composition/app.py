"""The composition root of the web process: every route group, in flow order.

``create_app()`` builds a fresh app from settings; ``app`` is what uvicorn serves
(``practice.composition.app:app``). Nothing a second process would need lives in this process:
sessions, throttles and the queue are in Redis, everything else in the database.
"""

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from arq.connections import ArqRedis
from litestar import Litestar, Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig
from redis.asyncio import ConnectionPool

from practice.composition import wiring as composition
from practice.composition.worker import embedded
from practice.platform import lifeline, metrics, redis_conn
from practice.platform.db import (
    close_pool,
    enable_sqlite_wal,
    engine,
    open_pool,
    remembering_reads,
)
from practice.platform.logs import pin_library_loggers
from practice.platform.queue import ArqQueue
from practice.platform.settings import Settings
from practice.platform.templating import TEMPLATE_DIR, make_environment
from practice.request_limits import MAX_BODY_BYTES
from practice.web import absences as web_absences
from practice.web import access_log as web_audit
from practice.web import account as web_account
from practice.web import admin as web_admin
from practice.web import break_glass as web_break_glass
from practice.web import capacity as web_capacity
from practice.web import client_accounts as web_client_accounts
from practice.web import episode_page as web_episode_page
from practice.web import episodes as web_episodes
from practice.web import favicon as web_favicon
from practice.web import parties as web_parties
from practice.web import portal as practice_web
from practice.web import setbacks as web_setbacks
from practice.web import today as web_today
from practice.web import treatment_plan as web_treatment_plan
from practice.web import users as web_users
from practice.web import work as web_work
from practice.web.access import audited_role_guard, relation_guard
from practice.web.auth import (
    PUBLIC,
    SESSION_NAMESPACE,
    csrf_bound_to_session,
    make_session_auth,
)
from practice.web.errors import EXCEPTION_HANDLERS, choose_locale
from practice.web.limits import refuse_deep_json
from practice.web.security import add_security_headers
from reporting.documents import shutdown_render_pool
from reporting.fhir import web as web_fhir
from reporting.statistics import pages as statistics_pages
from reporting.statistics import web as web_statistics
from reporting.web import client_portal as web_client_portal
from reporting.web import employer_invoices as web_employer_invoices
from reporting.web import invoices as web_invoices
from reporting.web import pages as reporting_pages
from reporting.web import portals as reporting_web
from reporting.web import questionnaire_link as web_questionnaire_link
from reporting.web import report_review_link as web_report_review_link
from scheduling.web import api as scheduling_web
from scheduling.web import pages as scheduling_pages

log = logging.getLogger(__name__)


def _template_config(settings: Settings) -> TemplateConfig[Any]:
    from litestar.plugins.jinja import JinjaTemplateEngine as Engine

    return TemplateConfig(engine=Engine.from_environment(make_environment(settings.time_zone)))


async def _before_request(request: Request[Any, Any, Any]) -> None:
    choose_locale(request)
    # After the locale, so the refusal is in the caller's language.
    await refuse_deep_json(request)


def create_app(settings: Settings | None = None, *, freeze_heap: bool = False) -> Litestar:
    """The app. `freeze_heap`: a process that serves it for hours (uvicorn's ``app``, the
    bench) sets the objects built by its start aside from the garbage collector."""
    settings = settings or Settings.from_env()
    pin_library_loggers()
    composition.connect()
    url = redis_conn.redis_url(settings)
    # One client for sessions, throttles and the queue; connections open lazily.
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(url))

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # A web worker of `practice serve --workers N` stops when its supervisor dies (OPS-1).
        lifeline.die_with_supervisor()
        db = engine()
        await enable_sqlite_wal(db)
        await open_pool(db, max_size=10)
        if freeze_heap:
            # Every full collection walked the ~200,000 objects of the modules, routes and
            # templates, which live as long as the process: 100 ms, every 75 requests or so
            # (caseload on M: p99 133 ms; with them set aside 56 ms). Not in tests, where
            # many apps come and go and a frozen one would never be freed.
            gc.collect()
            gc.freeze()
        try:
            if settings.embedded_worker:
                async with embedded(settings, redis):
                    yield
            else:
                yield
        finally:
            # The render processes go with the app, not at interpreter exit (OPS-1).
            shutdown_render_pool()
            await close_pool(db)
            await redis.aclose(close_connection_pool=True)

    session_auth = make_session_auth(settings)
    return Litestar(
        route_handlers=[
            practice_web.router,
            web_today.router,
            web_account.router,
            web_client_accounts.router,
            web_audit.router,
            web_parties.router,
            web_episodes.router,
            web_treatment_plan.router,
            web_work.router,
            web_absences.router,
            web_setbacks.router,
            web_capacity.router,
            web_episode_page.router,
            web_break_glass.router,
            web_admin.router,
            web_users.router,
            scheduling_web.router,
            scheduling_pages.router,
            reporting_web.router,
            reporting_pages.router,
            web_invoices.router,
            web_employer_invoices.router,
            web_statistics.router,
            statistics_pages.router,
            web_fhir.router,
            web_questionnaire_link.router,
            web_report_review_link.router,
            web_client_portal.router,
            web_favicon.router,
            create_static_files_router(
                path="/static",
                directories=[TEMPLATE_DIR / "static"],
                opt=PUBLIC,
                include_in_schema=False,
            ),
        ],
        stores={"sessions": RedisStore(redis, namespace=SESSION_NAMESPACE)},
        on_app_init=[session_auth.on_app_init],
        # The role guard's 403s are audited (AUD-9); its answers are practice.web.auth's.
        guards=[csrf_bound_to_session, audited_role_guard, relation_guard],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="__Host-csrftoken" if settings.secure_cookies else "csrftoken",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            header_name="x-csrftoken",
        ),
        template_config=_template_config(settings),
        openapi_config=OpenAPIConfig(
            title="@Work practice service",
            version="0.1.0",
            path="/schema",
            # The practice's icon, not Litestar's from a CDN (the CSP would refuse it).
            render_plugins=[ScalarRenderPlugin(favicon=web_favicon.LINK)],
            openapi_router=Router(path="/schema", route_handlers=[], opt=PUBLIC),
            use_handler_docstrings=True,
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=_before_request,
        before_send=[add_security_headers],
        # Each request's duration by route template and status class (practice.platform.metrics).
        middleware=[metrics.request_metrics, remembering_reads],
        lifespan=[lifespan],
        state=_state(settings=settings, redis=redis, queue=ArqQueue(redis)),
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=None,
        debug=False,
    )


def _state(**values: Any) -> Any:
    from litestar.datastructures import State

    return State(values)


_app: Litestar | None = None


def __getattr__(name: str) -> Any:
    # ``practice.composition.app:app`` is built on first access, not at import: importing
    # this module (tests, the CLI) must not start an embedded Redis.
    global _app
    if name == "app":
        if _app is None:
            _app = create_app(freeze_heap=True)
        return _app
    raise AttributeError(name)
