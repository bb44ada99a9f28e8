"""What a resident's Chromium really fetches from our site in an identification, held to what the bench bills.

Every request through CloudFront is billed (CloudFront, WAF, edge log lines), so bench/cost.py counts the pages'
own files per identification (``static_requests``). Here Chromium goes through whole identifications on the local
stack and the DevTools protocol records each request to our origin: the ones its HTTP cache answered (a file
served ``immutable`` that an earlier page fetched) are not sent and not billed, a revalidation is. API and DigiD
routes (the template's behaviours to the API origin) are priced as the flow's steps, not here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from bench.cost import static_requests
from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient

from .conftest import ROOT, Screens
from .test_flows import RESIDENT, log_in_at_digid

# CloudFront's behaviours to the API and live status origins (template.yaml CacheBehaviors): not the site's files.
API_PATHS = ("/api/", "/digid/")
# The local stack's same-origin door to moto's Cognito (infrastructure/local/local_routes.py): deployed, the staff
# login goes to Cognito's own domain.
LOCAL_ONLY = "/_local/"


@dataclass
class Fetched:
    """The requests one page sent over the network to ``origin``, in order (paths, no query strings)."""

    origin: str
    default_root_object: str = "index.html"
    _sent: list[tuple[str, str]] = field(default_factory=list)
    _cached: set[str] = field(default_factory=set)

    def record(self, context: Any, page: Any) -> None:
        session = context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", self._sending)
        session.on("Network.requestServedFromCache", lambda event: self._cached.add(event["requestId"]))
        session.on("Network.responseReceived", self._received)
        session.send("Network.enable")

    def _sending(self, event: dict[str, Any]) -> None:
        url = urlsplit(event["request"]["url"])
        if f"{url.scheme}://{url.netloc}" == self.origin:
            path = f"/{self.default_root_object}" if url.path == "/" else url.path
            self._sent.append((event["requestId"], path))

    def _received(self, event: dict[str, Any]) -> None:
        answer = event["response"]
        if answer.get("fromDiskCache") or answer.get("fromPrefetchCache") or answer.get("fromServiceWorker"):
            self._cached.add(event["requestId"])

    @property
    def site_files(self) -> list[str]:
        """What CloudFront would have served from the site bucket: sent, not from the cache, not an API route."""
        return [path for request, path in self._sent if request not in self._cached and not path.startswith(API_PATHS)]


def browser_page(screens: Screens, stack: LocalStack) -> tuple[Any, Fetched]:
    """A page of a fresh browser context whose requests to the site are recorded from the first one on."""
    page = screens.new_page()
    fetched = Fetched(stack.site_url)
    fetched.record(page.context, page)
    return page, fetched


def counted() -> dict[str, Any]:
    figures = static_requests(ROOT)
    assert "resident_requests" in figures, figures["basis"]
    return figures


def test_a_new_resident_fetches_what_the_bench_counts_for_flow_a(screens: Screens, stack: LocalStack) -> None:
    # Given a resident without a session link (flow A) in a fresh browser
    page, fetched = browser_page(screens, stack)
    # When they open the site, log in with DigiD and see their code and case number
    page.goto(screens.url("/"))
    expect(page.get_by_role("link", name="Inloggen met DigiD")).to_be_visible()
    expect(page.locator("#digid-org")).to_have_text("U logt in bij Gemeente Voorbeeld")
    page.wait_for_load_state("networkidle")
    start = list(fetched.site_files)
    log_in_at_digid(page, RESIDENT)
    page.locator("#zaak").wait_for()
    page.wait_for_load_state("networkidle")
    # Then the start page named the municipality next to the DigiD button without a request for it (Logius)
    assert "/config.json" not in fetched.site_files
    # And the bench counts exactly what the browser fetched, start page and all
    bench = counted()
    assert Counter(fetched.site_files) == Counter(bench["resident_requests_flow_a"]), fetched.site_files
    assert Counter(start) == Counter(bench["resident_requests_flow_a"][: len(start)])


def test_a_resident_with_a_link_fetches_what_the_bench_counts_and_the_result_page_reuses_the_cache(
    screens: Screens, stack: LocalStack
) -> None:
    # Given an official's handover link (flow C) and a resident who opens it in a fresh browser
    status, session = OfficialClient(stack.info).create(flow="handover")
    assert status == 201, session
    page, fetched = browser_page(screens, stack)
    page.goto(screens.url(f"/?sessie={session['id']}"))
    expect(page.get_by_role("link", name="Inloggen met DigiD")).to_have_attribute(
        "href", f"/digid/login?session={session['id']}"
    )
    page.wait_for_load_state("networkidle")
    start = list(fetched.site_files)
    # When they log in with DigiD and see their code
    log_in_at_digid(page, RESIDENT)
    page.locator("#result").wait_for()
    page.wait_for_load_state("networkidle")
    # Then the bench counts exactly what the browser fetched
    bench = counted()
    assert Counter(fetched.site_files) == Counter(bench["resident_requests"]), fetched.site_files
    # And the result page fetches its page only (revalidated, no-cache): the script and the stylesheet the start page
    # fetched come from the browser's cache (immutable)
    assert fetched.site_files[len(start) :] == ["/resultaat.html"], fetched.site_files


def test_the_officials_page_load_fetches_what_the_bench_shares_over_a_day(screens: Screens, stack: LocalStack) -> None:
    # Given an official who opens the staff page in a fresh browser
    page, fetched = browser_page(screens, stack)
    page.goto(screens.url("/medewerker.html"))
    # When they log in and make a link with its QR code
    page.get_by_label("Loginnaam").fill(stack.info["official"]["username"])
    page.get_by_label("Wachtwoord").fill(stack.info["official"]["password"])
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("button", name="Link maken", exact=True).click()
    page.locator("#link").wait_for()
    page.wait_for_load_state("networkidle")
    # Then the bench counts what the page fetched from the site (the login's door to Cognito is the local stack's
    # stand-in for the hosted login on Cognito's own domain)
    site = [path for path in fetched.site_files if not path.startswith(LOCAL_ONLY)]
    assert Counter(site) == Counter(counted()["official_per_day"]), site
