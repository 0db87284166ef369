"""The client page's measurements: the questionnaires (PHQ-9, GAD-7, …) with their scores,
and the form to record one, posting what the JSON door takes
(``reporting.statistics.web.QuestionnaireIn``).

Registered as the section "measurements" by the composition root (practice never imports
reporting). A browser posts each answer as ``answers.<item id>``; they are gathered into the
request type's ``answers``. A refused form shows the section again: every answer kept and
each unanswered question marked.
"""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Router, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from practice.audit.trail import Actor
from practice.errors import Conflict, InvalidInput
from practice.web.episode_common import THERAPIST, episode_writer, request_context
from practice.web.episode_page import refused_on_episode
from practice.web.episode_sections import EpisodeSection, back_to_episode
from practice.web.forms import FormData, flat, form_struct, problem_of
from reporting.questionnaires import INSTRUMENTS
from reporting.services.questionnaires import MOMENTS, record_questionnaire
from reporting.statistics.measurements import questionnaire_scores
from reporting.statistics.web import QuestionnaireIn

SECTION_NAME = "measurements"
ANSWER = "answers."


async def measurements_section(
    actor: Actor, episode_id: int, client_id: int, today: date, tz: ZoneInfo, everything: bool
) -> dict[str, Any]:
    """The scores so far (medical: the record's readers only) and what can be recorded."""
    return {
        "scores": await questionnaire_scores(actor, episode_id, today),
        "instruments": list(INSTRUMENTS.values()),
        "moments": MOMENTS,
    }


SECTION = EpisodeSection("reporting/statistics/measurements.html", measurements_section)


def questionnaire_of(data: FormData) -> QuestionnaireIn:
    """The request type from the posted form: ``answers.<item>`` fields become ``answers``."""
    values = flat(data)
    answers = {k.removeprefix(ANSWER): v for k, v in values.items() if k.startswith(ANSWER)}
    # An answer is a whole number; "1,5" is named beside its question (as one dict, the
    # request type would name only "answers", which no field of the form is).
    fractional = {
        ANSWER + item: problem_of("Expected `int`")
        for item, value in answers.items()
        if value.strip() and not value.strip().lstrip("-").isdigit()
    }
    if fractional:
        raise InvalidInput(fractional)
    fields: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith(ANSWER)}
    return form_struct(QuestionnaireIn, {**fields, "answers": answers})


@post("/episodes/{episode_id:int}/questionnaires", opt=THERAPIST, include_in_schema=False)
async def record_from_page(
    request: Request[Any, Any, Any], episode_id: FromPath[int], data: FormData
) -> Redirect | Template:
    """A completed questionnaire from the client page: scored, then back to the scores."""
    actor = await episode_writer(request, episode_id)
    _, today, _ = request_context(request)
    try:
        form = questionnaire_of(data)
        await record_questionnaire(
            actor,
            episode_id=episode_id,
            instrument=form.instrument,
            moment=form.moment,
            administered_on=form.administered_on,
            answers=form.answers,
            today=today,
        )
    except (InvalidInput, Conflict) as exc:
        return await refused_on_episode(request, episode_id, SECTION_NAME, data, exc)
    return back_to_episode(episode_id, SECTION_NAME)


router = Router(path="/", route_handlers=[record_from_page])
