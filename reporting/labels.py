"""What the UI calls reporting's codes: English message ids, translated by the catalogue."""

from collections.abc import Mapping

from practice.platform.i18n import N_
from reporting.interim_reports import ReportStatus

REPORT_STATUS_LABELS: Mapping[str, str] = {
    ReportStatus.DRAFT: N_("draft"),
    ReportStatus.APPROVED: N_("approved"),
    ReportStatus.SENT: N_("sent"),
    ReportStatus.BLOCKED: N_("blocked"),
}

LABELS: Mapping[str, Mapping[str, str]] = {
    "report_status": REPORT_STATUS_LABELS,
}
