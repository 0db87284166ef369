"""When a work goal counts as achieved: pure rules, ``today`` passed in, no I/O.

A goal is achieved on a day that has come (not ahead of today in the practice's zone) and
not before the day it was set; the service (``practice.services.treatment_plan``) refuses
such a date with a 400 naming the field.
"""

from datetime import date

from practice.errors import Message
from practice.platform.i18n import N_
from practice.timeline import Problems

ACHIEVED_BEFORE_SET = N_("A goal cannot be achieved before it was set (%(day)s).")
ACHIEVED_AHEAD = N_("A goal is marked achieved once it is: not after today (%(day)s).")


def achievement_problems(field: str, achieved_on: date, set_on: date, today: date) -> Problems:
    """``achieved_on`` on or after ``set_on`` and not after ``today``."""
    if achieved_on < set_on:
        return {field: Message(ACHIEVED_BEFORE_SET, day=set_on)}
    if achieved_on > today:
        return {field: Message(ACHIEVED_AHEAD, day=today)}
    return {}
