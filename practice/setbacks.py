"""Setbacks (*terugval*) during an episode: what kinds there are and what a record needs
(pure, no I/O).

A setback is dated and of one kind, with a note by the therapist. The note is medical (what
happened to the client, how they are): it stays in the therapist's record and never reaches
the employer, like the session notes. The kinds are a small closed set, so the task list,
the timeline and the statistics can count them; their names are `practice.labels`'.
"""

from datetime import date
from enum import StrEnum

from practice import timeline
from practice.errors import Message, one_of
from practice.platform.i18n import N_, Count

NOTE_MAX_LENGTH = 5_000


class SetbackKind(StrEnum):
    """What the setback shows in: at work, in the symptoms, or in the client's life."""

    MORE_ABSENCE = "more_absence"  # absent again, or more days absent
    FEWER_HOURS = "fewer_hours"  # back to fewer hours worked
    SYMPTOMS_WORSE = "symptoms_worse"  # complaints increased
    LIFE_EVENT = "life_event"  # a drastic event outside work (loss, divorce, illness)
    OTHER = "other"


SETBACK_IN_FUTURE = N_("A setback is recorded once it has happened: not after today (%(day)s).")
NOTE_TOO_LONG = N_("at most %(count)s characters")


def setback_problems(
    *, kind: str, occurred_on: date, note: str, referred_on: date, today: date
) -> timeline.Problems:
    """Field → what is wrong, for every problem at once: a known kind, a day between the
    referral and today (``practice.timeline``), a note of reasonable length."""
    problems: timeline.Problems = {}
    if kind not in {k.value for k in SetbackKind}:
        problems["kind"] = one_of(k.value for k in SetbackKind)
    problems |= timeline.after_referral("setback", "occurred_on", occurred_on, referred_on)
    if "occurred_on" not in problems and occurred_on > today:
        problems["occurred_on"] = Message(SETBACK_IN_FUTURE, day=today)
    if len(note) > NOTE_MAX_LENGTH:
        problems["medical_note"] = Message(NOTE_TOO_LONG, count=Count(NOTE_MAX_LENGTH))
    return problems
