"""Stored employer-bound texts rechecked against the guard as it is now.

The guard refuses medical words when a text for an employer is written; a text stored before
it (or before the practice's lexicon grew) was never checked. Three rules follow, one place:

* an employer never reads such a text: ``withhold_refused`` puts the placeholder in its
  place in every ``EmployerView`` that leaves, built now or stored with an update sent before;
* the therapist sees which of the episode's texts fail now, with the words, in the client
  page's summary, each line linking to the section whose form rephrases it (``summary``);
* the operator lists the records that fail (``refused_texts``, ``practice privacy recheck``),
  by id only: a log holds no medical word.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import msgspec

from practice.audit.trail import Actor
from practice.platform.db import among
from practice.platform.i18n import N_
from practice.platform.i18n import gettext as _
from practice.platform.templating import day
from practice.privacy import EmployerView
from practice.queries.employer_text import refused_words, withheld, withheld_or_none
from practice.queries.timeline import SummaryFact
from practice.tables import RelapsePreventionPlan, WorkResumptionAgreement
from reporting.tables import MeetingMinutes


def withhold_refused(view: EmployerView) -> EmployerView:
    """The view with every free text the guard refuses now replaced by the placeholder
    (``practice.queries.employer_text.WITHHELD``); the other fields as they are."""
    agreements = tuple(
        msgspec.structs.replace(a, description=withheld(a.description)) for a in view.agreements
    )
    return msgspec.structs.replace(
        view,
        agreements=agreements,
        shared_minutes=withheld_or_none(view.shared_minutes),
        relapse_plan_work_section=withheld_or_none(view.relapse_plan_work_section),
    )


class TextKind(StrEnum):
    """Where an employer-bound text is kept (``practice.employer_text.GUARDED_FIELDS``)."""

    AGREEMENT = "agreement"  # practice: WorkResumptionAgreement.description
    MINUTES = "minutes"  # reporting: MeetingMinutes.shared_text, by its appointment
    RELAPSE_PLAN = "relapse_plan"  # practice: RelapsePreventionPlan.work_situation, shared


# The client page's section whose form rephrases each kind, and what the summary calls it.
SECTION = {
    TextKind.AGREEMENT: "work",
    TextKind.MINUTES: "reports",
    TextKind.RELAPSE_PLAN: "end",
}
# How each kind is rephrased: an agreement has no text to edit, so a new one replaces it.
HINTS = {
    TextKind.AGREEMENT: N_(
        "%(what)s names %(words)s: record it again in other words and mark it revised"
    ),
    TextKind.MINUTES: N_("%(what)s names %(words)s: rephrase it"),
    TextKind.RELAPSE_PLAN: N_("%(what)s names %(words)s: rephrase it"),
}
# Agreement statuses (practice.services.work.AGREEMENT_STATUSES) of one that was replaced.
SUPERSEDED = frozenset({"revised", "abandoned"})
KIND_LABELS = {
    TextKind.AGREEMENT: N_("Agreement of %(day)s"),
    TextKind.MINUTES: N_("Shared minutes of the alignment meeting of %(day)s"),
    TextKind.RELAPSE_PLAN: N_("Work section of the relapse-prevention plan of %(day)s"),
}


@dataclass(frozen=True, slots=True)
class RefusedText:
    """A stored text that the guard refuses now: its kind, the row's id (the appointment's
    for minutes), its episode, its day, and the words (never logged)."""

    kind: TextKind
    record_id: int
    episode_id: int
    on: date | datetime | None  # a meeting's start; the other texts' day
    words: tuple[str, ...]
    # An agreement revised or abandoned has been replaced: still withheld, no longer a task.
    superseded: bool = False


async def refused_texts(episode_ids: Iterable[int] | None = None) -> list[RefusedText]:
    """Every stored employer-bound text that the guard refuses now, of the episodes given
    (all: None), per kind, oldest first. The plan's work section counts only when it is
    shared with the employer; the internal minutes are never an employer's."""
    scope = None if episode_ids is None else sorted(set(episode_ids))
    if scope == []:
        return []
    found: list[RefusedText] = []
    agreements = WorkResumptionAgreement.select(
        WorkResumptionAgreement.id,
        WorkResumptionAgreement.episode,
        WorkResumptionAgreement.agreed_on,
        WorkResumptionAgreement.description,
        WorkResumptionAgreement.status,
    ).order_by(WorkResumptionAgreement.id)
    if scope is not None:
        agreements = agreements.where(among(WorkResumptionAgreement.episode, scope))
    for a in await agreements:
        if words := refused_words(str(a["description"] or "")):
            found.append(
                RefusedText(
                    TextKind.AGREEMENT,
                    int(a["id"]),
                    int(a["episode"]),
                    a["agreed_on"],
                    words,
                    superseded=a["status"] in SUPERSEDED,
                )
            )
    minutes = MeetingMinutes.select(
        MeetingMinutes.appointment,
        MeetingMinutes.appointment._.episode.as_alias("episode"),
        MeetingMinutes.appointment._.starts_at.as_alias("starts_at"),
        MeetingMinutes.shared_text,
    ).order_by(MeetingMinutes.id)
    if scope is not None:
        minutes = minutes.where(among(MeetingMinutes.appointment._.episode, scope))
    for m in await minutes:
        if m["episode"] is not None and (words := refused_words(str(m["shared_text"] or ""))):
            found.append(
                RefusedText(
                    TextKind.MINUTES,
                    int(m["appointment"]),
                    int(m["episode"]),
                    m["starts_at"],
                    words,
                )
            )
    plans = (
        RelapsePreventionPlan.select(
            RelapsePreventionPlan.id,
            RelapsePreventionPlan.episode,
            RelapsePreventionPlan.drawn_up_on,
            RelapsePreventionPlan.work_situation,
            exclude_secrets=False,
        )
        .where(RelapsePreventionPlan.share_work_section_with_employer.eq(True))
        .order_by(RelapsePreventionPlan.id)
    )
    if scope is not None:
        plans = plans.where(among(RelapsePreventionPlan.episode, scope))
    for p in await plans:
        if words := refused_words(str(p["work_situation"] or "")):
            found.append(
                RefusedText(
                    TextKind.RELAPSE_PLAN, int(p["id"]), int(p["episode"]), p["drawn_up_on"], words
                )
            )
    return found


async def summary(actor: Actor, episode_id: int, today: date, tz: ZoneInfo) -> list[SummaryFact]:
    """One warning line per stored text of the episode that the guard refuses now: which
    text, the words, and a link to the section whose form rephrases it (an agreement since
    replaced no longer asks for it). Called by the client page after its access check and
    audit row (the therapist's own record)."""
    facts = []
    for text in await refused_texts([episode_id]):
        if text.superseded:
            continue
        on = text.on.astimezone(tz).date() if isinstance(text.on, datetime) else text.on
        what = _(KIND_LABELS[text.kind]) % {"day": day(on)}
        facts.append(
            SummaryFact(
                _("Withheld from the employer"),
                _(HINTS[text.kind]) % {"what": what, "words": ", ".join(text.words)},
                SECTION[text.kind],
                warn=True,
            )
        )
    return facts


def recheck_lines(found: Iterable[RefusedText]) -> list[str]:
    """What ``practice privacy recheck`` prints of each text: its kind, the record's id and
    the episode's, never the text or its words (a log must hold no medical data)."""
    return [f"{text.kind.value} {text.record_id} episode {text.episode_id}" for text in found]
