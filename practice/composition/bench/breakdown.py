"""Where the statistics dashboard's time goes beyond its SQL (P-4; issue 21: "find where the
dashboard spends the time its SQL does not").

After P-4's A/B, a few more dashboards are served with two stopwatches on: one around the
figures (`dashboard_and_choices`: the figures' SQL and the Python that turns the kept cells
into figures, tables and charts) and one around the template's render. The page's time then
splits into the figures, the template and the rest (HTTP, session, guard, CSRF, audit row).
With the figures' SQL taken as P-4's control (the same statements, replayed), the split
also gives the page's floor: the ratio the page would have if the figures' Python cost
nothing. A floor above the goal says that no work on the figures alone can meet it.
"""

import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jinja2

import reporting.statistics.web as statistics_web

TEMPLATE = "reporting/statistics/dashboard.html"
FIGURES = "dashboard_and_choices"  # looked up in the handler's module when it runs


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Medians (ms) over the requests measured; `sql_ms` is the control's p50."""

    requests: int
    page_ms: float
    figures_ms: float
    template_ms: float
    sql_ms: float

    @property
    def figures_python_ms(self) -> float:
        return max(0.0, self.figures_ms - self.sql_ms)

    @property
    def rest_ms(self) -> float:
        return max(0.0, self.page_ms - self.figures_ms - self.template_ms)

    @property
    def floor(self) -> float:
        """The page's ratio to its SQL with no Python of the figures' own."""
        return (self.sql_ms + self.template_ms + self.rest_ms) / self.sql_ms

    def note(self) -> str:
        return (
            f"where the page's {self.page_ms:.0f} ms go (p50 of {self.requests}): the figures "
            f"{self.figures_ms:.0f} ms (their SQL ≈ the control's {self.sql_ms:.0f}, their "
            f"Python ≈ {self.figures_python_ms:.0f}), the template {self.template_ms:.0f}, "
            f"the rest (HTTP, session, guard, audit) {self.rest_ms:.0f}; with no Python of "
            f"the figures' own the page would still be {self.floor:.2f}× its SQL"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "page_ms": round(self.page_ms, 2),
            "figures_ms": round(self.figures_ms, 2),
            "figures_python_ms": round(self.figures_python_ms, 2),
            "template_ms": round(self.template_ms, 2),
            "rest_ms": round(self.rest_ms, 2),
            "sql_ms": round(self.sql_ms, 2),
            "floor_ratio": round(self.floor, 3),
        }


@contextlib.contextmanager
def _stopwatches() -> Iterator[tuple[list[float], list[float]]]:
    """Time every `dashboard_and_choices` call and every render of the dashboard's
    template while the block runs (the handler looks both up when called)."""
    figures: list[float] = []
    renders: list[float] = []
    choose = getattr(statistics_web, FIGURES)
    render = jinja2.Template.render

    async def timed_figures(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await choose(*args, **kwargs)
        finally:
            figures.append(time.perf_counter() - started)

    def timed_render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        started = time.perf_counter()
        try:
            return render(self, *args, **kwargs)
        finally:
            if self.name == TEMPLATE:
                renders.append(time.perf_counter() - started)

    setattr(statistics_web, FIGURES, timed_figures)
    jinja2.Template.render = timed_render  # type: ignore[method-assign]
    try:
        yield figures, renders
    finally:
        setattr(statistics_web, FIGURES, choose)
        jinja2.Template.render = render  # type: ignore[method-assign]


async def dashboard_breakdown(
    serve: Callable[[], Awaitable[object]], *, requests: int, sql_ms: float
) -> Breakdown | None:
    """Serve `requests` dashboards through `serve` with the stopwatches on; None when a
    request rendered no dashboard (the split would be of something else)."""
    pages: list[float] = []
    with _stopwatches() as (figures, renders):
        for _ in range(requests):
            started = time.perf_counter()
            await serve()
            pages.append(time.perf_counter() - started)
    if len(figures) != requests or len(renders) != requests:
        return None
    return Breakdown(
        requests=requests,
        page_ms=statistics.median(pages) * 1000,
        figures_ms=statistics.median(figures) * 1000,
        template_ms=statistics.median(renders) * 1000,
        sql_ms=sql_ms,
    )
