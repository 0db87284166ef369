"""A data set as rows of the real tables, parents before children.

The parties (accounts, therapists, employers, company doctors) come first. Then the
episodes in chunks: each chunk holds every row that hangs off its episodes (client,
employment, referral, episode, screening, appointments, reports, work participation, …),
so each episode's shape is worked out once and the foreign keys hold after every chunk.
Row ids are explicit and count up across chunks, so the same plan gives the same ids.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from practice.composition.bench.datasets import (
    ACTIVE_PER_THERAPIST,
    ANCHOR,
    DIAGNOSES,
    HEAVY_REPORTS,
    HEAVY_SESSIONS,
    SESSIONS_PER_EPISODE,
    Episode,
    Plan,
    Session,
    at,
    closed_on,
    episode,
    held_dates,
    mix,
    sessions,
)

Row = tuple[Any, ...]
Chunk = dict[str, list[Row]]

COLUMNS: dict[str, tuple[str, ...]] = {
    "app_user": (
        "id",
        "email",
        "display_name",
        "role",
        "password_hash",
        "active",
        "locale",
        "created_at",
        "totp_exempt",
    ),
    "therapist": ("id", "user", "qualifications", "capacity"),
    "employer": (
        "id",
        "name",
        "default_offer",
        "cost_per_absence_day_cents",
        "report_every",
        "min_cell_size",
        "screening_day_unit",
    ),
    "employer_contact": ("id", "employer", "name", "email", "contact_role"),
    "company_doctor": ("id", "name", "email", "organisation"),
    "client": ("id", "name", "date_of_birth", "created_at"),
    "employment": ("id", "client", "employer", "job_title", "started_on"),
    "contract_hours": ("id", "employment", "valid_from", "minutes_per_week"),
    "referral": (
        "id",
        "client",
        "employer",
        "received_at",
        "referrer_type",
        "manager",
        "company_doctor",
        "requested_offer",
        "absence_status",
        "first_sick_day",
        "known_to_practice_on",
        "consent_at_referral",
        "outcome",
    ),
    "treatment_episode": (
        "id",
        "referral",
        "client",
        "employment",
        "status",
        "offer",
        "screening_planned_on",
        "screening_held_on",
        "briefing_sent_on",
        "planned_start_on",
        "started_on",
        "closed_on",
        "sessions_authorised",
    ),
    "case_assignment": ("id", "episode", "user", "team_role", "valid_from"),
    "screening": (
        "id",
        "episode",
        "held_on",
        "suitable",
        "diagnosis_category",
        "complaint_instrument",
        "complaint_score",
        "proposal",
        "discussed_with_client_on",
    ),
    "appointment": (
        "id",
        "episode",
        "therapist",
        "kind",
        "starts_at",
        "ends_at",
        "attendance",
        "created_at",
    ),
    "report": (
        "id",
        "episode",
        "kind",
        "ordinal",
        "status",
        "due_on",
        "drafted_at",
        "approved_at",
    ),
    "work_participation": (
        "id",
        "employment",
        "episode",
        "measured_on",
        "own_work_minutes",
        "adapted_work_minutes",
        "therapeutic_minutes",
        "productive_minutes",
        "source",
        "moment",
    ),
    "absence_episode": (
        "id",
        "employment",
        "absence_type",
        "first_sick_day",
        "reported_on",
        "known_to_practice_on",
        "full_recovery_on",
    ),
    "follow_up": ("id", "episode", "kind", "held_on", "response", "relapse", "complaint_score"),
}
PARTY_TABLES = ("app_user", "therapist", "employer", "employer_contact", "company_doctor")
EPISODE_TABLES = tuple(name for name in COLUMNS if name not in PARTY_TABLES)
CREATED = at(ANCHOR - timedelta(days=2000), 8)


def parties(plan: Plan, password_hash: str) -> Chunk:
    users = []
    for user_id in range(1, plan.manager + 1):
        manager = user_id == plan.manager
        users.append(
            (
                user_id,
                plan.email(user_id),
                "Bench manager" if manager else f"Therapist {user_id:04d}",
                "practice_manager" if manager else "therapist",
                password_hash,
                True,
                "en",
                CREATED,
                # Only the two accounts the bench logs in with skip the second factor.
                user_id in {plan.bench_therapist, plan.manager},
            )
        )
    employers = range(1, plan.employers + 1)
    return {
        "app_user": users,
        "therapist": [(t, t, "CBT", ACTIVE_PER_THERAPIST) for t in range(1, plan.therapists + 1)],
        "employer": [
            (n, f"Employer {n:05d}", "atwork_basic", 25000, 5, 5, "calendar") for n in employers
        ],
        "employer_contact": [
            (n, n, f"Manager {n:05d}", f"manager-{n}@employer.test", "manager") for n in employers
        ],
        "company_doctor": [
            (n, f"Company doctor {n:04d}", f"doctor-{n}@arbo.test", "Arbodienst")
            for n in range(1, plan.company_doctors + 1)
        ],
    }


def episode_chunks(plan: Plan, size: int) -> Iterator[tuple[int, Chunk]]:
    """(episodes so far, rows of the next ``size`` episodes) until every episode is out."""
    ids: Counter[str] = Counter()
    for first in range(1, plan.episodes + 1, size):
        chunk: Chunk = {name: [] for name in EPISODE_TABLES}
        last = min(plan.episodes, first + size - 1)
        for g in range(first, last + 1):
            _episode_rows(plan, episode(plan, g), chunk, ids)
        yield last, chunk


def _next(ids: Counter[str], table: str) -> int:
    ids[table] += 1
    return ids[table]


def _episode_rows(plan: Plan, e: Episode, out: Chunk, ids: Counter[str]) -> None:
    seed, g = plan.seed, e.id
    found = sessions(plan, e)
    held = held_dates(found)
    ended = closed_on(e, held)
    begun = e.screened and e.status != "declined"
    born = date(1960, 1, 1) + timedelta(days=mix(seed, g, 5) % 15000)
    out["client"].append((g, f"Client {g:07d}", born, CREATED))
    out["employment"].append((g, g, e.employer, "Medewerker", date(2010, 1, 1)))
    minutes = 2160 if mix(seed, g, 6) % 2 else 1920
    out["contract_hours"].append((g, g, e.start - timedelta(days=400), minutes))
    sick_day = e.start - timedelta(days=60)
    out["referral"].append(
        (
            g,
            g,
            e.employer,
            at(e.start - timedelta(days=21), 9),
            "company_doctor",
            e.employer,
            1 + g % plan.company_doctors,
            e.offer or "atwork_basic",
            "sickness" if e.absent else "not_absent",
            sick_day if e.absent else None,
            e.start - timedelta(days=21),
            True,
            "declined" if e.status == "declined" else None,
        )
    )
    out["treatment_episode"].append(
        (
            g,
            g,
            g,
            g,
            e.status,
            e.offer,
            e.start - timedelta(days=14) if e.status != "referred" else None,
            e.start - timedelta(days=12) if e.screened else None,
            e.start - timedelta(days=10) if begun else None,
            e.start if begun else None,
            e.start if e.started else None,
            ended,
            HEAVY_SESSIONS if e.heavy else SESSIONS_PER_EPISODE,
        )
    )
    out["case_assignment"].append((g, g, e.therapist, "therapist", e.start - timedelta(days=21)))
    if e.screened:
        screened = e.start - timedelta(days=12)
        out["screening"].append(
            (
                _next(ids, "screening"),
                g,
                screened,
                e.status != "declined",
                DIAGNOSES[mix(seed, g, 7) % len(DIAGNOSES)],
                "PHQ-9",
                mix(seed, g, 8) % 28,
                e.offer or "none",
                screened,
            )
        )
    out["appointment"] += [_appointment(e, s, _next(ids, "appointment")) for s in found]
    if e.started:
        _reports(e, held, out, ids)
        out["work_participation"].append(
            (_next(ids, "wp"), g, g, e.start, 0, 0, 240, 0, "client", "begin")
        )
        if ended is not None:
            own = 480 * (mix(seed, g, 9) % 5)
            out["work_participation"].append(
                (_next(ids, "wp"), g, g, ended, own, 240, 0, 0, "client", "end")
            )
    if e.absent:
        recovered = None
        if ended is not None and mix(seed, g, 10) % 5 < 3:
            recovered = ended + timedelta(days=mix(seed, g, 11) % 60)
        known = e.start - timedelta(days=21)
        out["absence_episode"].append(
            (_next(ids, "absence"), g, "sickness", sick_day, sick_day, known, recovered)
        )
    if e.status == "closed" and ended is not None and mix(seed, g, 12) % 3 == 0:
        measured = ended + timedelta(days=180)
        if measured < ANCHOR:
            relapse = mix(seed, g, 13) % 9 == 0
            score = mix(seed, g, 14) % 20
            out["follow_up"].append(
                (_next(ids, "follow_up"), g, "measurement", measured, "done", relapse, score)
            )


def _appointment(e: Episode, s: Session, row_id: int) -> Row:
    minutes = 60 if s.kind == "screening" else 45
    ends = s.starts_at + timedelta(minutes=minutes)
    return (row_id, e.id, e.therapist, s.kind, s.starts_at, ends, s.attendance, s.starts_at)


def _reports(e: Episode, held: list[date], out: Chunk, ids: Counter[str]) -> None:
    """The briefing, then an interim report per 5 held sessions; the last one of an active
    episode is still a draft."""
    briefing = at(e.start - timedelta(days=10), 12)
    out["report"].append(
        (_next(ids, "report"), e.id, "briefing", 0, "sent", briefing.date(), briefing, briefing)
    )
    ordinals = list(range(5, len(held) + 1, 5))
    if e.heavy:
        ordinals = ordinals[:HEAVY_REPORTS]
    for ordinal in ordinals:
        due = held[ordinal - 1]
        draft = e.status in {"in_treatment", "paused"} and ordinal == ordinals[-1]
        approved = None if draft else at(due + timedelta(days=3), 12)
        out["report"].append(
            (
                _next(ids, "report"),
                e.id,
                "interim_report",
                ordinal,
                "draft" if draft else "sent",
                due,
                at(due, 18),
                approved,
            )
        )
