"""The served stylesheet keeps only the rules the pages can use (PurgeCSS, make site): every page and every state the
flows reach look pixel for pixel as they do with the whole component library, in Dutch and English, at desktop and
phone width. Each screen is photographed as served, then with the full stylesheet put in place of the purged one
(same page, same state, nothing reloaded) and compared; both are kept in test-artifacts/purged-css/ to look at."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from infrastructure.deploy.site_build import build

from .conftest import DESKTOP, PHONE, ROOT, SITE, Screens
from .test_flows import RESIDENT, log_in_at_digid, make_link

ANTI_ALIASING = 2  # levels of 255 per channel that two shots of the same page may differ by (same_pixels)
SHOTS = ROOT / "test-artifacts" / "purged-css"
FULL = "/__full-library-stylesheet.css"  # answered by the test itself (same origin: the CSP's style-src 'self')
STATIC_PAGES = ("index.html", "medewerker.html", "resultaat.html", "fout.html", "privacy.html")


@pytest.fixture(scope="module")
def full_stylesheet(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The stylesheet the build made before purging: the ordered union of the pages' stylesheets."""
    out = Path(tmp_path_factory.mktemp("full-site")) / "dist"
    page = next(p for p in build(SITE, out) if p.name == "index.html")
    return (out / page.stylesheet.lstrip("/")).read_bytes()


@pytest.fixture
def compare(screens: Screens, full_stylesheet: bytes) -> Iterator[Callable[[Any, str], None]]:
    routed: set[int] = set()
    differing: list[str] = []

    def styled_with(page: Any, href: str) -> None:
        page.evaluate(
            """async (href) => {
                const link = document.querySelector('link[rel="stylesheet"]');
                if (link.getAttribute("href") !== href) {
                    await new Promise((done, failed) => {
                        link.addEventListener("load", done, { once: true });
                        link.addEventListener("error", failed, { once: true });
                        link.setAttribute("href", href);
                    });
                }
                await document.fonts.ready;
            }""",
            href,
        )

    def shot(page: Any) -> bytes:
        # the countdowns tick every second: masked (a box of their size), so a tick between two shots is no change
        ticking = [page.locator("#remaining"), page.locator("#session-time")]
        return bytes(page.screenshot(full_page=True, animations="disabled", caret="hide", mask=ticking))

    def same_pixels(purged: bytes, full: bytes) -> bool:
        """Pixel for pixel, but for Chromium's anti-aliasing: a rounded corner's edge pixel was seen one level apart
        (184 vs 183 of 255) in two shots of the same page. A rule the purge dropped changes far more than
        ``ANTI_ALIASING`` levels (a colour, a border, a place)."""
        a, b = Image.open(io.BytesIO(purged)).convert("RGB"), Image.open(io.BytesIO(full)).convert("RGB")
        return (
            a.size == b.size and max(high for _low, high in ImageChops.difference(a, b).getextrema()) <= ANTI_ALIASING
        )

    def check(page: Any, name: str) -> None:
        """``name`` in both languages at both widths: the purged stylesheet as served, then the full one."""
        if id(page) not in routed:
            page.route(re.compile(re.escape(FULL) + "$"), lambda route: route.fulfill(
                status=200, body=full_stylesheet, content_type="text/css"
            ))  # fmt: skip
            routed.add(id(page))
        served = str(page.locator('link[rel="stylesheet"]').get_attribute("href"))
        assert served.startswith("/bundle/site.")
        language = page.evaluate("window.LB.lang")
        original = page.viewport_size
        SHOTS.mkdir(parents=True, exist_ok=True)
        for lang in ("nl", "en"):
            page.evaluate("(lang) => window.LB.setLanguage(lang)", lang)
            for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                for _ in range(2):  # a difference the retake does not show again was the focused field's caret
                    purged = shot(page)
                    styled_with(page, FULL)
                    full = shot(page)
                    styled_with(page, served)
                    if same_pixels(purged, full):
                        break
                stem = SHOTS / f"{name}-{lang}-{label}"
                Path(f"{stem}-purged.png").write_bytes(purged)
                Path(f"{stem}-full.png").write_bytes(full)
                if not same_pixels(purged, full):
                    differing.append(stem.name)
        page.evaluate("(lang) => window.LB.setLanguage(lang)", language)
        page.set_viewport_size(original)

    yield check
    assert differing == [], f"looks different with the purged stylesheet (test-artifacts/purged-css/): {differing}"


def test_every_page_looks_the_same_with_the_purged_stylesheet(
    screens: Screens, compare: Callable[[Any, str], None]
) -> None:
    for name in STATIC_PAGES:
        page = screens.new_page()
        page.goto(screens.url(f"/{name}"))
        page.wait_for_load_state("networkidle")
        compare(page, Path(name).stem)
        # And every block the scripts can show or hide (messages, steps, outcomes), shown all at once
        page.evaluate("document.querySelectorAll('[hidden]').forEach((element) => element.removeAttribute('hidden'))")
        compare(page, f"{Path(name).stem}-all-shown")


def test_every_state_of_a_flow_looks_the_same_with_the_purged_stylesheet(
    screens: Screens, official_page: Callable[..., Any], compare: Callable[[Any, str], None]
) -> None:
    # The staff page from its start through a flow C identification, and the resident's pages along it
    official = official_page()
    compare(official, "medewerker-start")
    link = make_link(official, "c")
    official.get_by_text("Wacht op inloggen met DigiD").wait_for()
    compare(official, "medewerker-wacht")
    resident = screens.new_page()
    resident.goto(link)
    resident.get_by_role("link", name="Inloggen met DigiD").wait_for()
    compare(resident, "inwoner-start")
    log_in_at_digid(resident, RESIDENT)
    resident.locator("#code").wait_for()
    compare(resident, "inwoner-code")
    official.get_by_role("heading", name="Controleer de code van de burger").wait_for()
    compare(official, "medewerker-controle")
    official.get_by_label("Code die de burger voorleest").fill("000000")
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_text("De code klopt niet. U kunt het nog 2 keer proberen.").wait_for()
    compare(official, "medewerker-code-fout")
    official.get_by_label("Code die de burger voorleest").fill(str(resident.locator("#code").text_content()))
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_role("heading", name="De code klopt").wait_for()
    compare(official, "medewerker-geverifieerd")
    official.get_by_role("button", name="Voltooien").click()
    official.get_by_text("De sessie is voltooid. De gegevens zijn gewist.").wait_for()
    compare(official, "medewerker-voltooid")
    resident.get_by_role("heading", name="U bent geïdentificeerd").wait_for()
    compare(resident, "inwoner-geidentificeerd")
