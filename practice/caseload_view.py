"""How the therapist narrows and orders the caseload: filters, search and sorting (pure).

The caseload page is a plain GET form; its values come from the address bar and may be
anything. ``CaseloadView.parse`` keeps what it understands and ignores the rest (an unknown
stage, an employer that is not a number, a sort nobody offers): a filter that cannot be read
filters nothing, and the page never fails on it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from practice.episodes import TERMINAL_STATUSES, EpisodeStatus
from practice.name_search import fold, name_matches, parse_search

# The stages an episode can have while it is on a caseload (a terminal one leaves at once).
CASELOAD_STAGES: tuple[EpisodeStatus, ...] = tuple(
    s for s in EpisodeStatus if s not in TERMINAL_STATUSES
)


class CaseloadSort(StrEnum):
    DEADLINE = "deadline"  # the most urgent open deadline first (overdue ones lead)
    NAME = "name"
    NEXT_APPOINTMENT = "next_appointment"  # the soonest first; none at the end
    REFERRAL = "referral"  # the newest referral first


_SORTS = frozenset(s.value for s in CaseloadSort)


@dataclass(frozen=True, slots=True)
class CaseloadView:
    stage: EpisodeStatus | None = None
    employer_id: int | None = None
    overdue_only: bool = False
    search: str = ""
    sort: CaseloadSort = CaseloadSort.DEADLINE

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> "CaseloadView":
        """The view asked for in a query string; what cannot be read is left out."""
        stage = query.get("stage", "")
        employer = query.get("employer", "").strip()
        # An id is a short run of ASCII digits ("²" is a digit to Python, not to int(); ten
        # thousand digits are more than int() reads).
        digits = employer.isascii() and employer.isdigit() and len(employer) <= 10
        employer_id = int(employer) if digits else None
        sort = query.get("sort", "")
        return cls(
            stage=EpisodeStatus(stage) if stage in CASELOAD_STAGES else None,
            employer_id=employer_id if employer_id is not None and employer_id < 2**31 else None,
            overdue_only=query.get("overdue", "") in ("1", "true", "on"),
            search=parse_search(query.get("q", "")),
            sort=CaseloadSort(sort) if sort in _SORTS else CaseloadSort.DEADLINE,
        )

    @property
    def filtered(self) -> bool:
        return bool(self.stage or self.employer_id is not None or self.overdue_only or self.search)

    def matches(self, entry: Mapping[str, Any]) -> bool:
        if self.stage is not None and entry["status"] != self.stage.value:
            return False
        if self.employer_id is not None and entry["employer_id"] != self.employer_id:
            return False
        if self.overdue_only and not entry["overdue"]:
            return False
        return name_matches(self.search, entry["client_name"])

    def apply(self, entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The entries this view shows, in its order."""
        return sorted((e for e in entries if self.matches(e)), key=SORT_KEYS[self.sort])


def most_urgent_days_left(entry: Mapping[str, Any]) -> int | None:
    """Days left on the entry's most urgent open deadline (negative: overdue); None if none.

    A task the therapist overrode with a reason no longer urges anything."""
    days = [
        t["days_left"]
        for t in entry["tasks"]
        if t["days_left"] is not None and not t["override_reason"]
    ]
    return min(days) if days else None


def _name(entry: Mapping[str, Any]) -> str:
    return fold(str(entry["client_name"]))


def _by_deadline(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    days = most_urgent_days_left(entry)
    return (days is None, days or 0, _name(entry))


def _by_next_appointment(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    moment: datetime | None = entry.get("next_appointment")
    return (moment is None, moment.timestamp() if moment else 0.0, _name(entry))


def _by_referral(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    referred: date = entry["referred_on"]
    return (-referred.toordinal(), _name(entry))


SORT_KEYS: Mapping[CaseloadSort, Callable[[Mapping[str, Any]], Any]] = {
    CaseloadSort.DEADLINE: _by_deadline,
    CaseloadSort.NAME: lambda e: (_name(e), e["episode_id"]),
    CaseloadSort.NEXT_APPOINTMENT: _by_next_appointment,
    CaseloadSort.REFERRAL: _by_referral,
}
