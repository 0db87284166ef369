"""Breaking the glass: the rules of a therapist's recorded one-day read without a seat (pure).

What it grants is the policy's (``practice.access_policy``: ``Grant.BROKEN_GLASS`` reads,
never writes, on the day it was opened). This module holds what the reason must be, when
there is no glass to break, where the form is, and how far back the practice manager looks.
"""

import re
from datetime import date, timedelta

from practice.access_policy import Relation
from practice.case_team import TeamRole
from practice.errors import InvalidInput
from practice.platform.i18n import N_

REASON_MIN = 10
REASON_MAX = 500
# The reason travels to the practice manager's inbox and the monitor page: text, not control
# characters (a NUL would not even fit a PostgreSQL text column). Newlines and tabs may stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Kept as whole sentences so the form can show them translated; a unit test ties the
# numbers in them to REASON_MIN and REASON_MAX.
REASON_REQUIRED = N_("State why you need to read this record.")
REASON_TOO_SHORT = N_("At least 10 characters.")
REASON_TOO_LONG = N_("At most 500 characters.")
REASON_CONTROL = N_("Only text: no control characters.")

SEAT_HELD = N_("You are on this client's case team: open the client page instead.")

# The practice manager's monitor lists the events of this many days, today included.
MONITOR_DAYS = 30

_EPISODE_PATH = re.compile(r"^/episodes/(\d+)(?:/(.*))?$")


def clean_reason(raw: str | None) -> str:
    """The reason, trimmed; ``InvalidInput`` naming ``reason`` when it does not fit."""
    reason = (raw or "").strip()
    if not reason:
        problem = REASON_REQUIRED
    elif _CONTROL.search(reason):
        problem = REASON_CONTROL
    elif len(reason) < REASON_MIN:
        problem = REASON_TOO_SHORT
    elif len(reason) > REASON_MAX:
        problem = REASON_TOO_LONG
    else:
        return reason
    raise InvalidInput({"reason": problem})


def refusal(relation: Relation) -> str | None:
    """Why there is no glass to break, or None. The therapist of record reads and writes
    through their seat; a break-glass row would only put a false alarm in the manager's mail."""
    return SEAT_HELD if TeamRole.THERAPIST in relation.seats else None


def form_path(episode_id: int) -> str:
    return f"/episodes/{episode_id}/break-glass"


def offer_on_not_found(path: str) -> str | None:
    """The break-glass form to offer on a 404 of a therapist's episode page, or None.

    Built from the path alone, so it is the same link whether the episode exists or not:
    the 404 page reveals nothing. Not offered on the form itself (it would point to itself).
    """
    match = _EPISODE_PATH.match(path)
    if match is None or match.group(2) == "break-glass":
        return None
    return form_path(int(match.group(1)))


def monitor_since(today: date) -> date:
    """The first day the monitor lists: the last ``MONITOR_DAYS`` days, today included."""
    return today - timedelta(days=MONITOR_DAYS - 1)
