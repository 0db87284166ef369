"""Reads behind the client page's measurements: the questionnaires an episode's client
completed, with their scores, and the instruments a therapist can record.

Scores are medical: only a reader of the whole record (``Need.RECORD_READ``) sees them.
"""

from datetime import date
from typing import Any

from practice.access_policy import Need
from practice.audit.trail import Actor
from practice.queries.access import authorize_read
from reporting.questionnaires import INSTRUMENTS, changes_since_first, safety_hits
from reporting.tables import QuestionnaireResponse


async def questionnaire_scores(actor: Actor, episode_id: int, today: date) -> list[dict[str, Any]]:
    """The episode's completed questionnaires, oldest first: date, instrument, moment, total
    and band (a message id). Nothing for a reader of the overview only."""
    _, level = await authorize_read(actor, episode_id, today)
    if level is not Need.RECORD_READ:
        return []
    rows = (
        await QuestionnaireResponse.select(
            QuestionnaireResponse.id,
            QuestionnaireResponse.instrument,
            QuestionnaireResponse.moment,
            QuestionnaireResponse.administered_on,
            QuestionnaireResponse.total,
            QuestionnaireResponse.band,
            QuestionnaireResponse.answers,
        )
        .where(QuestionnaireResponse.episode == episode_id)
        .order_by(QuestionnaireResponse.administered_on)
        .order_by(QuestionnaireResponse.id)
        .output(load_json=True)
    )
    scored = [(str(r["instrument"]), r["total"]) for r in rows if r["total"] is not None]
    changes = iter(changes_since_first(scored))
    for row in rows:
        known = INSTRUMENTS.get(str(row["instrument"]))
        row["max_total"] = known.max_total if known else None
        change = next(changes) if row["total"] is not None else None
        row["change"] = None if change is None else change.value
        answers = row.pop("answers")
        # The therapist's eyes only: this list is the record readers' (checked above).
        row["safety"] = bool(known and isinstance(answers, dict) and safety_hits(known, answers))
    return rows
