"""Load a requester's relation to an episode on a date, and apply ``practice.access_policy``.

Every door and service that touches a client's data asks here; the decision itself is the
pure table in ``practice.access_policy``. A refusal answers 404 (it does not reveal whether
the record exists) and leaves an audit row that names the client when there is one, so the
client's access log shows the attempt too (NEN 7513).
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from piccolo.custom_types import Combinable
from piccolo.table import Table

from practice.access_policy import NO_RELATION, WRITE_NEEDS, Need, Relation, decide, read_level
from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Outcome
from practice.case_team import TeamRole, active_on
from practice.errors import NotFound
from practice.platform.db import among, remembered, write_tx
from practice.tables import BreakGlass, CaseAssignment, Client, ClientAccount, TreatmentEpisode

PURPOSE = "treatment"


def seat_active_on(on: date) -> Combinable:
    """The case-team seats held on `on`, as a where-clause on ``CaseAssignment``: the database's
    side of ``practice.case_team.active_on`` (both ends included, no end open-ended)."""
    return (CaseAssignment.valid_from <= on) & (
        CaseAssignment.valid_to.is_null() | (CaseAssignment.valid_to >= on)
    )


def episodes_of_client(client_id: int) -> Any:
    """The client's episodes, as a subquery: ``column.is_in(episodes_of_client(...))`` keeps
    the rows of a client's own record (the client portal, the client's own doors)."""
    return TreatmentEpisode.select(TreatmentEpisode.id).where(TreatmentEpisode.client == client_id)


def active_client_account() -> Combinable:
    """A client account that logs in: set up, not revoked, its login active (a where-clause on
    ``ClientAccount``)."""
    return (
        ClientAccount.set_up_at.is_not_null()
        & ClientAccount.revoked_at.is_null()
        & (ClientAccount.user._.active == True)  # noqa: E712 - SQL
    )


async def has_active_account(client_id: int) -> bool:
    """Whether the client has an account that logs in (``active_client_account``)."""
    return bool(
        await ClientAccount.exists().where(
            (ClientAccount.client == client_id) & active_client_account()
        )
    )


# Built once: reached through a foreign key, the column copies the user table's columns each
# time, and every request on an episode asks for it.
_SEAT_HOLDER_ACTIVE = CaseAssignment.user._.active


async def relations(
    user_id: int | None, episode_ids: list[int], on: date, *, role: str | None = None
) -> dict[int, Relation]:
    """The user's relation to each episode on ``on`` (missing episodes: no relation).
    ``role``, when the caller knows it, spares a staff account the look for a client account
    of its own (only a client's login has one)."""
    if user_id is None or not episode_ids:
        return {}
    seats: dict[int, set[TeamRole]] = defaultdict(set)
    for row in await CaseAssignment.select(
        CaseAssignment.episode,
        CaseAssignment.team_role,
        CaseAssignment.valid_from,
        CaseAssignment.valid_to,
    ).where(
        among(CaseAssignment.episode, episode_ids)
        & (CaseAssignment.user == user_id)
        # A deactivated account is no one: its seats grant nothing (its sessions end at
        # deactivation too; this holds for any other way in, such as a job acting for it).
        & (_SEAT_HOLDER_ACTIVE == True)  # noqa: E712 - SQL
    ):
        if active_on(row["valid_from"], row["valid_to"], on):
            seats[int(row["episode"])].add(TeamRole(row["team_role"]))
    glass = {
        int(row["episode"])
        for row in await BreakGlass.select(BreakGlass.episode).where(
            among(BreakGlass.episode, episode_ids)
            & (BreakGlass.user == user_id)
            & (BreakGlass.opened_on == on)
        )
    }
    own = (
        set()
        if role is not None and role != Role.CLIENT
        else await _own_episodes(user_id, episode_ids)
    )
    return {
        episode_id: Relation(
            frozenset(seats.get(episode_id, ())), episode_id in glass, episode_id in own
        )
        for episode_id in set(seats) | glass | own
    }


async def _own_episodes(user_id: int, episode_ids: list[int]) -> set[int]:
    """Those of the episodes that are the user's own as a client (an active client account)."""
    client_id = await own_client(user_id)
    if client_id is None:
        return set()
    return {
        int(row["id"])
        for row in await TreatmentEpisode.select(TreatmentEpisode.id).where(
            among(TreatmentEpisode.id, episode_ids) & (TreatmentEpisode.client == client_id)
        )
    }


async def own_client(user_id: int | None) -> int | None:
    """The client whose own account this is, while it is set up, not revoked and active; else
    None (every staff account). The client portal takes the client from here, never from
    the request."""
    if user_id is None:
        return None
    row = (
        await ClientAccount.select(ClientAccount.client)
        .where((ClientAccount.user == user_id) & active_client_account())
        .first()
    )
    return None if row is None else int(row["client"])


async def relation(
    user_id: int | None, episode_id: int, on: date, *, role: str | None = None
) -> Relation:
    return (await relations(user_id, [episode_id], on, role=role)).get(episode_id, NO_RELATION)


async def client_of(episode_id: int) -> int | None:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    return None if row is None else int(row["client"])


async def refuse(
    actor: Actor,
    object_type: str,
    object_id: int | str | None,
    client_id: int | None,
    *,
    write: bool,
    message: str = "No such record.",
) -> NotFound:
    """Audit a refusal (naming the client where known) and return the 404 to raise."""
    async with write_tx():
        await audit.record(
            actor,
            Action.UPDATE if write else Action.READ,
            object_type,
            object_id,
            purpose=PURPOSE,
            outcome=Outcome.DENIED,
            client_id=client_id,
        )
    return NotFound(message)


async def refuse_route(actor: Actor, route: str, *, write: bool) -> None:
    """Audit a role refusal on a route that names no client object (the row names the route)."""
    async with write_tx():
        await audit.record(
            actor,
            Action.UPDATE if write else Action.READ,
            "route",
            route,
            purpose=PURPOSE,
            outcome=Outcome.DENIED,
        )


def hand_over(actor: Actor, episode_id: int, on: date, client_id: int, held: Relation) -> None:
    """What the relation guard read to decide (the episode's client, the requester's
    relation on ``on``), for the route's own check of the same episode in this request
    (`authorize`, `authorize_read`): it decides again, for its own need, without reading
    them again. Kept in the request's memo (`practice.platform.db.remembered`): gone at
    the end of the request and when a write begins; taken once."""
    memo = remembered()
    if memo is not None:
        memo[_handed_key(actor, episode_id, on)] = (client_id, held)


def _handed_key(actor: Actor, episode_id: int, on: date) -> tuple[Any, ...]:
    return ("access", actor.user_id, actor.role, episode_id, on)


async def _client_and_relation(
    actor: Actor, episode_id: int, on: date
) -> tuple[int | None, Relation]:
    """The episode's client and ``actor``'s relation to it on ``on`` (none without a client
    or a role): what the guard handed over in this request, else read."""
    memo = remembered()
    handed = memo.pop(_handed_key(actor, episode_id, on), None) if memo else None
    if handed is not None:
        client_id, held = handed
        return client_id, held
    client_id = await client_of(episode_id)
    if client_id is None or actor.role is None:
        return client_id, NO_RELATION
    return client_id, await relation(actor.user_id, episode_id, on, role=actor.role)


async def authorize(actor: Actor, episode_id: int, need: Need, on: date) -> int:
    """The episode's client id when ``actor`` may do ``need`` to it on ``on``; else 404."""
    client_id, held = await _client_and_relation(actor, episode_id, on)
    if client_id is not None and actor.role is not None and decide(actor.role, need, held):
        return client_id
    raise await refuse(
        actor,
        "episode",
        episode_id,
        client_id,
        write=need in WRITE_NEEDS,
        message="No such episode.",
    )


async def authorize_read(actor: Actor, episode_id: int, on: date) -> tuple[int, Need]:
    """The client id and the richest read level (record, else overview) granted; else 404."""
    client_id, held = await _client_and_relation(actor, episode_id, on)
    if client_id is not None and actor.role is not None:
        level = read_level(actor.role, held)
        if level is not None:
            return client_id, level
    raise await refuse(
        actor, "episode", episode_id, client_id, write=False, message="No such episode."
    )


async def visible_episodes(actor: Actor, client_id: int, need: Need, on: date) -> list[int]:
    """The client's episodes on which ``actor`` may do ``need`` on ``on``, in id order.

    Client-level views (the FHIR export, documents) show these and nothing of the others:
    a seat on one episode opens that episode, not the client's whole history.
    """
    if actor.role is None:
        return []
    episode_ids = [
        int(r["id"])
        for r in await TreatmentEpisode.select(TreatmentEpisode.id)
        .where(TreatmentEpisode.client == client_id)
        .order_by(TreatmentEpisode.id)
    ]
    held = await relations(actor.user_id, episode_ids, on, role=actor.role)
    return [e for e in episode_ids if decide(actor.role, need, held.get(e, NO_RELATION))]


async def existing_client(client_id: int) -> int | None:
    """``client_id`` when that client exists (an audit row may name only a real client)."""
    return client_id if await Client.exists().where(Client.id == client_id) else None


def episode_of(table: type[Table]) -> Callable[[int], Awaitable[int | None]]:
    """A resolver for objects that belong to one episode (a column ``episode``)."""
    episode = table._meta.get_column_by_name("episode")

    async def resolve(object_id: int) -> int | None:
        row = await table.select(episode).where(table._meta.primary_key == object_id).first()
        return None if row is None else int(row["episode"])

    return resolve
