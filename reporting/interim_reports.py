"""What a report to the company doctor contains: the draft the therapist starts from (pure).

The brochure asks for "een geschreven tussenevaluatie": a clinical document. The service
drafts it from the record; the therapist edits and approves it; nothing medical is sent
without that approval and a valid consent (domain pitfall 4).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from practice.consent import Purpose
from practice.platform.i18n import gettext as _

BRIEFING = "briefing"
INTERIM_REPORT = "interim_report"
# The consent a document of each kind needs before the company doctor gets it: consent for
# one purpose never covers another, so the briefing and the interim reports are asked apart.
PURPOSE_OF_DOCUMENT: Mapping[str, Purpose] = MappingProxyType(
    {BRIEFING: Purpose.BRIEFING, INTERIM_REPORT: Purpose.INTERIM_REPORTS}
)


def consent_purpose(kind: str) -> Purpose:
    """The consent purpose of a document of ``kind`` sent to the company doctor; any other
    kind reaching them is medical, so it needs the interim reports' consent."""
    return PURPOSE_OF_DOCUMENT.get(kind, Purpose.INTERIM_REPORTS)


class ReportStatus(StrEnum):
    """A report's life: the sweep drafts it, the therapist edits and approves the draft, the
    delivery job sends it, or blocks it (no consent, no company doctor of record)."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class ReportFacts:
    kind: str
    ordinal: int
    sessions_held: int
    goals: Sequence[tuple[str, date | None]]  # description, achieved on
    participation: Sequence[tuple[date, Decimal | None]]
    agreements: Sequence[str]
    screening_summary: str | None
    treatment_advice: str | None


@dataclass(frozen=True)
class Draft:
    progress: str
    work_participation: str
    advice: str


def title(kind: str, ordinal: int) -> str:
    if kind == BRIEFING:
        return _("Briefing after the screening")
    return _("Interim evaluation after session %(n)d") % {"n": ordinal}


def draft(facts: ReportFacts) -> Draft:
    """A starting text; every sentence is meant to be checked and rewritten by the therapist."""
    lines = [_("Sessions held: %(n)d.") % {"n": facts.sessions_held}]
    if facts.kind == BRIEFING and facts.screening_summary:
        lines.append(facts.screening_summary)
    for description, achieved_on in facts.goals:
        state = _("achieved on %(day)s") % {"day": achieved_on} if achieved_on else _("open")
        lines.append(f"- {description}: {state}")
    work = [f"{day}: {value if value is not None else '–'}%" for day, value in facts.participation]
    work.extend(f"- {agreement}" for agreement in facts.agreements)
    return Draft(
        progress="\n".join(lines),
        work_participation="\n".join(work),
        advice=facts.treatment_advice or "",
    )
