"""The four portals in a real browser, in Dutch and in English (issue #7's acceptance story).

Against ``practice serve --demo`` (a real process with its embedded worker), Chromium:
a therapist registers a referral, plans and records the screening, meets the manager,
starts treatment, books sessions, records five as held and approves the interim report
that the worker drafts; the company doctor opens the PDF; the employer sees the sessions
held and the agreement but nothing medical; the practice manager sees the episode count
go up. Every portal's main page is checked with axe-core (no serious or critical
violations) and saved as a screenshot under ``test-artefacts/screenshots``.
"""

import io
import re
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from practice.composition.demo import DEMO_PASSWORD
from tests.e2e.browser import ARTEFACTS, CHROMIUM_ARGS, chromium_path
from tests.e2e.served import Served, serve_demo

TZ = ZoneInfo("Europe/Amsterdam")
THERAPIST = "therapeut@demo.atwork.nl"
COMPANY_DOCTOR = "bedrijfsarts@demo.atwork.nl"
EMPLOYER = "leidinggevende@demo.atwork.nl"
MANAGER = "praktijkmanager@demo.atwork.nl"
ADMINISTRATOR = "beheerder@demo.atwork.nl"
# What the employer must never see: the diagnosis (either language) and the screening's text.
DIAGNOSIS_WORDS = ["angststoornis", "anxiety", "diagnos"]
WAIT_SECONDS = 45


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    chromium_path()  # skip before starting a server when there is no browser
    yield from serve_demo(tmp_path_factory.mktemp("browser-demo"))


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


CULPRITS = """() => { const out = []; const root = document.documentElement;
  const walk = (el, depth) => { for (const c of el.children) {
    const old = c.style.display; c.style.display = 'none';
    const fits = root.scrollWidth <= window.innerWidth; c.style.display = old;
    if (fits) { out.push(c.tagName + ' ' + (c.textContent || '').trim().slice(0, 30));
                if (depth < 6) walk(c, depth + 1); } } };
  walk(document.body, 0); return out; }"""


class Portal:
    """One person's browser window: their own cookies, language and screenshots."""

    open: list["Portal"] = []  # noqa: RUF012 - for the screenshots of a failed story

    def __init__(self, browser: Any, served: Served, language: str, email: str) -> None:
        Portal.open.append(self)
        self.role = email.split("@")[0]
        self.base_url = served.base_url
        self.language = language
        self.context = browser.new_context(base_url=served.base_url, locale=language)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.goto("/login")
        self.page.click(f'form.lang button[value="{language}"]')
        self.page.fill("#email", email)
        self.page.fill("#password", DEMO_PASSWORD)
        self.submit("/login")
        assert self.page.locator("html").get_attribute("lang") == language
        assert "/login" not in self.page.url, self.page.content()[:2000]

    def submit(self, action: str, nth: int = 0) -> None:
        """Press the submit button of the form posting to ``action`` (exact or suffix)."""
        form = self.page.locator(f'form[action="{action}"], form[action$="{action}"]').nth(nth)
        with self.page.expect_navigation():
            form.locator('button[type="submit"]').click()
        self.assert_no_error_page()

    def assert_no_error_page(self) -> None:
        text = self.page.locator("main").inner_text()
        assert self.page.locator("main [role=alert]").count() == 0, text[:1500]

    def screenshot(self, name: str) -> None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTEFACTS / f"{self.language}-{name}.png"), full_page=True)

    def check_accessibility(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        grave = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert grave == [], (self.page.url, grave)

    def assert_readable_on_a_tablet(self, name: str) -> None:
        """At 768 px wide (a tablet held upright) nothing runs off the side of the page."""
        self.assert_fits(name, "tablet", 768, 1024)

    def assert_readable_on_a_phone(self, name: str) -> None:
        """At 375 px wide (a phone) nothing runs off the side either; wide tables scroll in
        place."""
        self.assert_fits(name, "phone", 375, 800)

    def assert_fits(self, name: str, device: str, width: int, height: int) -> None:
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": width, "height": height})
        # Measure once the page has laid itself out at the new width (a frame later).
        self.page.wait_for_function("w => window.innerWidth === w", arg=width)
        overflow = self.page.evaluate(
            "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>"
            " done(document.documentElement.scrollWidth - window.innerWidth))))"
        )
        # On failure, say where to look: the elements whose hiding ends the overflow.
        culprits = self.page.evaluate(CULPRITS) if overflow > 0 else []
        self.screenshot(f"{name}-{device}")
        self.page.set_viewport_size(size)
        assert overflow <= 0, f"{overflow}px wider than a {device}: {culprits}"

    def wait_for(self, found: Callable[[], bool], what: str) -> None:
        """Reload until ``found`` (the worker runs beside the web process)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not found():
            assert time.monotonic() < deadline, f"waited {WAIT_SECONDS}s for {what}"
            time.sleep(1)
            self.page.reload()

    def close(self) -> None:
        Portal.open.remove(self)
        self.context.close()


@pytest.fixture
def screenshots_on_failure() -> Iterator[None]:
    """A failed story leaves a picture of every window still open: what the user saw."""
    Portal.open.clear()
    try:
        yield
    except BaseException:
        raise
    finally:
        for portal in list(Portal.open):
            portal.screenshot(f"last-{portal.role}")
            portal.close()


def _days_ago(days: int) -> date:
    return datetime.now(TZ).date() - timedelta(days=days)


def _episode_total(manager: Portal) -> int:
    manager.page.goto("/statistics/episodes")
    return int(manager.page.locator("[data-total]").get_attribute("data-total") or "-1")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.usefixtures("screenshots_on_failure")
def test_a_referral_travels_through_all_four_portals_in_a_real_browser(
    browser: Any, served: Served, language: str
) -> None:
    client_name = f"Eva Browser-{language.upper()} {int(time.time()) % 100000}"
    marker = f"MEDISCH-GEHEIM-{language}"

    manager = Portal(browser, served, language, MANAGER)
    episodes_before = _episode_total(manager)

    # ---------------------------------------------------------------- the therapist
    therapist = Portal(browser, served, language, THERAPIST)
    page = therapist.page
    therapist.screenshot("therapist-caseload")
    therapist.check_accessibility()
    # Keyboard first: Tab reaches the skip link, which jumps past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    page.goto("/referrals/new")
    therapist.check_accessibility()
    page.fill("#name", client_name)
    page.select_option("#employer_id", label="Thuiszorg De Linde (demo)")
    page.fill("#contract_hours", "32")
    page.fill("#contract_from", _days_ago(400).isoformat())
    page.fill("#received_at", f"{_days_ago(56).isoformat()}T09:00")
    page.select_option("#referrer_type", "company_doctor")
    page.select_option("#company_doctor_id", index=1)
    manager_option = page.locator("#manager_id option", has_text="Lotte").first
    page.select_option("#manager_id", manager_option.get_attribute("value"))
    page.select_option("#absence_status", "sickness")
    page.fill("#first_sick_day", _days_ago(70).isoformat())
    page.check('input[name="consent_at_referral"]')
    therapist.submit("/referrals")
    assert re.search(r"/episodes/\d+$", page.url), page.url
    assert page.locator("h1").inner_text() == client_name

    page.fill("#planned_on", _days_ago(50).isoformat())
    therapist.submit("/screening-plan")
    page.fill("#screening_held_on", _days_ago(50).isoformat())
    page.select_option("#diagnosis_category", "angststoornis")
    page.fill("#intervention_need", marker)
    page.select_option("#proposal", "atwork_basic")
    therapist.submit("/screening")
    page.fill("#consultation_held_on", _days_ago(48).isoformat())
    page.select_option("#contact_id", index=1)
    therapist.submit("/manager-consultations")
    page.select_option("#to_status", "in_treatment")
    page.fill("#on", _days_ago(45).isoformat())
    therapist.submit("/transitions")
    assert page.locator("[data-testid=status]").inner_text() == (
        "in behandeling" if language == "nl" else "in treatment"
    )

    page.select_option("#recipient", "employer")
    page.select_option("#purpose", "process_updates")
    page.fill("#given_at", f"{_days_ago(56).isoformat()}T09:30")
    therapist.submit("/consents")

    page.fill("#agreed_on", _days_ago(20).isoformat())
    page.fill("#description", "Twee ochtenden per week eigen werk")
    page.fill("#hours_per_week", "8")
    therapist.submit("/agreements")

    first = _days_ago(42)
    first += timedelta(days=(3 - first.weekday()) % 7)  # a Thursday, within the last 6 weeks
    hour = 16 if language == "nl" else 17  # beside the demo's sessions, and each other's
    page.fill("#starts_at", f"{first.isoformat()}T{hour}:00")
    page.fill("#count", "6")
    therapist.submit("/appointments")
    if "/episodes/" not in page.url:  # a refused week (a holiday): the result page says why
        with page.expect_navigation():
            page.locator('main a[href^="/episodes/"]').click()
    for _ in range(5):
        form = page.locator('form[action$="/attendance"]').first
        form.locator("select").select_option("held")
        with page.expect_navigation():
            form.locator('button[type="submit"]').click()
        therapist.assert_no_error_page()
    held = page.locator("[data-testid=held-count]").inner_text()
    assert held.startswith("5 "), held

    # The worker drafts the briefing and, after the 5th held session, the interim report.
    approval = page.locator('tr[data-kind="interim_report"] form[action$="/approval"] button')
    therapist.wait_for(lambda: approval.count() > 0, "the interim report's draft")
    therapist.screenshot("therapist-client")
    therapist.check_accessibility()
    therapist.assert_readable_on_a_tablet("therapist-client")
    therapist.assert_readable_on_a_phone("therapist-client")
    with page.expect_navigation():
        approval.first.click()
    documents = page.locator('a[href^="/documents/"]')
    therapist.wait_for(lambda: documents.count() > 0, "the approved report to be sent")

    page.goto("/calendar?start=" + first.isoformat())
    assert page.locator(".week a", has_text=client_name).count() >= 1
    therapist.screenshot("therapist-calendar")
    therapist.close()

    # ---------------------------------------------------------------- the company doctor
    doctor = Portal(browser, served, language, COMPANY_DOCTOR)
    row = doctor.page.locator("tr", has_text=client_name)
    doctor.wait_for(lambda: row.count() > 0, "the report in the company doctor's inbox")
    doctor.screenshot("company-doctor-inbox")
    doctor.check_accessibility()
    href = row.first.locator('a[href^="/documents/"]').get_attribute("href")
    response = doctor.page.request.get(served.base_url + str(href))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert client_name.split()[0] in text
    doctor.page.reload()
    entry = doctor.page.locator(f'li[data-document="{str(href).rsplit("/", 1)[1]}"]')
    assert ("gelezen" if language == "nl" else "read") in entry.inner_text()
    doctor.close()

    # ---------------------------------------------------------------- the employer
    employer = Portal(browser, served, language, EMPLOYER)
    section = employer.page.locator("section.employee", has_text=client_name)
    assert section.count() == 1, employer.page.locator("main").inner_text()[:2000]
    assert "5" in section.locator("strong").first.inner_text()
    assert "Twee ochtenden per week" in section.inner_text()
    whole_page = employer.page.content().lower()
    assert marker.lower() not in whole_page
    for word in DIAGNOSIS_WORDS:
        assert word not in whole_page, word
    employer.screenshot("employer")
    employer.check_accessibility()
    employer.close()

    # ---------------------------------------------------------------- the practice manager
    assert _episode_total(manager) == episodes_before + 1
    manager.page.goto("/statistics/outcomes")
    manager.screenshot("practice-manager-statistics")
    manager.check_accessibility()
    manager.page.goto("/monitor")
    manager.screenshot("practice-manager-monitor")
    manager.check_accessibility()
    manager.close()

    administrator = Portal(browser, served, language, ADMINISTRATOR)
    administrator.screenshot("administrator-users")
    administrator.check_accessibility()
    for path in ("/admin/employers", "/admin/company-doctors", "/admin/handovers"):
        administrator.page.goto(path)
        assert administrator.page.locator("form").count() >= 2
        administrator.check_accessibility()
    administrator.screenshot("administrator-handovers")
    administrator.close()
