"""Break the glass: a therapist opens an episode they hold no seat on, for reading, today.

One transaction writes the three things that make it accountable: the ``BreakGlass`` row
(which ``practice.queries.access`` reads as the grant), the audit row naming the client (so
the client's access log shows it), and one outbox message per active practice manager (so
someone who runs the practice is told, by name, the same day). Any of them fails, none stays.

Idempotent per therapist, episode and day: the grant already lasts the whole day, so a
second request (a double click, a retry, a second look in the afternoon) answers with the
first row and writes nothing, and the practice manager gets one notice per opening, not one
per click. A unique index holds that line under races (migration 2026-12-03T18:20).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from practice.accounts import Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.break_glass import MONITOR_DAYS, clean_reason, refusal
from practice.disclosure import Addressee, Sender
from practice.errors import Conflict, NotFound
from practice.platform import i18n, outbox
from practice.platform.db import write_tx
from practice.platform.queue import JobQueue, enqueue_after_commit
from practice.platform.settings import absolute_link
from practice.platform.templating import make_environment
from practice.queries import access
from practice.services import disclosure
from practice.tables import BreakGlass, User

PURPOSE = "break_glass"
OBJECT_TYPE = "break_glass"


@dataclass(frozen=True, slots=True)
class Opened:
    id: int
    episode_id: int
    opened_on: date
    created: bool  # False: the therapist had already broken the glass on it today


def notice_key(break_glass_id: int, recipient_id: int | str) -> str:
    """The outbox key of the notice about one break-glass row to one practice manager.

    ``recipient_id="%"`` gives the LIKE pattern of all notices of that row (the client-data
    registry finds them with it, to export and erase them with the client)."""
    return f"break-glass:{break_glass_id}:{recipient_id}"


async def open_episode(
    actor: Actor,
    *,
    episode_id: int,
    reason: str | None,
    today: date,
    base_url: str,
    tz: ZoneInfo,
    queue: JobQueue | None = None,
) -> Opened:
    """Open ``episode_id`` for reading by ``actor`` on ``today``, with a recorded reason."""
    client_id = await access.client_of(episode_id)
    if client_id is None or actor.user_id is None:  # the guard answered 404 already
        raise NotFound("No such episode.")
    clean = clean_reason(reason)
    if (
        why := refusal(await access.relation(actor.user_id, episode_id, today, role=actor.role))
    ) is not None:
        raise Conflict(i18n.gettext(why))
    async with write_tx():
        inserted = (
            await BreakGlass.insert(
                BreakGlass(episode=episode_id, user=actor.user_id, reason=clean, opened_on=today)
            )
            .on_conflict(
                target=(BreakGlass.episode, BreakGlass.user, BreakGlass.opened_on),
                action="DO NOTHING",
            )
            .returning(BreakGlass.id)
        )
        if not inserted:
            earlier = (
                await BreakGlass.select(BreakGlass.id)
                .where(
                    (BreakGlass.episode == episode_id)
                    & (BreakGlass.user == actor.user_id)
                    & (BreakGlass.opened_on == today)
                )
                .first()
            )
            assert earlier is not None  # the conflict was this very row
            return Opened(int(earlier["id"]), episode_id, today, created=False)
        row_id = int(inserted[0]["id"])
        await audit.record(
            actor, Action.READ, OBJECT_TYPE, row_id, purpose=PURPOSE, client_id=client_id
        )
        await _tell_the_practice_managers(
            row_id, actor.user_id, episode_id, client_id, clean, today, base_url, tz, queue
        )
    return Opened(row_id, episode_id, today, created=True)


async def _tell_the_practice_managers(
    row_id: int,
    therapist_id: int,
    episode_id: int,
    client_id: int,
    reason: str,
    on: date,
    base_url: str,
    tz: ZoneInfo,
    queue: JobQueue | None,
) -> None:
    """One notice per active practice manager, in their own language.

    No medical content: who, which episode, the day, the reason the therapist gave (the form
    asks for the need, not the case) and where to look. The client is named by id only; the
    manager's access-log link shows the rest to whoever may see it.
    """
    therapist = await User.select(User.display_name).where(User.id == therapist_id).first()
    managers = await User.select(User.id, User.display_name, User.email, User.locale).where(
        (User.role == Role.PRACTICE_MANAGER.value) & (User.active == True)  # noqa: E712
    )
    env = make_environment(tz)
    for manager in managers:
        context = {
            "name": manager["display_name"],
            "therapist": therapist["display_name"] if therapist else "?",
            "episode_id": episode_id,
            "client_id": client_id,
            "on": on,
            "reason": reason,
            "access_log_url": absolute_link(base_url, f"/clients/{client_id}/access-log"),
            "monitor_url": absolute_link(base_url, "/monitor#break-glass"),
            "days": MONITOR_DAYS,
        }
        # The reader's language, not the therapist's request's.
        locale = manager["locale"] if manager["locale"] in i18n.LOCALES else i18n.DEFAULT_LOCALE
        token = i18n.current_locale.set(locale)
        try:
            subject = env.get_template("practice/break-glass/subject.txt").render(context)
            body = env.get_template("practice/break-glass/body.txt").render(context)
        finally:
            i18n.current_locale.reset(token)
        clearance = await disclosure.clear(
            Sender.BREAK_GLASS_NOTICE,
            client_id,
            Addressee.account(int(manager["id"])),
            datetime.now(UTC),
        )
        if isinstance(clearance, disclosure.Refusal):
            continue
        message_id = await outbox.queue_message(
            clearance,
            key=notice_key(row_id, int(manager["id"])),
            to_address=manager["email"],
            subject=subject.strip(),
            body_text=body,
        )
        if message_id is not None and queue is not None:
            enqueue_after_commit(queue, outbox.send_job(message_id))
