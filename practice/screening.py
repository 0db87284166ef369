"""The Screening: what it records and which values are allowed (pure).

Diagnosis category, complaint level and intervention need are medical: they reach the
therapist and, through written reports, the company doctor, never the employer.
"""

from enum import StrEnum

from practice.errors import Message, between, one_of
from practice.platform.i18n import N_

# The brochure reports outcomes for these three; "other" keeps the list closed but complete.
# A practice that needs more categories extends this mapping (code → Dutch label).
DIAGNOSIS_CATEGORIES: dict[str, str] = {
    "angststoornis": N_("Anxiety disorder"),
    "somatische_symptoomstoornis": N_("Somatic symptom disorder"),
    "depressie": N_("Depression"),
    "other": N_("Other"),
}

# Complaint-level instruments and their score range (inclusive).
COMPLAINT_INSTRUMENTS: dict[str, tuple[int, int]] = {
    "PHQ-9": (0, 27),
    "GAD-7": (0, 21),
    "4DKL-distress": (0, 32),
}


class Proposal(StrEnum):
    """What the therapist proposes at the end of the Screening."""

    ATWORK_BASIC = "atwork_basic"
    ATWORK_COMPLEET = "atwork_compleet"
    PREVENTIVE = "preventive"
    OTHER_PRODUCT = "other_product"
    REFER_ELSEWHERE = "refer_elsewhere"
    NONE = "none"


def screening_problems(
    *,
    diagnosis_category: str,
    complaint_instrument: str | None,
    complaint_score: int | None,
    proposal: str,
) -> dict[str, str]:
    """Field → what is wrong, for every problem at once."""
    problems: dict[str, str] = {}
    if diagnosis_category not in DIAGNOSIS_CATEGORIES:
        problems["diagnosis_category"] = one_of(DIAGNOSIS_CATEGORIES)
    if proposal not in {p.value for p in Proposal}:
        problems["proposal"] = one_of(p.value for p in Proposal)
    if (complaint_instrument is None) != (complaint_score is None):
        problems["complaint_score"] = "give the instrument and the score together"
    elif complaint_instrument is not None and complaint_score is not None:
        bounds = COMPLAINT_INSTRUMENTS.get(complaint_instrument)
        if bounds is None:
            problems["complaint_instrument"] = one_of(COMPLAINT_INSTRUMENTS)
        elif not bounds[0] <= complaint_score <= bounds[1]:
            problems["complaint_score"] = between(bounds[0], bounds[1])
    return problems


def follow_up_score_problems(
    complaint_score: int | None, instrument: str | None
) -> dict[str, Message]:
    """A follow-up's complaint score on the screening's instrument, within its range; with
    no instrument recorded, within the widest of them (a score of 60 fits none)."""
    if complaint_score is None:
        return {}
    low, high = COMPLAINT_INSTRUMENTS.get(instrument or "") or (
        0,
        max(high for _, high in COMPLAINT_INSTRUMENTS.values()),
    )
    return {} if low <= complaint_score <= high else {"complaint_score": between(low, high)}
