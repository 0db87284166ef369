"""The absence record of an employment as the pages and the JSON read it.

Each absence carries the law's period it belongs to (``practice.absences``: absences less
than four weeks apart are one period) with that period's aggregated first sick day, so the
page can say which absences are counted together and from which day the 104 weeks run.
The cause is medical: it is in the rows only when the caller asks for it (``with_cause``),
which the record's readers (the therapist, the company doctor) do and an overview never does.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from practice.absences import SicknessPeriod, sickness_periods
from practice.access_policy import Need
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from practice.queries.access import authorize
from practice.tables import AbsenceEpisode, LeavePeriod, TreatmentEpisode
from practice.work_participation import AbsenceEpisode as Absence
from practice.work_participation import AbsenceType

_COLUMNS = (
    AbsenceEpisode.id,
    AbsenceEpisode.absence_type,
    AbsenceEpisode.first_sick_day,
    AbsenceEpisode.reported_on,
    AbsenceEpisode.reported_to,
    AbsenceEpisode.manager_informed_on,
    AbsenceEpisode.partial_recovery_on,
    AbsenceEpisode.full_recovery_on,
    AbsenceEpisode.previous,
    AbsenceEpisode.link_kind,
)
PURPOSE = "treatment"


def _rule(row: Mapping[str, Any]) -> Absence | None:
    """A stored row as the rules take it; None for a row they reject (odd old data)."""
    try:
        return Absence(
            row["first_sick_day"], row["full_recovery_on"], AbsenceType(row["absence_type"])
        )
    except ValueError:
        return None


def _period_json(period: SicknessPeriod, today: date) -> dict[str, Any]:
    return {
        "first_sick_day": period.first_sick_day,
        "aggregated_first_sick_day": period.aggregated_first_sick_day,
        "interruption_days": period.interruption_days,
        "full_recovery_on": period.full_recovery_on,
        "chained": period.is_chained,
        "sick_on_today": period.is_sick_on(today),
        "days_counted": period.days_counted(today),
        "weeks_counted": period.days_counted(today) // 7,
        "wage_period_ends_on": period.wage_period_ends_on,
    }


async def absence_record(
    employment_id: int | None, today: date, *, with_cause: bool
) -> dict[str, Any]:
    """The employment's absences (oldest first), its leave and its periods of sickness.

    ``absences``: each row with ``period`` (the index into ``absence_periods``, None for
    leave and rows the rules reject) and ``follows`` (the first sick day of the absence it is
    linked to); ``absence_period``: the period running today, or None when not sick today.
    """
    if employment_id is None:
        return {"absences": [], "leave": [], "absence_periods": [], "absence_period": None}
    columns = (*_COLUMNS, AbsenceEpisode.cause) if with_cause else _COLUMNS
    rows = [
        dict(row)
        for row in await AbsenceEpisode.select(*columns)
        .where(AbsenceEpisode.employment == employment_id)
        .order_by(AbsenceEpisode.first_sick_day)
        .order_by(AbsenceEpisode.id)
    ]
    rules = {int(row["id"]): _rule(row) for row in rows}
    periods = sickness_periods([r for r in rules.values() if r is not None], as_of=today)
    first_days = {int(row["id"]): row["first_sick_day"] for row in rows}
    for row in rows:
        rule = rules[int(row["id"])]
        row["period"] = next(
            (
                i
                for i, period in enumerate(periods)
                if rule is not None
                and rule.absence_type is AbsenceType.SICKNESS
                and any(part.first_sick_day == rule.first_sick_day for part in period.parts)
            ),
            None,
        )
        row["follows"] = first_days.get(int(row["previous"])) if row["previous"] else None
    running = next((p for p in periods if p.is_sick_on(today)), None)
    leave = (
        await LeavePeriod.select(
            LeavePeriod.id, LeavePeriod.kind, LeavePeriod.starts_on, LeavePeriod.ends_on
        )
        .where(LeavePeriod.employment == employment_id)
        .order_by(LeavePeriod.starts_on)
        .order_by(LeavePeriod.id)
    )
    return {
        "absences": rows,
        "leave": leave,
        "absence_periods": [_period_json(p, today) for p in periods],
        "absence_period": None if running is None else _period_json(running, today),
    }


async def episode_links(episode_id: int) -> dict[str, Any]:
    """The absence an episode treats and the episode it follows (a re-referral)."""
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.absence, TreatmentEpisode.reopened_from)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None:
        return {"absence_id": None, "follows_episode_id": None}
    return {"absence_id": row["absence"], "follows_episode_id": row["reopened_from"]}


async def read_absence_record(actor: Actor, episode_id: int, today: date) -> dict[str, Any]:
    """The absence record of an episode's client for one of its keepers (the therapist or
    the company doctor of the case, ``Need.ABSENCE_READ``), cause included; the read is
    audited naming the client. 404 (audited) for anyone else."""
    client_id = await authorize(actor, episode_id, Need.ABSENCE_READ, today)
    row = (
        await TreatmentEpisode.select(
            TreatmentEpisode.employment, TreatmentEpisode.client._.name.as_alias("client_name")
        )
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None  # authorize found it
    record = await absence_record(row["employment"], today, with_cause=True)
    async with write_tx():
        await audit.record(
            actor, Action.READ, "absence_record", episode_id, purpose=PURPOSE, client_id=client_id
        )
    return {
        "id": episode_id,
        "client": {"id": client_id, "name": row["client_name"]},
        "has_employment": row["employment"] is not None,
        **record,
        **await episode_links(episode_id),
    }
