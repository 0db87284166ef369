"""The client's access log for the practice manager: a page, JSON and a CSV export (AUD-6)."""

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get
from litestar.params import FromPath, FromQuery, Parameter
from litestar.response import Template

from practice.access_policy import Need
from practice.accounts import Role
from practice.audit.trail import Outcome
from practice.platform.csv_safe import CSV_MEDIA_TYPE, csv_text
from practice.queries import audit_log
from practice.web.auth import roles
from practice.web.portal import actor_of, page

MANAGER = roles(Role.PRACTICE_MANAGER, need=Need.ACCESS_LOG_READ)
Limit = Annotated[int, Parameter(ge=1, le=audit_log.MAX_PAGE)]


class AccessLogEntry(msgspec.Struct):
    id: int
    occurred_at: datetime
    actor_id: int | None
    actor_name: str | None
    actor_role: str | None
    action: str
    object_type: str
    object_id: str | None
    purpose: str
    outcome: str
    channel: str
    source: str | None


COLUMNS = list(AccessLogEntry.__struct_fields__)
PAGE_SIZE = 100


@get("/api/clients/{client_id:int}/access-log", opt=MANAGER)
async def access_log(
    request: Request[Any, Any, Any],
    client_id: FromPath[int],
    limit: FromQuery[Limit] = 200,
    before: FromQuery[int | None] = None,
) -> list[AccessLogEntry]:
    """Who accessed this client's data, what, when, why and with which outcome; newest
    first. Page back with ``before`` = the smallest id of the previous page. Audited."""
    rows = await audit_log.client_access_log(
        actor_of(request), client_id, limit=limit, before=before
    )
    return [msgspec.convert(row, AccessLogEntry, strict=False) for row in rows]


@get("/clients/{client_id:int}/access-log", opt=MANAGER, include_in_schema=False)
async def access_log_page(
    request: Request[Any, Any, Any],
    client_id: FromPath[int],
    before: FromQuery[int | None] = None,
) -> Template:
    """The same log as a page (the monitor and the break-glass notice link here), a page of
    entries at a time with a link to the older ones."""
    rows = await audit_log.client_access_log(
        actor_of(request), client_id, limit=PAGE_SIZE, before=before
    )
    entries = [msgspec.convert(row, AccessLogEntry, strict=False) for row in rows]
    older = entries[-1].id if len(entries) == PAGE_SIZE else None
    return page(
        request,
        "practice/access-log.html",
        client_id=client_id,
        entries=entries,
        older=older,
        success=Outcome.SUCCESS.value,
    )


@get("/api/clients/{client_id:int}/access-log.csv", opt=MANAGER)
async def access_log_csv(
    request: Request[Any, Any, Any],
    client_id: FromPath[int],
    limit: FromQuery[Limit] = audit_log.MAX_PAGE,
    before: FromQuery[int | None] = None,
) -> Response[str]:
    """The access log as CSV (the export is audited as an export)."""
    rows = await audit_log.client_access_log(
        actor_of(request), client_id, limit=limit, before=before, export=True
    )
    table: list[list[Any]] = [COLUMNS, *([row.get(column) for column in COLUMNS] for row in rows)]
    return Response(
        content=csv_text(table),
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="access-log-client-{client_id}.csv"'
        },
    )


router = Router(path="/", route_handlers=[access_log, access_log_page, access_log_csv])
