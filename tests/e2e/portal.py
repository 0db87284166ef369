"""One person's browser window for the browser story: their cookies, language, screenshots.

Every page the story visits is checked and kept: no console error, no failed request and no
answer ≥ 400 (a stylesheet's or the favicon's 404 included) unless the story expects a
refusal; a full-page screenshot at 1366 and at 768 px under ``test-artefacts/screenshots``
(numbered in the order visited, so the folder reads as the story). The album is JPEG: a
story keeps some two hundred full pages, and encoding them as PNG took half of the story's
time (1.7 s for a long caseload page at both widths, 0.9 s as JPEG).
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from practice.composition.demo import DEMO_PASSWORD
from tests.e2e.browser import ARTEFACTS
from tests.e2e.served import Served

WAIT_SECONDS = 90
WIDE, NARROW = 1366, 768
HEIGHT = 900
# Sharp enough to read every label and see every layout; the album is for looking at.
ALBUM = {"type": "jpeg", "quality": 80, "full_page": True}

CULPRITS = """() => { const out = []; const root = document.documentElement;
  const walk = (el, depth) => { for (const c of el.children) {
    const old = c.style.display; c.style.display = 'none';
    const fits = root.scrollWidth <= window.innerWidth; c.style.display = old;
    if (fits) { out.push(c.tagName + ' ' + (c.textContent || '').trim().slice(0, 30));
                if (depth < 6) walk(c, depth + 1); } } };
  walk(document.body, 0); return out; }"""


def clear_screenshots(language: str) -> None:
    """A new run of one language starts with an empty album for that language."""
    if ARTEFACTS.exists():
        for old in ARTEFACTS.glob(f"{language}-*.jpg"):
            old.unlink()


class Portal:
    """One person's browser window: their own cookies, language and screenshots."""

    open: list["Portal"] = []  # noqa: RUF012 - for the screenshots of a failed story
    # Serious or critical axe findings of every page, asserted once at the story's end, so
    # that one run names them all (and the rest of the story still runs).
    inaccessible: list[tuple[str, list[Any]]] = []  # noqa: RUF012
    shots = 0  # one count for all windows of a language: the album reads in story order

    def __init__(
        self, browser: Any, served: Served, language: str, email: str, arrival: str = "home"
    ) -> None:
        Portal.open.append(self)
        self.role = email.split("@")[0]
        self.base_url = served.base_url
        self.language = language
        self.problems: list[str] = []
        self.refusal_expected = False
        self.context = browser.new_context(
            base_url=served.base_url,
            locale=language,
            viewport={"width": WIDE, "height": HEIGHT},
        )
        self.page = self.context.new_page()
        # Generous: the suite runs beside the browser on two shared cores in CI.
        self.page.set_default_timeout(60_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)
        self.page.goto("/login")
        self.page.click(f'form.lang button[value="{language}"]')
        self.page.fill("#email", email)
        self.page.fill("#password", DEMO_PASSWORD)
        self.submit("/login", arrival)  # the role's start page, kept as ``arrival``
        assert self.page.locator("html").get_attribute("lang") == language
        assert "/login" not in self.page.url, self.page.content()[:2000]

    # ------------------------------------------------------------ what the browser reports

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        if self.refusal_expected and message.text.startswith("Failed to load resource"):
            return  # the refused form's own 400/409, which the story asked for
        self.problems.append(f"console error on {self.page.url}: {message.text}")

    def _request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:  # a load cut short by the next navigation
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def _response(self, response: Any) -> None:
        if response.status < 400:
            return
        request = response.request
        if (
            self.refusal_expected
            and request.resource_type == "document"
            and response.status in {400, 409}
        ):
            return
        self.problems.append(f"{response.status} for {request.method} {response.url}")

    def assert_clean(self) -> None:
        problems, self.problems = self.problems, []
        assert problems == [], "the browser reported:\n" + "\n".join(problems)

    @contextmanager
    def refusal(self) -> Iterator[None]:
        """A form the story expects to be refused (answered 400 or 409, shown again)."""
        self.refusal_expected = True
        try:
            yield
        finally:
            self.refusal_expected = False

    # ------------------------------------------------------------ moving about

    def arrived(self, name: str) -> None:
        """On a new page: nothing went wrong on the way, and a picture of it is kept."""
        self.page.wait_for_load_state("load")
        self.assert_clean()
        self.screenshot(name)

    def goto(self, path: str, name: str) -> None:
        self.page.goto(path)
        self.arrived(name)

    def follow(self, link: Any, name: str) -> None:
        """Click a link (or a button that navigates) and arrive."""
        with self.page.expect_navigation():
            link.click()
        self.arrived(name)

    def form(self, action: str, nth: int = 0) -> Any:
        """The form posting to ``action`` (exact or as the path's end), opened if folded."""
        form = self.page.locator(f'form[action="{action}"], form[action$="{action}"]').nth(nth)
        folded = self.page.locator(
            f'details:not([open]):has(form[action="{action}"]), '
            f'details:not([open]):has(form[action$="{action}"])'
        )
        if folded.count() and not form.is_visible():
            folded.first.locator("summary").first.click()
        return form

    def submit(self, action: str, name: str, nth: int = 0) -> None:
        """Press the submit button of the form posting to ``action``; no error page after."""
        form = self.form(action, nth)
        with self.page.expect_navigation():
            form.locator('button[type="submit"]').first.click()
        self.assert_no_error_page()
        self.arrived(name)

    def submit_refused(self, action: str, name: str, nth: int = 0) -> Any:
        """Press submit on a form the story expects to be refused; the form shown again."""
        with self.refusal():
            form = self.form(action, nth)
            with self.page.expect_navigation():
                form.locator('button[type="submit"]').first.click()
            self.arrived(name)
        return self.page.locator(f'form[action$="{action}"]').first

    def assert_no_error_page(self) -> None:
        text = self.page.locator("main").inner_text()
        assert self.page.locator("main [role=alert]").count() == 0, text[:1500]

    def tab(self, section: str, name: str | None = None) -> None:
        """Open a section of the client's record by clicking its tab."""
        link = self.page.locator("nav.tabs a").filter(
            has=self.page.locator(f'xpath=self::a[contains(@href, "section={section}")]')
        )
        if section == "overview":
            link = self.page.locator('nav.tabs a:not([href*="section="])')
        self.follow(link.first, name or f"section-{section}")
        current = self.page.locator('nav.tabs a[aria-current="page"]')
        assert current.count() == 1
        if section != "overview":
            assert f"section={section}" in (current.get_attribute("href") or "")

    def section_names(self) -> list[str]:
        names = []
        for href in self.page.locator("nav.tabs a").evaluate_all("as => as.map(a => a.href)"):
            names.append(href.split("section=", 1)[1] if "section=" in href else "overview")
        return names

    def wait_for(self, found: Callable[[], bool], what: str) -> None:
        """Reload until ``found`` (the worker runs beside the web process)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not found():
            assert time.monotonic() < deadline, f"waited {WAIT_SECONDS}s for {what}"
            time.sleep(1)
            self.page.reload()
            self.page.wait_for_load_state("load")
            self.assert_clean()

    # ------------------------------------------------------------ looking at it

    def screenshot(self, name: str, widths: tuple[int, ...] = (WIDE, NARROW)) -> None:
        """The whole page at each width: ``{language}-{nn}-{role}-{name}-{width}.jpg``."""
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        Portal.shots += 1
        stem = f"{self.language}-{Portal.shots:03d}-{self.role}-{name}"
        for width in widths:
            self._resize(width, HEIGHT)
            path = str(ARTEFACTS / f"{stem}-{width}.jpg")
            try:
                self.page.screenshot(path=path, **ALBUM)
            except PlaywrightError:
                # Chromium now and then cannot capture on a loaded machine ("Unable to capture
                # screenshot"); the picture is a record of the page, once more is enough.
                time.sleep(1)
                self.page.screenshot(path=path, **ALBUM)
        self._resize(WIDE, HEIGHT)

    def _resize(self, width: int, height: int) -> None:
        if (self.page.viewport_size or {}).get("width") == width:
            return
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.wait_for_function("w => window.innerWidth === w", arg=width)

    def check_accessibility(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        grave = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        if grave:
            Portal.inaccessible.append((self.page.url.removeprefix(self.base_url), grave))

    def assert_readable_on_a_tablet(self, name: str) -> None:
        """At 768 px wide (a tablet held upright) nothing runs off the side of the page."""
        self.assert_fits(name, "tablet", 768, 1024)

    def assert_readable_on_a_phone(self, name: str) -> None:
        """At 375 px (a phone) nothing runs off the side either; wide tables scroll in place."""
        self.assert_fits(name, "phone", 375, 800)

    @contextmanager
    def on_a_phone(self) -> Iterator[None]:
        """The window at a phone's width for a while (the stylesheet's phone layout)."""
        self._resize(375, 800)
        try:
            yield
        finally:
            self._resize(WIDE, HEIGHT)

    def assert_fits(self, name: str, device: str, width: int, height: int) -> None:
        self._resize(width, height)
        # Measure once the page has laid itself out at the new width (a frame later).
        overflow = self.page.evaluate(
            "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>"
            " done(document.documentElement.scrollWidth - window.innerWidth))))"
        )
        # On failure, say where to look: the elements whose hiding ends the overflow.
        culprits = self.page.evaluate(CULPRITS) if overflow > 0 else []
        if device == "phone":
            self.page.screenshot(
                path=str(ARTEFACTS / f"{self.language}-{self.role}-{name}-{width}.jpg"), **ALBUM
            )
        self._resize(WIDE, HEIGHT)
        assert overflow <= 0, f"{overflow}px wider than a {device}: {culprits}"

    def close(self) -> None:
        Portal.open.remove(self)
        self.context.close()
