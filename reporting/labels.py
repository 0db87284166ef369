"""What the UI calls reporting's codes: English message ids, translated by the catalogue."""

from collections.abc import Mapping

from practice.platform.i18n import N_
from reporting.billing import BillingMoment, Charge, PriceModel, Standing
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

# What an invoice line bills (reporting.billing): never the kind of session.
CHARGE_LABELS: Mapping[str, str] = {
    Charge.SCREENING: N_("Screening"),
    Charge.PACKAGE: N_("Treatment package"),
    Charge.SESSION: N_("Session"),
    Charge.NO_SHOW: N_("Appointment missed without notice"),
    Charge.LATE_CANCELLATION: N_("Appointment cancelled late"),
}

PRICE_MODEL_LABELS: Mapping[str, str] = {
    PriceModel.PACKAGE: N_("a price per offer (package)"),
    PriceModel.PER_SESSION: N_("a price per held session"),
}

BILLING_MOMENT_LABELS: Mapping[str, str] = {
    BillingMoment.SCREENING: N_("at the screening, per client"),
    BillingMoment.START: N_("at the start of treatment, per client"),
    BillingMoment.MONTHLY: N_("monthly, all clients on one invoice"),
    BillingMoment.END: N_("at the end of treatment, per client"),
}

STANDING_LABELS: Mapping[str, str] = {
    Standing.DRAFT: N_("to review"),
    Standing.OPEN: N_("open"),
    Standing.OVERDUE: N_("overdue"),
    Standing.PAID: N_("paid"),
    Standing.CREDITED: N_("credited"),
    Standing.CREDIT_NOTE: N_("credit note"),
}

LABELS: Mapping[str, Mapping[str, str]] = {
    "charge": CHARGE_LABELS,
    "price_model": PRICE_MODEL_LABELS,
    "billing_moment": BILLING_MOMENT_LABELS,
    "standing": STANDING_LABELS,
    "report_status": REPORT_STATUS_LABELS,
    "questionnaire_moment": QUESTIONNAIRE_MOMENT_LABELS,
    "reliable_change": RELIABLE_CHANGE_LABELS,
}
