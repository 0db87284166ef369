"""P-5 and P-6: reports rendered, and the web while reports render.

P-5: an interim report end to end against bare WeasyPrint on the same HTML.
The candidate is the delivery job's own service, ``reporting.services.reports.deliver_report``:
fetch the report and its consent, render the template, make the PDF/A in the render pool,
store the document, record the delivery and the audit row. Each call gets a report of its
own, approved beforehand (delivery happens once per report). The control renders the very
HTML the candidate rendered with ``HTML(string=...).write_pdf()``, in a process of its own
at the same CPU priority as the app's render processes: no database, no PDF/A, no URL
fetcher, no pool management.

The bench creates what delivery needs, once: a company doctor account on the case and the
client's consent for interim reports to that doctor.

P-6: the caseload page while the app's render pool renders reports back to back, against
the same page with the pool idle, interleaved. The renders go through the functions the
delivery job uses (``render_html``, then ``render_pdf_async`` into the pool of
``reporting.documents``), so the pool's own settings (its size, its processes' CPU
priority) are what is measured; what P-6 checks is that the web process keeps its p95
when the two cores are shared with rendering.

P-8 (render side): the resident memory of that same pool's processes over many renders,
sampled from /proc while they render (``pool_render_memory``).
"""

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from practice.composition.bench.datasets import BENCH_DOMAIN, Plan
from practice.composition.bench.measurements import Bench
from practice.composition.bench.report import Outcome, ratio_outcome
from practice.composition.bench.timing import Side, run_ab, summarise
from practice.platform.db import write_tx
from practice.platform.templating import TEMPLATE_DIR
from practice.tables import CaseAssignment, Consent, TreatmentEpisode, User

SINCE = datetime(2020, 1, 1, tzinfo=UTC)
# The print stylesheet beside the templates, as the app's renderer finds it.
ASSET_BASE = (TEMPLATE_DIR / "pdf").resolve().as_uri() + "/"
PROGRESS = (
    "Cliënt heeft de afgesproken sessies gevolgd en oefent met het herkennen van "
    "spanningssignalen. De opbouw van werkuren verloopt volgens plan. "
) * 6


async def _doctor_on_case(episode_id: int) -> int:
    """The bench's company doctor, on the case, with the client's consent."""
    email = f"doctor@{BENCH_DOMAIN}"
    async with write_tx():
        row = await User.select(User.id).where(User.email == email).first()
        if row is None:
            inserted = await User.insert(
                User(
                    email=email,
                    display_name="Bench company doctor",
                    role="company_doctor",
                    password_hash="!",  # noqa: S106 - matches no password: cannot log in
                )
            ).returning(User.id)
            row = inserted[0]
        doctor = int(row["id"])
        on_case = await CaseAssignment.exists().where(
            (CaseAssignment.episode == episode_id)
            & (CaseAssignment.user == doctor)
            & (CaseAssignment.team_role == "company_doctor")
        )
        if not on_case:
            await CaseAssignment.insert(
                CaseAssignment(
                    episode=episode_id,
                    user=doctor,
                    team_role="company_doctor",
                    valid_from=date(2020, 1, 1),
                )
            )
        client = await TreatmentEpisode.select(TreatmentEpisode.client).where(
            TreatmentEpisode.id == episode_id
        )
        client_id = int(client[0]["client"])
        consented = await Consent.exists().where(
            (Consent.client == client_id)
            & (Consent.recipient == "company_doctor")
            & (Consent.purpose == "interim_reports")
        )
        if not consented:
            await Consent.insert(
                Consent(
                    client=client_id,
                    recipient="company_doctor",
                    purpose="interim_reports",
                    given_at=SINCE,
                )
            )
    return doctor


async def _approved_reports(plan: Plan, episode_id: int, count: int) -> list[int]:
    from reporting.tables import Report

    highest = await Report.select(Report.ordinal).where(Report.episode == episode_id)
    start = max([int(r["ordinal"]) for r in highest] + [0]) + 5
    now = datetime.now(UTC)
    async with write_tx():
        rows = await Report.insert(
            *(
                Report(
                    episode=episode_id,
                    kind="interim_report",
                    ordinal=start + 5 * n,
                    status="approved",
                    progress=PROGRESS,
                    work_participation="Werkt 16 van de 36 contracturen, in aangepast werk.",
                    advice="Uren in vier weken opbouwen naar 24.",
                    approved_at=now,
                    approved_by=plan.bench_therapist,
                )
                for n in range(count)
            )
        ).returning(Report.id)
    return [int(r["id"]) for r in rows]


@contextlib.contextmanager
def _html_recorded(found: list[str]) -> Iterator[None]:
    """Keep the HTML the delivery renders (the control renders exactly these bytes)."""
    from reporting.services import reports as services

    # The name the delivery calls (imported into reporting.services.reports from documents).
    name = "render_pdf_async"
    original = getattr(services, name)

    async def recording(html: str, **kwargs: Any) -> Any:
        found.append(html)
        return await original(html, **kwargs)

    setattr(services, name, recording)
    try:
        yield
    finally:
        setattr(services, name, original)


@contextlib.asynccontextmanager
async def _render_pool() -> AsyncIterator[None]:
    from reporting.documents import shutdown_render_pool

    try:
        yield
    finally:
        shutdown_render_pool()


def _at_render_priority() -> None:
    """Initializer of the control's process: the CPU priority of the app's render pool."""
    from reporting.documents import RENDER_NICENESS

    os.nice(RENDER_NICENESS)


def _bare_render(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=ASSET_BASE).write_pdf()
    return pdf


@contextlib.contextmanager
def _bare_renderer() -> Iterator[ProcessPoolExecutor]:
    """One process for the control's renders, as nice as the app's render processes.

    The app renders at a lower CPU priority (reporting.documents.RENDER_NICENESS, P-6); a
    control at normal priority would, on a shared machine, compare priorities rather than
    the delivery's own cost. So the control renders in a process of its own at the same
    niceness (and pays the same trip of HTML in and PDF bytes out).
    """
    context = multiprocessing.get_context("forkserver")
    executor = ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_at_render_priority
    )
    try:
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


async def interim_report(bench: Bench) -> Outcome:
    from reporting.services.reports import deliver_report

    settings, plan = bench.settings, bench.plan
    # A render takes most of a second: a few two-report rounds are enough.
    per_round, rounds = 2, min(bench.rounds, 5)
    episode_id = plan.report_episode
    await _doctor_on_case(episode_id)
    reports = iter(await _approved_reports(plan, episode_id, 2 * per_round * rounds + 4))
    html: list[str] = []

    async def deliver() -> object:
        result = await deliver_report(settings, next(reports))
        if result != "sent":
            raise RuntimeError(f"the interim report was not sent: {result}")
        return result

    async with _render_pool():
        with _html_recorded(html):
            await deliver()
        with _bare_renderer() as renderer:

            async def bare() -> object:
                return await asyncio.wrap_future(renderer.submit(_bare_render, html[0]))

            result = await run_ab(
                Side("weasyprint", bare),
                Side("deliver", deliver),
                rounds=rounds,
                per_round=per_round,
                warmup=2,  # each delivery takes one of the reports made above
            )
    candidate = summarise(result.candidate)
    per_minute = 60_000 / candidate.p50_ms
    outcome = ratio_outcome(
        "P-5",
        "interim report end to end",
        goal_ratio=1.2,
        result=result,
        control_label=(
            "HTML(string=the same HTML, same stylesheet).write_pdf() in a process of its own "
            "at the render pool's CPU priority"
        ),
        candidate_label=(
            "reporting.services.reports.deliver_report: fetch, consent, template, PDF/A in the "
            "render pool, store, delivery, audit"
        ),
        note=f"{per_minute:.0f} reports/min in one process (goal ≥ 120)",
    )
    outcome.data["reports_per_minute"] = round(per_minute, 1)
    return outcome


# ---------------------------------------------------------------- P-6 web while rendering

# The worker renders two reports at a time (targets.md B5, P-6): enough to keep a pool of
# one process per core busy on this machine.
RENDERS_IN_FLIGHT = 2
TITLE = "Tussenevaluatie na sessie 5"


def _report_html() -> str:
    """An interim report as the worker renders it: the letterhead, the author, the record's
    sections (sessions, goals, hours, agreements, scores, advice) and the therapist's text."""
    from reporting import interim_reports as record
    from reporting.documents import Letterhead, render_html

    sessions = tuple(date(2026, 9, 7) + timedelta(weeks=n) for n in range(5))
    context = {
        "title": TITLE,
        "kind": "interim_report",
        "letterhead": Letterhead(
            name="@Work praktijk (bench)",
            address=("Voorbeeldstraat 1", "1234 AB Utrecht"),
            agb_code="12345678",
            logo="",
        ),
        "author": {"display_name": "T. Therapeut", "registration": "BIG 19012345601"},
        "dated": date(2026, 11, 2),
        "client": {"name": "Client 0000001", "born": date(1980, 5, 17)},
        "record": record.ReportRecord(
            held_sessions=sessions,
            goals=(
                record.Goal("Wekelijks bellen met de leidinggevende", sessions[0], sessions[2]),
            ),
            participation=((sessions[0], Decimal("25")), (sessions[4], Decimal("44.4"))),
            agreements=(
                record.Agreement(sessions[1], "Twee ochtenden eigen werk", Decimal("8"), "met"),
            ),
            advice=(
                record.PartyAdvice(
                    "therapist", sessions[3], "Uren in vier weken opbouwen.", False, None
                ),
            ),
        ),
        "chart": None,
        "progress": PROGRESS,
        "work_participation": "Werkt 16 van de 36 contracturen, in aangepast werk.",
        "advice": "Uren in vier weken opbouwen naar 24.",
    }
    # The sample holds dates only, no instants: the zone does not change the document.
    return render_html("reporting/interim-report/document.html", context, tz=ZoneInfo("UTC"))


def pool_pids() -> list[int]:
    """The app's render-pool processes alive now (none before the first render)."""
    from reporting import documents

    executor = documents._pool._executor
    if executor is None:
        return []
    return [p.pid for p in list((executor._processes or {}).values()) if p.pid is not None]


def _niceness(pids: list[int]) -> list[int]:
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            found.append(os.getpriority(os.PRIO_PROCESS, pid))
    return found


class PoolRenderer:
    """The app's render pool, rendering the interim report continuously while switched on."""

    def __init__(self, html: str, in_flight: int = RENDERS_IN_FLIGHT) -> None:
        self.html, self.in_flight, self.renders = html, in_flight, 0
        self.niceness: set[int] = set()

    async def render_once(self) -> None:
        from reporting.documents import render_pdf_async

        await render_pdf_async(self.html, title=TITLE)
        self.renders += 1
        self.niceness.update(_niceness(pool_pids()))

    @contextlib.asynccontextmanager
    async def rendering(self) -> AsyncIterator[None]:
        stop = asyncio.Event()

        async def back_to_back() -> None:
            while not stop.is_set():
                await self.render_once()

        renders = [asyncio.create_task(back_to_back()) for _ in range(self.in_flight)]
        await asyncio.sleep(0.1)  # the first renders are under way before the first request
        try:
            yield
        finally:
            stop.set()
            # The renders in progress finish before the idle side is timed.
            await asyncio.gather(*renders)


async def web_while_rendering(bench: Bench) -> Outcome:
    from reporting.documents import MAX_WORKERS, RENDER_NICENESS

    path = "/caseload"

    async def caseload() -> object:
        return await bench.therapist.get(path)

    renderer = PoolRenderer(_report_html())
    async with _render_pool():
        # Starts the pool (its forkserver imports WeasyPrint): not in the first idle side.
        await asyncio.gather(*(renderer.render_once() for _ in range(MAX_WORKERS)))
        renderer.renders = 0
        result = await run_ab(
            Side("idle", caseload),
            Side("rendering", caseload, context=renderer.rendering),
            **bench.rounds_of(),
        )
    niceness = ", ".join(str(n) for n in sorted(renderer.niceness)) or "unknown"
    outcome = ratio_outcome(
        "P-6",
        "web p95 while the worker renders",
        goal_ratio=1.5,
        result=result,
        control_label=f"GET {path} with the render pool idle",
        candidate_label=(
            f"GET {path} while the app's render pool renders the interim report, "
            f"{renderer.in_flight} at a time, back to back (render_pdf_async)"
        ),
        on=("p95",),
        note=(
            f"{renderer.renders} renders during the rendering sides; pool of {MAX_WORKERS} "
            f"process(es) at niceness {niceness} (reporting.documents.RENDER_NICENESS "
            f"= {RENDER_NICENESS})"
        ),
    )
    outcome.data["renders"] = renderer.renders
    outcome.data["pool_processes"] = MAX_WORKERS
    outcome.data["render_niceness"] = sorted(renderer.niceness)
    return outcome


# ---------------------------------------------------------------- P-8 render-pool memory

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class RenderMemory:
    """The render pool's RSS over a series of renders (MB)."""

    renders: int
    first_half_peak: float  # highest RSS of any pool process during the first half
    second_half_peak: float  # ... during the second half
    processes: int  # distinct pool processes seen (the pool replaces them)

    @property
    def growth(self) -> float:
        if not self.first_half_peak:
            return 0.0
        return self.second_half_peak / self.first_half_peak - 1


async def pool_render_memory(renders: int) -> RenderMemory:
    """Render the interim report ``renders`` times through the app's render pool.

    The same path as the delivery job: ``render_html`` once, then ``render_pdf_async`` for
    each render, one at a time, on a fresh pool. While each render runs, the RSS of every
    pool process is read from /proc every 50 ms and once more after it; a render's sample
    is the highest of those. The pool replaces each process after
    ``MAX_TASKS_PER_CHILD`` renders, so the series spans several process lifetimes, as
    the worker's renders do.
    """
    from practice.composition.bench.memory import rss_mb
    from reporting.documents import render_pdf_async, shutdown_render_pool

    html = _report_html()
    shutdown_render_pool()  # a fresh pool: no process has rendered before the first render
    peaks: list[float] = []
    seen: set[int] = set()

    def sample() -> float:
        highest = 0.0
        for pid in pool_pids():
            rss = rss_mb(pid)
            if rss is None:
                continue  # gone between the listing and the read: it was replaced
            highest = max(highest, rss)
            seen.add(pid)
        return highest

    try:
        for _ in range(renders):
            render = asyncio.ensure_future(render_pdf_async(html, title=TITLE))
            peak = 0.0
            while not render.done():
                peak = max(peak, sample())
                await asyncio.wait({render}, timeout=SAMPLE_SECONDS)
            render.result()
            peak = max(peak, sample())
            peaks.append(peak)
    finally:
        shutdown_render_pool()
    half = len(peaks) // 2
    return RenderMemory(
        renders=renders,
        first_half_peak=max(peaks[:half], default=0.0),
        second_half_peak=max(peaks[half:], default=0.0),
        processes=len(seen),
    )
