"""The demo's setbacks (terugval): three clients in treatment had one, each of another kind
and with the therapist's note, halfway between their start of treatment and today, so the
work section and the timeline show them as a practice records them.

Deterministic: the first loaded episodes in treatment with held sessions; written through
the service, so the timeline rules and the audit trail apply.
"""

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from practice.audit.trail import Actor
from practice.composition.demo.plan import Calendar, EpisodePlan
from practice.services import setbacks
from practice.setbacks import SetbackKind

_SETBACKS = (
    (
        SetbackKind.MORE_ABSENCE,
        "Na twee weken halve dagen weer volledig ziek gemeld; paniekklachten rond het werkoverleg.",
    ),
    (
        SetbackKind.LIFE_EVENT,
        "Moeder opgenomen in het ziekenhuis; slaapt slecht, piekert meer. Opbouw even vastgezet.",
    ),
    (
        SetbackKind.FEWER_HOURS,
        "Terug van 16 naar 8 uur na een reorganisatiebericht; somberheid nam toe (PHQ-9 hoger).",
    ),
)


async def record_setbacks(
    actor: Actor,
    calendar: Calendar,
    loaded: Sequence[tuple[EpisodePlan, int]],
    *,
    today: date,
    tz: ZoneInfo,
) -> list[int]:
    """One setback on each of the first few treated episodes; their episode ids."""
    treated = [
        (plan, episode_id)
        for plan, episode_id in loaded
        if plan.status == "in_treatment" and plan.started is not None and plan.held
    ]
    done = []
    for (plan, episode_id), (kind, note) in zip(treated, _SETBACKS, strict=False):
        assert plan.started is not None
        day = calendar.day(plan.started // 2) if plan.started < -1 else today
        await setbacks.record_setback(
            actor,
            episode_id=episode_id,
            occurred_on=min(day, today),
            kind=kind.value,
            medical_note=note,
            today=today,
            tz=tz,
        )
        done.append(episode_id)
    return done
