"""An account's professional registration (BIG, NIP or LVVP number): what a document's
author signs with. Set by an administrator; audited like every account change."""

from practice import registrations as rules
from practice.accounts import ACCOUNT_PURPOSE
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.errors import InvalidInput, NotFound
from practice.platform.db import write_tx
from practice.tables import User


async def set_registration(actor: Actor, *, user_id: int, registration: str | None) -> None:
    """Set (or, empty, clear) the registration of an account, e.g. "BIG 49012345625"."""
    value = rules.normalised(registration)
    if problem := rules.problem(value):
        raise InvalidInput({"registration": problem})
    async with write_tx():
        updated = (
            await User.update({User.registration: value})
            .where(User.id == user_id)
            .returning(User.id)
        )
        if not updated:
            raise NotFound("No such account.")
        await audit.record(actor, Action.UPDATE, "user", user_id, purpose=ACCOUNT_PURPOSE)
