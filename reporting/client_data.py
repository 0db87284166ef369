"""What `reporting` holds about a client: reports, documents, deliveries, employer updates,
meeting minutes and questionnaire responses, and the messages and jobs that name them.

Registered with ``practice.client_data`` at start-up (``practice.composition.wiring``); the export
and the erasure of a client both read this list.
"""

from practice.client_data import Found, Holding, linked, messages
from practice.tables import TreatmentEpisode
from reporting.employer_updates import employer_update_key
from reporting.services.follow_ups import follow_up_invitation_key
from reporting.services.monitoring import invitation_key
from reporting.services.report_review import review_key
from reporting.services.reports import deliver_job_id, document_notification_key
from reporting.services.safety_notice import safety_notice_key
from reporting.tables import (
    Delivery,
    Document,
    EmployerUpdate,
    MeetingMinutes,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    Report,
    StatisticsAbsence,
    StatisticsFact,
)


def _message_keys(found: Found) -> list[str]:
    # The keys reporting's services write (follow-up invitations, employer updates, document
    # notifications), per episode, update and document, built by their writers' key functions.
    return [
        *(follow_up_invitation_key(episode_id) for episode_id in found.ids(TreatmentEpisode)),
        *(invitation_key(episode_id, "%", "%") for episode_id in found.ids(TreatmentEpisode)),
        *(safety_notice_key(r, "%") for r in found.ids(QuestionnaireResponse)),
        *(employer_update_key(update_id, "%") for update_id in found.ids(EmployerUpdate)),
        *(document_notification_key(document_id, "%") for document_id in found.ids(Document)),
        *(review_key(report_id) for report_id in found.ids(Report)),
    ]


def job_ids(found: Found) -> list[str]:
    """reporting.services.reports.deliver_job names the report."""
    return [deliver_job_id(report_id) for report_id in found.ids(Report)]


HOLDINGS: tuple[Holding, ...] = (
    linked(Report, "episode", changed=("drafted_at", "approved_at")),
    linked(Document, "episode", changed=("created_at",)),
    linked(Delivery, "document", changed=("delivered_at",)),
    linked(EmployerUpdate, "episode", changed=("created_at",)),
    linked(MeetingMinutes, "appointment", changed=("updated_at",)),
    linked(QuestionnaireResponse, "episode", changed=("administered_on",)),
    linked(QuestionnaireInvitation, "episode", changed=("created_at", "completed_at")),
    # The episode's statistics facts (its diagnosis category among them), as last settled.
    linked(StatisticsFact, "episode", changed=("settled_at",)),
    linked(StatisticsAbsence, "episode", changed=("settled_at",)),
    messages(
        (TreatmentEpisode, EmployerUpdate, Document, QuestionnaireResponse, Report), _message_keys
    ),
)
