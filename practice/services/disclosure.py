"""The one door out: a message leaves the practice only with a clearance from this gate.

``clear`` decides, for a registered sender (``practice.disclosure``), a client and an
addressee, whether the message may be queued at ``at``: the addressee is placed by their
account's role, the sender must be allowed to reach that audience, and the consent its rule
names must be in force. It answers a ``Clearance`` or a ``Refusal`` with the reason.
``practice.platform.outbox.queue_message`` takes nothing but a clearance, and only this
module can make one (a module-private seal checked on construction), so a writer that skips
the gate fails at once. The outbox keeps what the clearance names and asks ``recheck`` again
on the day it sends: a consent withdrawn in between blocks the message.

Reasons and logs name the sender, the audience, the purpose and ids, never client data.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from practice.consent import ConsentRecord, Purpose, Recipient, why_not_sendable
from practice.disclosure import Addressee, Audience, NoConsent, Sender, need, place
from practice.platform.db import among
from practice.tables import Consent, User

log = logging.getLogger(__name__)

_SEAL = object()  # only this module holds it: a Clearance made elsewhere is refused


class ForgedClearance(TypeError):
    """A clearance not made by the gate (or none at all) was offered to the outbox."""


@dataclass(frozen=True, slots=True)
class Clearance:
    """The gate's leave for one message: which sender, about which client, to whom, when.

    ``client_id`` None: a digest naming several clients (``Sender.ESCALATION_DIGEST``),
    which only a sender that needs no consent for its audience is cleared for."""

    sender: Sender
    client_id: int | None
    audience: Audience
    user_id: int | None
    at: datetime
    seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.seal is not _SEAL:
            raise ForgedClearance("a clearance is made by practice.services.disclosure.clear")


@dataclass(frozen=True, slots=True)
class Refusal:
    """The gate's no, with the reason (no client data in it)."""

    sender: Sender
    reason: str


def genuine(clearance: object) -> bool:
    """True for a clearance this gate made (the outbox asks before it writes a row)."""
    # getattr: an instance made past __post_init__ (object.__new__) has no seal at all
    return isinstance(clearance, Clearance) and getattr(clearance, "seal", None) is _SEAL


async def clear(
    sender: Sender,
    client_id: int | None,
    recipient: Addressee,
    at: datetime,
    *,
    quiet: bool = False,
) -> Clearance | Refusal:
    """May ``sender`` tell ``recipient`` about client ``client_id`` at ``at``? (None: about
    several clients at once, as a staff digest is). ``quiet``: a refusal is not logged (a
    sweep that asks again every five minutes until a consent comes)."""
    role: str | None = None
    if recipient.user_id is not None:
        row = await User.select(User.role).where(User.id == recipient.user_id).first()
        role = None if row is None else str(row["role"])
    placed = place(recipient, role)
    if not isinstance(placed, Audience):  # an Audience is a str too: ask for it
        return _refuse(sender, placed, quiet)
    reason = await recheck(sender, client_id, placed, recipient.user_id, at)
    if reason is not None:
        return _refuse(sender, reason, quiet)
    return Clearance(sender, client_id, placed, recipient.user_id, at, seal=_SEAL)


async def recheck(
    sender: Sender, client_id: int | None, audience: Audience, user_id: int | None, at: datetime
) -> str | None:
    """None when the rule of ``sender`` lets the message reach ``audience`` at ``at``;
    otherwise why not. The outbox asks this again on the send date."""
    needed = need(sender, audience)
    if needed is None:
        return f"{sender} is never sent to a {audience} recipient"
    if isinstance(needed, NoConsent):
        return None
    if client_id is None:  # one client's consent cannot cover a message about several
        return f"{sender} needs the consent of the one client it is about"
    records = await _consent_records([client_id], needed.recipient, needed.purpose)
    return why_not_sendable(
        records.get(client_id, ()), needed.recipient, needed.purpose, at, user_id
    )


async def consenting_clients(
    client_ids: Iterable[int], recipient: Recipient, purpose: Purpose, at: datetime
) -> set[int]:
    """The clients among ``client_ids`` whose consent for ``purpose`` to ``recipient`` is in
    force at ``at`` (one query): for figures addressed to a recipient, which may count only
    the clients who agreed. Only a consent to whoever holds the role counts here, not one
    narrowed to one person: such figures reach every contact of the recipient."""
    ids = sorted({int(i) for i in client_ids})
    if not ids:
        return set()
    records = await _consent_records(ids, recipient, purpose)
    return {
        client_id
        for client_id, theirs in records.items()
        if why_not_sendable(theirs, recipient, purpose, at, None) is None
    }


async def _consent_records(
    client_ids: list[int], recipient: Recipient, purpose: Purpose
) -> dict[int, list[ConsentRecord]]:
    rows = await Consent.select(
        Consent.client,
        Consent.recipient_user,
        Consent.given_at,
        Consent.withdrawn_at,
    ).where(
        among(Consent.client, client_ids)
        & (Consent.recipient == recipient.value)
        & (Consent.purpose == purpose.value)
    )
    records: dict[int, list[ConsentRecord]] = {}
    for r in rows:
        records.setdefault(int(r["client"]), []).append(
            ConsentRecord.as_stored(
                recipient, purpose, r["given_at"], r["withdrawn_at"], r["recipient_user"]
            )
        )
    return records


def _refuse(sender: Sender, reason: str, quiet: bool = False) -> Refusal:
    if not quiet:
        log.info("not sent: %s: %s", sender, reason)
    return Refusal(sender, reason)
