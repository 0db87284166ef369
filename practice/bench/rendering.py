"""P-5 and P-6: reports rendered, and the web while reports render.

P-5: an interim report end to end against bare WeasyPrint on the same HTML.
The candidate is the delivery job's own service, ``reporting.services.deliver_report``:
fetch the report and its consent, render the template, make the PDF/A in the render pool,
store the document, record the delivery and the audit row. Each call gets a report of its
own, approved beforehand (delivery happens once per report). The control renders the very
HTML the candidate rendered with ``HTML(string=...).write_pdf()``, in a thread: no
database, no pool, no PDF/A, no URL fetcher.

The bench creates what delivery needs, once: a company doctor account on the case and the
client's consent for interim reports to that doctor.

P-6: the caseload page while a second process renders reports back to back, against the
same page with that process idle, interleaved. In production the worker renders in its
own processes; what P-6 checks is that the web process keeps its p95 when the two cores
are shared with rendering.
"""

import asyncio
import contextlib
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any

from practice.bench.datasets import BENCH_DOMAIN, Plan
from practice.bench.measurements import Bench
from practice.bench.report import Outcome, ratio_outcome
from practice.bench.timing import Side, run_ab, summarise
from practice.db import write_tx
from practice.tables import CaseAssignment, Consent, TreatmentEpisode, User
from practice.templating import TEMPLATE_DIR

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
    from reporting import services

    # The name the delivery calls (imported into reporting.services from documents).
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


async def interim_report(bench: Bench) -> Outcome:
    from weasyprint import HTML

    from reporting.services import deliver_report

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

    async def bare() -> object:
        return await asyncio.to_thread(HTML(string=html[0], base_url=ASSET_BASE).write_pdf)

    async with _render_pool():
        with _html_recorded(html):
            await deliver()
        result = await run_ab(
            Side("weasyprint", bare), Side("deliver", deliver), rounds=rounds, per_round=per_round
        )
    candidate = summarise(result.candidate)
    per_minute = 60_000 / candidate.p50_ms
    outcome = ratio_outcome(
        "P-5",
        "interim report end to end",
        goal_ratio=1.2,
        result=result,
        control_label="HTML(string=the same HTML, same stylesheet).write_pdf() in a thread",
        candidate_label=(
            "reporting.services.deliver_report: fetch, consent, template, PDF/A in the "
            "render pool, store, delivery, audit"
        ),
        note=f"{per_minute:.0f} reports/min in one process (goal ≥ 120)",
    )
    outcome.data["reports_per_minute"] = round(per_minute, 1)
    return outcome


# ---------------------------------------------------------------- P-6 web while rendering


def _render_forever(html: str, go: Any, idle: Any, quit_: Any) -> None:
    """A stand-in for a worker's render process: render the report while ``go`` is set."""
    from weasyprint import HTML

    while not quit_.is_set():
        if not go.wait(0.05):
            idle.set()
            continue
        idle.clear()
        HTML(string=html, base_url=ASSET_BASE).write_pdf()
    idle.set()


def _report_html() -> str:
    from reporting.documents import render_html

    context = {
        "title": "Tussenevaluatie na sessie 5",
        "client_name": "Client 0000001",
        "born": date(1980, 5, 17),
        "progress": PROGRESS,
        "work_participation": "Werkt 16 van de 36 contracturen, in aangepast werk.",
        "advice": "Uren in vier weken opbouwen naar 24.",
        "approved_on": date(2026, 11, 2),
    }
    return render_html("reporting/interim-report/document.html", context)


class Renderer:
    """One process that renders reports continuously while switched on."""

    def __init__(self, html: str) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a running event loop
        self.go, self.idle, self.quit = context.Event(), context.Event(), context.Event()
        self.process = context.Process(
            target=_render_forever, args=(html, self.go, self.idle, self.quit), daemon=True
        )

    def __enter__(self) -> "Renderer":
        self.process.start()
        # Starting imports WeasyPrint: that must not fall into the first idle side.
        if not self.idle.wait(timeout=120):
            self.__exit__()
            raise RuntimeError("the render process did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.quit.set()
        self.go.set()
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()

    @contextlib.contextmanager
    def rendering(self) -> Iterator[None]:
        self.go.set()
        time.sleep(0.1)  # the first render is under way before the first request
        try:
            yield
        finally:
            self.go.clear()
            # The render in progress finishes before the idle side is timed.
            self.idle.wait(timeout=30)


async def web_while_rendering(bench: Bench) -> Outcome:
    path = "/caseload"

    async def caseload() -> object:
        return await bench.therapist.get(path)

    with Renderer(_report_html()) as renderer:
        result = await run_ab(
            Side("idle", caseload),
            Side("rendering", caseload, context=renderer.rendering),
            **bench.rounds_of(),
        )
    return ratio_outcome(
        "P-6",
        "web p95 while the worker renders",
        goal_ratio=1.5,
        result=result,
        control_label=f"GET {path} with the renderer idle",
        candidate_label=(
            f"GET {path} while another process renders the interim report back to back"
        ),
        on=("p95",),
        note="the renderer stands in for a worker's render process (same HTML, WeasyPrint)",
    )


# ---------------------------------------------------------------- P-8 render-process memory


def _render_and_sample(html: str, renders: int, results: Any) -> None:
    """Render ``renders`` times; report the RSS after the first half and after the last."""
    from weasyprint import HTML

    from practice.bench.memory import rss_mb

    half = None
    for n in range(1, renders + 1):
        HTML(string=html, base_url=ASSET_BASE).write_pdf()
        if n == renders // 2:
            half = rss_mb(os.getpid())
    results.put((half, rss_mb(os.getpid())))


async def render_memory_growth(renders: int) -> tuple[float, float]:
    """RSS (MB) of one render process after half of ``renders`` reports and after all."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_render_and_sample, args=(_report_html(), renders, results))
    process.start()
    try:
        half, last = await asyncio.to_thread(results.get, True, 60 + 5 * renders)
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    return float(half or 0.0), float(last or 0.0)
