"""Connect the packages at start-up: downstream packages hand their facts upstream.

The only module besides app.py, worker.py and cli.py that imports every package. Called by
``create_app`` and the worker's start-up; registering twice is harmless.
"""

from practice import client_data
from practice import labels as practice_labels
from practice.platform.templating import register_labels
from practice.queries.access import episode_of
from practice.queries.caseload import register_caseload_column
from practice.queries.episodes import register_fact_source
from practice.web.access import register_object
from practice.web.episode_page import register_episode_section
from reporting import client_data as reporting_client_data
from reporting import labels as reporting_labels
from reporting.queries import records as reporting_records
from reporting.tables import Document, EmployerUpdate, Report
from reporting.web import pages as reporting_pages
from scheduling import client_data as scheduling_client_data
from scheduling import labels as scheduling_labels
from scheduling.queries import appointments as scheduling_queries
from scheduling.tables import Appointment
from scheduling.web import pages as scheduling_pages


def connect() -> None:
    register_fact_source("scheduling", scheduling_queries.episode_facts)
    register_fact_source("reporting", reporting_records.episode_facts)
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
    register_episode_section("sessions", scheduling_pages.SECTION)
    register_episode_section("reports", reporting_pages.SECTION)
    # How each package's objects find their episode, for the relation guard.
    register_object("appointment_id", "appointment", episode_of(Appointment))
    register_object("report_id", "report", episode_of(Report))
    register_object("document_id", "document", episode_of(Document))
    register_object("update_id", "employer_update", episode_of(EmployerUpdate))
