"""Connect the packages at start-up: downstream packages hand their facts upstream.

The only module besides app.py, worker.py and cli.py that imports every package. Called by
``create_app`` and the worker's start-up; registering twice is harmless.
"""

from practice import client_data
from practice import labels as practice_labels
from practice.platform import outbox
from practice.platform.i18n import N_
from practice.platform.templating import register_global, register_labels
from practice.queries.access import episode_of
from practice.queries.caseload import register_caseload_column
from practice.queries.episodes import register_fact_source
from practice.queries.today import TodayPanel, register_today_panel
from practice.web.access import register_object
from practice.web.episode_sections import (
    MEASUREMENTS,
    REPORTS,
    SESSIONS,
    register_episode_section,
    register_summary_source,
    register_timeline_source,
    task_href,
)
from reporting import client_data as reporting_client_data
from reporting import labels as reporting_labels
from reporting.queries import employer_texts as reporting_employer_texts
from reporting.queries import outcome_monitoring as reporting_outcome_monitoring
from reporting.queries import records as reporting_records
from reporting.queries import report_review as reporting_report_review
from reporting.queries import today as reporting_today
from reporting.queries import work_track as reporting_work_track
from reporting.queries import workspace as reporting_workspace
from reporting.services import invoice_sending
from reporting.statistics import pages as statistics_pages
from reporting.tables import Document, EmployerUpdate, QuestionnaireInvitation, Report
from reporting.web import pages as reporting_pages
from scheduling import client_data as scheduling_client_data
from scheduling import labels as scheduling_labels
from scheduling.queries import appointments as scheduling_queries
from scheduling.queries import today as scheduling_today
from scheduling.queries import workspace as scheduling_workspace
from scheduling.tables import Appointment
from scheduling.web import pages as scheduling_pages


def connect() -> None:
    register_fact_source("scheduling", scheduling_queries.episode_facts)
    register_fact_source("reporting", reporting_records.episode_facts)
    # The client's volume % against the expected return-to-work curve ("work not on track").
    register_fact_source("work_track", reporting_work_track.episode_facts)
    # Safety answers and symptom change on the questionnaires ("outcome monitoring").
    register_fact_source("outcome_monitoring", reporting_outcome_monitoring.episode_facts)
    register_fact_source("report_review", reporting_report_review.episode_facts)
    # What each package holds about a client: one list for the export and the erasure.
    client_data.register(
        "scheduling", scheduling_client_data.HOLDINGS, scheduling_client_data.job_ids
    )
    client_data.register("reporting", reporting_client_data.HOLDINGS, reporting_client_data.job_ids)
    # What the UI calls each package's codes: one Jinja ``label(kind, code)`` for every page.
    register_labels(practice_labels.LABELS)
    register_labels(scheduling_labels.LABELS)
    register_labels(reporting_labels.LABELS)
    register_caseload_column("next_appointment", scheduling_queries.next_appointments)
    # The therapist's start view: today's appointments, the clients' requests to move or
    # cancel one, then the drafts to approve.
    register_today_panel(
        "appointments",
        TodayPanel("scheduling/today-appointments.html", scheduling_today.todays_appointments),
    )
    register_today_panel(
        "requests", TodayPanel("scheduling/today-requests.html", scheduling_today.open_requests)
    )
    register_today_panel(
        "drafts", TodayPanel("reporting/today-drafts.html", reporting_today.drafts_to_approve)
    )
    # The client page's sections, summary lines and timeline events of the packages downstream.
    register_episode_section(SESSIONS, scheduling_pages.SECTION, N_("Sessions"))
    register_episode_section(REPORTS, reporting_pages.SECTION, N_("Reports"))
    register_episode_section(MEASUREMENTS, statistics_pages.SECTION, N_("Measurements"))
    register_global("task_href", task_href)
    register_summary_source("scheduling", scheduling_workspace.summary)
    register_summary_source("reporting", reporting_workspace.summary)
    # Stored texts the employer-text guard refuses now: withheld, and named to the therapist.
    register_summary_source("employer_texts", reporting_employer_texts.summary)
    register_timeline_source("scheduling", scheduling_workspace.timeline)
    register_timeline_source("reporting", reporting_workspace.timeline)
    # How each package's objects find their episode, for the relation guard.
    register_object("appointment_id", "appointment", episode_of(Appointment))
    register_object("report_id", "report", episode_of(Report))
    outbox.register_attachments("invoice", invoice_sending.attachments)
    register_object("document_id", "document", episode_of(Document))
    register_object("update_id", "employer_update", episode_of(EmployerUpdate))
    register_object(
        "invitation_id", "questionnaire_invitation", episode_of(QuestionnaireInvitation)
    )
