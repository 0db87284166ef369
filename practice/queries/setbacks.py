"""The setbacks of an episode, newest first, for its record (the episode detail, which is
read and audited as a whole by ``practice.queries.episode_detail``)."""

from typing import Any

from practice.tables import Setback


async def episode_setbacks(episode_id: int) -> list[dict[str, Any]]:
    """Each setback with its day, kind, medical note and who recorded it when."""
    rows = await Setback.select(
        Setback.id,
        Setback.occurred_on,
        Setback.kind,
        Setback.note.as_alias("medical_note"),
        Setback.recorded_by._.display_name.as_alias("recorded_by"),
        Setback.recorded_at,
    ).where(Setback.episode == episode_id)
    return sorted(rows, key=lambda r: (r["occurred_on"], r["id"]), reverse=True)
