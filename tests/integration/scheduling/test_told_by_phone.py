"""A practice cancellation the therapist already told the client by phone: no e-mail then,
through the real SMTP test server, and the record keeps who told the client and when; the
rebooking task stays. Without the choice the client is mailed, as before."""

import time_machine

from practice.platform.settings import Settings
from scheduling.tables import Appointment
from tests.cast import Cast
from tests.integration.scheduling.test_mail import send_all, smtp
from tests.mailbox import Mailbox
from tests.story import ok, refer, setup_parties, task
from tests.web import api, assert_audited, post_form


async def booked_session(client, cast: Cast) -> tuple[int, int]:
    episode_id = await refer(
        client, cast, await setup_parties(client, cast), received_at="2026-04-28T09:00:00+02:00"
    )
    created = await ok(
        await api(
            client,
            "POST",
            f"/api/episodes/{episode_id}/appointments",
            {"kind": "treatment_session", "starts_at": "2026-05-06T14:00:00+02:00"},
        ),
        201,
    )
    return episode_id, int(created["id"])


def cancellations(box: Mailbox) -> list[str]:
    return [str(m["Subject"]) for m in box.messages if "geannuleerd" in str(m["Subject"])]


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_a_practice_cancellation_told_by_phone_sends_no_mail_and_records_who_told_when(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    episode_id, appointment_id = await booked_session(client, cast)
    await send_all(mail)  # the booking confirmation
    assert len(mailbox.messages) == 1

    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{appointment_id}/attendance",
            {
                "attendance": "cancelled_by_practice",
                "reason": "behandelaar ziek",
                "client_told_by_phone": True,
            },
        )
    )
    await send_all(mail)

    assert cancellations(mailbox) == []
    assert len(mailbox.messages) == 1
    row = await Appointment.select().where(Appointment.id == appointment_id).first()
    assert row is not None
    assert row["attendance"] == "cancelled_by_practice"
    assert row["client_told_by"] == cast.therapist.id and row["client_told_at"] is not None
    [listed] = await ok(await api(client, "GET", f"/api/episodes/{episode_id}/appointments"))
    assert listed["client_told_by"] == "Test therapist"
    assert listed["client_told_at"].startswith("2026-05-03T10:00")
    detail = await ok(await api(client, "GET", f"/api/episodes/{episode_id}"))
    assert task(detail, "rebooking:2026-05-06")["done_on"] is None  # still to rebook
    page = (await client.get(f"/appointments/{appointment_id}")).text
    assert 'data-testid="client-told"' in page and "Test therapist" in page


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_a_practice_cancellation_not_told_by_phone_still_mails_the_client(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    _, appointment_id = await booked_session(client, cast)
    await send_all(mail)

    await ok(
        await api(
            client,
            "POST",
            f"/api/appointments/{appointment_id}/attendance",
            {"attendance": "cancelled_by_practice", "client_told_by_phone": False},
        )
    )
    await send_all(mail)

    assert len(cancellations(mailbox)) == 1
    row = await Appointment.select().where(Appointment.id == appointment_id).first()
    assert row is not None
    assert row["client_told_by"] is None and row["client_told_at"] is None


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_the_cancel_form_with_told_by_phone_sends_no_mail_and_is_audited(
    client, cast: Cast, settings: Settings, mailbox: Mailbox
) -> None:
    mail = smtp(settings, mailbox)
    _, appointment_id = await booked_session(client, cast)
    await send_all(mail)
    page = f"/appointments/{appointment_id}"
    assert 'name="client_told_by_phone"' in (await client.get(page)).text

    answer = await post_form(
        client,
        f"/appointments/{appointment_id}/attendance",
        {
            "attendance": "cancelled_by_practice",
            "reason": "ziek",
            "client_told_by_phone": "true",
            "back": "appointment",
        },
        token_from=page,
    )
    await send_all(mail)

    assert answer.status_code == 303
    assert cancellations(mailbox) == []
    assert "Cliënt telefonisch ingelicht" in (await client.get(page)).text
    rows = await Appointment.select().where(Appointment.id == appointment_id).first()
    assert rows is not None
    assert rows["client_told_by"] == cast.therapist.id
    await assert_audited(action="update", object_type="appointment", object_id=str(appointment_id))


@time_machine.travel("2026-05-03 10:00 +0200", tick=False)
async def test_told_by_phone_with_a_clients_own_cancellation_is_refused_naming_the_field(
    client, cast: Cast
) -> None:
    _, appointment_id = await booked_session(client, cast)

    answer = await api(
        client,
        "POST",
        f"/api/appointments/{appointment_id}/attendance",
        {"attendance": "cancelled_by_client", "client_told_by_phone": True},
    )

    assert answer.status_code == 400
    assert "client_told_by_phone" in answer.text
    row = await Appointment.select().where(Appointment.id == appointment_id).first()
    assert row is not None
    assert row["attendance"] == "planned"
