"""Consent as the only door out (issue 18): every sender that needs the client's consent is
cleared with it, refused without it, and blocked at sending once it is withdrawn; the
outbox takes nothing but the gate's clearance; the alignment meeting's reminders and the
handover notices reach the manager and the company doctor only with consent.

The first test runs over the registry (``practice.disclosure.consent_pairs``): a sender added
with a consent rule is tested here without a line of test code, through the gate and the
outbox as every writer uses them.
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine

from practice.accounts import Role
from practice.audit.trail import Actor, Channel
from practice.consent import Purpose, Recipient
from practice.disclosure import Addressee, Audience, NeedsConsent, Sender, consent_pairs, need
from practice.platform import outbox
from practice.platform.settings import Settings
from practice.services import consents, disclosure
from practice.services.case_team import hand_over, handover_key
from practice.services.disclosure import Clearance, ForgedClearance, Refusal
from practice.tables import Client, Consent, OutboundMessage, TreatmentEpisode
from scheduling.services.notices import queue_due_reminders, reminder_key
from scheduling.tables import Participant
from tests.cast import Cast, make_user
from tests.mailbox import Mailbox
from tests.story import ok, refer, setup_parties
from tests.web import api

SYSTEM = Actor.system(Channel.WORKER)
ROLE_OF = {
    Audience.COMPANY_DOCTOR: Role.COMPANY_DOCTOR,
    Audience.EMPLOYER_CONTACT: Role.EMPLOYER_CONTACT,
}
TZ = ZoneInfo("Europe/Amsterdam")


def _smtp(settings: Settings, box: Mailbox) -> Settings:
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=box.port)


async def _client() -> int:
    rows = await Client.insert(Client(name="Anna Gate")).returning(Client.id)
    return int(rows[0]["id"])


async def _queue(clearance: Clearance, key: str, to: str) -> int:
    message_id = await outbox.queue_message(
        clearance, key=key, to_address=to, subject="Bericht", body_text="Zie het portaal."
    )
    assert message_id is not None
    return message_id


@pytest.mark.parametrize(
    ("sender", "audience"), consent_pairs(), ids=[f"{s}-{a}" for s, a in consent_pairs()]
)
async def test_a_sender_needing_consent_is_refused_without_it_sent_with_it_blocked_once_withdrawn(
    db: None, settings: Settings, mailbox: Mailbox, sender: Sender, audience: Audience
) -> None:
    needed = need(sender, audience)
    assert isinstance(needed, NeedsConsent)
    client_id = await _client()
    person = await make_user(ROLE_OF[audience], f"{sender}-{audience}@gate.test")
    to = Addressee.account(person.id)
    now = datetime.now(UTC)

    refused = await disclosure.clear(sender, client_id, to, now)
    assert isinstance(refused, Refusal) and refused.reason.startswith("no consent recorded")

    consent_id = await consents.give_consent(
        SYSTEM,
        client_id=client_id,
        recipient=needed.recipient.value,
        purpose=needed.purpose.value,
        given_at=now - timedelta(days=1),
    )
    first = await disclosure.clear(sender, client_id, to, now)
    second = await disclosure.clear(sender, client_id, to, now)
    assert isinstance(first, Clearance) and isinstance(second, Clearance)
    sent = await _queue(first, f"gate:{sender}:{audience}:1", person.email)
    held = await _queue(second, f"gate:{sender}:{audience}:2", person.email)
    mail = _smtp(settings, mailbox)
    assert await outbox.send_message(mail, sent) is True

    await consents.withdraw_consent(
        SYSTEM, client_id=client_id, consent_id=consent_id, withdrawn_at=datetime.now(UTC)
    )
    assert await outbox.send_message(mail, held) is False
    row = await OutboundMessage.select().where(OutboundMessage.id == held).first()
    assert row is not None and row["sent_at"] is None and row["blocked_at"] is not None
    assert "withdrawn" in row["blocked_reason"]
    assert (row["sender"], row["client_id"], row["audience"], row["recipient_user_id"]) == (
        sender.value,
        client_id,
        audience.value,
        person.id,
    )
    assert len(mailbox.messages) == 1  # the one sent before the withdrawal
    assert outbox.send_job(held) not in await outbox.due_messages()  # never retried
    assert await outbox.send_message(mail, held) is False
    assert isinstance(await disclosure.clear(sender, client_id, to, datetime.now(UTC)), Refusal)


async def test_the_outbox_refuses_a_forged_or_absent_clearance_and_writes_nothing(
    db: None,
) -> None:
    forged = object.__new__(Clearance)
    for clearance in (forged, None, "client"):
        with pytest.raises(ForgedClearance):
            await outbox.queue_message(
                clearance,  # type: ignore[arg-type]
                key="gate:forged",
                to_address="x@example.org",
                subject="x",
                body_text="x",
            )
    assert await OutboundMessage.count().where(OutboundMessage.key == "gate:forged") == 0


async def test_an_account_addressed_as_another_audience_is_refused(db: None) -> None:
    client_id = await _client()
    doctor = await make_user(Role.COMPANY_DOCTOR, "arts@gate.test")
    as_staff = Addressee(Audience.PRACTICE_STAFF, doctor.id)
    refused = await disclosure.clear(Sender.HANDOVER_NOTICE, client_id, as_staff, datetime.now(UTC))
    assert isinstance(refused, Refusal) and "is not a practice_staff recipient" in refused.reason
    ghost = await disclosure.clear(
        Sender.BREAK_GLASS_NOTICE, client_id, Addressee.account(999_999), datetime.now(UTC)
    )
    assert isinstance(ghost, Refusal)


async def test_consenting_clients_are_those_whose_consent_is_in_force_on_the_day(db: None) -> None:
    at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    yes, withdrawn, later, narrowed, other_purpose, never = [await _client() for _ in range(6)]
    contact = await make_user(Role.EMPLOYER_CONTACT, "hr@gate.test")

    async def give(client_id: int, purpose: Purpose, given_at: datetime, **kw: object) -> int:
        return await consents.give_consent(
            SYSTEM,
            client_id=client_id,
            recipient=Recipient.EMPLOYER.value,
            purpose=purpose.value,
            given_at=given_at,
            **kw,  # type: ignore[arg-type]
        )

    await give(yes, Purpose.PROCESS_UPDATES, at - timedelta(days=30))
    gone = await give(withdrawn, Purpose.PROCESS_UPDATES, at - timedelta(days=30))
    await consents.withdraw_consent(
        SYSTEM, client_id=withdrawn, consent_id=gone, withdrawn_at=at - timedelta(days=1)
    )
    await give(later, Purpose.PROCESS_UPDATES, at + timedelta(days=1))
    await give(
        narrowed, Purpose.PROCESS_UPDATES, at - timedelta(days=3), recipient_user_id=contact.id
    )
    await give(other_purpose, Purpose.RELAPSE_PLAN_WORK_SECTION, at - timedelta(days=3))

    everyone = [yes, withdrawn, later, narrowed, other_purpose, never]
    found = await disclosure.consenting_clients(
        everyone, Recipient.EMPLOYER, Purpose.PROCESS_UPDATES, at
    )
    assert found == {yes}
    assert await disclosure.consenting_clients(
        everyone, Recipient.EMPLOYER, Purpose.PROCESS_UPDATES, at + timedelta(days=2)
    ) == {yes, later}
    assert (
        await disclosure.consenting_clients([], Recipient.EMPLOYER, Purpose.PROCESS_UPDATES, at)
        == set()
    )


# ---------------------------------------------------------------- the services that send


async def _withdraw_all(client_id: int, recipient: Recipient) -> None:
    for row in await Consent.select(Consent.id).where(
        (Consent.client == client_id)
        & (Consent.recipient == recipient.value)
        & Consent.withdrawn_at.is_null()
    ):
        await consents.withdraw_consent(
            SYSTEM, client_id=client_id, consent_id=int(row["id"]), withdrawn_at=datetime.now(UTC)
        )


async def _client_of(episode_id: int) -> int:
    row = (
        await TreatmentEpisode.select(TreatmentEpisode.client)
        .where(TreatmentEpisode.id == episode_id)
        .first()
    )
    assert row is not None
    return int(row["client"])


async def _alignment_meeting(client: httpx.AsyncClient, cast: Cast) -> tuple[int, int]:
    """A referred client (the company doctor's consents given at referral, none for the
    employer) with an alignment meeting tomorrow: the manager and the doctor invited."""
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-04-28T09:00:00+02:00"
    )
    meeting = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "alignment_meeting", "starts_at": "2026-05-04T09:30:00+02:00"},
        ),
        201,
    )
    return episode_id, int(meeting["id"])


async def _reminded(appointment_id: int) -> dict[str, str]:
    """The reminders queued for the meeting, by participant role (and ``client``)."""
    await queue_due_reminders(datetime.now(UTC), timedelta(hours=24), TZ)
    roles = {
        f"participant:{p['id']}": str(p["role"])
        for p in await Participant.select(Participant.id, Participant.role).where(
            Participant.appointment == appointment_id
        )
    }
    keys = [
        str(r["key"])
        for r in await OutboundMessage.select(OutboundMessage.key).where(
            OutboundMessage.key.like(reminder_key(appointment_id, "%"))
        )
    ]
    return {roles.get(key.split(":", 2)[2], "client"): key for key in keys}


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_the_alignment_meetings_reminder_reaches_the_manager_and_doctor_only_with_consent(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id, meeting = await _alignment_meeting(client, cast)
    client_id = await _client_of(episode_id)
    await consents.give_consent(
        SYSTEM,
        client_id=client_id,
        recipient=Recipient.EMPLOYER.value,
        purpose=Purpose.PROCESS_UPDATES.value,
        given_at=datetime.now(UTC) - timedelta(hours=1),
    )
    assert set(await _reminded(meeting)) == {"client", "manager", "company_doctor"}


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_a_withdrawn_consent_blocks_the_alignment_meetings_reminders_to_manager_and_doctor(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    episode_id, meeting = await _alignment_meeting(client, cast)
    client_id = await _client_of(episode_id)
    given = await consents.give_consent(
        SYSTEM,
        client_id=client_id,
        recipient=Recipient.EMPLOYER.value,
        purpose=Purpose.PROCESS_UPDATES.value,
        given_at=datetime.now(UTC) - timedelta(hours=1),
    )
    await consents.withdraw_consent(
        SYSTEM, client_id=client_id, consent_id=given, withdrawn_at=datetime.now(UTC)
    )
    await _withdraw_all(client_id, Recipient.COMPANY_DOCTOR)
    assert set(await _reminded(meeting)) == {"client"}


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_a_reminder_queued_before_a_withdrawal_is_blocked_at_sending(
    client: httpx.AsyncClient, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    episode_id, meeting = await _alignment_meeting(client, cast)
    reminders = await _reminded(meeting)
    assert "company_doctor" in reminders
    await _withdraw_all(await _client_of(episode_id), Recipient.COMPANY_DOCTOR)
    row = (
        await OutboundMessage.select(OutboundMessage.id)
        .where(OutboundMessage.key == reminders["company_doctor"])
        .first()
    )
    assert row is not None
    assert await outbox.send_message(_smtp(settings, mailbox), int(row["id"])) is False
    assert mailbox.messages == []
    assert outbox.send_job(int(row["id"])) not in await outbox.due_messages()


async def _handed_over(client: httpx.AsyncClient, cast: Cast) -> dict[str, int]:
    """A case referred by the company doctor (their consents given at referral, none for
    the employer), with the manager on the team."""
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-06-10T09:00:00+02:00"
    )
    return {"episode": episode_id, "client": await _client_of(episode_id)}


async def _notices(episode_id: int, successor: int, cast: Cast) -> set[str]:
    """The therapist hands the case over today; which of the doctor and the manager got a
    notice."""
    on = date(2026, 6, 15)
    await hand_over(
        SYSTEM,
        episode_id=episode_id,
        role="therapist",
        leaving_user_id=cast.therapist.id,
        successor_user_id=successor,
        on=on,
        tz=TZ,
    )
    people = {cast.company_doctor.id: "company_doctor", cast.employer_contact.id: "manager"}
    keys = {
        str(r["key"])
        for r in await OutboundMessage.select(OutboundMessage.key).where(
            OutboundMessage.key.like(f"handover:{episode_id}:%")
        )
    }
    return {
        role
        for person, role in people.items()
        if handover_key(episode_id, successor, on, person) in keys
    }


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_handover_notice_reaches_the_doctor_and_manager_only_with_their_consent(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    case = await _handed_over(client, cast)
    await consents.give_consent(
        SYSTEM,
        client_id=case["client"],
        recipient=Recipient.EMPLOYER.value,
        purpose=Purpose.PROCESS_UPDATES.value,
        given_at=datetime.now(UTC) - timedelta(days=1),
    )
    successor = await make_user(Role.THERAPIST, "opvolger@gate.test")
    assert await _notices(case["episode"], successor.id, cast) == {"company_doctor", "manager"}


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
async def test_a_withdrawn_consent_blocks_the_handover_notice_to_the_doctor_and_the_manager(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    case = await _handed_over(client, cast)
    await _withdraw_all(case["client"], Recipient.COMPANY_DOCTOR)  # given at referral
    successor = await make_user(Role.THERAPIST, "opvolger@gate.test")
    # no employer consent was ever given; the doctor's is withdrawn: the therapists only
    assert await _notices(case["episode"], successor.id, cast) == set()
