"""The absence record: absences, their links, leave, and the absence a referral treats.

The rules are pure (``practice.absences``: the dates, the link kinds, the law's periods);
this module loads, decides, stores with its audit row, in one transaction. Whoever may
write the absence record (``practice.access_policy`` ``Need.ABSENCE_WRITE``: the therapist
and the company doctor of the case) calls these; the doors decided that already.

One employment has one absence per sick report: a referral attaches to the absence it names,
or to the one that is still open, or to the one with its first sick day, and only then opens
a new one (``absence_for_referral``). The decision runs under a lock on the employment's
row on PostgreSQL (SQLite's write transactions run one at a time anyway), so two referrals
at once cannot both find nothing and both open one.
"""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from practice import timeline
from practice.absences import (
    AbsenceLink,
    LeaveKind,
    ReportedTo,
    expected_link,
    leave_problems,
    link_refusal,
    record_problems,
    recovery_ahead_problems,
)
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import InvalidInput, Message, NotFound, one_of
from practice.platform.db import engine, write_tx
from practice.platform.i18n import N_
from practice.services.episodes import clock, refuse
from practice.tables import AbsenceEpisode, Employment, LeavePeriod, TreatmentEpisode
from practice.work_participation import AbsenceEpisode as Absence
from practice.work_participation import AbsenceType

PURPOSE = "treatment"
ABSENCE_TYPES = (AbsenceType.SICKNESS.value, AbsenceType.LEAVE.value)

NO_EMPLOYMENT = N_("This client has no employment to record work for.")
ABSENCE_TYPE = N_("Choose sickness or leave.")
NOT_AN_EARLIER_ABSENCE = N_("Choose an earlier absence of this client's employment.")
NOT_THIS_EMPLOYMENT = N_("Choose an absence of this client's employment.")
ALREADY_OPEN = N_(
    "This client's absence since %(day)s is still open: edit it, or record its full recovery first."
)
SAME_FIRST_DAY = N_("This client already has an absence from %(day)s: edit that one.")
NOTHING_TO_RECORD = N_("Give the day of partial or of full recovery.")
NOT_ABSENT_WITH_ABSENCE = N_("A client who is not absent has no absence to attach.")
NOT_AN_EPISODE_OF_CLIENT = N_("Choose an earlier episode of this client.")


async def _episode(episode_id: int) -> tuple[int, int]:
    """The episode's client and employment; 404 without the episode, 400 without a job."""
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client, TreatmentEpisode.employment)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if row is None:
        raise NotFound("No such episode.")
    if row["employment"] is None:
        raise InvalidInput({"episode_id": NO_EMPLOYMENT})
    return int(row["client"]), int(row["employment"])


async def _lock_employment(employment_id: int) -> None:
    """Serialise absence decisions per employment (PostgreSQL; SQLite writes one at a time)."""
    if engine().engine_type == "postgres":
        await Employment.raw("SELECT id FROM employment WHERE id = {} FOR UPDATE", employment_id)


async def _absence(
    absence_id: int, employment_id: int, field: str, message: str = NOT_THIS_EMPLOYMENT
) -> dict[str, Any]:
    row = (
        await AbsenceEpisode.select()
        .where((AbsenceEpisode.id == absence_id) & (AbsenceEpisode.employment == employment_id))
        .first()
    )
    if row is None:
        raise InvalidInput({field: Message(message)})
    return dict(row)


def _as_rule(row: dict[str, Any]) -> Absence | None:
    """A stored row as the rules take it; None when it breaks them (odd old data)."""
    try:
        return Absence(
            row["first_sick_day"], row["full_recovery_on"], AbsenceType(row["absence_type"])
        )
    except ValueError:
        return None


def _choices(
    problems: dict[str, Message | str], field: str, value: str | None, allowed: Any
) -> None:
    values = [str(v.value) for v in allowed]
    if value is not None and value not in values:
        problems[field] = one_of(values)


async def absence_for_referral(
    *,
    employment_id: int,
    absence_status: str,
    first_sick_day: date | None,
    known_on: date,
    absence_id: int | None = None,
) -> int | None:
    """The absence a new referral treats: the one it names, the open one, the one with its
    first sick day, or a new one; None for a client who is not absent. Never a duplicate.

    Runs inside the referral's transaction.
    """
    if absence_status == AbsenceType.NOT_ABSENT:
        if absence_id is not None:
            raise InvalidInput({"absence_id": NOT_ABSENT_WITH_ABSENCE})
        return None
    await _lock_employment(employment_id)
    if absence_id is not None:
        await _absence(absence_id, employment_id, "absence_id")
        return absence_id
    same_kind = (AbsenceEpisode.employment == employment_id) & (
        AbsenceEpisode.absence_type == absence_status
    )
    found = (
        await AbsenceEpisode.select(AbsenceEpisode.id)
        .where(
            same_kind
            & (
                AbsenceEpisode.full_recovery_on.is_null()
                | (AbsenceEpisode.first_sick_day == first_sick_day)
            )
        )
        .order_by(AbsenceEpisode.id)
        .first()
    )
    if found is not None:
        return int(found["id"])
    rows = await AbsenceEpisode.insert(
        AbsenceEpisode(
            employment=employment_id,
            absence_type=absence_status,
            first_sick_day=first_sick_day,
            known_to_practice_on=known_on,
        )
    ).returning(AbsenceEpisode.id)
    return int(rows[0]["id"])


async def follows_episode(client_id: int, episode_id: int | None) -> int | None:
    """The earlier episode a re-referral follows: one of the same client, else 400."""
    if episode_id is None:
        return None
    if not await TreatmentEpisode.exists().where(
        (TreatmentEpisode.id == episode_id) & (TreatmentEpisode.client == client_id)
    ):
        raise InvalidInput({"follows_episode_id": NOT_AN_EPISODE_OF_CLIENT})
    return episode_id


async def _check_link(
    employment_id: int,
    absence_id: int | None,
    rule: Absence | None,
    previous_id: int | None,
    link_kind: str | None,
) -> str | None:
    """The link's kind to store (the expected one when none was chosen); 400 when refused."""
    if previous_id is None:
        return None
    if previous_id == absence_id:
        raise InvalidInput({"previous_id": Message(N_("An absence cannot follow itself."))})
    previous = await _absence(previous_id, employment_id, "previous_id", NOT_AN_EARLIER_ABSENCE)
    earlier = _as_rule(previous)
    kind = AbsenceLink(link_kind) if link_kind else None
    if earlier is None or rule is None:
        raise InvalidInput({"previous_id": NOT_AN_EARLIER_ABSENCE})
    if kind is None:
        kind = expected_link(earlier, rule)
    refusal = link_refusal(kind, earlier, rule)
    if refusal is not None:
        raise InvalidInput({"link_kind" if link_kind else "previous_id": refusal})
    return kind.value


def _field_problems(
    *,
    absence_type: str | None,
    reported_to: str | None,
    link_kind: str | None,
    dates: dict[str, date | None],
    today: date,
) -> None:
    problems: dict[str, Message | str] = {}
    if absence_type is not None and absence_type not in ABSENCE_TYPES:
        problems["absence_type"] = Message(ABSENCE_TYPE)
    _choices(problems, "reported_to", reported_to, ReportedTo)
    _choices(problems, "link_kind", link_kind, AbsenceLink)
    for field, day in dates.items():
        if day is not None:
            problems |= timeline.not_too_far_ahead(field, day, today)
    problems |= {
        k: v
        for k, v in record_problems(
            first_sick_day=dates.get("first_sick_day"),
            reported_on=dates.get("reported_on"),
            manager_informed_on=dates.get("manager_informed_on"),
            partial_recovery_on=dates.get("partial_recovery_on"),
            full_recovery_on=dates.get("full_recovery_on"),
        ).items()
        if k not in problems
    }
    if problems:
        raise InvalidInput(problems)


def _clean(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


async def record_absence(
    actor: Actor,
    *,
    episode_id: int,
    absence_type: str,
    first_sick_day: date,
    reported_on: date | None = None,
    reported_to: str | None = None,
    manager_informed_on: date | None = None,
    cause: str | None = None,
    previous_id: int | None = None,
    link_kind: str | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """A new absence of the episode's employment; a relapse or chain names the earlier one.

    Refused when the employment already has an open absence of that kind or one from the same
    first day: the record then has one row per sick report, never two.
    """
    day, _ = clock(today, tz)
    _field_problems(
        absence_type=absence_type,
        reported_to=reported_to,
        link_kind=link_kind,
        dates={
            "first_sick_day": first_sick_day,
            "reported_on": reported_on,
            "manager_informed_on": manager_informed_on,
        },
        today=day,
    )
    async with write_tx():
        client_id, employment_id = await _episode(episode_id)
        await _lock_employment(employment_id)
        same_kind = (AbsenceEpisode.employment == employment_id) & (
            AbsenceEpisode.absence_type == absence_type
        )
        clash = (
            await AbsenceEpisode.select(
                AbsenceEpisode.first_sick_day, AbsenceEpisode.full_recovery_on
            )
            .where(
                same_kind
                & (
                    AbsenceEpisode.full_recovery_on.is_null()
                    | (AbsenceEpisode.first_sick_day == first_sick_day)
                )
            )
            .first()
        )
        # Both problems at once, each beside its field: the clash and the link.
        problems: dict[str, str] = {}
        if clash is not None:
            message = ALREADY_OPEN if clash["full_recovery_on"] is None else SAME_FIRST_DAY
            problems["first_sick_day"] = Message(
                message, day=clash["first_sick_day"] or first_sick_day
            )
        kind = None
        try:
            kind = await _check_link(
                employment_id,
                None,
                Absence(first_sick_day, None, AbsenceType(absence_type)),
                previous_id,
                link_kind,
            )
        except InvalidInput as exc:
            problems |= exc.fields
        if problems:
            raise InvalidInput(problems)
        rows = await AbsenceEpisode.insert(
            AbsenceEpisode(
                employment=employment_id,
                absence_type=absence_type,
                first_sick_day=first_sick_day,
                reported_on=reported_on,
                reported_to=reported_to,
                known_to_practice_on=reported_on,
                manager_informed_on=manager_informed_on,
                cause=_clean(cause),
                previous=previous_id,
                link_kind=kind,
            )
        ).returning(AbsenceEpisode.id)
        absence_id = int(rows[0]["id"])
        await audit.record(
            actor, Action.CREATE, "absence", absence_id, purpose=PURPOSE, client_id=client_id
        )
    return absence_id


async def update_absence(
    actor: Actor,
    *,
    episode_id: int,
    absence_id: int,
    first_sick_day: date,
    reported_on: date | None = None,
    reported_to: str | None = None,
    manager_informed_on: date | None = None,
    partial_recovery_on: date | None = None,
    full_recovery_on: date | None = None,
    cause: str | None = None,
    previous_id: int | None = None,
    link_kind: str | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> None:
    """Every field of one absence as the form shows them (an empty field clears it)."""
    day, _ = clock(today, tz)
    dates = {
        "first_sick_day": first_sick_day,
        "reported_on": reported_on,
        "manager_informed_on": manager_informed_on,
        "partial_recovery_on": partial_recovery_on,
        "full_recovery_on": full_recovery_on,
    }
    _field_problems(
        absence_type=None, reported_to=reported_to, link_kind=link_kind, dates=dates, today=day
    )
    async with write_tx():
        client_id, employment_id = await _episode(episode_id)
        await _lock_employment(employment_id)
        row = await _absence(absence_id, employment_id, "absence_id")
        # A recovery far ahead is refused when it is typed, not when an old record holding
        # one is edited for another field.
        refuse(
            recovery_ahead_problems(
                day,
                partial_recovery_on=None
                if partial_recovery_on == row["partial_recovery_on"]
                else partial_recovery_on,
                full_recovery_on=None
                if full_recovery_on == row["full_recovery_on"]
                else full_recovery_on,
            )
        )
        try:
            rule = Absence(first_sick_day, full_recovery_on, AbsenceType(row["absence_type"]))
        except ValueError:
            rule = None
        kind = await _check_link(employment_id, absence_id, rule, previous_id, link_kind)
        await AbsenceEpisode.update(
            {
                AbsenceEpisode.first_sick_day: first_sick_day,
                AbsenceEpisode.reported_on: reported_on,
                AbsenceEpisode.reported_to: reported_to,
                AbsenceEpisode.manager_informed_on: manager_informed_on,
                AbsenceEpisode.partial_recovery_on: partial_recovery_on,
                AbsenceEpisode.full_recovery_on: full_recovery_on,
                AbsenceEpisode.cause: _clean(cause),
                AbsenceEpisode.previous: previous_id,
                AbsenceEpisode.link_kind: kind,
            }
        ).where(AbsenceEpisode.id == absence_id)
        await audit.record(
            actor, Action.UPDATE, "absence", absence_id, purpose=PURPOSE, client_id=client_id
        )


async def record_recovery(
    actor: Actor,
    *,
    episode_id: int,
    absence_id: int,
    full_recovery_on: date | None = None,
    partial_recovery_on: date | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> None:
    """Partial and/or full recovery (the hersteldmelding); neither closes the case (pitfall 9).

    A day left out keeps what was recorded before.
    """
    if full_recovery_on is None and partial_recovery_on is None:
        raise InvalidInput({"full_recovery_on": Message(NOTHING_TO_RECORD)})
    day, _ = clock(today, tz)
    async with write_tx():
        client_id, employment_id = await _episode(episode_id)
        try:
            row = await _absence(absence_id, employment_id, "absence_id")
        except InvalidInput:
            raise NotFound("No such absence for this episode.") from None
        partial = partial_recovery_on or row["partial_recovery_on"]
        full = full_recovery_on or row["full_recovery_on"]
        problems: dict[str, Message] = {}
        for field, value in (
            ("partial_recovery_on", partial_recovery_on),
            ("full_recovery_on", full_recovery_on),
        ):
            if value is not None:
                problems |= timeline.not_too_far_ahead(field, value, day)
        problems |= recovery_ahead_problems(
            day, partial_recovery_on=partial_recovery_on, full_recovery_on=full_recovery_on
        )
        problems |= {
            k: v
            for k, v in record_problems(
                first_sick_day=row["first_sick_day"],
                partial_recovery_on=partial,
                full_recovery_on=full,
            ).items()
            if k not in problems
        }
        refuse(problems)
        await AbsenceEpisode.update(
            {
                AbsenceEpisode.partial_recovery_on: partial,
                AbsenceEpisode.full_recovery_on: full,
            }
        ).where(AbsenceEpisode.id == absence_id)
        await audit.record(
            actor, Action.UPDATE, "absence", absence_id, purpose=PURPOSE, client_id=client_id
        )


async def record_leave(
    actor: Actor,
    *,
    episode_id: int,
    kind: str,
    starts_on: date,
    ends_on: date | None = None,
    today: date | None = None,
    tz: ZoneInfo | None = None,
) -> int:
    """A period of leave of the employment: not sickness, shown beside the absences."""
    day, _ = clock(today, tz)
    problems: dict[str, Message | str] = {}
    _choices(problems, "kind", kind, LeaveKind)
    problems |= timeline.not_too_far_ahead("starts_on", starts_on, day)
    # Leave of 1900 was taken: the leave beside an absence begins within its years.
    problems |= timeline.not_before("starts_on", starts_on, timeline.earliest_sick_day(day))
    if ends_on is not None:
        problems |= timeline.not_too_far_ahead("ends_on", ends_on, day)
    problems |= {k: v for k, v in leave_problems(starts_on, ends_on).items() if k not in problems}
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        client_id, employment_id = await _episode(episode_id)
        rows = await LeavePeriod.insert(
            LeavePeriod(employment=employment_id, kind=kind, starts_on=starts_on, ends_on=ends_on)
        ).returning(LeavePeriod.id)
        leave_id = int(rows[0]["id"])
        await audit.record(
            actor, Action.CREATE, "leave", leave_id, purpose=PURPOSE, client_id=client_id
        )
    return leave_id
