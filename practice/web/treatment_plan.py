"""JSON API of what is agreed around the treatment: team handovers, goals, advice, aftercare.

The relapse-prevention plan, follow-ups and silenced deadline warnings live here too; none of
these doors moves the episode along its track (``practice.web.episodes`` does that).
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, post
from litestar.params import FromPath, JSONBody

from practice.services import case_team, treatment_plan
from practice.web.episode_common import (
    THERAPIST,
    Done,
    Text,
    clock,
    episode_writer,
    fields_of,
)


class HandoverIn(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    leaving_user_id: int
    successor_user_id: int
    on: date
    note: Text | None = None


class HandoverDone(msgspec.Struct):
    notify: list[str]


@post("/api/episodes/{episode_id:int}/handovers", opt=THERAPIST)
async def post_handover(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[HandoverIn]
) -> HandoverDone:
    """Hand a case-team role to a named successor; the leaver loses access that day."""
    actor = await episode_writer(request, episode_id)
    return HandoverDone(
        notify=await case_team.hand_over(
            actor,
            episode_id=episode_id,
            tz=request.app.state.settings.time_zone,
            **fields_of(data),
        )
    )


class GoalIn(msgspec.Struct, forbid_unknown_fields=True):
    description: Text
    set_on: date
    easy_first_goal: bool = False


@post("/api/episodes/{episode_id:int}/work-goals", opt=THERAPIST)
async def post_goal(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[GoalIn]
) -> Done:
    """A goal from the @Work gesprek, e.g. an easy first goal: a weekly call with the manager."""
    actor = await episode_writer(request, episode_id)
    return Done(
        id=await treatment_plan.add_work_goal(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


class AchievementIn(msgspec.Struct, forbid_unknown_fields=True):
    achieved_on: date


@post(
    "/api/episodes/{episode_id:int}/work-goals/{goal_id:int}/achievement",
    opt=THERAPIST,
    status_code=200,
)
async def post_goal_achievement(
    request: Request[Any, Any, Any],
    episode_id: FromPath[int],
    goal_id: FromPath[int],
    data: JSONBody[AchievementIn],
) -> Done:
    """Mark a work goal achieved (again: correct the date); not before it was set, not ahead."""
    actor = await episode_writer(request, episode_id)
    await treatment_plan.mark_goal_achieved(
        actor,
        episode_id=episode_id,
        goal_id=goal_id,
        achieved_on=data.achieved_on,
        **clock(request),
    )
    return Done()


class AdviceIn(msgspec.Struct, forbid_unknown_fields=True):
    author_role: str
    given_on: date
    content: Text
    conflicts_with_other_advice: bool = False
    conflict_note: Text | None = None
    hours_per_day: Decimal | None = None
    hours_per_week: Decimal | None = None
    task_limits: Text | None = None
    valid_until: date | None = None


@post("/api/episodes/{episode_id:int}/advice", opt=THERAPIST)
async def post_advice(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[AdviceIn]
) -> Done:
    """Advice of a party (capacity advice, treatment advice) with a conflict flag."""
    actor = await episode_writer(request, episode_id)
    return Done(
        id=await treatment_plan.record_advice(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


class RelapsePlanIn(msgspec.Struct, forbid_unknown_fields=True):
    drawn_up_on: date
    warning_signs: Text
    actions: Text
    work_situation: Text
    share_work_section_with_employer: bool = False


@post("/api/episodes/{episode_id:int}/relapse-prevention-plan", opt=THERAPIST, status_code=200)
async def post_relapse_plan(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[RelapsePlanIn]
) -> Done:
    """The relapse-prevention plan drawn up at the end of treatment."""
    actor = await episode_writer(request, episode_id)
    await treatment_plan.record_relapse_prevention_plan(
        actor, episode_id=episode_id, **fields_of(data), **clock(request)
    )
    return Done()


class FollowUpIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    held_on: date
    response: str
    relapse: bool | None = None
    complaint_score: int | None = None


@post("/api/episodes/{episode_id:int}/follow-ups", opt=THERAPIST)
async def post_follow_up(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[FollowUpIn]
) -> Done:
    """A follow-up conversation or measurement (done, unreachable or declined)."""
    actor = await episode_writer(request, episode_id)
    return Done(
        id=await treatment_plan.record_follow_up(
            actor, episode_id=episode_id, **fields_of(data), **clock(request)
        )
    )


class OverrideIn(msgspec.Struct, forbid_unknown_fields=True):
    task_key: Annotated[str, msgspec.Meta(max_length=64)]
    reason: Text


@post("/api/episodes/{episode_id:int}/task-overrides", opt=THERAPIST, status_code=200)
async def post_override(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: JSONBody[OverrideIn]
) -> Done:
    """Silence a deadline warning with a reason (never a block)."""
    actor = await episode_writer(request, episode_id)
    await treatment_plan.override_task(actor, episode_id=episode_id, **fields_of(data))
    return Done()


router = Router(
    path="/",
    route_handlers=[
        post_handover,
        post_goal,
        post_goal_achievement,
        post_advice,
        post_relapse_plan,
        post_follow_up,
        post_override,
    ],
)
