"""Who looks at the statistics: the employers an employer contact belongs to (S15 shows only
theirs), and the audit rows of the statistics reads that name clients or search episodes.

Apart from the doors (``reporting.statistics.web``), which never touch tables or the database.
"""

from typing import Any

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.platform.db import write_tx
from practice.tables import Employer, EmployerContact

PURPOSE = "statistics"


async def employers_of(user_id: int) -> list[dict[str, Any]]:
    """The employers (id, name, minimum cell size) the contact ``user_id`` belongs to."""
    contacts = await EmployerContact.select(EmployerContact.employer).where(
        EmployerContact.user == user_id
    )
    ids = sorted({int(c["employer"]) for c in contacts})
    if not ids:
        return []
    rows: list[dict[str, Any]] = await Employer.select(
        Employer.id, Employer.name, Employer.min_cell_size
    ).where(Employer.id.is_in(ids))
    return rows


async def record_episode_search(actor: Actor) -> None:
    """The drill-down behind the figures lists episodes: the search is audited."""
    async with write_tx():
        await audit.record(actor, Action.SEARCH, "episode", None, purpose=PURPOSE)


async def record_client_chart_read(actor: Actor, episode_id: int, client_id: int) -> None:
    """One client's chart was read (for their treatment, not for statistics)."""
    async with write_tx():
        await audit.record(
            actor, Action.READ, "episode", episode_id, purpose="treatment", client_id=client_id
        )
