"""What happened in an episode, in order, and the few facts its summary header shows.

Built from the episode detail the client page has loaded already (no second read, no second
audit row); scheduling and reporting add their own events (sessions, reports, employer
updates) through ``practice.web.episode_sections``.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from practice.platform.i18n import gettext as _
from practice.platform.templating import label


@dataclass(frozen=True, slots=True)
class SummaryFact:
    """One line of the summary header: a label (translated), its value, maybe a link."""

    label: str
    value: str
    href: str | None = None
    warn: bool = False


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """Something that happened (or is booked) in the episode, for the timeline."""

    at: datetime | date
    what: str  # a translated sentence
    section: str  # where on the client page it is kept
    detail: str = ""


def moment_of(at: datetime | date, tz: ZoneInfo) -> datetime:
    """A day or a moment on one axis: a day counts from its start in the practice's zone."""
    if isinstance(at, datetime):
        return at if at.tzinfo else at.replace(tzinfo=tz)
    return datetime(at.year, at.month, at.day, tzinfo=tz)


def in_order(events: list[TimelineEvent], tz: ZoneInfo) -> list[TimelineEvent]:
    """Newest first: what happened last is what the therapist looks for."""
    return sorted(events, key=lambda event: moment_of(event.at, tz), reverse=True)


def own_events(e: dict[str, Any]) -> list[TimelineEvent]:
    """The clinical core's events, from the episode detail (medical parts only when there)."""
    events: list[TimelineEvent] = []
    add = events.append
    if e["referral"]["received_at"]:
        add(TimelineEvent(e["referral"]["received_at"], _("Referral received"), "intake"))
    dates = e["dates"]
    if dates["screening_planned_on"]:
        add(TimelineEvent(dates["screening_planned_on"], _("Screening planned"), "intake"))
    if dates["screening_held_on"]:
        add(TimelineEvent(dates["screening_held_on"], _("Screening held"), "intake"))
    for c in e.get("consultations") or []:
        add(TimelineEvent(c["held_on"], _("Consultation with the manager"), "intake"))
    for change in e["status_history"]:
        add(
            TimelineEvent(
                change["changed_at"],
                _("Status: %(status)s") % {"status": label("episode_status", change["to_status"])},
                "overview",
                _reason(change.get("reason")),
            )
        )
    for change in e["offer_history"]:
        if change["to_offer"]:
            add(
                TimelineEvent(
                    change["changed_at"],
                    _("Offer: %(offer)s") % {"offer": label("offer", change["to_offer"])},
                    "intake",
                    _reason(change.get("reason")),
                )
            )
    for a in e["agreements"]:
        add(TimelineEvent(a["agreed_on"], _("Agreement about work"), "work", a["description"]))
    for p in e["work_participation"]:
        add(TimelineEvent(p["measured_on"], _("Hours worked recorded"), "work"))
    for c in e["consents"]:
        what = f"{label('recipient', c['recipient'])} · {label('purpose', c['purpose'])}"
        add(TimelineEvent(c["given_at"], _("Consent given"), "consents", what))
        if c["withdrawn_at"]:
            add(TimelineEvent(c["withdrawn_at"], _("Consent withdrawn"), "consents", what))
    for g in e.get("goals") or []:
        add(TimelineEvent(g["set_on"], _("Work goal set"), "plan", g["description"]))
        if g["achieved_on"]:
            add(TimelineEvent(g["achieved_on"], _("Work goal achieved"), "plan", g["description"]))
    for a in e.get("advice") or []:
        add(TimelineEvent(a["given_on"], _("Advice recorded"), "plan"))
    capacity = e.get("capacity") or {}
    for c in capacity.get("conflicts") or []:
        if not c["open"]:
            what = label("advice_conflict", c["kind"])
            add(TimelineEvent(c["resolved_on"], _("Advice conflict resolved"), "plan", what))
    for c in capacity.get("consultations") or []:
        add(TimelineEvent(c["held_on"], _("Consultation with the company doctor held"), "plan"))
    plan = e.get("relapse_prevention_plan")
    if plan:
        add(TimelineEvent(plan["drawn_up_on"], _("Relapse-prevention plan drawn up"), "end"))
    for f in e.get("follow_ups") or []:
        add(TimelineEvent(f["held_on"], label("follow_up", f["kind"]), "end"))
    for s in e.get("setbacks") or []:
        what = _("Setback: %(kind)s") % {"kind": label("setback_kind", s["kind"])}
        add(TimelineEvent(s["occurred_on"], what, "work"))
    # The Poortwachter milestones of the running period of sickness, on their due day: the
    # same list the overview's table shows (``practice.queries.milestones``), so the two
    # never disagree; kept with the absence record in the work section.
    for m in e.get("milestones") or []:
        what = _("Poortwachter: %(milestone)s (week %(week)d)") % {
            "milestone": label("milestone", m["kind"]),
            "week": m["week"],
        }
        add(TimelineEvent(m["due_on"], what, "work", label("milestone_status", m["status"])))
    return events


def _reason(reason: str | None) -> str:
    """A reason the system wrote is a message id (shown in the reader's language); one a
    person typed is shown as typed (translating it finds nothing and changes nothing)."""
    return _(reason) if reason else ""


def weeks_since(first_sick_day: date | None, today: date) -> int | None:
    """Whole weeks of absence on ``today``; none without a first sick day (or one ahead)."""
    if first_sick_day is None or first_sick_day > today:
        return None
    return (today - first_sick_day).days // 7
