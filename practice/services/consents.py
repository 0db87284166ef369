"""Consent per recipient and purpose: given, withdrawn, and checked before every send."""

from datetime import UTC, datetime, timedelta

from practice import timeline
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.consent import WRONG_PURPOSE, Purpose, Recipient, fits
from practice.errors import Conflict, InvalidInput, Message, NotFound, one_of
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.tables import Client, Consent, TreatmentEpisode

PURPOSE = "consent_management"
ALREADY_WITHDRAWN = N_("This consent was already withdrawn.")
WITHDRAWN_BEFORE_GIVEN = N_("A consent can only be withdrawn after it was given.")
GIVEN_LATER = N_("A consent is recorded once it is given: this moment is still to come.")
# A moment typed on another device may run a little ahead of the server's clock.
CLOCK_SKEW = timedelta(minutes=10)


async def give_consent(
    actor: Actor,
    *,
    client_id: int,
    recipient: str,
    purpose: str,
    given_at: datetime,
    recipient_user_id: int | None = None,
) -> int:
    problems: dict[str, str] = {}
    if recipient not in {r.value for r in Recipient}:
        problems["recipient"] = one_of(r.value for r in Recipient)
    if purpose not in {p.value for p in Purpose}:
        problems["purpose"] = one_of(p.value for p in Purpose)
    if given_at.tzinfo is None:
        problems["given_at"] = "give a time zone"
    elif given_at > datetime.now(UTC) + CLOCK_SKEW:
        # A consent is recorded once given: one of 2099 would count from then.
        problems["given_at"] = Message(GIVEN_LATER)
    elif given_at.date() < timeline.EARLIEST_DAY:
        problems["given_at"] = Message(timeline.TOO_LONG_AGO, day=timeline.EARLIEST_DAY)
    if not problems and not fits(Recipient(recipient), Purpose(purpose)):
        problems["purpose"] = Message(WRONG_PURPOSE[Recipient(recipient)])
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        if not await Client.exists().where(Client.id == client_id):
            raise NotFound("No such client.")
        rows = await Consent.insert(
            Consent(
                client=client_id,
                recipient=recipient,
                purpose=purpose,
                recipient_user=recipient_user_id,
                given_at=given_at,
            )
        ).returning(Consent.id)
        await audit.record(
            actor, Action.CREATE, "consent", rows[0]["id"], purpose=PURPOSE, client_id=client_id
        )
    return int(rows[0]["id"])


async def withdraw_consent(
    actor: Actor, *, client_id: int, consent_id: int, withdrawn_at: datetime
) -> None:
    """Withdrawal stops every future send for that recipient and purpose."""
    if withdrawn_at.tzinfo is None:
        raise InvalidInput({"withdrawn_at": "give a time zone"})
    async with write_tx():
        row = (
            await Consent.select(Consent.withdrawn_at, Consent.given_at)
            .where((Consent.id == consent_id) & (Consent.client == client_id))
            .first()
        )
        if row is None:
            raise NotFound("No such consent for this client.")
        if row["withdrawn_at"] is not None:
            raise Conflict(ALREADY_WITHDRAWN)
        if withdrawn_at < row["given_at"]:
            raise InvalidInput({"withdrawn_at": WITHDRAWN_BEFORE_GIVEN})
        await Consent.update({Consent.withdrawn_at: withdrawn_at}).where(Consent.id == consent_id)
        await audit.record(
            actor, Action.UPDATE, "consent", consent_id, purpose=PURPOSE, client_id=client_id
        )


async def withdraw_episode_consent(
    actor: Actor, *, episode_id: int, consent_id: int, withdrawn_at: datetime
) -> None:
    """Withdraw a consent of the episode's client (the client page's withdrawal)."""
    episode = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    if episode is None:
        raise NotFound("No such episode.")
    await withdraw_consent(
        actor,
        client_id=int(episode["client"]),
        consent_id=consent_id,
        withdrawn_at=withdrawn_at,
    )
