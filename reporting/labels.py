"""What the UI calls reporting's codes: English message ids, translated by the catalogue."""

from collections.abc import Mapping

from practice.platform.i18n import N_
from reporting.interim_reports import ReportStatus
from reporting.reliable_change import Change

REPORT_STATUS_LABELS: Mapping[str, str] = {
    ReportStatus.DRAFT: N_("draft"),
    ReportStatus.APPROVED: N_("approved"),
    ReportStatus.SENT: N_("sent"),
    ReportStatus.BLOCKED: N_("blocked"),
}

# When a questionnaire was completed (reporting.services.questionnaires.MOMENTS).
QUESTIONNAIRE_MOMENT_LABELS: Mapping[str, str] = {
    "screening": N_("at the screening"),
    "interim": N_("during treatment"),
    "end": N_("at the end"),
    "follow_up": N_("at follow-up"),
}

# A score's change since the client's first on the instrument (reporting.reliable_change).
RELIABLE_CHANGE_LABELS: Mapping[str, str] = {
    Change.IMPROVED: N_("reliably improved"),
    Change.NO_RELIABLE_CHANGE: N_("no reliable change"),
    Change.DETERIORATED: N_("reliably deteriorated"),
}

LABELS: Mapping[str, Mapping[str, str]] = {
    "report_status": REPORT_STATUS_LABELS,
    "questionnaire_moment": QUESTIONNAIRE_MOMENT_LABELS,
    "reliable_change": RELIABLE_CHANGE_LABELS,
}
