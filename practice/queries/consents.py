"""The client's consents as a history: where each recipient and purpose stands now, and every
consent ever recorded, newest first, with who recorded and who withdrew it.

Read for the client page's consents section only, after its access check and audit row
(``practice.queries.episode_detail``). Who recorded or withdrew a consent is not a column: the
audit trail knows it (the consent's create and update rows), read by the client's index in one
query, so this costs two short queries more than the list alone.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from practice.audit.trail import Action, Outcome
from practice.consent import ConsentRecord, Purpose, Recipient, Standing, fits, standing
from practice.platform.db import among
from practice.tables import AuditEvent, Consent, User


@dataclass(frozen=True, slots=True)
class StandingRow:
    """One line of the at-a-glance table: a recipient and purpose (and the one person a
    consent was narrowed to, if any) and how it stands."""

    recipient: str
    purpose: str
    person: str | None
    standing: Standing


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One consent as recorded; ``withdrawn_early``: its withdrawal is stamped before its
    giving (a clock or an import wrote it), so it was never in force."""

    id: int
    recipient: str
    purpose: str
    person: str | None
    person_active: bool
    given_at: datetime
    withdrawn_at: datetime | None
    withdrawn_early: bool
    recorded_by: str | None
    withdrawn_by: str | None


@dataclass(frozen=True, slots=True)
class ConsentHistory:
    standings: list[StandingRow]
    records: list[HistoryRow]

    def by_recipient(self) -> list[tuple[str, list[StandingRow]]]:
        """The standings per recipient, in the recipients' declared order."""
        groups: dict[str, list[StandingRow]] = {}
        for row in self.standings:
            groups.setdefault(row.recipient, []).append(row)
        return list(groups.items())


async def consent_history(client_id: int, at: datetime) -> ConsentHistory:
    """Every recipient and purpose as it stands at ``at`` (never given included), then every
    consent of the client, newest first."""
    rows: list[dict[str, Any]] = (
        await Consent.select(
            Consent.id,
            Consent.recipient,
            Consent.purpose,
            Consent.recipient_user,
            Consent.recipient_user._.display_name.as_alias("person"),
            Consent.recipient_user._.active.as_alias("person_active"),
            Consent.given_at,
            Consent.withdrawn_at,
        )
        .where(Consent.client == client_id)
        .order_by(Consent.given_at, ascending=False)
        .order_by(Consent.id, ascending=False)
    )
    known = [r for r in rows if _known(r)]
    records = [
        ConsentRecord.as_stored(
            Recipient(r["recipient"]),
            Purpose(r["purpose"]),
            r["given_at"],
            r["withdrawn_at"],
            r["recipient_user"],
        )
        for r in known
    ]
    # A consent narrowed to one person stands on a line of its own, by the same rule; the
    # line for whoever holds the role is left out when only narrowed consents were given.
    persons: dict[tuple[str, str], dict[int, str | None]] = {}
    role_wide: set[tuple[str, str]] = set()
    for r in known:
        key = (str(r["recipient"]), str(r["purpose"]))
        if r["recipient_user"] is None:
            role_wide.add(key)
        else:
            persons.setdefault(key, {})[int(r["recipient_user"])] = r["person"]
    standings: list[StandingRow] = []
    recorded = role_wide | set(persons)
    for recipient in Recipient:
        # What the recipient may be sent, and any other purpose a consent was recorded for
        # (before the rule refused it: it still stands where it stands).
        purposes = [
            p for p in Purpose if fits(recipient, p) or (recipient.value, p.value) in recorded
        ]
        for purpose in purposes:
            key = (recipient.value, purpose.value)
            if key in role_wide or key not in persons:
                standings.append(
                    StandingRow(recipient, purpose, None, standing(records, recipient, purpose, at))
                )
            for person_id, name in sorted(persons.get(key, {}).items()):
                standings.append(
                    StandingRow(
                        recipient,
                        purpose,
                        name or f"#{person_id}",
                        standing(records, recipient, purpose, at, person_id),
                    )
                )
    by = await _who(client_id, [int(r["id"]) for r in rows])
    return ConsentHistory(
        standings,
        [
            HistoryRow(
                id=int(r["id"]),
                recipient=str(r["recipient"]),
                purpose=str(r["purpose"]),
                person=None
                if r["recipient_user"] is None
                else r["person"] or f"#{r['recipient_user']}",
                person_active=bool(r["person_active"]) if r["recipient_user"] else True,
                given_at=r["given_at"],
                withdrawn_at=r["withdrawn_at"],
                withdrawn_early=r["withdrawn_at"] is not None and r["withdrawn_at"] < r["given_at"],
                recorded_by=by.get((str(r["id"]), Action.CREATE)),
                withdrawn_by=by.get((str(r["id"]), Action.UPDATE)),
            )
            for r in rows
        ],
    )


def _known(row: dict[str, Any]) -> bool:
    """A row whose recipient and purpose the rules know (the table holds plain text)."""
    return row["recipient"] in set(Recipient) and row["purpose"] in set(Purpose)


async def _who(client_id: int, consent_ids: list[int]) -> dict[tuple[str, Action], str]:
    """Who recorded (create) and who withdrew (update) each consent, by the audit trail; the
    first such row of each wins. A consent loaded without a person behind it has none."""
    if not consent_ids:
        return {}
    events = (
        await AuditEvent.select(AuditEvent.object_id, AuditEvent.action, AuditEvent.actor_id)
        .where(
            (AuditEvent.client_id == client_id)
            & (AuditEvent.object_type == "consent")
            & AuditEvent.action.is_in([Action.CREATE.value, Action.UPDATE.value])
            & (AuditEvent.outcome == Outcome.SUCCESS.value)
            & AuditEvent.object_id.is_in([str(i) for i in consent_ids])
        )
        .order_by(AuditEvent.id)
    )
    actor_ids = sorted({int(e["actor_id"]) for e in events if e["actor_id"] is not None})
    names = (
        {
            int(u["id"]): str(u["display_name"])
            for u in await User.select(User.id, User.display_name).where(among(User.id, actor_ids))
        }
        if actor_ids
        else {}
    )
    who: dict[tuple[str, Action], str] = {}
    for event in events:
        if event["actor_id"] in names:
            who.setdefault(
                (str(event["object_id"]), Action(event["action"])), names[event["actor_id"]]
            )
    return who
