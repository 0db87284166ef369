"""What `scheduling` holds about a client: appointments, their participants and proposals.

Registered with ``practice.client_data`` at start-up (``practice.composition.wiring``); the export
and the erasure of a client both read this list.
"""

from practice.client_data import Found, Holding, linked, messages
from practice.tables import TreatmentEpisode
from scheduling.appointments import invitation_cancelled_key, invitation_key
from scheduling.services.attendance import cancellation_key, held_sweep_job_id
from scheduling.services.notices import confirmation_key, reminder_key
from scheduling.services.requests import answer_key, request_key
from scheduling.tables import Appointment, AppointmentRequest, MeetingProposal, Participant


def _message_keys(found: Found) -> list[str]:
    # The keys scheduling.services.notices, .attendance, .invitations and .requests write, per
    # appointment, built by their writers' own key functions.
    keys: list[str] = []
    for appointment_id in found.ids(Appointment):
        keys += [
            confirmation_key(appointment_id),
            cancellation_key(appointment_id),
            reminder_key(appointment_id, "%"),
            invitation_key(appointment_id, "%"),
            invitation_cancelled_key(appointment_id, "%"),
            request_key(appointment_id),
            answer_key(appointment_id),
        ]
    return keys


def job_ids(found: Found) -> list[str]:
    """scheduling.services.attendance queues a sweep named after the appointment that was held."""
    return [held_sweep_job_id(appointment_id) for appointment_id in found.ids(Appointment)]


HOLDINGS: tuple[Holding, ...] = (
    linked(Appointment, "episode", changed=("starts_at", "created_at")),
    linked(Participant, "appointment"),
    linked(AppointmentRequest, "appointment", changed=("created_at", "kept_at")),
    linked(MeetingProposal, "episode", changed=("proposed_at",)),
    messages((Appointment, TreatmentEpisode), _message_keys),
)
