"""The client's own account (issue 20): invite, set up, log in with a code by e-mail, revoke.

Rules are in ``practice.client_accounts``; this module loads, decides, stores with its audit
row and queues the message in the same transaction (so a mail leaves with its commit or not
at all). The invitation and the login code go to the client's own address, which the
client record holds; only their SHA-256 is stored on the account row.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Column

from practice import client_accounts as rules
from practice.accounts import ACCOUNT_PURPOSE, LOGIN_PURPOSE, Role, password_problem
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor, Outcome
from practice.client_accounts import AccountState, FactorChoice
from practice.disclosure import Addressee, Sender
from practice.errors import Conflict, Gone, InvalidInput, NotFound, one_of
from practice.platform import i18n, outbox
from practice.platform.db import write_tx
from practice.platform.i18n import N_
from practice.platform.passwords import hash_password
from practice.platform.queue import JobQueue, enqueue_after_commit
from practice.platform.settings import Settings
from practice.platform.templating import make_environment, render_email
from practice.queries.episodes import addressee_of
from practice.services import disclosure
from practice.tables import Client, ClientAccount, User
from practice.totp import SecondFactor

NO_ADDRESS = N_("The client has no e-mail address: add it to the client's details first.")
ADDRESS_TAKEN = N_(
    "This e-mail address belongs to an account of the practice's staff; the client needs an "
    "address of their own."
)
ALREADY_ACTIVE = N_("The client's account is active already.")
LINK_GONE = N_("This link has expired or has been used. Ask your practitioner for a new one.")
PASSWORDS_DIFFER = N_("The two passwords differ.")
NO_ACCOUNT = N_("The client has no account to revoke.")

# Unusable as a password hash: an invited account cannot log in until it is set up.
_NO_PASSWORD = "!"  # noqa: S105 - not a password: a hash nothing verifies against


def client_account_keys_of(client_id: int) -> str:
    """The outbox keys of the client's account messages (a LIKE pattern: the erasure's)."""
    return f"client-account:{client_id}:%"


def _message_key(client_id: int, kind: str, secret_digest: str) -> str:
    return f"client-account:{client_id}:{kind}:{secret_digest[:16]}"


# ---------------------------------------------------------------- the therapist's side


@dataclass(frozen=True)
class AccountView:
    """What the client page shows of the account (no token, no code)."""

    state: AccountState
    email: str | None
    invited_at: datetime | None
    invited_until: datetime | None
    set_up_at: datetime | None
    revoked_at: datetime | None
    factor: str
    report_review: str = ""  # rules.ReviewChoice, or "" when not asked yet

    @property
    def may_invite(self) -> bool:
        return rules.may_invite(self.state)


async def account_of(client_id: int, now: datetime | None = None) -> AccountView:
    row = (
        await ClientAccount.select(
            ClientAccount.invited_at,
            ClientAccount.invited_until,
            ClientAccount.set_up_at,
            ClientAccount.revoked_at,
            ClientAccount.second_factor,
        )
        .where(ClientAccount.client == client_id)
        .first()
    )
    found = Client.select(Client.email, Client.report_review).where(Client.id == client_id)
    client = await found.first() or {}
    email = client.get("email") or None
    row = row or {}
    return AccountView(
        state=rules.state_of(
            invited_until=row.get("invited_until"),
            set_up_at=row.get("set_up_at"),
            revoked_at=row.get("revoked_at"),
            now=now or datetime.now(UTC),
        ),
        email=email,
        invited_at=row.get("invited_at"),
        invited_until=row.get("invited_until"),
        set_up_at=row.get("set_up_at"),
        revoked_at=row.get("revoked_at"),
        factor=str(row.get("second_factor") or ""),
        report_review=str(client.get("report_review") or ""),
    )


async def review_choice_of(client_id: int) -> str:
    """The client's recorded answer (``rules.ReviewChoice``), or "" when not asked yet."""
    row = await Client.select(Client.report_review).where(Client.id == client_id).first()
    return str((row or {}).get("report_review") or "")


async def record_review_choice(
    actor: Actor, *, choice: str, episode_id: int | None = None, client_id: int | None = None
) -> None:
    """Record whether the client wants to read reports before they leave (as the therapist
    asked them, by the episode; or the client themself, in the portal, who answers yes or no
    and cannot be "not asked"): it decides the next approvals, not a review already open."""
    allowed = (
        rules.MY_REVIEW_CHOICE_LABELS if actor.role == Role.CLIENT else rules.REVIEW_CHOICE_LABELS
    )
    if choice not in allowed:
        raise InvalidInput({"report_review": one_of(allowed)})
    if client_id is None:
        if episode_id is None:
            raise ValueError("name the episode or the client")
        client_id = int((await _client_of(episode_id))["client_id"])
    async with write_tx():
        await Client.update({Client.report_review: choice or None}).where(Client.id == client_id)
        await audit.record(
            actor, Action.UPDATE, "client", client_id, purpose=ACCOUNT_PURPOSE, client_id=client_id
        )


async def _locale_of(client_id: int) -> str:
    row = (
        await ClientAccount.select(ClientAccount.user._.locale.as_alias("locale"))
        .where(ClientAccount.client == client_id)
        .first()
    )
    return str(row["locale"]) if row and row["locale"] else i18n.DEFAULT_LOCALE


async def _client_of(episode_id: int) -> dict[str, Any]:
    row = await addressee_of(episode_id)
    if row is None:
        raise NotFound("No such episode.")
    return row


async def invite(
    actor: Actor,
    *,
    episode_id: int,
    settings: Settings,
    queue: JobQueue | None = None,
    now: datetime | None = None,
) -> int:
    """Invite the episode's client (again): a new single-use link, valid 72 hours, replaces
    any earlier one; a revoked account is opened again by a new set-up. Returns the message."""
    now = now or datetime.now(UTC)
    client = await _client_of(episode_id)
    client_id = int(client["client_id"])
    email = str(client["email"] or "").strip().lower()
    if not email:
        raise InvalidInput({"email": NO_ADDRESS})
    clearance = await disclosure.clear(Sender.CLIENT_ACCOUNT, client_id, Addressee.client(), now)
    if isinstance(clearance, disclosure.Refusal):  # the client is always cleared; be safe
        raise Conflict(clearance.reason)
    token = rules.new_token()
    digest = rules.digest(token)
    context = {
        "name": client["name"],
        "link": settings.link(f"/client-account/{token}"),
        "hours": rules.INVITATION_HOURS,
    }
    env = make_environment(settings.time_zone)
    async with write_tx():
        account = (
            await ClientAccount.select(
                ClientAccount.id, ClientAccount.user, ClientAccount.set_up_at
            )
            .where(ClientAccount.client == client_id)
            .first()
        )
        owner = await User.select(User.id, User.role).where(User.email == email).first()
        if owner is not None and (account is None or int(owner["id"]) != int(account["user"])):
            raise InvalidInput({"email": ADDRESS_TAKEN})
        fields: dict[Column | str, Any] = {
            ClientAccount.invited_at: now,
            ClientAccount.invited_until: rules.invitation_until(now),
            ClientAccount.token_hash: digest,
            ClientAccount.code_hash: None,
            ClientAccount.code_until: None,
        }
        if account is None:
            user_rows = await User.insert(
                User(
                    email=email,
                    display_name=str(client["name"]),
                    role=Role.CLIENT.value,
                    password_hash=_NO_PASSWORD,
                    active=False,
                    # The practice's language until the client sets up in their own.
                    locale=i18n.DEFAULT_LOCALE,
                )
            ).returning(User.id)
            await ClientAccount.insert(
                ClientAccount(client=client_id, user=int(user_rows[0]["id"]))
            )
        elif account["set_up_at"] is not None:
            state = await account_of(client_id, now)
            if state.state is AccountState.ACTIVE:
                raise Conflict(ALREADY_ACTIVE)
            # A revoked account starts again: a new password and second factor.
            fields |= {ClientAccount.set_up_at: None, ClientAccount.revoked_at: None}
        else:
            fields |= {ClientAccount.revoked_at: None}
        await ClientAccount.update(fields).where(ClientAccount.client == client_id)
        await User.update({User.email: email, User.active: False}).where(
            User.id.is_in(
                ClientAccount.select(ClientAccount.user).where(ClientAccount.client == client_id)
            )
        )
        # In the client's language (their account's), not the therapist's page's.
        subject, body = render_email(
            env, "practice/client-invitation", context, await _locale_of(client_id)
        )
        message_id = await outbox.queue_message(
            clearance,
            key=_message_key(client_id, "invitation", digest),
            to_address=email,
            subject=subject,
            body_text=body,
        )
        await audit.record(
            actor,
            Action.CREATE,
            "client_account",
            client_id,
            purpose=ACCOUNT_PURPOSE,
            client_id=client_id,
        )
        if message_id is not None and queue is not None:
            enqueue_after_commit(queue, outbox.send_job(message_id))
    return int(message_id or 0)


async def revoke(actor: Actor, *, episode_id: int, now: datetime | None = None) -> int:
    """End the client's account: no login, no link. Returns its user id (to end sessions)."""
    now = now or datetime.now(UTC)
    client_id = int((await _client_of(episode_id))["client_id"])
    async with write_tx():
        account = (
            await ClientAccount.select(ClientAccount.user, ClientAccount.revoked_at)
            .where(ClientAccount.client == client_id)
            .first()
        )
        if account is None or account["revoked_at"] is not None:
            raise Conflict(NO_ACCOUNT)
        await ClientAccount.update(
            {
                ClientAccount.revoked_at: now,
                ClientAccount.token_hash: None,
                ClientAccount.code_hash: None,
                ClientAccount.code_until: None,
            }
        ).where(ClientAccount.client == client_id)
        await User.update({User.active: False}).where(User.id == account["user"])
        await audit.record(
            actor,
            Action.UPDATE,
            "client_account",
            client_id,
            purpose=ACCOUNT_PURPOSE,
            client_id=client_id,
        )
    return int(account["user"])


# ---------------------------------------------------------------- the client's side


@dataclass(frozen=True)
class Invitation:
    client_id: int
    user_id: int
    name: str
    email: str


async def invitation(token: str, now: datetime | None = None) -> Invitation:
    """The invitation this link opens, while it works; else ``Gone`` (never which reason)."""
    now = now or datetime.now(UTC)
    row = (
        await ClientAccount.select(
            ClientAccount.client,
            ClientAccount.user,
            ClientAccount.invited_until,
            ClientAccount.set_up_at,
            ClientAccount.revoked_at,
            ClientAccount.user._.email.as_alias("email"),
            ClientAccount.client._.name.as_alias("name"),
        )
        .where(ClientAccount.token_hash == rules.digest(token))
        .first()
    )
    if (
        row is None
        or rules.state_of(
            invited_until=row["invited_until"],
            set_up_at=row["set_up_at"],
            revoked_at=row["revoked_at"],
            now=now,
        )
        is not AccountState.INVITED
    ):
        raise Gone(LINK_GONE)
    return Invitation(int(row["client"]), int(row["user"]), str(row["name"]), str(row["email"]))


async def set_up(
    actor: Actor,
    *,
    token: str,
    password: str,
    password_again: str,
    factor: str,
    now: datetime | None = None,
) -> tuple[int, SecondFactor]:
    """The client sets a password and chooses the second factor; the link is used up.
    Returns the account and the login's next step: enrol the app, or the session itself
    (the link came by e-mail, so with the e-mail factor the mailbox is proven already)."""
    now = now or datetime.now(UTC)
    found = await invitation(token, now)
    problems: dict[str, Any] = {}
    if problem := password_problem(password):
        problems["password"] = problem
    elif password != password_again:
        problems["password_again"] = PASSWORDS_DIFFER
    if factor not in {f.value for f in FactorChoice}:
        problems["factor"] = one_of(f.value for f in FactorChoice)
    if problems:
        raise InvalidInput(problems)
    password_hash = await hash_password(password)  # before the transaction: ~150 ms
    async with write_tx():
        used = (
            await ClientAccount.update(
                {
                    ClientAccount.token_hash: None,
                    ClientAccount.set_up_at: now,
                    ClientAccount.second_factor: factor,
                }
            )
            .where(
                (ClientAccount.client == found.client_id)
                & (ClientAccount.token_hash == rules.digest(token))
            )
            .returning(ClientAccount.id)
        )
        if not used:  # the same link posted twice at once: the first one won
            raise Gone(LINK_GONE)
        await User.update(
            {
                User.password_hash: password_hash,
                User.active: True,
                # The language the client set up in: their mails from now on.
                User.locale: i18n.current_locale.get(),
                User.totp_secret: None,
                User.totp_enabled_at: None,
                User.totp_last_step: None,
            }
        ).where(User.id == found.user_id)
        await audit.record(
            Actor(
                user_id=found.user_id,
                role=Role.CLIENT.value,
                source=actor.source,
                channel=actor.channel,
            ),
            Action.UPDATE,
            "client_account",
            found.client_id,
            purpose=ACCOUNT_PURPOSE,
            client_id=found.client_id,
        )
    step = SecondFactor.ENROL if factor == FactorChoice.APP.value else SecondFactor.NONE
    return found.user_id, step


async def by_email(user_id: int) -> bool:
    """Whether this account's second factor is a code by e-mail."""
    return await ClientAccount.exists().where(
        (ClientAccount.user == user_id)
        & (ClientAccount.second_factor == FactorChoice.EMAIL.value)
        & ClientAccount.revoked_at.is_null()
    )


async def send_login_code(
    user_id: int, settings: Settings, queue: JobQueue | None = None, now: datetime | None = None
) -> None:
    """A fresh code by e-mail for the login in progress (the one before stops working)."""
    now = now or datetime.now(UTC)
    row = (
        await ClientAccount.select(
            ClientAccount.client,
            ClientAccount.code_until,
            ClientAccount.user._.email.as_alias("email"),
            ClientAccount.user._.locale.as_alias("locale"),
            ClientAccount.client._.name.as_alias("name"),
        )
        .where((ClientAccount.user == user_id) & ClientAccount.revoked_at.is_null())
        .first()
    )
    if row is None or not rules.may_send_code(row["code_until"], now):
        return
    client_id = int(row["client"])
    clearance = await disclosure.clear(Sender.CLIENT_ACCOUNT, client_id, Addressee.client(), now)
    if isinstance(clearance, disclosure.Refusal):
        return
    code = rules.new_email_code()
    digest = rules.digest(code)
    env = make_environment(settings.time_zone)
    context = {"name": row["name"], "code": code, "minutes": rules.EMAIL_CODE_MINUTES}
    subject, body = render_email(env, "practice/login-code", context, row["locale"])
    async with write_tx():
        await ClientAccount.update(
            {ClientAccount.code_hash: digest, ClientAccount.code_until: rules.code_until(now)}
        ).where(ClientAccount.user == user_id)
        message_id = await outbox.queue_message(
            clearance,
            key=_message_key(client_id, "code", digest),
            to_address=str(row["email"]),
            subject=subject,
            body_text=body,
        )
        if message_id is not None and queue is not None:
            enqueue_after_commit(queue, outbox.send_job(message_id))


async def check_login_code(
    actor: Actor, user_id: int, code: str, now: datetime | None = None
) -> bool:
    """The code from the e-mail, once and in time; audited like a TOTP code."""
    now = now or datetime.now(UTC)
    entered = "".join(ch for ch in code if ch.isdigit())
    async with write_tx():
        used = (
            await ClientAccount.update(
                {ClientAccount.code_hash: None, ClientAccount.code_until: None}
            )
            .where(
                (ClientAccount.user == user_id)
                & (ClientAccount.code_hash == rules.digest(entered))
                & (ClientAccount.code_until > now)
                & ClientAccount.revoked_at.is_null()
            )
            .returning(ClientAccount.id)
        )
        ok = bool(used) and len(entered) == rules.EMAIL_CODE_DIGITS
        await audit.record(
            Actor(
                user_id=user_id if ok else None,
                role=None,
                source=actor.source,
                channel=actor.channel,
            ),
            Action.LOGIN,
            "email_code",
            user_id,
            purpose=LOGIN_PURPOSE,
            outcome=Outcome.SUCCESS if ok else Outcome.FAILED,
        )
    return ok
