"""Outcome monitoring as facts for the task list (issue 20): safety answers and each
instrument's change from the first to the latest score, judged by the reliable change index
of the instrument's own norms (``reporting.reliable_change``). The rules that act on them
are ``practice.task_rules._safety`` and ``_symptoms_not_on_track``.
"""

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from practice.platform.db import among
from practice.tasks import FactPatch, SafetySignal, SymptomCheck
from reporting.questionnaire_model import Questionnaire
from reporting.questionnaires import INSTRUMENTS, safety_hits
from reporting.reliable_change import Change, classify
from reporting.tables import QuestionnaireResponse


async def episode_facts(episode_ids: Sequence[int], tz: ZoneInfo) -> dict[int, FactPatch]:
    """Safety signals and symptom checks per episode, from its completed questionnaires."""
    if not episode_ids:
        return {}
    rows = (
        await QuestionnaireResponse.select(
            QuestionnaireResponse.id,
            QuestionnaireResponse.episode,
            QuestionnaireResponse.instrument,
            QuestionnaireResponse.administered_on,
            QuestionnaireResponse.answers,
            QuestionnaireResponse.total,
        )
        .where(among(QuestionnaireResponse.episode, episode_ids))
        .where(QuestionnaireResponse.complete.eq(True))
        .order_by(QuestionnaireResponse.administered_on)
        .order_by(QuestionnaireResponse.id)
        .output(load_json=True)
    )
    signals: dict[int, list[SafetySignal]] = {}
    series: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        questionnaire = INSTRUMENTS.get(row["instrument"])
        if questionnaire is None:  # an instrument a practice has since removed
            continue
        episode = int(row["episode"])
        answers = row["answers"] if isinstance(row["answers"], dict) else {}
        if safety_hits(questionnaire, answers):
            signal = SafetySignal(int(row["id"]), questionnaire.code, row["administered_on"])
            signals.setdefault(episode, []).append(signal)
        series.setdefault(episode, {}).setdefault(questionnaire.code, []).append(row)
    facts: dict[int, FactPatch] = {}
    for episode, by_instrument in series.items():
        facts[episode] = {
            "symptom_checks": tuple(
                _check(INSTRUMENTS[code], scores) for code, scores in sorted(by_instrument.items())
            ),
            "safety_signals": tuple(signals.get(episode, ())),
        }
    return facts


def _check(questionnaire: Questionnaire, scores: list[dict[str, Any]]) -> SymptomCheck:
    first, latest = scores[0], scores[-1]
    reliability = questionnaire.reliability
    improved = reliability is not None and (
        classify(
            first["total"],
            latest["total"],
            reliability,
            higher_is_better=questionnaire.higher_is_better,
        )
        is Change.IMPROVED
    )
    return SymptomCheck(
        instrument=questionnaire.code,
        first_on=first["administered_on"],
        first_total=int(first["total"]),
        latest_on=latest["administered_on"],
        latest_total=int(latest["total"]),
        improved=improved,
        reliable_points=None if reliability is None else reliability.reliable_points,
        improvable=_room_to_improve(questionnaire, int(first["total"])),
    )


def _room_to_improve(questionnaire: Questionnaire, first: int) -> bool:
    """Whether a reliable improvement is possible at all from the first score."""
    if questionnaire.reliability is None:
        return True
    room = (
        questionnaire.max_total - first
        if questionnaire.higher_is_better
        else first - (questionnaire.min_total)
    )
    return room >= questionnaire.reliability.reliable_points
