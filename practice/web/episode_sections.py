"""The client page as a workspace: its sections (tabs), its summary, its timeline.

Practice shows its own sections; scheduling and reporting add theirs (sessions, reports), a
line to the summary header (the next appointment, drafts to approve) and their events to the
timeline, all registered at start-up (``practice.composition.wiring``), so practice never
imports them. A section is one page: ``/episodes/{id}?section=<name>``; a form posted from it
comes back to it (post/redirect/get), or, when refused, shows it again with the problems.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from litestar.response import Redirect

from practice.audit.trail import Actor
from practice.platform.i18n import N_
from practice.queries.timeline import SummaryFact, TimelineEvent
from practice.tasks import TaskKind


@dataclass(frozen=True, slots=True)
class EpisodeSection:
    """A part of the client page that a package renders from its own data."""

    template: str
    # (actor, episode id, client id, today, time zone, everything: the whole history, not
    # only the latest part that a long treatment would otherwise fill the page with)
    load: Callable[[Actor, int, int, date, ZoneInfo, bool], Awaitable[dict[str, Any]]]


# (actor, episode id, today, time zone) -> summary lines
SummarySource = Callable[[Actor, int, date, ZoneInfo], Awaitable[list[SummaryFact]]]
# (actor, episode id, today, time zone, limit) -> the newest ``limit`` events (all: None), so
# the overview of a treatment with a thousand sessions reads a page of them, not all.
TimelineSource = Callable[[Actor, int, date, ZoneInfo, int | None], Awaitable[list[TimelineEvent]]]

# Practice's own sections, in the order of the flow; a downstream section is inserted
# before the one named in ``register_episode_section(…, before=…)``.
OWN_SECTIONS: dict[str, tuple[str, str]] = {
    "overview": ("practice/episode/overview.html", N_("Overview")),
    "intake": ("practice/episode/intake.html", N_("Referral and screening")),
    "plan": ("practice/episode/plan.html", N_("Treatment plan")),
    "work": ("practice/episode/work.html", N_("Work")),
    "consents": ("practice/episode/consents.html", N_("Consents")),
    "end": ("practice/episode/end.html", N_("End and follow-up")),
}
DEFAULT_SECTION = "overview"
# The sections the packages downstream register (``practice.composition.wiring``), named here
# so that a task can point at them (`TASK_PLACES`).
SESSIONS, REPORTS, MEASUREMENTS = "sessions", "reports", "measurements"


@dataclass(frozen=True, slots=True)
class Place:
    """Where on the client page a kind of task is done: its section and the heading there."""

    section: str
    anchor: str  # the id of the heading of the part where it is done


# Every task links to where it is done: a list said "Procesupdate aan de werkgever, 5 dagen
# te laat" and left the therapist to find where an update is sent and why it was not (the
# reports section says when the client's consent is missing).
TASK_PLACES: Mapping[TaskKind, Place] = {
    TaskKind.SCREENING: Place("intake", "screening-title"),
    TaskKind.MANAGER_CONSULTATION: Place("intake", "consultation-title"),
    TaskKind.COMPANY_DOCTOR_BRIEFING: Place(REPORTS, "reports-title"),
    TaskKind.TREATMENT_START: Place(SESSIONS, "sessions-title"),
    TaskKind.REBOOKING: Place(SESSIONS, "to-rebook-title"),
    TaskKind.INTERIM_REPORT: Place(REPORTS, "reports-title"),
    TaskKind.MILESTONE_REPORT: Place(REPORTS, "reports-title"),
    TaskKind.ALIGNMENT_MEETING: Place(SESSIONS, "sessions-title"),
    TaskKind.EMPLOYER_UPDATE: Place(REPORTS, "employer-updates-title"),
    TaskKind.RELAPSE_PREVENTION_PLAN: Place("end", "end-title"),
    TaskKind.FOLLOW_UP_CONVERSATION: Place("end", "follow-up-title"),
    TaskKind.FOLLOW_UP_MEASUREMENT: Place("end", "follow-up-title"),
    TaskKind.SESSION_GAP: Place(SESSIONS, "sessions-title"),
    TaskKind.SESSION_BUDGET: Place("plan", "budget-title"),
    TaskKind.WORK_BEHIND: Place("work", "participation-title"),
    TaskKind.ADVICE_CONFLICT: Place("plan", "conflicts-title"),
    # Acted on by noting it on the task itself, as a withheld report is: the task's own form.
    TaskKind.SAFETY: Place(DEFAULT_SECTION, "tasks-title"),
    TaskKind.SYMPTOMS_NOT_ON_TRACK: Place(MEASUREMENTS, "measurements-title"),
    TaskKind.REPORT_WITHHELD: Place(DEFAULT_SECTION, "tasks-title"),
    TaskKind.FULL_RECOVERY: Place("work", "absence-title"),
}


@dataclass(frozen=True, slots=True)
class Tab:
    name: str
    title: str  # message id
    section: EpisodeSection | None  # None: practice's own (rendered from the episode detail)
    template: str


_tabs: list[Tab] = [
    Tab(name, title, None, template) for name, (template, title) in OWN_SECTIONS.items()
]
_summary_sources: dict[str, SummarySource] = {}
_timeline_sources: dict[str, TimelineSource] = {}


def register_episode_section(
    name: str, section: EpisodeSection, title: str, *, before: str = "consents"
) -> None:
    """Called at start-up; registering the same name again replaces it in place."""
    tab = Tab(name, title, section, section.template)
    for i, known in enumerate(_tabs):
        if known.name == name:
            _tabs[i] = tab
            return
    at = next((i for i, known in enumerate(_tabs) if known.name == before), len(_tabs))
    _tabs.insert(at, tab)


def register_summary_source(name: str, source: SummarySource) -> None:
    _summary_sources[name] = source


def register_timeline_source(name: str, source: TimelineSource) -> None:
    _timeline_sources[name] = source


def tabs() -> list[Tab]:
    return list(_tabs)


def tab(name: str) -> Tab:
    """The section asked for; an unknown name shows the overview (an old bookmark)."""
    return next((t for t in _tabs if t.name == name), _tabs[0])


def summary_sources() -> list[SummarySource]:
    return list(_summary_sources.values())


def timeline_sources() -> list[TimelineSource]:
    return list(_timeline_sources.values())


def episode_path(episode_id: int, section: str = DEFAULT_SECTION) -> str:
    """The client page's address, at a section (the overview has no query)."""
    if section == DEFAULT_SECTION:
        return f"/episodes/{episode_id}"
    return f"/episodes/{episode_id}?section={section}"


def task_href(episode_id: int, kind: str) -> str:
    """The address of the part of the client page where a task of `kind` is done."""
    place = TASK_PLACES[TaskKind(kind)]
    return f"{episode_path(episode_id, place.section)}#{place.anchor}"


def back_to_episode(episode_id: int, section: str = DEFAULT_SECTION) -> Redirect:
    """After a form: back to the section it was posted from (post/redirect/get)."""
    return Redirect(path=episode_path(episode_id, section), status_code=303)
