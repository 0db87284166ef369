"""The capacity-advice loop: the company doctor's advice, resolving a conflict, consultations.

The advisers of the case (the therapist and the company doctor, ``Need.ADVICE_WRITE``)
write here; the doors have checked that. The capacity advice is an ``Advice`` of the company
doctor with its structured part; what is checked against it is the pure rule
``practice.capacity``, and a conflict it finds is resolved with a note here, which closes
the therapist's task. The structured advice stays among the professionals (no employer type
holds it), so its task limits are not put through the employer-text guard.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice import capacity, timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.case_team import TeamRole
from practice.disclosure import Addressee, Sender
from practice.errors import Conflict, InvalidInput, Message
from practice.labels import ADVICE_CONFLICT_LABELS
from practice.platform import outbox
from practice.platform.db import write_tx
from practice.platform.i18n import N_, gettext
from practice.platform.settings import Settings
from practice.platform.templating import make_environment
from practice.privacy import initials
from practice.queries.capacity import capacity_facts
from practice.queries.case_team import members_on
from practice.services import disclosure
from practice.services.episodes import (
    PURPOSE,
    client_of,
    clock,
    episode_dates,
    episode_row,
    refuse,
)
from practice.tables import (
    Advice,
    AdviceConflictResolution,
    Client,
    CompanyDoctorConsultation,
    TreatmentEpisode,
)
from practice.work_participation import hours_to_minutes

MAX_DAY_HOURS = Decimal(24)
NO_CAPACITY = N_("Give the hours a day, the hours a week or the task limits.")
DAY_HOURS = N_("A day has at most %(hours)s hours.")
DAY_OVER_WEEK = N_("More hours a day than the %(hours)s hours a week: check both.")
ENDS_BEFORE_START = N_("The advice cannot end before it is given (%(day)s).")
NOT_A_CONFLICT = N_("There is no such conflict with the capacity advice.")
ALREADY_RESOLVED = N_("This conflict was already resolved on %(day)s.")
RESOLVED_BEFORE = N_("A conflict cannot be resolved before it arose (%(day)s).")
NOT_YET = N_("This date is after today.")
CONSULTATION_BEFORE_REFERRAL = N_(
    "The consultation with the company doctor cannot be before the referral (%(day)s)."
)


def advice_hours(
    hours_per_day: Decimal | None, hours_per_week: Decimal | None
) -> tuple[dict[str, str], int | None, int | None]:
    """The advised hours as minutes, with the problems of each field."""
    problems: dict[str, str] = {}
    day = week = None
    if hours_per_day is not None:
        if not hours_per_day.is_finite():  # "NaN" parses as a Decimal, and compares as an error
            problems["hours_per_day"] = Message(timeline.NOT_A_NUMBER)
        elif hours_per_day < 0:
            problems["hours_per_day"] = Message(timeline.NEGATIVE_HOURS)
        elif hours_per_day > MAX_DAY_HOURS:
            problems["hours_per_day"] = Message(DAY_HOURS, hours=MAX_DAY_HOURS)
        else:
            try:
                day = hours_to_minutes(hours_per_day, "hours_per_day")
            except InvalidInput as exc:
                problems.update(exc.fields)
    if hours_per_week is not None:
        week_problems = timeline.week_hours_problems("hours_per_week", hours_per_week)
        problems.update(week_problems)
        if not week_problems:
            try:
                week = hours_to_minutes(hours_per_week, "hours_per_week")
            except InvalidInput as exc:
                problems.update(exc.fields)
    if day is not None and week is not None and day > week:
        problems["hours_per_day"] = Message(DAY_OVER_WEEK, hours=hours_per_week)
    return problems, day, week


def period_problems(given_on: date, valid_until: date | None) -> dict[str, str]:
    if valid_until is not None and valid_until < given_on:
        return {"valid_until": Message(ENDS_BEFORE_START, day=given_on)}
    return {}


async def record_capacity_advice(
    actor: Actor,
    *,
    episode_id: int,
    given_on: date,
    hours_per_day: Decimal | None = None,
    hours_per_week: Decimal | None = None,
    task_limits: str | None = None,
    valid_until: date | None = None,
    note: str | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
    tell: bool = True,
) -> int:
    """The company doctor's capacity advice: in force from ``given_on`` until the next one
    (or ``valid_until``); agreements and hours worked are checked against it from then on.
    A conflict it raises is mailed to the company doctors of the case unless ``tell`` is
    false (the demo, loading a past in which they already knew)."""
    limits = (task_limits or "").strip() or None
    problems, day_minutes, week_minutes = advice_hours(hours_per_day, hours_per_week)
    problems |= period_problems(given_on, valid_until)
    if hours_per_day is None and hours_per_week is None and limits is None:
        problems["hours_per_week"] = Message(NO_CAPACITY)
    if problems:
        raise InvalidInput(problems)
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        refuse(timeline.after_referral("advice", "given_on", given_on, referred_on, day))
        rows = await Advice.insert(
            Advice(
                episode=episode_id,
                author_role=capacity.CAPACITY_AUTHOR,
                given_on=given_on,
                content=(note or "").strip(),
                valid_until=valid_until,
                hours_per_day_minutes=day_minutes,
                hours_per_week_minutes=week_minutes,
                task_limits=limits,
            )
        ).returning(Advice.id)
        await audit.record(
            actor, Action.CREATE, "advice", rows[0]["id"], purpose=PURPOSE, client_id=client_of(row)
        )
        if tell:
            await tell_company_doctors(episode_id, day, zone)
    return int(rows[0]["id"])


async def resolve_conflict(
    actor: Actor,
    *,
    episode_id: int,
    conflict_key: str,
    note: str,
    resolved_on: date | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """Resolve one open conflict with a note (what was agreed between the advisers); the
    therapist's task is done from then on. Refused for a conflict that is not there now."""
    if not note.strip():
        raise InvalidInput({"note": "required"})
    day, _zone = clock(today, tz)
    on = resolved_on or day
    async with write_tx():
        row = await episode_row(episode_id)
        facts = (await capacity_facts([episode_id]))[episode_id]
        found = next((c for c in capacity.conflicts(facts, day) if c.key == conflict_key), None)
        if found is None:
            raise InvalidInput({"conflict_key": Message(NOT_A_CONFLICT)})
        if found.resolution is not None:
            raise Conflict(Message(ALREADY_RESOLVED, day=found.resolution.resolved_on))
        # A planned agreement conflicts from the day it is known, not from its start.
        arose = min(found.on, day)
        if on < arose:
            raise InvalidInput({"resolved_on": Message(RESOLVED_BEFORE, day=arose)})
        if on > day:
            raise InvalidInput({"resolved_on": Message(NOT_YET)})
        rows = await AdviceConflictResolution.insert(
            AdviceConflictResolution(
                episode=episode_id,
                conflict_key=conflict_key,
                resolved_on=on,
                note=note.strip(),
                resolved_by=actor.user_id,
            )
        ).returning(AdviceConflictResolution.id)
        await audit.record(
            actor,
            Action.CREATE,
            "advice_conflict_resolution",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=client_of(row),
        )
    return int(rows[0]["id"])


async def record_consultation(
    actor: Actor,
    *,
    episode_id: int,
    held_on: date,
    participants: str,
    note: str,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """A consultation between the therapist and the company doctor about the client; the
    note is medical and stays with the two of them."""
    problems: dict[str, str] = {}
    if not participants.strip():
        problems["participants"] = "required"
    if not note.strip():
        problems["note"] = "required"
    if problems:
        raise InvalidInput(problems)
    day, zone = clock(today, tz)
    async with write_tx():
        row = await episode_row(episode_id)
        referred_on = (await episode_dates(episode_id, zone)).referred_on
        if held_on < referred_on:
            raise InvalidInput({"held_on": Message(CONSULTATION_BEFORE_REFERRAL, day=referred_on)})
        if held_on > day:
            raise InvalidInput({"held_on": Message(NOT_YET)})
        rows = await CompanyDoctorConsultation.insert(
            CompanyDoctorConsultation(
                episode=episode_id,
                held_on=held_on,
                participants=participants.strip(),
                note=note.strip(),
                recorded_by=actor.user_id,
            )
        ).returning(CompanyDoctorConsultation.id)
        await audit.record(
            actor,
            Action.CREATE,
            "company_doctor_consultation",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=client_of(row),
        )
    return int(rows[0]["id"])


def notice_key(episode_id: int, conflict_key: str, user_id: int) -> str:
    """One notice per conflict and company doctor, however often the case is written to."""
    return f"advice_conflict:{episode_id}:{conflict_key}:{user_id}"


def notice_keys_of(episode_id: int) -> str:
    """Every notice of one episode, as an outbox key pattern (erased with the client)."""
    return f"advice_conflict:{episode_id}:%"


async def tell_company_doctors(episode_id: int, today: date, tz: ZoneInfo) -> int:
    """Each open conflict, once, to each company doctor on the case today, through the
    consent gate (``Sender.ADVICE_CONFLICT_NOTICE``); called in the transaction of the write
    that may have raised one, so the notice leaves with its commit or not at all. The mail
    names the client by initials, the kind of conflict and its day; the rest is on their
    page. Returns how many notices were queued."""
    facts = (await capacity_facts([episode_id]))[episode_id]
    found = capacity.open_conflicts(facts, today)
    if not found:
        return 0
    doctors = await members_on(episode_id, TeamRole.COMPANY_DOCTOR, today)
    episode = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if not doctors or episode is None:
        return 0
    client_id = int(episode["client"])
    client = await Client.select(Client.name).where(Client.id == client_id).first()
    client_initials = initials(str(client["name"] if client else ""))
    env = make_environment(tz)
    link = Settings.from_env().link(f"/episodes/{episode_id}/capacity")
    queued = 0
    for doctor in doctors:
        user_id = int(doctor["user"])
        for conflict in found:
            clearance = await disclosure.clear(
                Sender.ADVICE_CONFLICT_NOTICE,
                client_id,
                Addressee.account(user_id),
                datetime.now(UTC),
            )
            if isinstance(clearance, disclosure.Refusal):
                break  # the same answer for every conflict of this doctor
            context = {
                "name": doctor["name"],
                "client": client_initials,
                # From the labels themselves: the demo and the worker write without the app.
                "what": gettext(ADVICE_CONFLICT_LABELS[conflict.kind]),
                "on": conflict.on,
                # The absolute address (BASE_URL): a path alone is no link in a mail client.
                "path": link,
            }
            made = await outbox.queue_message(
                clearance,
                key=notice_key(episode_id, conflict.key, user_id),
                to_address=doctor["email"],
                subject=env.get_template("practice/advice-conflict/subject.txt")
                .render(context)
                .strip(),
                body_text=env.get_template("practice/advice-conflict/body.txt").render(context),
            )
            queued += made is not None
    return queued
