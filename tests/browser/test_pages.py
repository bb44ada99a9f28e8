"""Pages without a flow behind them: start page, languages, error pages, statement, security.txt, keyboard."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from playwright.sync_api import expect

from infrastructure.local import LocalStack

from .conftest import Screens

SITE = Path(__file__).resolve().parents[2] / "static_site"


def test_the_flow_a_start_page_explains_and_offers_the_digid_button(screens: Screens) -> None:
    # When a resident opens the site without a session (flow A)
    page = screens.new_page()
    page.goto(screens.url("/"))
    # Then the page explains what happens, in Dutch, with the DigiD button
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_text("Hierna ziet u een controlecode en een zaaknummer.").wait_for()
    button = page.get_by_role("link", name="Inloggen met DigiD")
    assert button.get_attribute("href") == "/digid/login"
    # And the unaltered DigiD logo from the NL Design System package, with the municipality's name next to it
    logo = page.locator(".utrecht-digid-button img").get_attribute("src") or ""
    assert logo.startswith("data:image/svg+xml;base64,")  # in the page: no request of its own
    assert base64.b64decode(logo.split(",", 1)[1]) == (SITE / "vendor" / "digid-logo.svg").read_bytes()
    expect(page.locator("#digid-org")).to_have_text("U logt in bij Gemeente Voorbeeld")
    screens.check(page, "inwoner-start-a")


def test_english_is_one_click_away_and_remembered(screens: Screens) -> None:
    # Given the start page in Dutch
    page = screens.new_page()
    page.goto(screens.url("/"))
    # When the resident switches to English
    page.get_by_role("button", name="Switch to English").click()
    # Then the texts and the lang attribute are English, also after a reload
    page.get_by_role("link", name="Log in with DigiD").wait_for()
    page.reload()
    page.get_by_role("heading", name="Identification during video calls", level=1).wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.title() == "Identification during video calls"
    screens.check(page, "inwoner-start-a-engels")
    # And back to Dutch
    page.get_by_role("button", name="Naar het Nederlands").click()
    assert page.locator("html").get_attribute("lang") == "nl"


def test_the_general_error_page_has_digids_prescribed_text(screens: Screens) -> None:
    page = screens.new_page()
    page.goto(screens.url("/fout.html?reden=error"))
    # Then the text is exactly Logius' prescribed one, with a link to https://www.digid.nl itself
    expect(page.locator("#message")).to_have_text(
        "Er is een fout opgetreden in de communicatie met DigiD. Probeert u het later nogmaals. Indien deze fout "
        "blijft aanhouden, kijk dan op de website https://www.digid.nl voor de laatste informatie."
    )
    expect(page.get_by_role("link", name="https://www.digid.nl")).to_have_attribute("href", "https://www.digid.nl")
    screens.check(page, "inwoner-fout-algemeen")


def test_the_result_page_without_a_login_says_there_is_no_code(screens: Screens) -> None:
    page = screens.new_page()
    page.goto(screens.url("/resultaat.html"))
    page.get_by_role("heading", name="Geen controlecode").wait_for()
    screens.check(page, "inwoner-resultaat-geen-code")


def test_an_unknown_link_says_the_link_does_not_work(screens: Screens) -> None:
    page = screens.new_page()
    page.goto(screens.url("/?sessie=00000000-0000-4000-8000-000000000000"))
    page.get_by_role("heading", name="Deze link werkt niet").wait_for()
    screens.check(page, "inwoner-fout-onbekende-link")


def test_the_accessibility_statement_is_there_and_the_footer_links_to_it(screens: Screens) -> None:
    page = screens.new_page()
    page.goto(screens.url("/"))
    page.get_by_role("link", name="Toegankelijkheid").click()
    page.get_by_role("heading", name="Toegankelijkheidsverklaring", level=1).wait_for()
    screens.check(page, "toegankelijkheidsverklaring")


def test_the_privacy_statement_passes_axe_in_dutch_and_english(screens: Screens) -> None:
    # Given the start page, when the resident follows the footer's privacy link
    page = screens.new_page()
    page.goto(screens.url("/"))
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy").click()
    # Then the statement is there, with the retention the register states, and passes axe
    page.get_by_role("heading", name="Privacyverklaring", level=1).wait_for()
    expect(page.get_by_role("heading", name="Hoe lang bewaren wij uw gegevens?")).to_be_visible()
    expect(page.get_by_text("Onze eigen kopie wissen wij na 14 dagen.", exact=False)).to_be_visible()
    screens.check(page, "privacyverklaring")
    # And in English too
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Privacy statement", level=1).wait_for()
    screens.check(page, "privacyverklaring-en")


def test_every_page_links_to_the_privacy_statement_in_its_footer(screens: Screens) -> None:
    # Given every page of the site
    pages = sorted(path.name for path in SITE.glob("*.html"))
    assert {"index.html", "privacy.html", "medewerker.html", "resultaat.html", "fout.html"} <= set(pages)
    page = screens.new_page()
    for name in pages:
        # When it is shown, then its footer links to the privacy statement with a readable name
        page.goto(screens.url(f"/{name}"))
        link = page.locator('footer a[href="/privacy.html"]')
        expect(link).to_have_count(1)
        expect(link).to_have_text("Privacy")


def test_security_txt_has_the_rfc_9116_fields_and_expires_within_a_year(stack: LocalStack) -> None:
    response = requests.get(f"{stack.site_url}/.well-known/security.txt", timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in response.text.splitlines() if line and not line.startswith("#"))
    assert fields["Contact"].startswith("mailto:") and "Preferred-Languages" in fields
    expires = datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert 0 < (expires - datetime.now(UTC)).days <= 366


def test_the_start_page_works_by_keyboard_alone(screens: Screens) -> None:
    # Given the start page
    page = screens.new_page()
    page.goto(screens.url("/"))
    # When the resident tabs: first the skip link, which takes them to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    expect(page.locator(".utrecht-skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    # Then the next tabs reach the DigiD button, and focus is visible on it
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "digid-login":
            break
    assert page.evaluate("document.activeElement.id") == "digid-login"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_pages_fit_320_px_and_200_percent_zoom(screens: Screens) -> None:
    # 320 CSS px is what a 1280 px screen at 400% or a small phone shows; 640 px is 200% zoom of 1280.
    page = screens.new_page()
    for path in (
        "/",
        "/medewerker.html",
        "/fout.html?reden=loa_too_low&niveau=substantieel",
        "/toegankelijkheidsverklaring.html",
        "/privacy.html",
    ):
        for width in (320, 640):
            page.set_viewport_size({"width": width, "height": 700})
            page.goto(screens.url(path))
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} at {width}px scrolls sideways by {overflow}px"


def _unsigned_jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}.c2ln"


def test_the_hosted_ui_login_uses_the_authorization_code_with_pkce(screens: Screens) -> None:
    # Given a deployed-style /config.json (hosted UI); the identity provider is played by the test
    page = screens.new_page()
    redirect_uri = screens.url("/medewerker.html")
    config = {
        "auth": {
            "mode": "hosted_ui",
            "authorize_url": "https://login.gemeente.example/oauth2/authorize",
            # Same origin here: deployed, the token endpoint needs the CSP change named in the README.
            "token_url": screens.url("/oauth2/token"),
            "client_id": "staff-client",
            "redirect_uri": redirect_uri,
        },
        "brp_url": "https://brp.gemeente.example/",
    }
    seen: dict[str, dict[str, list[str]]] = {}

    def authorize(route: Any) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        seen["authorize"] = query
        route.fulfill(status=302, headers={"Location": f"{redirect_uri}?code=the-code&state={query['state'][0]}"})

    def token(route: Any) -> None:
        seen["token"] = parse_qs(route.request.post_data or "")
        exp = int(datetime.now(UTC).timestamp()) + 3600
        route.fulfill(json={"id_token": _unsigned_jwt({"name": "H. Ambtenaar", "exp": exp})})

    page.route("**/config.json", lambda route: route.fulfill(json=config))
    page.route("https://login.gemeente.example/**", authorize)
    page.route("**/oauth2/token", token)
    page.goto(redirect_uri)
    # When the official clicks the login button
    page.get_by_role("button", name="Inloggen met uw gemeente-account").click()
    # Then they come back logged in, with the code gone from the address bar
    page.get_by_text("Welkom H. Ambtenaar.").wait_for()
    assert "code=" not in page.url
    # And the requests were an authorization code flow with PKCE (S256) and the same redirect URI
    asked, exchanged = seen["authorize"], seen["token"]
    assert asked["response_type"] == ["code"] and asked["code_challenge_method"] == ["S256"]
    assert asked["client_id"] == ["staff-client"] and asked["redirect_uri"] == [redirect_uri]
    verifier = exchanged["code_verifier"][0]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert asked["code_challenge"] == [challenge] and len(verifier) >= 43
    assert exchanged["grant_type"] == ["authorization_code"] and exchanged["code"] == ["the-code"]
    assert exchanged["redirect_uri"] == [redirect_uri]


def test_the_watch_on_csp_violations_catches_an_inline_script(screens: Screens) -> None:
    # Given a page of ours under the site's CSP
    page = screens.new_page()
    page.goto(screens.url("/"))
    # When something adds an inline script (what the pages never do)
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }")
    page.wait_for_timeout(200)
    # Then the violation is recorded (and would fail any other test); cleared here, since it was on purpose
    assert any(item.startswith("CSP: script-src") for item in screens.problems.items), screens.problems.items
    screens.problems.items.clear()


def test_each_page_fetches_one_stylesheet_and_one_script_cached_for_good(screens: Screens) -> None:
    # Given a browser that notes what it fetches from the site
    page = screens.new_page()
    fetched: list[Any] = []
    page.on("response", lambda response: fetched.append(response))
    for name in ("index.html", "resultaat.html", "medewerker.html", "fout.html", "privacy.html"):
        fetched.clear()
        # When a page is opened
        page.goto(screens.url(f"/{name}"))
        page.wait_for_load_state("load")
        # Then it fetched one stylesheet and one script, both named by their content and cached for a year
        own = [r for r in fetched if r.url.startswith(screens.url("/")) and r.request.resource_type != "fetch"]
        kinds = [r.request.resource_type for r in own]
        assert kinds.count("stylesheet") == 1 and kinds.count("script") == 1, (name, [r.url for r in own])
        for response in own:
            if response.request.resource_type in ("stylesheet", "script", "image"):
                assert "/bundle/" in response.url, response.url
                assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        # And the page itself is revalidated on every visit
        document = next(r for r in own if r.request.resource_type == "document")
        assert document.headers["cache-control"] == "no-cache"
