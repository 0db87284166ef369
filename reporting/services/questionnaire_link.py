"""The client's answers through the secure link of outcome monitoring (issue 20): the link
opens one invitation (``reporting.services.monitoring``), once, until it expires; its answers
are scored and stored in one transaction with the link closed, so a refusal writes nothing.
At the follow-up the client also gives the hours worked and the contract hours.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import msgspec

from practice.audit.trail import Actor, Channel
from practice.errors import InvalidInput
from practice.platform.db import write_tx
from practice.platform.settings import Settings
from practice.services import treatment_plan, work
from practice.tables import TreatmentEpisode
from practice.timeline import NOT_A_NUMBER
from reporting.questionnaire_model import Questionnaire
from reporting.questionnaires import INSTRUMENTS, safety_hits
from reporting.services import safety_notice
from reporting.services.monitoring import token_hash
from reporting.services.questionnaires import NO_ANSWER, record_questionnaire
from reporting.tables import QuestionnaireInvitation


@dataclass(frozen=True, slots=True)
class OpenInvitation:
    """An invitation whose link still works: what the client's page shows. At the follow-up
    the page also asks the hours worked and the contract hours (the contract now, to change)."""

    id: int
    episode_id: int
    moment: str
    instruments: tuple[Questionnaire, ...]
    contract_hours: Decimal | None = None
    employment_known: bool = False

    @property
    def asks_work(self) -> bool:
        # Hours are recorded against the employment: without one there is nothing to ask.
        return self.moment == FOLLOW_UP and self.employment_known


class FollowUpWork(msgspec.Struct):
    """The follow-up measurement's work part, as the client gives it (hours a week)."""

    own_work_hours: Decimal
    contract_hours: Decimal
    adapted_work_hours: Decimal = Decimal(0)


FOLLOW_UP = "follow_up"
_ANSWER = re.compile(r"-?[0-9]{1,3}")
WORK_FIELDS = ("own_work_hours", "adapted_work_hours", "contract_hours")


class LinkNotUsable(Exception):
    """The link is unknown, used or expired: the page says so and asks nothing."""


async def open_invitation(token: str, now: datetime) -> OpenInvitation:
    row = (
        await QuestionnaireInvitation.select(
            QuestionnaireInvitation.id,
            QuestionnaireInvitation.episode,
            QuestionnaireInvitation.moment,
            QuestionnaireInvitation.instruments,
            QuestionnaireInvitation.expires_at,
            QuestionnaireInvitation.completed_at,
        )
        .where(QuestionnaireInvitation.token_hash == token_hash(token))
        .output(load_json=True)
        .first()
    )
    if row is None or row["completed_at"] is not None or row["expires_at"] < now:
        raise LinkNotUsable
    codes = row["instruments"] if isinstance(row["instruments"], list) else []
    episode_id, moment = int(row["episode"]), str(row["moment"])
    contract, employment_known = None, False
    if moment == FOLLOW_UP:
        employment = (
            await TreatmentEpisode.select(TreatmentEpisode.employment)
            .where(TreatmentEpisode.id == episode_id)
            .first()
        )
        if employment is not None and employment["employment"] is not None:
            employment_known = True
            contract = await work.contract_hours_on(int(employment["employment"]), now.date())
    return OpenInvitation(
        id=int(row["id"]),
        episode_id=episode_id,
        moment=moment,
        instruments=tuple(INSTRUMENTS[c] for c in codes if c in INSTRUMENTS),
        contract_hours=contract,
        employment_known=employment_known,
    )


def client_actor(source: str | None) -> Actor:
    """The client, known by the link rather than an account: audited as such."""
    return Actor(user_id=None, role="client", source=source, channel=Channel.WEB)


def missing_answers(
    instruments: Sequence[Questionnaire], answers: Mapping[str, Mapping[str, int]]
) -> dict[str, str]:
    """Every unanswered item of every instrument, as ``answers.<item>``: named at once."""
    return {
        f"answers.{item.id}": NO_ANSWER
        for questionnaire in instruments
        for item in questionnaire.items
        if item.id not in answers.get(questionnaire.code, {})
    }


async def complete_invitation(
    token: str,
    answers: Mapping[str, Mapping[str, int]],
    *,
    now: datetime,
    settings: Settings,
    source: str | None,
    follow_up_work: FollowUpWork | None = None,
) -> int:
    """Score and store the client's answers, one response per instrument (and at the
    follow-up the hours worked, a changed contract and the measurement as done), and close
    the link, all in one transaction: a refusal writes nothing. Returns the responses stored."""
    today = now.astimezone(settings.time_zone).date()
    async with write_tx():
        invitation = await open_invitation(token, now)
        problems = missing_answers(invitation.instruments, answers)
        if invitation.asks_work and follow_up_work is None:
            problems |= dict.fromkeys(("own_work_hours", "contract_hours"), "Fill in this field.")
        if problems:
            raise InvalidInput(problems)
        actor = client_actor(source)
        checked = [(q, answers.get(q.code, {})) for q in invitation.instruments]
        for questionnaire, given in checked:
            recorded = await record_questionnaire(
                actor,
                episode_id=invitation.episode_id,
                instrument=questionnaire.code,
                moment=invitation.moment,
                administered_on=today,
                answers=given,
                today=today,
            )
            if safety_hits(questionnaire, given):
                await safety_notice.tell_therapists(
                    invitation.episode_id, recorded.id, today, settings
                )
        if invitation.asks_work and follow_up_work is not None:
            await _record_follow_up_work(actor, invitation, follow_up_work, today, settings)
        closed = (
            await QuestionnaireInvitation.update({QuestionnaireInvitation.completed_at: now})
            .where(
                (QuestionnaireInvitation.id == invitation.id)
                & QuestionnaireInvitation.completed_at.is_null()
            )
            .returning(QuestionnaireInvitation.id)
        )
        if not closed:  # the same link posted twice at once: the other post won
            raise LinkNotUsable
    return len(checked)


async def _record_follow_up_work(
    actor: Actor,
    invitation: OpenInvitation,
    given: FollowUpWork,
    today: date,
    settings: Settings,
) -> None:
    """The follow-up measurement as the client gave it: a new contract period when the hours
    changed, the hours worked (moment follow-up, source client), and the measurement done."""
    episode_id, tz = invitation.episode_id, settings.time_zone
    if given.contract_hours != invitation.contract_hours:
        await work.change_contract_hours(
            actor, episode_id=episode_id, valid_from=today, hours=given.contract_hours,
            today=today, tz=tz,
        )  # fmt: skip
    await work.record_participation(
        actor,
        episode_id=episode_id,
        measured_on=today,
        own_work_hours=given.own_work_hours,
        adapted_work_hours=given.adapted_work_hours,
        source="client",
        moment=FOLLOW_UP,
        today=today,
        tz=tz,
    )
    await treatment_plan.record_follow_up(
        actor,
        episode_id=episode_id,
        kind="measurement",
        held_on=today,
        response="done",
        today=today,
        tz=tz,
    )


def answers_by_instrument(
    instruments: Sequence[Questionnaire], posted: Mapping[str, str]
) -> dict[str, dict[str, int]]:
    """``answers.<item>`` form fields, grouped per instrument by the item's id; a value that
    is not a small whole number is left out, so its item counts as unanswered."""
    grouped: dict[str, dict[str, int]] = {}
    for questionnaire in instruments:
        for item in questionnaire.items:
            value = posted.get(f"answers.{item.id}", "").strip()
            if _ANSWER.fullmatch(value):  # ASCII digits only: int() refuses "²", "--1"
                grouped.setdefault(questionnaire.code, {})[item.id] = int(value)
    return grouped


def work_problems(given: FollowUpWork) -> dict[str, str]:
    """Hours that are not numbers ("NaN", "Infinity" parse as a Decimal): named per field."""
    return {name: NOT_A_NUMBER for name in WORK_FIELDS if not getattr(given, name).is_finite()}
