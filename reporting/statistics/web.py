"""Doors of the outcome statistics: the practice manager's dashboard (HTML, JSON, CSV, PDF),
the drill-down to episodes, the employer's summary, and recording questionnaires.

One path from numbers to every output: `reporting.statistics.sql` returns exact cells;
`reporting.statistics.presentation.dashboard_tables` turns them into `RawTable`s;
`reporting.statistics.model.suppress` applies small-cell suppression
(`reporting.statistics.suppression.shown`) and is the only way to a `FigureTable`; the page,
the JSON, the CSV and the PDF (`reporting.statistics.export`) are all rendered from `FigureTable`s.
A suppressed cell keeps nothing of its value or n, so no output can show it. This module
holds only the routes; `reporting.statistics.dashboard` validates the query and assembles
the figures for one request.
"""

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from practice.access_policy import Need
from practice.accounts import Role
from practice.errors import InvalidInput, NotFound, one_of
from practice.platform.clock import today_in
from practice.platform.csv_safe import CSV_MEDIA_TYPE
from practice.platform.i18n import current_locale
from practice.platform.i18n import gettext as _
from practice.platform.settings import Settings
from practice.platform.spreadsheet import MEDIA_TYPE as SPREADSHEET_MEDIA_TYPE
from practice.queries.episode_detail import episode_detail
from practice.queries.episodes import access_episode
from practice.screening import DIAGNOSIS_CATEGORIES
from practice.web.auth import roles
from practice.web.portal import actor_of, page
from reporting.documents import render_pdf_async
from reporting.queries.employer_statistics import contact_snapshots
from reporting.services.questionnaires import record_questionnaire
from reporting.statistics import charts
from reporting.statistics import sql as statistics
from reporting.statistics.absence_tables import TABLE_KEYS as ABSENCE_TABLE_KEYS
from reporting.statistics.dashboard import (
    HEADLINE_CODES,
    active_filters,
    build_dashboard,
    dashboard_and_choices,
    filter_choices,
    filter_summary,
    query_of,
)
from reporting.statistics.dashboard import Query as DashboardQuery
from reporting.statistics.definitions import DEFINITIONS
from reporting.statistics.employer_view import (
    EmployerMonth,
    employer_month,
    employer_month_json,
    month_label,
    month_param,
)
from reporting.statistics.export import (
    dashboard_workbook,
    headline_json,
    render_report_html,
    table_csv,
    table_json,
)
from reporting.statistics.model import definitions_of, display
from reporting.statistics.viewers import (
    record_client_chart_read,
    record_episode_search,
)

MANAGER = roles(Role.PRACTICE_MANAGER)
THERAPIST = roles(Role.THERAPIST)
EMPLOYER = roles(Role.EMPLOYER_CONTACT)
PURPOSE = "statistics"
PAGE_SIZE = 100


# ---------------------------------------------------------------- routes: practice manager


async def dashboard_query(
    referred_from: FromQuery[str | None] = None,
    referred_to: FromQuery[str | None] = None,
    offer: FromQuery[str | None] = None,
    employer_id: FromQuery[str | None] = None,
    therapist_user_id: FromQuery[str | None] = None,
    diagnosis: FromQuery[str | None] = None,
    benchmark: FromQuery[str | None] = None,
    reference: FromQuery[str | None] = None,
    basis: FromQuery[str | None] = None,
    hours: FromQuery[str | None] = None,
) -> DashboardQuery:
    """The dashboard's query as given, for the page and each of its exports alike (each
    route listed the ten parameters itself)."""
    return DashboardQuery(
        referred_from,
        referred_to,
        offer,
        employer_id,
        therapist_user_id,
        diagnosis,
        benchmark,
        reference,
        basis,
        hours,
    )


# As "asked": "query" is Litestar's own name for the query string's mapping.
DASHBOARD_QUERY = {"asked": Provide(dashboard_query)}


@get("/statistics/outcomes", opt=MANAGER, include_in_schema=False, dependencies=DASHBOARD_QUERY)
async def dashboard_page(
    request: Request[Any, Any, Any],
    asked: NamedDependency[DashboardQuery],
) -> Template:
    """The return-to-work dashboard: every figure with its definition and n."""
    # A filter that cannot be applied (a range that ends before it starts, a date beyond
    # the plausible, an employer that is not there): the figures without it, the form as
    # typed and the problem next to its field. The employer is checked after the dates, so
    # a second refusal may name what the first did not.
    problems: dict[str, str] = {}
    while True:
        try:
            board, choices = await dashboard_and_choices(request, asked.without(problems))
            break
        except InvalidInput as exc:
            if set(exc.fields) <= set(problems):
                raise
            problems |= {name: _(problem) for name, problem in exc.fields.items()}
    summary = filter_summary(board.filters, choices)
    return page(
        request,
        "reporting/statistics/dashboard.html",
        status=HTTP_400_BAD_REQUEST if problems else HTTP_200_OK,
        problems=problems,
        board=board,
        form=asked,
        choices=choices,
        summary=summary,
        active_filters=active_filters(board.filters, summary),
        headline_definitions=definitions_of(HEADLINE_CODES),
        # The exports and the episodes behind the figures carry the filter the figures were
        # made with: a refused part left out, as it was from the figures.
        query_string=asked.without(problems).as_query_string(),
        display=display,
    )


@get("/api/statistics/outcomes", opt=MANAGER, dependencies=DASHBOARD_QUERY)
async def dashboard_json(
    request: Request[Any, Any, Any],
    asked: NamedDependency[DashboardQuery],
) -> dict[str, Any]:
    """The dashboard's figures as JSON: the same cells, suppressed cells as text only."""
    board = await build_dashboard(request, asked, with_charts=False)
    return {
        "today": board.today.isoformat(),
        "min_n": board.min_n,
        "filters": {
            "referred_from": _iso(board.filters.referred_from),
            "referred_to": _iso(board.filters.referred_to),
            "offer": board.filters.offer,
            "employer_id": board.filters.employer_id,
            "therapist_user_id": board.filters.therapist_user_id,
            "diagnosis": board.filters.diagnosis,
        },
        # How every volume figure below is computed (S1's variants), by code and in words.
        "volume_basis": {
            "basis": board.variant.basis.value,
            "hours": board.variant.hours.value,
            "text": board.volume_basis,
        },
        "tables": [table_json(table) for table in board.tables],
        # Added beside "tables" (which keeps its shape): the figures the page shows first,
        # and HSK's table by its own name (the "volume" table of "tables").
        "headline": None if board.headline is None else headline_json(board.headline),
        "hsk": table_json(hsk) if (hsk := board.table("volume")) else None,
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


TABLE_NAMES = (
    "trends",
    "volume",
    "resumption",
    "relapse",
    "follow_up",
    "waits",
    "resumption_time",
    "absence",
    "cost",
    "sessions",
    "caseload",
    "questionnaires",
    *ABSENCE_TABLE_KEYS,
)


@get("/statistics/outcomes.csv", opt=MANAGER, include_in_schema=False, dependencies=DASHBOARD_QUERY)
async def dashboard_csv(
    request: Request[Any, Any, Any],
    table: FromQuery[str],
    asked: NamedDependency[DashboardQuery],
) -> Response[str]:
    """One table of the dashboard as CSV (suppressed cells as "< 5")."""
    if table not in TABLE_NAMES:
        raise InvalidInput({"table": one_of(TABLE_NAMES)})
    board = await build_dashboard(request, asked, with_charts=False)
    found = next(t for t in board.tables if t.key == table)
    return Response(
        content=table_csv(found),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="outcomes-{table}.csv"'},
    )


@get("/statistics/outcomes.pdf", opt=MANAGER, include_in_schema=False, dependencies=DASHBOARD_QUERY)
async def dashboard_pdf(
    request: Request[Any, Any, Any],
    asked: NamedDependency[DashboardQuery],
) -> Response[bytes]:
    """The management report: every table and the chart, as PDF."""
    board, choices = await dashboard_and_choices(request, asked)
    title = _("Outcome statistics")
    settings: Settings = request.app.state.settings
    html = render_report_html(
        board,
        filter_summary(board.filters, choices),
        title,
        tz=settings.time_zone,
        locale=current_locale.get(),
    )
    pdf = await render_pdf_async(html, title=title)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="outcome-statistics.pdf"'},
    )


@get(
    "/statistics/outcomes.xlsx", opt=MANAGER, include_in_schema=False, dependencies=DASHBOARD_QUERY
)
async def dashboard_xlsx(
    request: Request[Any, Any, Any],
    asked: NamedDependency[DashboardQuery],
) -> Response[bytes]:
    """Every table as a sheet of one workbook, which Excel opens in Dutch as in English (a
    CSV's commas and decimal points it reads by the reader's locale)."""
    # The tables without their charts, which a sheet has no place for.
    board = await build_dashboard(request, asked, with_charts=False)
    choices = await filter_choices()
    settings: Settings = request.app.state.settings
    content = dashboard_workbook(
        board,
        filter_summary(board.filters, choices),
        _("Outcome statistics"),
        tz=settings.time_zone,
    )
    return Response(
        content=content,
        media_type=SPREADSHEET_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="outcome-statistics.xlsx"'},
    )


@get("/statistics/episodes", opt=MANAGER, include_in_schema=False)
async def episodes_page(
    request: Request[Any, Any, Any],
    referred_from: FromQuery[str | None] = None,
    referred_to: FromQuery[str | None] = None,
    offer: FromQuery[str | None] = None,
    employer_id: FromQuery[str | None] = None,
    therapist_user_id: FromQuery[str | None] = None,
    diagnosis: FromQuery[str | None] = None,
    page_number: FromQuery[int] = 1,
) -> Template | Redirect:
    """The episodes behind the figures (drill-down); the search is audited."""
    settings: Settings = request.app.state.settings
    query = query_of(referred_from, referred_to, offer, employer_id, therapist_user_id, diagnosis)
    filters = query.filters(today_in(settings.time_zone))
    if page_number < 1 or page_number > 100_000:
        raise InvalidInput({"page_number": "a page number from 1"})
    total, lines = await statistics.episode_list(
        filters,
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
        tz=settings.time_zone,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    if page_number > pages:
        # Past the end (an old link, a typed number): the last page, not "nothing matches"
        # beside a count of 195.
        last = f"page_number={pages}"
        rest = query.as_query_string()
        return Redirect(
            path=f"/statistics/episodes?{rest + '&' if rest else ''}{last}", status_code=303
        )
    await record_episode_search(actor_of(request))
    choices = await filter_choices()
    return page(
        request,
        "reporting/statistics/episodes.html",
        lines=lines,
        total=total,
        page_number=page_number,
        pages=pages,
        summary=filter_summary(filters, choices),
        query_string=query.as_query_string(),
        diagnosis_labels=DIAGNOSIS_CATEGORIES,
    )


@get(
    "/statistics/episodes/{episode_id:int}",
    opt=roles(Role.PRACTICE_MANAGER, need=Need.OVERVIEW_READ),
    include_in_schema=False,
)
async def episode_overview_page(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Template:
    """One episode behind the figures, as the practice manager may read it: the overview
    (status, dates, deadlines, team; `practice.access_policy` OVERVIEW_READ), in HTML.

    The client page is the therapist's; the manager's overview leaves out the medical parts,
    free-text reasons and contact details, and this page shows less still: no client name,
    which the figures never need. The read is audited by the query.
    """
    settings: Settings = request.app.state.settings
    actor = actor_of(request)
    today = today_in(settings.time_zone)
    detail = await episode_detail(actor, episode_id, today, settings.time_zone)
    return page(
        request,
        "reporting/statistics/episode.html",
        e=detail,
        open_tasks=[t for t in detail["tasks"] if t["done_on"] is None],
    )


# ---------------------------------------------------------------- routes: employer (S15)


async def _employer_months(
    request: Request[Any, Any, Any], month: str | None
) -> list[EmployerMonth]:
    """The published month (or the latest) of every employer this contact belongs to."""
    actor = actor_of(request)
    employers = None if actor.user_id is None else await contact_snapshots(actor.user_id)
    if not employers:
        raise NotFound("No employer is linked to this account.")
    try:
        chosen = month_param(month)
    except ValueError:
        raise InvalidInput({"month": "a month as YYYY-MM, e.g. 2026-11"}) from None
    return [employer_month(employer, chosen) for employer in employers]


@get("/api/employer/statistics", opt=EMPLOYER)
async def employer_statistics(
    request: Request[Any, Any, Any], month: FromQuery[str | None] = None
) -> dict[str, Any]:
    """S15 for the employer(s) this contact belongs to, as published for a month (the
    latest, or ``month=YYYY-MM``): non-medical aggregates of consenting employees only,
    never live counts (`reporting.statistics.snapshots`)."""
    definition = DEFINITIONS["S15"]
    return {
        "definition": {"title": _(definition.title), "text": _(definition.text)},
        "employers": [employer_month_json(view) for view in await _employer_months(request, month)],
    }


@get("/employer/statistics", opt=EMPLOYER, include_in_schema=False)
async def employer_statistics_page(
    request: Request[Any, Any, Any], month: FromQuery[str | None] = None
) -> Template:
    """The employer portal's statistics: the same snapshot as the JSON, dated, with the
    definition and why a cell is not shown; a month at a time."""
    return page(
        request,
        "reporting/employer/statistics.html",
        employers=await _employer_months(request, month),
        definition=DEFINITIONS["S15"],
        display=display,
        month_label=month_label,
    )


# ---------------------------------------------------------------- routes: questionnaires


Item = Annotated[str, msgspec.Meta(max_length=64)]


class QuestionnaireIn(msgspec.Struct, forbid_unknown_fields=True):
    instrument: Annotated[str, msgspec.Meta(max_length=32)]
    moment: Annotated[str, msgspec.Meta(max_length=16)]
    administered_on: date
    answers: Annotated[dict[Item, int], msgspec.Meta(max_length=200)]


class QuestionnaireOut(msgspec.Struct):
    id: int
    instrument: str
    total: int
    band: str
    band_label: str


@post("/api/episodes/{episode_id:int}/questionnaires", opt=THERAPIST)
async def post_questionnaire(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[QuestionnaireIn]
) -> QuestionnaireOut:
    """Record a completed PHQ-9, GAD-7, ...: scored automatically; incomplete → 400."""
    settings: Settings = request.app.state.settings
    actor = actor_of(request)
    today = today_in(settings.time_zone)
    await access_episode(actor, episode_id, today, write=True)
    recorded = await record_questionnaire(
        actor,
        episode_id=episode_id,
        instrument=data.instrument,
        moment=data.moment,
        administered_on=data.administered_on,
        answers=data.answers,
        today=today,
    )
    return QuestionnaireOut(
        id=recorded.id,
        instrument=data.instrument,
        total=recorded.total,
        band=recorded.band,
        band_label=_(recorded.band),
    )


@get("/api/episodes/{episode_id:int}/outcome-chart", opt=THERAPIST, include_in_schema=False)
async def outcome_chart(
    request: Request[Any, Any, Any], episode_id: FromPath[int]
) -> Response[str]:
    """One client's questionnaire totals and volume % over time, as SVG (read is audited)."""
    settings: Settings = request.app.state.settings
    actor = actor_of(request)
    client_id = await access_episode(actor, episode_id, today_in(settings.time_zone), write=False)
    series = await statistics.client_series(episode_id)
    await record_client_chart_read(actor, episode_id, client_id)
    svg = charts.client_chart(
        title=_("Scores and work resumption over time"),
        scores=series.scores,
        participation=series.participation,
        participation_label=_("work resumption (volume %)"),
        score_label=_("total score"),
    )
    return Response(content=svg, media_type="image/svg+xml")


router = Router(
    path="/",
    route_handlers=[
        dashboard_page,
        dashboard_json,
        dashboard_csv,
        dashboard_pdf,
        dashboard_xlsx,
        episodes_page,
        episode_overview_page,
        employer_statistics,
        employer_statistics_page,
        post_questionnaire,
        outcome_chart,
    ],
)
