"""The demo's capacity-advice loop: one client in treatment whose company doctor advised
fewer hours a week than the agreement about work resumption plans, so the conflict is open
on the therapist's task list and in the company doctor's inbox; the two of them consulted
once, and the later weeks over the advice are resolved with a note from it.

Deterministic: the first loaded episode in treatment with a company doctor and an agreement
with hours; written through the services, so the rules and the audit trail apply.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice import capacity as rules
from practice.audit.trail import Actor
from practice.composition.demo.plan import Calendar, EpisodePlan
from practice.queries.capacity import capacity_facts
from practice.services import capacity

_SETTLED = ("revised", "abandoned")


async def record_capacity_advice(
    actor: Actor,
    calendar: Calendar,
    loaded: Sequence[tuple[EpisodePlan, int]],
    *,
    today: date,
    tz: ZoneInfo,
) -> int | None:
    """The advice and the consultation of one case; its episode id, or None without one."""
    for plan, episode_id in loaded:
        agreements = [
            a
            for a in plan.agreements
            if a.hours is not None and a.status not in _SETTLED and a.day < 0
        ]
        if plan.status != "in_treatment" or plan.doctor is None or not agreements:
            continue
        agreement = agreements[0]
        assert agreement.hours is not None
        given = calendar.day(plan.referred)
        await capacity.record_capacity_advice(
            actor,
            episode_id=episode_id,
            given_on=given,
            hours_per_day=Decimal(4),
            hours_per_week=max(Decimal(2), agreement.hours - 4),
            task_limits="Geen klantcontact aan de balie; geen avond- of nachtdiensten",
            note="Opbouw in overleg met de behandelaar",
            today=today,
            tz=tz,
            tell=False,  # no mail about the past: the inbox shows the conflict
        )
        await capacity.record_consultation(
            actor,
            episode_id=episode_id,
            held_on=max(given, calendar.day(agreement.day)),
            participants="bedrijfsarts, behandelaar (telefonisch)",
            note="Slaapt beter; concentratie wisselend. Opbouw liever over vier weken spreiden.",
            today=today,
            tz=tz,
        )
        # The hours worked and later agreements over the advice were talked through in that
        # consultation: resolved with its note, so the first agreement stays the open one.
        facts = (await capacity_facts([episode_id]))[episode_id]
        talked = max(given, calendar.day(agreement.day))
        for conflict in rules.conflicts(facts, today)[1:]:
            await capacity.resolve_conflict(
                actor,
                episode_id=episode_id,
                conflict_key=conflict.key,
                note="Besproken in het overleg: tijdelijk meer uren, in overleg met de werkgever",
                resolved_on=min(today, max(conflict.on, talked)),
                today=today,
                tz=tz,
            )
        return episode_id
    return None
