"""The work-participation series of an employment: volume % per measurement.

Its own module because two readers need it, the episode detail and the reports
(``reporting``), and it needs nothing of the episode but its employment.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from practice.platform.db import among
from practice.tables import ContractHours, WorkParticipation
from practice.work_participation import (
    ContractPeriod,
    ParticipationMeasurement,
    volume_percent,
    volume_percent_series,
)

MINUTES = 60


def _hours(minutes: int) -> Decimal:
    return Decimal(minutes) / MINUTES


async def participation_series(employment_id: int | None, episode_id: int) -> list[dict[str, Any]]:
    """Volume % per measurement, against the contract then and the original contract."""
    if employment_id is None:
        return []
    return (await participation_series_of([employment_id])).get(employment_id, [])


async def participation_series_of(employment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """`participation_series` of many employments in two reads, by employment (the sweep
    and the employer portal make the view of many episodes at once)."""
    if not employment_ids:
        return {}
    # The service refuses a second period starting on the same day, but the table can hold
    # one (no unique key); the rule refuses to guess, so the read keeps the last one recorded,
    # which corrected the earlier, rather than fail every page that shows the series.
    latest: dict[int, dict[date, int]] = {}
    for c in (
        await ContractHours.select()
        .where(among(ContractHours.employment, employment_ids))
        .order_by(ContractHours.id)
    ):
        latest.setdefault(int(c["employment"]), {})[c["valid_from"]] = c["minutes_per_week"]
    # In date order, ties by id: the series (a stable sort by date) keeps this order, so
    # each point is told with the row it came from (hours by kind, source, moment).
    rows_of: dict[int, list[dict[str, Any]]] = {}
    for row in (
        await WorkParticipation.select()
        .where(among(WorkParticipation.employment, employment_ids))
        .order_by(WorkParticipation.measured_on)
        .order_by(WorkParticipation.id)
    ):
        rows_of.setdefault(int(row["employment"]), []).append(row)
    return {
        employment_id: _series(latest.get(employment_id, {}), rows)
        for employment_id, rows in rows_of.items()
    }


def _series(latest: dict[date, int], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    contracts = [
        ContractPeriod(valid_from=valid_from, hours_per_week=_hours(minutes))
        for valid_from, minutes in latest.items()
    ]
    measurements = [
        ParticipationMeasurement(
            measured_on=m["measured_on"],
            own_work_hours=_hours(m["own_work_minutes"]),
            adapted_work_hours=_hours(m["adapted_work_minutes"]),
            therapeutic_hours=_hours(m["therapeutic_minutes"]),
            productive_hours=_hours(m["productive_minutes"]),
        )
        for m in rows
    ]
    return [
        {
            "measured_on": p.measured_on,
            "own_work_hours": m.own_work_hours,
            "adapted_work_hours": m.adapted_work_hours,
            "therapeutic_hours": m.therapeutic_hours,
            "productive_hours": m.productive_hours,
            "source": row["source"],
            "moment": row["moment"],
            "hours_counted": p.hours_counted,
            "contract_hours": p.contract_hours,
            "volume_percent": p.volume_percent,
            "baseline_volume_percent": p.baseline_volume_percent,
            # S1's other variant beside the plain figure: therapeutic (AT) hours counted too.
            "volume_percent_with_at": volume_percent(m, p.contract_hours, count_therapeutic=True),
            # a NoVolume code (label kind "no_volume"): why there is no percentage, or None
            "no_volume_reason": p.no_volume_reason,
        }
        for p, m, row in zip(
            volume_percent_series(measurements, contracts), measurements, rows, strict=True
        )
    ]
