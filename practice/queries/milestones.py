"""The Poortwachter milestones of an episode's client, from the absences of the employment.

The rules are pure (``practice.absences`` counts the period, ``practice.poortwachter`` sets
the milestones on it); this module feeds them the stored absences. Every page that shows
milestones (the client page, the company doctor's inbox, the employer's view) gets them
from here, so the three never disagree about a date.
"""

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from practice.absences import aggregated_first_sick_day
from practice.platform.db import among
from practice.poortwachter import Milestone, milestones
from practice.tables import AbsenceEpisode, TreatmentEpisode
from practice.work_participation import AbsenceEpisode as Absence
from practice.work_participation import AbsenceType


def absences_of(rows: Iterable[Mapping[str, Any]]) -> list[Absence]:
    """Stored absence rows as the rules take them; a row the rules reject (a recovery on or
    before its first sick day, an unknown type) is left out rather than failing the page."""
    found = []
    for row in rows:
        try:
            found.append(
                Absence(
                    first_sick_day=row["first_sick_day"],
                    full_recovery_on=row["full_recovery_on"],
                    absence_type=AbsenceType(row["absence_type"]),
                )
            )
        except ValueError:
            continue
    return found


def period_milestones(absences: Sequence[Absence], today: date) -> list[Milestone]:
    """The milestones of the period of sickness running on ``today``; none when fit."""
    return milestones(aggregated_first_sick_day(absences, today), today)


def as_rows(found: Iterable[Milestone]) -> list[dict[str, Any]]:
    """Milestones as the pages and the JSON read them."""
    return [dataclasses.asdict(m) for m in found]


async def episodes_milestones(
    episode_ids: Sequence[int], today: date
) -> dict[int, list[Milestone]]:
    """Per episode, the milestones of its client's running period of sickness (one query
    for the episodes' employments, one for their absences)."""
    if not episode_ids:
        return {}
    episodes = await TreatmentEpisode.select(
        TreatmentEpisode.id, TreatmentEpisode.employment
    ).where(among(TreatmentEpisode.id, list(episode_ids)))
    employments = {int(e["id"]): e["employment"] for e in episodes}
    known = sorted({int(v) for v in employments.values() if v is not None})
    rows = (
        await AbsenceEpisode.select(
            AbsenceEpisode.employment,
            AbsenceEpisode.absence_type,
            AbsenceEpisode.first_sick_day,
            AbsenceEpisode.full_recovery_on,
        ).where(among(AbsenceEpisode.employment, known))
        if known
        else []
    )
    by_employment: dict[int, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_employment.setdefault(int(row["employment"]), []).append(row)
    return {
        episode_id: period_milestones(
            absences_of(by_employment.get(int(employment), [])) if employment else [], today
        )
        for episode_id, employment in employments.items()
    }
