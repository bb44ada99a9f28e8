"""The bench prices what the pages ask: flows A, B and C in Chromium send, page by page, exactly the API requests
the bench measures for that flow (bench/page_requests.py), no more.

A request a page makes that the bench does not count is missing from the bill; the two this test would have caught
(the result page's DELETE when it heard the outcome, the staff page's list after Voltooien) cost about $0.004 per
1,000 identifications each. Static files are tests/browser/test_requests.py's; the live sockets are
test_live_status.py's."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from bench.page_requests import PAGE_REQUESTS
from infrastructure.local import LocalStack

from .conftest import Screens
from .test_flows import RESIDENT, log_in_at_digid, make_link
from .test_staff_requests import check_and_complete, without_open_sessions

IDS = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "{id}"),
    (re.compile(r"\d{4}-\d{5}"), "{zaak}"),
)


class Asked:
    """The API requests (``/api/``, ``/digid/``) a page sends to the site, as ``METHOD /path`` with ids as in
    PAGE_REQUESTS."""

    def __init__(self, page: Any, site_url: str) -> None:
        self.requests: list[str] = []
        self._origin = urlparse(site_url).netloc
        page.on("request", self._record)

    def _record(self, request: Any) -> None:
        url = urlparse(request.url)
        if url.netloc != self._origin or not url.path.startswith(("/api/", "/digid/")):
            return
        path = url.path
        for pattern, name in IDS:
            path = pattern.sub(name, path)
        self.requests.append(f"{request.method} {path}")


def counted(flow: str, page: str) -> list[str]:
    return [f"{r.method} {r.path}" for r in PAGE_REQUESTS[flow] if r.page == page]


@pytest.mark.parametrize("flow", ["B", "C"])
def test_a_flow_with_a_link_asks_what_the_bench_counts(
    flow: str, screens: Screens, stack: LocalStack, official_page: Callable[..., Any]
) -> None:
    # Given an official on the staff page (its load is shared over a day: test_requests.py), no other session open
    without_open_sessions(stack)
    official = official_page()
    asked_by_official = Asked(official, stack.site_url)
    # When they make a link, the resident opens it and logs in, and the official checks the code and completes
    link = make_link(official, flow.lower())
    resident = screens.new_page()
    asked_by_resident = Asked(resident, stack.site_url)
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT)
    expect(official.locator("#check-form")).to_be_visible()
    check_and_complete(official, resident, stack)
    # Then each page asked exactly what the bench measures for the flow, in that order
    assert asked_by_official.requests == counted(flow, "official")
    assert asked_by_resident.requests == counted(flow, "resident")


def test_flow_a_asks_what_the_bench_counts(
    screens: Screens, stack: LocalStack, official_page: Callable[..., Any]
) -> None:
    # Given a resident without a link and an official on the staff page
    without_open_sessions(stack)
    official = official_page()
    asked_by_official = Asked(official, stack.site_url)
    resident = screens.new_page()
    asked_by_resident = Asked(resident, stack.site_url)
    # When the resident logs in and the official looks the case up, checks the code and completes
    resident.goto(screens.url("/"))
    log_in_at_digid(resident, RESIDENT)
    resident.locator("#zaak-number").wait_for()
    official.get_by_label("Zaaknummer").fill(str(resident.locator("#zaak-number").text_content()))
    official.get_by_role("button", name="Zoeken").click()
    check_and_complete(official, resident, stack)
    # Then each page asked exactly what the bench measures for flow A
    assert asked_by_official.requests == counted("A", "official")
    assert asked_by_resident.requests == counted("A", "resident")
