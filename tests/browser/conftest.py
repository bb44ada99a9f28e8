"""Browser tests: Debian's Chromium driven by Playwright against the local stack, both roles at once.

Every page a test reaches is checked the same way (``Screens.check``): axe-core finds no WCAG 2.1 A/AA violation,
nothing overflows sideways, and a screenshot is written at phone and desktop width to
``test-artifacts/screenshots/``. Any console error or Content-Security-Policy violation fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from infrastructure.local import LocalStack

playwright_api = pytest.importorskip("playwright.sync_api")
# One patience for every wait: Playwright's assertions (expect) wait 5 s by default, its actions and wait_for
# the context's 10 s (below). On a loaded 2-core CI machine an assertion right after a multi-hop navigation
# (DigiD simulator -> ACS -> result page -> its fetch) must not give up before the page's own waits would.
playwright_api.expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "static_site"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = SITE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Records CSP violations through a binding (Playwright's, not a script of ours: the pages keep a strict CSP).
CSP_RECORDER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__lbCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} in ${e.sourceFile}:${e.lineNumber}`);
});
"""
# A 4xx from our own API (expired link, unknown case, locked session) or from the staff login (wrong password) is a
# state under test, not a page error.
_EXPECTED_API_ERROR = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keeps each phase's report on the item, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def site_built() -> None:
    """static_site/vendor and node_modules, as `make site` makes them (make test does this first)."""
    if not (SITE / "vendor" / ".built").is_file() or not AXE.is_file():
        if shutil.which("npm") is None:
            pytest.fail("static_site/vendor is missing and npm is not installed: run `make site`")
        subprocess.run(["make", "site"], cwd=ROOT, check=True)


# Package scope: one local stack per process at a time, and the other packages start their own after this one.
@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory, site_built: None) -> Iterator[LocalStack]:
    state = Path(tmp_path_factory.mktemp("browser-stack")) / "stack.json"
    with LocalStack(port=0, isolated_moto=True, state_file=state) as running:
        yield running


@pytest.fixture(scope="package")
def browser(site_built: None) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Problems:
    """Console errors, uncaught page errors and CSP violations seen in a test's browser contexts."""

    items: list[str] = field(default_factory=list)

    def console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if _EXPECTED_API_ERROR.match(message.text) and ("/api/" in url or "/_local/cognito-idp/" in url):
            return
        self.items.append(f"console error: {message.text} ({url})")


class Screens:
    """Opens browser contexts (one per role) and checks and photographs each screen a test reaches."""

    def __init__(self, browser: Any, stack: LocalStack, problems: Problems) -> None:
        self._browser = browser
        self._stack = stack
        self.problems = problems
        self._contexts: list[Any] = []
        self.console_lines: list[str] = []
        self._started = time.monotonic()
        self._axe = AXE.read_text(encoding="utf-8")

    def new_page(self, locale: str = "nl-NL") -> Any:
        context = self._browser.new_context(viewport=DESKTOP, locale=locale, timezone_id="Europe/Amsterdam")
        context.expose_binding("__lbCspViolation", lambda _source, text: self.problems.items.append(f"CSP: {text}"))
        context.add_init_script(CSP_RECORDER)
        context.on("console", self.problems.console)
        number = len(self._contexts)
        context.on("console", lambda message: self.log(number, f"{message.type}: {message.text}"))
        context.on(
            "response",
            lambda answer: self.log(number, f"{answer.request.method} {answer.url.split('?')[0]} {answer.status}"),
        )
        context.on("weberror", lambda error: self.problems.items.append(f"page error: {error.error}"))
        context.set_default_timeout(10_000)
        self._contexts.append(context)
        return context.new_page()

    def log(self, context: int, line: str) -> None:
        """What a failure dump shows: console messages and answers, per browser context, with the time."""
        self.console_lines.append(f"{time.monotonic() - self._started:8.3f} [{context}] {line}")

    def url(self, path: str) -> str:
        return self._stack.site_url + path

    def check(self, page: Any, name: str, axe: bool = True) -> None:
        """axe at desktop and phone width, no sideways scrolling at phone width, a screenshot at both."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            if axe:
                violations = self.axe(page)
                assert violations == [], f"{name} ({label}): axe violations {violations}"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} ({label}): scrolls sideways by {overflow}px"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(original)

    def axe(self, page: Any) -> list[str]:
        # Evaluated through the DevTools protocol, not added as a <script>: the page's CSP stays untouched.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self._axe)
        result = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
            ".map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)",
            AXE_TAGS,
        )
        return list(result)

    def dump(self, name: str) -> None:
        """After a failure: every open page's screenshot, URL and HTML, and the console, in test-artifacts/failures/."""
        folder = ROOT / "test-artifacts" / "failures" / re.sub(r"[^\w.-]", "_", name)
        folder.mkdir(parents=True, exist_ok=True)
        for number, context in enumerate(self._contexts):
            for index, page in enumerate(context.pages):
                stem = folder / f"context{number}-page{index}"
                try:
                    page.screenshot(path=f"{stem}.png", full_page=True)
                    stem.with_suffix(".html").write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
                except Exception as error:  # a dump must not hide the failure it documents
                    stem.with_suffix(".txt").write_text(f"{page.url}: {error}", encoding="utf-8")
        (folder / "console.txt").write_text("\n".join(self.console_lines), encoding="utf-8")

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def screens(request: pytest.FixtureRequest, browser: Any, stack: LocalStack) -> Iterator[Screens]:
    problems = Problems()
    opened = Screens(browser, stack, problems)
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        opened.dump(request.node.nodeid)
    opened.close()
    assert problems.items == [], "\n".join(problems.items)


@pytest.fixture
def official_page(screens: Screens, stack: LocalStack) -> Callable[..., Any]:
    """A logged-in staff page (the seeded test official), through the login form."""

    def open_logged_in(locale: str = "nl-NL") -> Any:
        page = screens.new_page(locale)
        page.goto(screens.url("/medewerker.html"))
        page.get_by_label("Loginnaam").fill(stack.info["official"]["username"])
        page.get_by_label("Wachtwoord").fill(stack.info["official"]["password"])
        page.get_by_role("button", name="Inloggen").click()
        page.get_by_role("heading", name="Wat wilt u doen?").wait_for()
        return page

    return open_logged_in
