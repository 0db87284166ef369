"""What a report's draft proposes as its advice: the screening's treatment advice in the
briefing only; a later report the therapist's own latest advice, or nothing."""

from datetime import date

from reporting.interim_reports import (
    BRIEFING,
    INTERIM_REPORT,
    PartyAdvice,
    ReportFacts,
    ReportRecord,
    draft,
)


def _facts(kind: str, *advice: PartyAdvice) -> ReportFacts:
    return ReportFacts(
        kind=kind,
        ordinal=1,
        record=ReportRecord(held_sessions=(date(2026, 5, 4),) * 5, advice=advice),
        screening_summary=None,
        treatment_advice="Werkgerichte CGT, 8 sessies",
    )


def _advice(role: str, content: str) -> PartyAdvice:
    return PartyAdvice(role, date(2026, 5, 1), content, conflicts=False, conflict_note=None)


def test_the_briefing_proposes_the_screenings_treatment_advice() -> None:
    assert draft(_facts(BRIEFING)).advice == "Werkgerichte CGT, 8 sessies"


def test_an_interim_report_proposes_the_therapists_own_advice_not_the_treatment_advice() -> None:
    assert draft(_facts(INTERIM_REPORT)).advice == ""
    own = _facts(
        INTERIM_REPORT,
        _advice("company_doctor", "Vier uur per dag"),
        _advice("therapist", "Opbouwen naar zes uur per dag"),
    )
    assert draft(own).advice == "Opbouwen naar zes uur per dag"
