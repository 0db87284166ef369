"""Use case: record a completed questionnaire (PHQ-9, GAD-7, ...) with its score.

Scoring is `reporting.questionnaires.score`: an incomplete form is refused, never scored as
if the missing items were 0, and every offending item is named so the form can mark them.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

from practice import timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import InvalidInput, NotFound, one_of
from practice.platform.db import among, write_tx
from practice.platform.i18n import N_
from practice.tables import TreatmentEpisode
from reporting.questionnaire_model import Questionnaire
from reporting.questionnaires import INSTRUMENTS, IncompleteQuestionnaire, InvalidAnswer, score
from reporting.tables import QuestionnaireResponse

PURPOSE = "treatment"
MOMENTS = ("screening", "interim", "end", "follow_up")
NO_ANSWER = N_("Choose an answer.")
NOT_AN_OPTION = N_("Choose one of the answers.")
NOT_AN_ITEM = N_("This is not a question of the questionnaire.")
IN_THE_FUTURE = N_("This date is in the future.")


class Recorded(NamedTuple):
    id: int
    total: int
    band: str  # the band's English message id, e.g. "moderate"


def _problems(instrument: str, moment: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if instrument not in INSTRUMENTS:
        problems["instrument"] = one_of(sorted(INSTRUMENTS))
    if moment not in MOMENTS:
        problems["moment"] = one_of(MOMENTS)
    return problems


def _scored(questionnaire: Questionnaire, answers: Mapping[str, int]) -> tuple[int, str]:
    try:
        result = score(questionnaire, answers)
    except IncompleteQuestionnaire as error:
        raise InvalidInput({f"answers.{item}": NO_ANSWER for item in error.missing}) from error
    except InvalidAnswer as error:
        raise InvalidInput(
            {
                f"answers.{item}": (
                    NOT_AN_OPTION if item in {i.id for i in questionnaire.items} else NOT_AN_ITEM
                )
                for item in error.items
            }
        ) from error
    return result.total, result.band_label


async def record_questionnaire(
    actor: Actor,
    *,
    episode_id: int,
    instrument: str,
    moment: str,
    administered_on: date,
    answers: Mapping[str, int],
    today: date | None = None,
) -> Recorded:
    """Score and store one completed questionnaire; the access check is the caller's."""
    problems = _problems(instrument, moment)
    if today is not None and administered_on > today:
        problems["administered_on"] = IN_THE_FUTURE
    elif today is not None:
        # One of 1900 was taken and became the client's baseline score.
        problems |= timeline.not_before(
            "administered_on", administered_on, timeline.earliest_referral(today)
        )
    if problems:
        raise InvalidInput(problems)
    total, band = _scored(INSTRUMENTS[instrument], answers)
    async with write_tx():
        episode = (
            await TreatmentEpisode.select(TreatmentEpisode.client)
            .where(TreatmentEpisode.id == episode_id)
            .first()
        )
        if episode is None:
            raise NotFound("No such episode.")
        rows = await QuestionnaireResponse.insert(
            QuestionnaireResponse(
                episode=episode_id,
                instrument=instrument,
                moment=moment,
                administered_on=administered_on,
                answers=dict(answers),
                total=total,
                band=band,
                complete=True,
            )
        ).returning(QuestionnaireResponse.id)
        response_id = int(rows[0]["id"])
        await audit.record(
            actor,
            Action.CREATE,
            "questionnaire_response",
            response_id,
            purpose=PURPOSE,
            client_id=int(episode["client"]),
        )
    return Recorded(response_id, total, band)


class Completed(NamedTuple):
    """One completed questionnaire of a batch (``record_questionnaires``)."""

    episode_id: int
    instrument: str
    moment: str
    administered_on: date
    answers: Mapping[str, int]


async def record_questionnaires(actor: Actor, responses: Sequence[Completed]) -> int:
    """Score and store many completed questionnaires at once, with the same rules as
    ``record_questionnaire`` (a practice's history loaded afterwards: the demo's hundreds
    would cost a transaction and an audit statement each). One transaction, one audit
    statement; every response is checked before anything is written. Returns the count."""
    rows: list[QuestionnaireResponse] = []
    for response in responses:
        problems = _problems(response.instrument, response.moment)
        if problems:
            raise InvalidInput(problems)
        total, band = _scored(INSTRUMENTS[response.instrument], response.answers)
        rows.append(
            QuestionnaireResponse(
                episode=response.episode_id,
                instrument=response.instrument,
                moment=response.moment,
                administered_on=response.administered_on,
                answers=dict(response.answers),
                total=total,
                band=band,
                complete=True,
            )
        )
    if not rows:
        return 0
    episode_ids = sorted({response.episode_id for response in responses})
    async with write_tx():
        clients = {
            int(e["id"]): int(e["client"])
            for e in await TreatmentEpisode.select(
                TreatmentEpisode.id, TreatmentEpisode.client
            ).where(among(TreatmentEpisode.id, episode_ids))
        }
        missing = set(episode_ids) - clients.keys()
        if missing:
            raise NotFound("No such episode.")
        stored = await QuestionnaireResponse.insert(*rows).returning(
            QuestionnaireResponse.id, QuestionnaireResponse.episode
        )
        await audit.record_many(
            actor,
            Action.CREATE,
            "questionnaire_response",
            [(int(r["id"]), clients[int(r["episode"])]) for r in stored],
            purpose=PURPOSE,
        )
    return len(stored)
