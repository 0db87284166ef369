"""What an employer contact sees: their employees in treatment as ``EmployerView``s (with the
client's consent), the process updates sent, and one update; every client named is audited."""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import NotFound
from practice.name_search import name_matches
from practice.platform.db import write_tx
from practice.privacy import EmployerView
from practice.queries import access
from reporting.queries.employer_texts import withhold_refused
from reporting.queries.records import build_employer_views, consenting_clients, employer_episodes
from reporting.tables import EmployerUpdate

PURPOSE = "reporting"


async def employer_views(
    actor: Actor, today: date, tz: ZoneInfo, search: str = ""
) -> list[EmployerView]:
    """The contact's employees in treatment, as EmployerViews, with the client's consent;
    with ``search``, only those whose name holds it (the others are not audited)."""
    now = datetime.now(UTC)
    episodes = await employer_episodes(actor.user_id or 0, today)
    clients = await consenting_clients(episodes, now)
    # Read together: an HR adviser of a large employer follows many cases.
    built = await build_employer_views([e for e in episodes if e in clients], now, tz)
    built = {e: v for e, v in built.items() if name_matches(search, v.employee_name)}
    views = [built[e] for e in episodes if e in built]
    shown: list[tuple[int | str | None, int | None]] = [
        (e, clients[e]) for e in episodes if e in built
    ]
    # One row per employee shown, naming the client (their access log shows it), in one
    # statement.
    async with write_tx():
        await audit.record_many(actor, Action.READ, "employer_view", shown, purpose=PURPOSE)
    return views


async def consenting_client(episode_id: int, now: datetime) -> int | None:
    """The episode's client id when the client consents to process updates to the employer."""
    return (await consenting_clients([episode_id], now)).get(episode_id)


async def employer_updates(actor: Actor, today: date, search: str = "") -> list[dict[str, Any]]:
    """The process updates sent about the contact's employees, newest first; with ``search``,
    about those whose name holds it."""
    episodes = await employer_episodes(actor.user_id or 0, today)
    if not episodes:
        return []
    rows = (
        await EmployerUpdate.select(
            EmployerUpdate.id,
            EmployerUpdate.episode,
            EmployerUpdate.episode._.client.as_alias("client_id"),
            EmployerUpdate.created_at,
            EmployerUpdate.content,
        )
        .where(EmployerUpdate.episode.is_in(episodes))
        .order_by(EmployerUpdate.created_at, ascending=False)
    )
    names = {
        int(r["id"]): msgspec.convert(_json(r["content"]), EmployerView).employee_name for r in rows
    }
    rows = [r for r in rows if name_matches(search, names[int(r["id"])])]
    # The list names the employee of each update: one row per client, in one statement.
    shown = sorted({(int(r["episode"]), int(r["client_id"])) for r in rows})
    async with write_tx():
        await audit.record_many(actor, Action.SEARCH, "employer_updates", shown, purpose=PURPOSE)
    return [
        {
            "id": r["id"],
            "created_at": r["created_at"],
            "employee_name": names[int(r["id"])],
        }
        for r in rows
    ]


async def export_employer_update(actor: Actor, update_id: int, today: date) -> EmployerView:
    """The EmployerView that was sent in the update, when it is about one of the contact's
    employees today (else 404); the export is audited naming the client."""
    row = await EmployerUpdate.select().where(EmployerUpdate.id == update_id).first()
    if row is None or int(row["episode"]) not in await employer_episodes(actor.user_id or 0, today):
        raise NotFound("No such update.")
    # As it was sent, except a text the guard refuses now: an update stored before the guard
    # (or before the lexicon grew) must not show it again.
    view = withhold_refused(msgspec.convert(_json(row["content"]), EmployerView))
    client_id = await access.client_of(int(row["episode"]))
    async with write_tx():
        await audit.record(
            actor,
            Action.EXPORT,
            "employer_update",
            update_id,
            purpose=PURPOSE,
            client_id=client_id,
        )
    return view


def _json(content: Any) -> Any:
    return msgspec.json.decode(content) if isinstance(content, str | bytes) else content
