"""The demo practice's past work of telling others, done as the real flow does it.

Runs after the core and the sessions are loaded (``practice.composition.cli._load_demo``) and
after the sweep drafted every report due. What a practice that kept up would have done by
``today``: the briefings and interim reports approved by their therapist and delivered to
the company doctor around their due date, the older ones read; the employer updates the
sweep would have sent (with the client's consent); PHQ-9 and GAD-7 at the usual moments
(screening, every 5th held session, the end, the follow-up) with scores that fall as work
resumption rises; the follow-up conversations and measurements whose time has passed; the
employer's monthly statistics of every month that ended (``_employer_statistics``).

Everything goes through the services (rules, consent and audit applied), at its moment in
the past, and nothing of the past is e-mailed (``record_past_deliveries``,
``record_past_employer_updates``). The documents of the past get their PDF on their first
reading, not here: hundreds of renders at some 0.3 s each would not fit the quick start's
30 seconds. The last week's drafts stay drafts, for the therapist's "Today". Idempotent:
what is done is not done again. Deterministic: a fixed seed per episode.
"""

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from practice import deadlines
from practice.audit.trail import Actor, Channel
from practice.errors import DomainError
from practice.platform.db import write_tx
from practice.platform.settings import Settings
from practice.queries.episodes import load_facts, participation_series
from practice.services import treatment_plan
from practice.tables import CaseAssignment, Consent, Screening, TreatmentEpisode
from practice.tasks import EpisodeFacts, Task, TaskKind, TaskRules, derive_tasks
from reporting.interim_reports import BRIEFING, INTERIM_REPORT, ReportStatus
from reporting.questionnaires import INSTRUMENTS
from reporting.services import (
    documents,
    employer_statistics,
    employer_updates,
    questionnaires,
    reports,
)
from reporting.tables import Delivery, Document, QuestionnaireResponse, Report

SEED = 17
# Drafts due in the last week wait for the therapist's approval ("Today" shows them).
DRAFTS_LEFT_DAYS = 7
# Documents delivered in the last three weeks are still unread in the company doctor's inbox.
UNREAD_DAYS = 21
# PHQ-9 and GAD-7 at the screening, per score band: where each client starts.
START_SCORES = {"PHQ-9": (11, 21), "GAD-7": (8, 17)}
ACTOR = Actor.system(Channel.CLI)


async def load_demo_reporting(today: date, tz: ZoneInfo, settings: Settings) -> dict[str, int]:
    """The past work of reporting, by ``today``; returns what was recorded, by kind.

    One transaction: the services' own transactions join it, so hundreds of approvals,
    deliveries and updates commit once (each commit waits for the disk), and a failed load
    leaves nothing half-told."""
    async with write_tx():
        # What the sweep would draft by now (every report due), then the past work on it.
        counts = {"drafts": len(await reports.draft_due_reports(today, tz))}
        counts["follow_ups"] = await _follow_ups(today, tz)
        counts["questionnaires"] = await _questionnaires(today, tz)
        counts["reports"] = await _reports(today, tz, settings)
        counts["read"] = await _readings(today, tz)
        counts["employer_updates"] = await _employer_updates(today, tz)
        counts["employer_statistics"] = await _employer_statistics(today, tz)
    return counts


async def _employer_statistics(today: date, tz: ZoneInfo) -> int:
    """The monthly statistics the sweep would have published by now, through its own
    service: every month that ended, oldest first, each guarded against the one before."""
    published = 0
    for employer_id in await employer_statistics.employers_due(today, tz):
        published += len(await employer_statistics.publish_due_snapshots(employer_id, today, tz))
    return published


def _rng(episode_id: int, purpose: str) -> random.Random:
    return random.Random(f"{SEED}:{episode_id}:{purpose}")  # noqa: S311 - demo data, not secrets


def _at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, 0), tz)


async def _facts(tz: ZoneInfo) -> dict[int, tuple[EpisodeFacts, TaskRules]]:
    ids = [int(e["id"]) for e in await TreatmentEpisode.select(TreatmentEpisode.id)]
    return await load_facts(ids, tz)


# ---------------------------------------------------------------- reports


async def _reports(today: date, tz: ZoneInfo, settings: Settings) -> int:
    """Each draft of the past approved by its therapist a few days before it was due and
    delivered that afternoon (no notice now); the last week's drafts stay drafts."""
    drafts = await Report.select(
        Report.id, Report.episode, Report.kind, Report.ordinal, Report.due_on
    ).where(
        (Report.status == ReportStatus.DRAFT)
        & (Report.due_on < today - timedelta(days=DRAFTS_LEFT_DAYS))
    )
    if not drafts:
        return 0
    facts = await load_facts(sorted({int(d["episode"]) for d in drafts}), tz)
    therapists = await _seat_holders("therapist")
    past: list[reports.PastReport] = []
    for draft in drafts:
        report_id, episode_id = int(draft["id"]), int(draft["episode"])
        therapist = therapists.get(episode_id)
        episode = facts.get(episode_id)
        if therapist is None or episode is None:
            continue
        event = _event_of(episode[0], draft["kind"], int(draft["ordinal"]))
        if event is None:
            continue
        rng = _rng(report_id, "approve")
        day = draft["due_on"] - timedelta(days=rng.randint(0, 3))
        day = min(max(day, event + timedelta(days=1)), today - timedelta(days=1))
        at = _at(day, rng.randint(9, 16), tz) + timedelta(minutes=rng.randrange(0, 60, 5))
        # Drafted back then: its text tells the record of that day, as its document does.
        await reports.redraft_as_of(
            report_id, episode_id, draft["kind"], int(draft["ordinal"]), day
        )
        past.append(reports.PastReport(report_id, therapist, at, at + timedelta(minutes=2)))
    results = await reports.record_past_reports(settings, past)
    return sum(1 for outcome in results.values() if outcome == ReportStatus.SENT)


def _event_of(facts: EpisodeFacts, kind: str, ordinal: int) -> date | None:
    """What the report tells about: the screening (the briefing) or held session n."""
    if kind == BRIEFING:
        return facts.screening_held_on
    held = facts.held_session_dates
    return held[ordinal - 1] if 0 < ordinal <= len(held) else None


def _therapist(user_id: int) -> Actor:
    return Actor(user_id=user_id, role="therapist", source="demo", channel=Channel.CLI)


async def _seat_holders(team_role: str) -> dict[int, int]:
    """Per episode, the user in the seat (the first one; the demo hands over none)."""
    holders: dict[int, int] = {}
    for row in await CaseAssignment.select(CaseAssignment.episode, CaseAssignment.user).where(
        CaseAssignment.team_role == team_role
    ):
        holders.setdefault(int(row["episode"]), int(row["user"]))
    return holders


async def _readings(today: date, tz: ZoneInfo) -> int:
    """The company doctors read what came in more than three weeks ago, a few days after."""
    unread = await Delivery.select(
        Delivery.id, Delivery.document, Delivery.recipient, Delivery.delivered_at
    ).where(
        Delivery.read_at.is_null()
        & (Delivery.delivered_at < _at(today - timedelta(days=UNREAD_DAYS), 0, tz))
    )
    by_doctor: dict[int, dict[int, datetime]] = {}
    for delivery in unread:
        read_at = delivery["delivered_at"] + timedelta(
            days=_rng(int(delivery["id"]), "read").randint(1, 5), hours=2
        )
        by_doctor.setdefault(int(delivery["recipient"]), {})[int(delivery["document"])] = read_at
    read = 0
    for doctor, readings in by_doctor.items():
        actor = Actor(user_id=doctor, role="company_doctor", source="demo", channel=Channel.CLI)
        read += await documents.record_past_readings(actor, readings)
    return read


# ---------------------------------------------------------------- employer updates


async def _employer_updates(today: date, tz: ZoneInfo) -> int:
    """Each update the sweep would have sent, at its moment: the task rules say when one was
    due (with each interim report, and per the employer's interval); the service decides
    whether one goes (the consent, the team, what changed) and records it then."""
    consenting = {
        int(c["client"])
        for c in await Consent.select(Consent.client).where(
            (Consent.recipient == "employer") & (Consent.purpose == "process_updates")
        )
    }
    episodes = await TreatmentEpisode.select(TreatmentEpisode.id, TreatmentEpisode.client)
    ids = [int(e["id"]) for e in episodes if int(e["client"]) in consenting]
    # An update that goes with interim report n goes after that report was delivered.
    delivered = {
        (int(d["episode"]), int(d["ordinal"])): d["created_at"]
        for d in await Document.select(
            Document.episode, Document.created_at, Document.report._.ordinal.as_alias("ordinal")
        ).where(Document.kind == INTERIM_REPORT)
    }
    recorded = 0
    for episode_id, (facts, rules) in (await load_facts(ids, tz)).items():
        moments: list[datetime] = []
        for _ in range(60):  # two years of monthly updates at most
            task = _first_open(derive_tasks(facts, today, rules), TaskKind.EMPLOYER_UPDATE)
            if task is None or task.due_on is None:
                break
            if task.key.startswith("employer_update:periodic"):
                at = _at(task.due_on, 11, tz)  # the interval has passed that day, not before
            else:
                days = _rng(episode_id, str(task.key)).randint(0, 4)
                at = _at(task.due_on - timedelta(days=days), 11, tz)
                report = delivered.get((episode_id, task.ordinal or 0))
                if report is not None:
                    at = max(at, report + timedelta(hours=1))
            if facts.treatment_started_on is not None:
                at = max(at, _at(facts.treatment_started_on, 11, tz))
            if at.astimezone(tz).date() > today - timedelta(days=3):
                break
            moments.append(at)
            sent = tuple(sorted((*facts.employer_update_sent_on, at.astimezone(tz).date())))
            facts = replace(facts, employer_update_sent_on=sent)
        # The sweep runs every few minutes, so whatever changed since (an agreement made, a
        # report delivered between the task's moments) was told then too: one last moment
        # before the recent days, where the sweep's own rule decides, leaves today's sweep
        # only what really became due in the last days.
        moments.append(_at(today - timedelta(days=3), 11, tz))
        recorded += await employer_updates.record_past_employer_updates(episode_id, moments, tz)
    return recorded


def _first_open(tasks: Sequence[Task], kind: TaskKind) -> Task | None:
    due = [t for t in tasks if t.kind == kind and t.done_on is None and t.due_on is not None]
    return min(due, key=lambda t: t.due_on or date.max, default=None)


# ---------------------------------------------------------------- follow-ups


async def _follow_ups(today: date, tz: ZoneInfo) -> int:
    """The follow-up conversations and measurements whose time has passed, held then (one
    client in eight could not be reached; one relapsed)."""
    done = 0
    for episode_id, (facts, rules) in (await _facts(tz)).items():
        for task in derive_tasks(facts, today, rules):
            if task.done_on is not None or task.due_on is None:
                continue
            rng = _rng(episode_id, str(task.key))
            last = facts.held_session_dates[-1] if facts.held_session_dates else facts.closed_on
            if task.kind == TaskKind.FOLLOW_UP_CONVERSATION and last is not None:
                held_on = task.due_on - timedelta(days=rng.randint(7, 40))
            elif task.kind == TaskKind.FOLLOW_UP_MEASUREMENT and last is not None:
                held_on = deadlines.follow_up_measurement_window(
                    last,
                    rules.follow_up_measurement_opens_months,
                    rules.follow_up_measurement_closes_months,
                ).opens_on + timedelta(days=rng.randint(3, 30))
            else:
                continue
            held_on = max(held_on, (facts.closed_on or last) + timedelta(days=1))
            if held_on > today - timedelta(days=7):
                continue
            reached = rng.random() > 0.125
            kind = "conversation" if task.kind == TaskKind.FOLLOW_UP_CONVERSATION else "measurement"
            try:
                await treatment_plan.record_follow_up(
                    ACTOR,
                    episode_id=episode_id,
                    kind=kind,
                    held_on=held_on,
                    response="done" if reached else "unreachable",
                    relapse=(episode_id % 23 == 0) if reached else None,
                    today=today,
                    tz=tz,
                )
            except DomainError:
                continue
            done += 1
    return done


# ---------------------------------------------------------------- questionnaires


async def _questionnaires(today: date, tz: ZoneInfo) -> int:
    """PHQ-9 and GAD-7 at the screening, every 5th held session, the end and the follow-up
    measurement, for every episode that has none yet; scores fall as the volume % rises."""
    answered = {
        int(r["episode"]) for r in await QuestionnaireResponse.select(QuestionnaireResponse.episode)
    }
    rows = await TreatmentEpisode.select(TreatmentEpisode.id, TreatmentEpisode.employment)
    employment = {int(r["id"]): r["employment"] for r in rows}
    # The score the therapist wrote on the screening is the questionnaire's at the screening:
    # one client, one GAD-7 that day, in the record and in the documents alike.
    screened = {
        (int(r["episode"]), str(r["complaint_instrument"])): int(r["complaint_score"])
        for r in await Screening.select(
            Screening.episode, Screening.complaint_instrument, Screening.complaint_score
        ).where(Screening.complaint_score.is_not_null())
    }
    batch: list[questionnaires.Completed] = []
    for episode_id, (facts, _rules) in (await _facts(tz)).items():
        if episode_id in answered or facts.screening_held_on is None:
            continue
        moments = _moments(facts, today)
        if not moments:
            continue
        series = [
            (p["measured_on"], p["volume_percent"])
            for p in await participation_series(employment.get(episode_id), episode_id)
            if p["volume_percent"] is not None
        ]
        rng = _rng(episode_id, "scores")
        for instrument, (low, high) in START_SCORES.items():
            start = rng.randint(low, high)
            written = screened.get((episode_id, instrument))
            if written is not None:
                start = written
            for moment, day, progress in moments:
                total = _score(start, _volume_on(series, day), progress, rng)
                if written is not None and moment == "screening":
                    total = written
                batch.append(
                    questionnaires.Completed(
                        episode_id=episode_id,
                        instrument=instrument,
                        moment=moment,
                        administered_on=day,
                        answers=_answers(instrument, total, rng),
                    )
                )
    return await questionnaires.record_questionnaires(ACTOR, batch)


def _moments(facts: EpisodeFacts, today: date) -> list[tuple[str, date, float]]:
    """(moment, day, progress 0..1 through treatment) of each questionnaire."""
    assert facts.screening_held_on is not None
    held = facts.held_session_dates
    moments = [("screening", facts.screening_held_on, 0.0)]
    for n in range(5, len(held) + 1, 5):
        moments.append(("interim", held[n - 1], n / max(len(held), 8)))
    if facts.closed_on is not None and held:
        moments.append(("end", facts.closed_on, 1.0))
    if facts.follow_up_measurement_done_on is not None:
        moments.append(("follow_up", facts.follow_up_measurement_done_on, 1.0))
    return [(m, day, p) for m, day, p in moments if day <= today]


def _volume_on(series: Sequence[tuple[date, Decimal]], day: date) -> float | None:
    known = [float(value) for measured_on, value in series if measured_on <= day]
    return min(known[-1], 100.0) / 100 if known else None


def _score(start: int, volume: float | None, progress: float, rng: random.Random) -> int:
    """Symptoms ease as work resumes: from the start score to about a quarter of it at full
    volume (the session progress stands in where no volume was measured)."""
    recovery = volume if volume is not None else progress * 0.9
    return max(0, round(start * (1 - 0.75 * recovery)) + rng.randint(-1, 1))


def _answers(instrument: str, total: int, rng: random.Random) -> dict[str, int]:
    """Item answers (0..3) adding up to ``total``; a safety item (PHQ-9 item 9) only takes
    what the other items cannot hold, so the demo's caseload is not one of crises."""
    questionnaire = INSTRUMENTS[instrument]
    items = [item.id for item in questionnaire.items]
    total = min(total, 3 * len(items))
    answers = dict.fromkeys(items, 0)
    order = items[:]
    rng.shuffle(order)
    safe = [i for i in order if i not in questionnaire.safety_items]
    last = [i for i in order if i in questionnaire.safety_items]
    spread = min(total, 3 * len(safe))
    for i in range(spread):
        answers[safe[i % len(safe)]] += 1
    for i in range(total - spread):
        answers[last[i % len(last)]] += 1
    return answers
