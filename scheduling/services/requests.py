"""The client's request to cancel or move an appointment (``scheduling.requests``): stored
with its audit row, and the therapist of the appointment told by e-mail in the same
transaction (initials, the kind and the moment; never the client's words, which may be
medical: they are on the appointment's page).

The therapist answers it by moving or cancelling the appointment, or by keeping it as it is
(``keep``: after a talk, say); then the client hears by e-mail that the appointment stands,
and reads the therapist's words in the portal."""

from datetime import UTC, datetime

from practice.accounts import HOME_PATH, Role
from practice.audit import trail as audit
from practice.audit.trail import Action, Actor
from practice.disclosure import Addressee, Sender
from practice.errors import Conflict, InvalidInput, Message, NotFound, one_of
from practice.platform import i18n, outbox
from practice.platform.db import write_tx
from practice.platform.i18n import N_, Count
from practice.platform.queue import JobQueue, enqueue_after_commit
from practice.platform.settings import Settings
from practice.platform.templating import make_environment, render_email
from practice.privacy import initials
from practice.queries.access import episodes_of_client
from practice.services import disclosure
from practice.tables import Client, User
from scheduling import requests as rules
from scheduling.services.notices import client_contact, render_notice
from scheduling.tables import Appointment, AppointmentRequest

PURPOSE = "treatment"
ALREADY_ASKED = N_("You have already sent a request about this appointment.")
MESSAGE_TOO_LONG = N_("Keep the message under %(count)s characters.")


def request_key(appointment_id: int) -> str:
    """The outbox key of the therapist's notice of a request (one per appointment)."""
    return f"appointment-request:{appointment_id}"


def answer_key(appointment_id: int) -> str:
    """The outbox key of the client's notice that the appointment stands (one per request)."""
    return f"appointment-request-answer:{appointment_id}"


async def ask(
    actor: Actor,
    *,
    appointment_id: int,
    client_id: int,
    kind: str,
    message: str,
    settings: Settings,
    queue: JobQueue | None = None,
    now: datetime | None = None,
) -> int:
    now = now or datetime.now(UTC)
    problems: dict[str, str] = {}
    if kind not in {k.value for k in rules.RequestKind}:
        problems["kind"] = one_of(k.value for k in rules.RequestKind)
    text = message.strip()
    if len(text) > rules.MESSAGE_MAX:
        problems["message"] = Message(MESSAGE_TOO_LONG, count=Count(rules.MESSAGE_MAX))
    appointment = (
        await Appointment.select(
            Appointment.id,
            Appointment.starts_at,
            Appointment.attendance,
            Appointment.therapist,
            Appointment.episode,
        )
        .where(
            (Appointment.id == appointment_id)
            & Appointment.episode.is_in(episodes_of_client(client_id))
        )
        .first()
    )
    if appointment is None:
        raise NotFound("No such appointment.")
    if appointment["attendance"] != "planned":
        raise Conflict(rules.NOT_PLANNED)
    if not rules.in_time(appointment["starts_at"], now):
        problems["kind"] = rules.TOO_LATE
    if problems:
        raise InvalidInput(problems)
    async with write_tx():
        if await AppointmentRequest.exists().where(
            AppointmentRequest.appointment == appointment_id
        ):
            raise Conflict(ALREADY_ASKED)
        rows = await AppointmentRequest.insert(
            AppointmentRequest(appointment=appointment_id, kind=kind, message=text)
        ).returning(AppointmentRequest.id)
        await audit.record(
            actor,
            Action.CREATE,
            "appointment_request",
            rows[0]["id"],
            purpose=PURPOSE,
            client_id=client_id,
        )
        await _tell_therapist(appointment, client_id, rules.RequestKind(kind), settings, queue)
    return int(rows[0]["id"])


async def _tell_therapist(
    appointment: dict[str, object],
    client_id: int,
    kind: rules.RequestKind,
    settings: Settings,
    queue: JobQueue | None,
) -> None:
    therapist = (
        await User.select(User.id, User.email, User.display_name, User.locale)
        .where(User.id == appointment["therapist"])
        .first()
    )
    client = await Client.select(Client.name).where(Client.id == client_id).first()
    if therapist is None or client is None:
        return
    clearance = await disclosure.clear(
        Sender.APPOINTMENT_REQUEST_NOTICE,
        client_id,
        Addressee.account(int(therapist["id"])),
        datetime.now(UTC),
    )
    if isinstance(clearance, disclosure.Refusal):
        return
    locale = therapist["locale"] if therapist["locale"] in i18n.LOCALES else None
    token = i18n.current_locale.set(locale or i18n.DEFAULT_LOCALE)
    try:
        what = i18n.gettext(rules.KIND_LABELS[kind])
    finally:
        i18n.current_locale.reset(token)
    subject, body = render_email(
        make_environment(settings.time_zone),
        "scheduling/appointment-request",
        {
            "name": therapist["display_name"],
            "client": initials(str(client["name"])),
            "what": what,
            "starts_at": appointment["starts_at"],
            "link": settings.link(f"/appointments/{appointment['id']}"),
        },
        locale,
    )
    message_id = await outbox.queue_message(
        clearance,
        key=request_key(int(str(appointment["id"]))),
        to_address=str(therapist["email"]),
        subject=subject,
        body_text=body,
    )
    if message_id is not None and queue is not None:
        enqueue_after_commit(queue, outbox.send_job(message_id))


async def keep(
    actor: Actor,
    *,
    appointment_id: int,
    reply: str,
    settings: Settings,
    queue: JobQueue | None = None,
) -> None:
    """Answer the client's open request by keeping the appointment as it is, with the
    therapist's words for the client (optional). The caller has checked the actor may write
    the appointment's record."""
    text = reply.strip()
    if len(text) > rules.MESSAGE_MAX:
        raise InvalidInput({"reply": Message(MESSAGE_TOO_LONG, count=Count(rules.MESSAGE_MAX))})
    async with write_tx():
        found = (
            await AppointmentRequest.select(
                AppointmentRequest.id,
                AppointmentRequest.kept_at,
                AppointmentRequest.appointment._.attendance.as_alias("attendance"),
                AppointmentRequest.appointment._.starts_at.as_alias("starts_at"),
                AppointmentRequest.appointment._.episode._.client.as_alias("client_id"),
            )
            .where(AppointmentRequest.appointment == appointment_id)
            .first()
        )
        now = datetime.now(UTC)
        if found is None:
            raise Conflict(rules.NO_REQUEST)
        refusal = rules.keep_refusal(found, str(found["attendance"]), found["starts_at"], now)
        if refusal is not None:
            raise Conflict(refusal)
        # Only while unanswered: a second answer in another tab (on PostgreSQL, whose
        # transactions do not queue as SQLite's do) is refused, not written over the first.
        kept = (
            await AppointmentRequest.update(
                {
                    AppointmentRequest.kept_at: now,
                    AppointmentRequest.kept_by: actor.user_id,
                    AppointmentRequest.reply: text,
                }
            )
            .where((AppointmentRequest.id == found["id"]) & AppointmentRequest.kept_at.is_null())
            .returning(AppointmentRequest.id)
        )
        if not kept:
            raise Conflict(rules.ALREADY_KEPT)
        client_id = int(found["client_id"])
        await audit.record(
            actor,
            Action.UPDATE,
            "appointment_request",
            int(found["id"]),
            purpose=PURPOSE,
            client_id=client_id,
        )
        await _tell_client(
            appointment_id, found["starts_at"], client_id, bool(text), settings, queue
        )


async def _tell_client(
    appointment_id: int,
    starts_at: datetime,
    client_id: int,
    replied: bool,
    settings: Settings,
    queue: JobQueue | None,
) -> None:
    """The moment only: the therapist's words are for the portal, behind the client's login."""
    name, email = await client_contact(client_id)
    clearance = await disclosure.clear(
        Sender.APPOINTMENT_REQUEST_ANSWER, client_id, Addressee.client(), datetime.now(UTC)
    )
    if not email or isinstance(clearance, disclosure.Refusal):
        return
    subject, body = render_notice(
        "request-kept",
        settings.time_zone,
        name=name,
        starts_at=starts_at,
        replied=replied,
        link=settings.link(f"{HOME_PATH[Role.CLIENT]}#appointment-{appointment_id}"),
    )
    message_id = await outbox.queue_message(
        clearance,
        key=answer_key(appointment_id),
        to_address=email,
        subject=subject,
        body_text=body,
    )
    if message_id is not None and queue is not None:
        enqueue_after_commit(queue, outbox.send_job(message_id))
