"""What a report to the company doctor contains: the draft the therapist starts from (pure).

The brochure asks for "een geschreven tussenevaluatie": a clinical document. The service
drafts it from the record; the therapist edits and approves it; nothing medical is sent
without that approval and a valid consent (domain pitfall 4).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from practice.consent import Purpose
from practice.platform.i18n import N_, format_day, format_number
from practice.platform.i18n import gettext as _

BRIEFING = "briefing"
INTERIM_REPORT = "interim_report"
# An interim report before a Poortwachter milestone (practice.milestone_reports); its ordinal
# is the milestone's week of sickness, so (episode, kind, week) keys it exactly once.
MILESTONE_REPORT = "milestone_report"
# The consent a document of each kind needs before the company doctor gets it: consent for
# one purpose never covers another, so the briefing and the interim reports are asked apart.
PURPOSE_OF_DOCUMENT: Mapping[str, Purpose] = MappingProxyType(
    {
        BRIEFING: Purpose.BRIEFING,
        INTERIM_REPORT: Purpose.INTERIM_REPORTS,
        MILESTONE_REPORT: Purpose.INTERIM_REPORTS,
    }
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
class Goal:
    description: str
    set_on: date | None
    achieved_on: date | None


@dataclass(frozen=True)
class Agreement:
    agreed_on: date
    description: str
    hours_per_week: Decimal | None
    status: str


@dataclass(frozen=True)
class Score:
    """A completed questionnaire: its total and severity band (an English message id)."""

    instrument: str
    moment: str
    administered_on: date
    total: int
    band: str
    change: str | None = None  # since the first score on the instrument (reliable_change)


@dataclass(frozen=True)
class PartyAdvice:
    """One party's advice (company doctor, therapist, GP, other), with its conflict flag."""

    author_role: str
    given_on: date
    content: str
    conflicts: bool
    conflict_note: str | None
    # The structured capacity advice (practice.capacity): its words may be empty.
    hours_per_day_minutes: int | None = None
    hours_per_week_minutes: int | None = None
    task_limits: str | None = None


@dataclass(frozen=True)
class Findings:
    """The screening's findings and the treatment advice that follows from them: what a
    briefing reports "onder meer over ons behandeladvies". The screening's free texts are
    the therapist's draft (``ReportFacts.screening_summary``), edited before it leaves."""

    held_on: date
    diagnosis: str | None  # practice.screening.DIAGNOSIS_CATEGORIES
    instrument: str | None
    score: int | None
    proposal: str | None  # practice.screening.Proposal
    offer: str | None  # the offer agreed on the episode
    planned_start_on: date | None
    sessions_authorised: int | None


@dataclass(frozen=True)
class ReportRecord:
    """What the record says, for the document's sections: read when the document is shown
    or rendered, beside the therapist's own text (``Draft``)."""

    held_sessions: Sequence[date] = ()
    goals: Sequence[Goal] = ()
    participation: Sequence[tuple[date, Decimal | None]] = ()
    agreements: Sequence[Agreement] = ()
    scores: Sequence[Score] = ()
    advice: Sequence[PartyAdvice] = ()
    screening: Findings | None = None

    @property
    def goals_achieved(self) -> int:
        return sum(1 for goal in self.goals if goal.achieved_on is not None)

    @property
    def latest_volume(self) -> tuple[date, Decimal] | None:
        known = [(day, value) for day, value in self.participation if value is not None]
        return known[-1] if known else None

    def as_of(self, day: date) -> "ReportRecord":
        """The record as it stood at the end of ``day``: a document of the past (a
        practice's history loaded afterwards) tells only what was known when it was sent."""
        return ReportRecord(
            held_sessions=tuple(held for held in self.held_sessions if held <= day),
            goals=tuple(
                Goal(
                    g.description,
                    g.set_on,
                    g.achieved_on if g.achieved_on and g.achieved_on <= day else None,
                )
                for g in self.goals
                if g.set_on is None or g.set_on <= day
            ),
            participation=tuple(p for p in self.participation if p[0] <= day),
            agreements=tuple(a for a in self.agreements if a.agreed_on <= day),
            scores=tuple(s for s in self.scores if s.administered_on <= day),
            advice=tuple(a for a in self.advice if a.given_on <= day),
            screening=self.screening
            if self.screening is not None and self.screening.held_on <= day
            else None,
        )


@dataclass(frozen=True)
class ReportFacts:
    kind: str
    ordinal: int
    record: ReportRecord
    screening_summary: str | None
    treatment_advice: str | None


@dataclass(frozen=True)
class Draft:
    progress: str
    work_participation: str
    advice: str


# The sections the therapist writes, in the document's order: each is edited on its own.
SECTIONS = ("progress", "work_participation", "advice")
# Approval is refused while every part is blank (the company doctor would get a report of
# empty headings); a part left blank is a warning on the approval page (the advice may be
# none yet).
EMPTY_REPORT = N_("The report is empty: write it before approving it.")


def blank_sections(report: Mapping[str, object]) -> list[str]:
    """The sections of ``report`` (a row) that hold no text, in the document's order."""
    return [name for name in SECTIONS if not str(report.get(name) or "").strip()]


def title(kind: str, ordinal: int) -> str:
    if kind == BRIEFING:
        return _("Briefing after the screening")
    if kind == MILESTONE_REPORT:
        return _("Interim evaluation before the Poortwachter milestone of week %(n)d") % {
            "n": ordinal
        }
    return _("Interim evaluation after session %(n)d") % {"n": ordinal}


def short_title(kind: str, ordinal: int) -> str:
    """The report's name in a list or a question, in the words of its document's title:
    what it follows ("Tussenevaluatie na sessie 5", where the lists said "Tussenrapportage
    5", a number that read as the report's own), the milestone's week, the briefing. The
    templates name it alike (``templates/reporting/_report_name.html``)."""
    if kind == BRIEFING:
        return _("Briefing")
    if kind == MILESTONE_REPORT:
        return _("Interim report before week %(num)d of sickness") % {"num": ordinal}
    return _("Interim evaluation after session %(n)d") % {"n": ordinal}


def document_name(kind: str, ordinal: int | None, title: str) -> str:
    """A stored document's name in a list, in the reader's language: a report's by what it
    follows (`short_title`; its stored title is in the language it was written in, and an
    English page listed "Tussenevaluatie na sessie 10"), any other by its own title."""
    if kind in (BRIEFING, INTERIM_REPORT, MILESTONE_REPORT) and ordinal is not None:
        return short_title(kind, ordinal)
    return title


def named(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of documents (``kind``, ``ordinal``, ``title``) with their ``name`` added."""
    return [
        {**row, "name": document_name(str(row["kind"]), row["ordinal"], str(row["title"]))}
        for row in rows
    ]


def draft(facts: ReportFacts) -> Draft:
    """A starting text; every sentence is meant to be checked and rewritten by the therapist.

    The record itself (goals, sessions, hours worked, scores, each party's advice) is shown in
    the document beside this text, so the draft summarises it instead of repeating it."""
    record = facts.record
    # A briefing follows the screening: its findings are its news (the record's screening
    # section shows the diagnosis, the score and the advice), not a count of no sessions.
    if facts.kind == BRIEFING:
        lines = [facts.screening_summary] if facts.screening_summary else []
    else:
        lines = [_("Sessions held: %(n)d.") % {"n": len(record.held_sessions)}]
    if record.goals:
        lines.append(
            _("%(achieved)d of %(all)d work goals achieved.")
            % {"achieved": record.goals_achieved, "all": len(record.goals)}
        )
    work: list[str] = []
    if (latest := record.latest_volume) is not None:
        work.append(
            _("Latest work participation: %(volume)s%% of the contract hours (%(day)s).")
            % {"volume": format_number(latest[1]), "day": format_day(latest[0])}
        )
    work.extend(f"- {agreement.description}" for agreement in record.agreements)
    own_advice = [a.content for a in record.advice if a.author_role == "therapist"]
    # The briefing's advice is the treatment advice of the screening; a later report's is
    # the therapist's own latest advice on capacity (it was the screening's advice too:
    # "Werkgerichte CGT, 8 sessies" under "Advies voor de belastbaarheid").
    treatment_advice = facts.treatment_advice if facts.kind == BRIEFING else None
    return Draft(
        progress="\n".join(lines),
        work_participation="\n".join(work),
        advice=treatment_advice or (own_advice[-1] if own_advice else ""),
    )
