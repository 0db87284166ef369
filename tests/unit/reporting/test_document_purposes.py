"""Which consent a document needs before the company doctor gets it, per kind of document."""

from practice.consent import Purpose
from reporting.interim_reports import BRIEFING, INTERIM_REPORT, consent_purpose


def test_a_briefing_needs_the_briefing_consent_and_an_interim_report_the_reports_consent() -> None:
    assert consent_purpose(BRIEFING) is Purpose.BRIEFING
    assert consent_purpose(INTERIM_REPORT) is Purpose.INTERIM_REPORTS


def test_any_other_document_for_the_company_doctor_needs_the_interim_reports_consent() -> None:
    assert consent_purpose("relapse_prevention_plan") is Purpose.INTERIM_REPORTS
