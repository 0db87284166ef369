"""The therapist's pages of an episode: the client page, the referral form, their form posts.

The client page shows both tracks of the clinical core; scheduling and reporting add their
sections (sessions, reports) through ``register_episode_section`` at start-up
(``practice.composition.wiring``), so this module never imports them. Each form posts the same
request type as its JSON door (``practice.web.forms``) and, done, goes back to the page
(post/redirect/get: reloading never posts twice).
"""

import inspect
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from practice.access_policy import Need, decide
from practice.accounts import Role
from practice.break_glass import MONITOR_DAYS
from practice.client_accounts import REVIEW_CHOICE_LABELS
from practice.consent import PURPOSES_OF, Recipient
from practice.episodes import EpisodeStatus, Offer, gates
from practice.errors import Conflict, DomainError, InvalidInput
from practice.queries import access, timeline
from practice.queries import break_glass as break_glass_queries
from practice.queries import case_team as team_queries
from practice.queries import caseload as caseload_queries
from practice.queries import consents as consent_queries
from practice.queries import episode_detail as detail_queries
from practice.queries import parties as party_queries
from practice.queries.employer_text import refused_words
from practice.queries.episodes import access_episode
from practice.queries.timeline import SummaryFact, TimelineEvent
from practice.screening import COMPLAINT_INSTRUMENTS, DIAGNOSIS_CATEGORIES, Proposal
from practice.services import (
    case_team,
    client_accounts,
    consents,
    episodes,
    referrals,
    treatment_plan,
)
from practice.services import work as work_services
from practice.web import episode_sections as sections
from practice.web.auth import roles
from practice.web.episode_common import (
    THERAPIST,
    clock,
    episode_writer,
    fields_of,
    request_context,
)
from practice.web.episode_sections import DEFAULT_SECTION, back_to_episode
from practice.web.episodes import (
    ConsultationIn,
    OfferIn,
    OutcomeIn,
    PlanIn,
    ReferralIn,
    ScreeningIn,
    ScreeningPlanIn,
    TransitionIn,
)
from practice.web.errors import invalid_status
from practice.web.forms import FormData, FormState, form_struct, refused
from practice.web.parties import ClientIn
from practice.web.portal import page
from practice.web.treatment_plan import (
    AchievementIn,
    AdviceIn,
    FollowUpIn,
    GoalIn,
    HandoverIn,
    OverrideIn,
    RelapsePlanIn,
)
from practice.web.work import (
    AgreementIn,
    AgreementStatusIn,
    ConsentIn,
    ContractIn,
    ParticipationIn,
    WithdrawalFormIn,
    withdraw_confirmed,
)
from practice.work_participation import AbsenceType

# Open tasks come most urgent first; a neglected record can hold hundreds (one per owed
# report and update), so the page names the first ones and links to the rest (P-2).
OPEN_TASKS_SHOWN = 20
# The timeline of a long treatment holds hundreds of events; the newest ones first.
TIMELINE_SHOWN = 60


# ---------------------------------------------------------------- the client page


@get("/episodes/{episode_id:int}", opt=THERAPIST, include_in_schema=False)
async def episode_page(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    section: FromQuery[str] = DEFAULT_SECTION,
    everything: FromQuery[bool] = False,
) -> Template:
    """One client: the summary header, then one section of the record (``?section=``).

    ``?everything=true`` lists every open task, session and report; by default the most
    urgent tasks and the latest sessions and reports."""
    return await render_episode(request, episode_id, section, everything=everything)


async def render_episode(
    request: Request[Any, Any, Any],
    episode_id: int,
    section: str,
    *,
    everything: bool = False,
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    """The client page at a section; after a refused form, with that form's problems."""
    actor, today, settings = request_context(request)
    tz = settings.time_zone
    detail = await detail_queries.episode_detail(actor, episode_id, today, tz)
    open_tasks = [t for t in detail["tasks"] if t["done_on"] is None]
    client_id = int(detail["client"]["id"])
    # Read-only when the viewer may read but not write: no therapist seat today, only a
    # break-glass opening (practice.access_policy). The forms are left out then; the doors
    # behind them refuse anyway.
    held = await access.relation(actor.user_id, episode_id, today, role=actor.role)
    read_only = actor.role is None or not decide(actor.role, Need.RECORD_WRITE, held)
    glass = (
        await break_glass_queries.opened_today(actor.user_id, episode_id, today)
        if read_only
        else None
    )
    shown = sections.tab(section)
    section_data = (
        await shown.section.load(actor, episode_id, client_id, today, tz, everything)
        if shown.section is not None
        else {}
    )
    summary: list[SummaryFact] = []
    for source in sections.summary_sources():
        summary.extend(await source(actor, episode_id, today, tz))
    events: list[TimelineEvent] = []
    limit = None if everything else TIMELINE_SHOWN
    more = False
    if shown.name == DEFAULT_SECTION:
        events = timeline.own_events(detail)
        for timeline_source in sections.timeline_sources():
            found = await timeline_source(actor, episode_id, today, tz, limit)
            more = more or (limit is not None and len(found) >= limit)
            events.extend(found)
    ordered = timeline.in_order(events, tz)
    # Who may take over a seat of the case team (the overview's handover forms).
    successors = (
        await team_queries.successor_choices(int(detail["employer_id"]))
        if shown.name == DEFAULT_SECTION and not read_only
        else {}
    )
    # The consents section shows every consent ever recorded and where each stands now.
    consent_history = (
        await consent_queries.consent_history(client_id, datetime.now(tz))
        if shown.name == "consents"
        else None
    )
    # The client's own account (the portal's invitation), shown beside the consents.
    client_account = (
        await client_accounts.account_of(client_id) if shown.name == "consents" else None
    )
    return page(
        request,
        "practice/episode.html",
        status=status,
        e=detail,
        # Which forms the state machine allows now (practice.episodes.gates).
        can=gates(EpisodeStatus(detail["status"])),
        today=today,
        read_only=read_only,
        glass=glass,
        tabs=sections.tabs(),
        shown=shown,
        section=section_data,
        summary=summary,
        weeks_absent=timeline.weeks_since(detail["referral"]["first_sick_day"], today),
        timeline=ordered if limit is None else ordered[:limit],
        timeline_more=more or (limit is not None and len(ordered) > limit),
        successors=successors,
        consent_history=consent_history,
        consent_purposes={r.value: [p.value for p in PURPOSES_OF[r]] for r in Recipient},
        client_account=client_account,
        review_choices=REVIEW_CHOICE_LABELS,
        # Which words of a stored employer text the guard refuses now (withheld from the
        # employer): shown beside the text, so the therapist rephrases it.
        refused_words=refused_words,
        form_state=form_state or FormState(),
        open_tasks=open_tasks if everything else open_tasks[:OPEN_TASKS_SHOWN],
        open_task_count=len(open_tasks),
        overdue_count=sum(1 for t in open_tasks if t["overdue"]),
        contacts=await party_queries.employer_contacts(int(detail["employer_id"])),
        diagnoses=DIAGNOSIS_CATEGORIES,
        instruments=COMPLAINT_INSTRUMENTS,
        proposals=[p.value for p in Proposal],
        participation_sources=work_services.SOURCES,
        participation_moments=work_services.MOMENTS,
        follow_up_kinds=treatment_plan.FOLLOW_UP_KINDS,
        follow_up_responses=treatment_plan.FOLLOW_UP_RESPONSES,
    )


async def refused_on_episode(
    request: Request[Any, Any, Any],
    episode_id: int,
    section: str,
    data: dict[str, Any],
    exc: DomainError,
) -> Template:
    """A form of the client page that was refused: the section again, the typed values kept
    and each problem next to its field (400), or the conflict above the form (409)."""
    action = request.url.path
    if isinstance(exc, InvalidInput):
        state, status = refused(action, data, exc.fields), invalid_status(exc)
    elif isinstance(exc, Conflict):
        state, status = refused(action, data, {}, exc.message), HTTP_409_CONFLICT
    else:
        raise exc
    return await render_episode(request, episode_id, section, form_state=state, status=status)


EpisodeService = Callable[..., Awaitable[object]]


def episode_form(
    path: str, request_type: type[msgspec.Struct], service: EpisodeService, section: str
) -> Any:
    """The door of one form on the client page: the therapist of record (404 otherwise)
    posts ``request_type``; ``service(actor, episode_id=…, **fields)`` does the work; back to
    ``section``, or the section again with the problems when refused."""

    # A service that checks dates against the episode's timeline takes today and the zone.
    wants_clock = "today" in inspect.signature(service).parameters
    # A service that may make work due at once (a report's draft) queues it after commit.
    wants_queue = "queue" in inspect.signature(service).parameters

    async def handler(
        request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
    ) -> Redirect | Template:
        actor = await episode_writer(request, episode_id)
        # A form on one row (an agreement, an absence, a consent) names it in its path.
        ids = {k: int(v) for k, v in request.path_params.items() if k != "episode_id"}
        try:
            fields = fields_of(form_struct(request_type, data))
            when = clock(request) if wants_clock else {}
            queue = {"queue": request.app.state.queue} if wants_queue else {}
            await service(actor, episode_id=episode_id, **ids, **fields, **when, **queue)
        except (InvalidInput, Conflict) as exc:
            return await refused_on_episode(request, episode_id, section, data, exc)
        return back_to_episode(episode_id, section)

    name = "_".join(re.findall(r"[a-z]+", re.sub(r"\{[^}]*\}", "", path)))
    handler.__name__ = handler.__qualname__ = f"post_{name}_form"
    return post(f"/episodes/{{episode_id:int}}{path}", opt=THERAPIST, include_in_schema=False)(
        handler
    )


# The client page's forms, in the order of the flow.
EPISODE_FORMS = [
    episode_form("/screening-plan", ScreeningPlanIn, episodes.plan_screening, "intake"),
    episode_form("/screening", ScreeningIn, episodes.record_screening, "intake"),
    episode_form(
        "/manager-consultations", ConsultationIn, episodes.record_manager_consultation, "intake"
    ),
    episode_form("/offer", OfferIn, episodes.change_offer, "intake"),
    episode_form("/referral-outcome", OutcomeIn, referrals.record_referral_outcome, "intake"),
    episode_form("/transitions", TransitionIn, episodes.transition, "overview"),
    episode_form("/task-overrides", OverrideIn, treatment_plan.override_task, "overview"),
    episode_form("/work-goals", GoalIn, treatment_plan.add_work_goal, "plan"),
    episode_form(
        "/work-goals/{goal_id:int}/achievement",
        AchievementIn,
        treatment_plan.mark_goal_achieved,
        "plan",
    ),
    episode_form("/advice", AdviceIn, treatment_plan.record_advice, "plan"),
    # PATCH /api/episodes/{id}/plan: a form can only POST.
    episode_form("/plan", PlanIn, episodes.update_plan, "plan"),
    episode_form("/agreements", AgreementIn, work_services.record_agreement, "work"),
    episode_form(
        "/work-participation", ParticipationIn, work_services.record_participation, "work"
    ),
    episode_form(
        "/agreements/{agreement_id:int}",
        AgreementStatusIn,
        work_services.update_agreement_status,
        "work",
    ),
    episode_form("/contract-hours", ContractIn, work_services.change_contract_hours, "work"),
    # The absence record's forms are practice.web.absences' (the company doctor's too).
    episode_form(
        "/consents/{consent_id:int}/withdrawal", WithdrawalFormIn, withdraw_confirmed, "consents"
    ),
    episode_form(
        "/relapse-prevention-plan",
        RelapsePlanIn,
        treatment_plan.record_relapse_prevention_plan,
        "end",
    ),
    episode_form("/follow-ups", FollowUpIn, treatment_plan.record_follow_up, "end"),
]


@post("/episodes/{episode_id:int}/consents", opt=THERAPIST, include_in_schema=False)
async def record_consent(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Redirect | Template:
    actor, today, settings = request_context(request)
    client_id = await access_episode(actor, episode_id, today, write=True)
    try:
        form = form_struct(ConsentIn, data, tz=settings.time_zone)
        await consents.give_consent(actor, client_id=client_id, **fields_of(form))
    except (InvalidInput, Conflict) as exc:
        return await refused_on_episode(request, episode_id, "consents", data, exc)
    return back_to_episode(episode_id, "consents")


@post("/episodes/{episode_id:int}/handovers", opt=THERAPIST, include_in_schema=False)
async def hand_over_seat(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """A seat of the case team to a named successor (the JSON door's type): the leaver is on
    the case until the day before, the rest of the team is told who their new contact is."""
    actor = await episode_writer(request, episode_id)
    _, today, settings = request_context(request)
    try:
        form = form_struct(HandoverIn, data)
        await case_team.hand_over(
            actor, episode_id=episode_id, tz=settings.time_zone, **fields_of(form)
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_episode(request, episode_id, DEFAULT_SECTION, data, exc)
    if form.role == "therapist" and form.leaving_user_id == actor.user_id and form.on <= today:
        # The therapist handed their own seat over as of today: the case is no longer theirs.
        return Redirect(path="/caseload", status_code=303)
    return back_to_episode(episode_id, DEFAULT_SECTION)


# ---------------------------------------------------------------- the referral form

REFERRAL_FORM = "practice/referral-form.html"


@get("/referrals/new", opt=THERAPIST, include_in_schema=False)
async def referral_form(request: Request[Any, Any, Any]) -> Template:
    """A new aanmelding: the client, their employer and contract, who referred them."""
    return await _referral_page(request)


async def _referral_page(
    request: Request[Any, Any, Any],
    form_state: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    _, today, _ = request_context(request)
    return page(
        request,
        REFERRAL_FORM,
        status=status,
        today=today,
        form_state=form_state or FormState(),
        choices=await party_queries.referral_choices(),
        referrer_types=referrals.REFERRER_TYPES,
        offers=[o.value for o in Offer],
        absence_statuses=[a.value for a in AbsenceType],
    )


_CLIENT_FIELDS = frozenset(ClientIn.__struct_fields__)


@post("/referrals", opt=THERAPIST, include_in_schema=False)
async def register_referral(request: Request[Any, Any, Any], data: FormData) -> Redirect | Template:
    """Client and referral together: both are written or neither (one transaction). A
    refused form comes back with what was typed and each problem next to its field."""
    try:
        return await _register_referral(request, data)
    except InvalidInput as exc:
        state = refused("/referrals", data, exc.fields)
        return await _referral_page(request, state, HTTP_400_BAD_REQUEST)


async def _register_referral(request: Request[Any, Any, Any], data: FormData) -> Redirect:
    actor, today, settings = request_context(request)
    client_part = {k: v for k, v in data.items() if k in _CLIENT_FIELDS}
    referral_part = {k: v for k, v in data.items() if k not in _CLIENT_FIELDS}
    problems: dict[str, str] = {}
    client = referral = None
    try:
        client = form_struct(ClientIn, client_part)
    except InvalidInput as exc:
        problems.update(exc.fields)
    try:
        # the client does not exist yet: 0 stands in for its id until it does
        referral = form_struct(ReferralIn, referral_part, tz=settings.time_zone, client_id=0)
    except InvalidInput as exc:
        problems.update(exc.fields)
    if problems or client is None or referral is None:
        raise InvalidInput(problems)
    referral_fields = fields_of(referral)
    referral_fields.pop("client_id")
    referral_fields["therapist_user_id"] = referral_fields["therapist_user_id"] or actor.user_id
    _, episode_id = await referrals.refer_new_client(
        actor, today=today, client=fields_of(client), referral=referral_fields
    )
    return back_to_episode(episode_id)


# ---------------------------------------------------------------- the practice manager's monitor


@get("/monitor", opt=roles(Role.PRACTICE_MANAGER), include_in_schema=False)
async def monitor_page(
    request: Request[Any, Any, Any],
    therapist: FromQuery[str | None] = None,
    overdue: FromQuery[bool] = False,
) -> Template:
    """Deadlines across therapists (overdue first), each therapist's free capacity, and the
    break-glass events of the last days (who opened which record without a seat, and why).
    ``?therapist=`` (a name as the capacity table lists it) and ``?overdue=true`` narrow the
    deadlines: a practice's list runs to hundreds."""
    actor, today, settings = request_context(request)
    capacity = await caseload_queries.therapist_capacity(today)
    names = [str(t["name"]) for t in capacity]
    chosen = therapist if therapist in names else None
    rows = await caseload_queries.deadline_monitor(
        actor, today, settings.time_zone, therapist=chosen, overdue_only=overdue
    )
    return page(
        request,
        "practice/monitor.html",
        rows=rows,
        therapists=names,
        chosen={"therapist": chosen, "overdue": overdue},
        capacity=capacity,
        break_glass=await break_glass_queries.recent(actor, today),
        break_glass_days=MONITOR_DAYS,
    )


router = Router(
    path="/",
    route_handlers=[
        episode_page,
        *EPISODE_FORMS,
        record_consent,
        hand_over_seat,
        referral_form,
        register_referral,
        monitor_page,
    ],
)
