"""What the staff page asks when an identification ends: the list of open sessions only when it knew of another one.

After Voltooien the page goes back to its choice. Asking the server for the official's open sessions there is one
request more per identification (CloudFront, WAF, the HTTP API, Lambda, DynamoDB); after the usual one-at-a-time
identification the list is empty and the page knows it, so it does not ask."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import expect

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient

from .conftest import Screens
from .test_flows import RESIDENT, log_in_at_digid, make_link

LIST = "GET /api/sessions"


def without_open_sessions(stack: LocalStack) -> None:
    """The seeded official's sessions that other tests left open are cancelled: this test starts from none."""
    client = OfficialClient(stack.info)
    status, listed = client.sessions()
    assert status == 200, listed
    for item in listed["sessions"]:
        client.cancel(item["id"])


def api_requests(page: Any) -> list[str]:
    asked: list[str] = []
    page.on(
        "request",
        lambda r: (
            asked.append(f"{r.method} {urlparse(r.url).path}") if urlparse(r.url).path.startswith("/api/") else None
        ),
    )
    return asked


def result_socket_opened(stack: LocalStack, session_id: str) -> None:
    """Until the result page's socket is open (its $connect registered it on the session's live record). In a call the
    official takes seconds to hear the code: the socket opens long before the close. Completing before it opened, the
    page would be refused a socket for an ended identification and read the outcome instead (and the browser logs the
    refusal): on a loaded machine the handshake can take longer than a fixed wait."""
    table = stack.client("dynamodb")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        key = {"pk": {"S": f"live#{session_id}"}}
        item = table.get_item(TableName=stack.table_name, Key=key, ConsistentRead=True).get("Item", {})
        roles = [value["M"]["role"]["S"] for name, value in item.items() if name.startswith("conn_")]
        if "resident" in roles:
            return
        time.sleep(0.2)
    raise AssertionError("the result page's socket did not open")


def check_and_complete(official: Any, resident: Any, stack: LocalStack) -> None:
    """The official checks the code the resident's page shows and completes; both pages show the end."""
    expect(resident.locator("#code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    shown = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(official.url))
    if shown is None:  # flow A's look-up shows the session without naming it in the address: the one open session
        status, listed = OfficialClient(stack.info).sessions()
        assert status == 200 and len(listed["sessions"]) == 1, listed
    result_socket_opened(stack, shown.group(0) if shown else listed["sessions"][0]["id"])
    official.get_by_label("Code die de burger voorleest").fill(str(resident.locator("#code").text_content()))
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_role("button", name="Voltooien").click()
    official.get_by_text("De sessie is voltooid. De gegevens zijn gewist.").wait_for()
    resident.get_by_role("heading", name="U bent geïdentificeerd").wait_for()
    official.wait_for_timeout(1000)


def identify(official: Any, screens: Screens, stack: LocalStack) -> None:
    """The resident behind the link the official's page shows logs in; the official checks the code and completes."""
    resident = screens.new_page()
    resident.goto(str(official.locator("#link").text_content()))
    log_in_at_digid(resident, RESIDENT)
    official.locator("#session-bsn").get_by_text(RESIDENT).wait_for()
    check_and_complete(official, resident, stack)


def test_after_voltooien_the_page_asks_for_no_list_when_it_knew_of_no_other_session(
    screens: Screens, stack: LocalStack, official_page: Callable[..., Any]
) -> None:
    # Given an official without other open sessions, who identifies a resident
    without_open_sessions(stack)
    official = official_page()
    make_link(official, "c")
    asked = api_requests(official)
    # When they complete
    identify(official, screens, stack)
    # Then the page asked for the completion and nothing after it: no list of open sessions
    completed = [request for request in asked if request.endswith("/complete")]
    assert len(completed) == 1 and asked[-1] == completed[0], asked
    assert LIST not in asked
    expect(official.get_by_role("heading", name="Wat wilt u doen?")).to_be_visible()
    expect(official.locator("#open-section")).to_be_hidden()


def test_after_voltooien_the_page_lists_the_other_session_it_knew_of(
    screens: Screens, stack: LocalStack, official_page: Callable[..., Any]
) -> None:
    # Given an official who made a link and went back to the choice (the page lists that open session) ...
    without_open_sessions(stack)
    official = official_page()
    waiting = make_link(official, "c")
    official.go_back()
    expect(official.locator("#open-list li")).to_have_count(1)
    # ... and then identifies a second resident
    make_link(official, "c")
    asked = api_requests(official)
    identify(official, screens, stack)
    # Then back at the choice the page asked for the list once, and shows the first session, still open
    assert asked.count(LIST) == 1, asked
    expect(official.locator("#open-list li")).to_have_count(1)
    assert waiting.rsplit("=", 1)[-1] not in str(official.url)
