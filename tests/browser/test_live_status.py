"""The live status in Chromium: the staff and result pages follow their session over a WebSocket and ask nothing
while it is open; where the socket is refused (a proxy without WebSockets), they ask as before."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from .conftest import Screens
from .test_flows import RESIDENT, log_in_at_digid, make_link

SESSION_READ = re.compile(r"/api/sessions/[0-9a-f-]{36}$")
RESULT_READ = re.compile(r"/api/public/result$")


class Reads:
    """GET requests of one kind a page makes, with the time, and the live sockets it opened."""

    def __init__(self, page: Any, pattern: re.Pattern[str]) -> None:
        self.times: list[float] = []
        self.sockets: list[Any] = []
        self.pushes: list[str] = []
        page.on(
            "request",
            lambda r: self.times.append(time.monotonic()) if r.method == "GET" and pattern.search(r.url) else None,
        )
        page.on("websocket", self._socket)

    def _socket(self, socket: Any) -> None:
        self.sockets.append(socket)
        socket.on("framereceived", lambda payload: self.pushes.append(str(payload)))


def refuse_live_sockets(page: Any) -> None:
    """As a proxy that does not pass WebSockets: the connection closes before it opens."""
    page.route_web_socket(re.compile(r"/api/(public/result/)?live"), lambda socket: socket.close(code=1006))


def test_the_staff_page_hears_of_the_login_over_its_socket_and_asks_nothing_meanwhile(
    screens: Screens, official_page: Callable[..., Any]
) -> None:
    # Given the official's page waiting for the resident's login
    official = official_page()
    reads = Reads(official, SESSION_READ)
    tickets: list[str] = []
    official.on("request", lambda r: tickets.append(r.url) if r.method == "POST" and r.url.endswith("/live") else None)
    link = make_link(official, "c")
    official.get_by_text("Wacht op inloggen met DigiD").wait_for()
    # When it has waited for longer than two poll intervals
    official.wait_for_timeout(5000)
    # Then it asked nothing, not even when its socket opened (its own $connect brings what it needs); the socket
    # opened with the create answer's ticket, without asking for one
    assert len(reads.sockets) == 1 and "/api/live?ticket=" in reads.sockets[0].url
    assert reads.times == []
    assert tickets == []
    # When the resident logs in
    resident = screens.new_page()
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT)
    # Then the page shows the login, brought by its socket, still without asking, and closes the socket
    official.locator("#session-bsn").get_by_text(RESIDENT).wait_for()
    assert any('"status":"logged_in"' in push for push in reads.pushes)
    assert reads.times == []
    expect(official.locator("#check-form")).to_be_visible()
    official.wait_for_function("() => true")
    assert reads.sockets[0].is_closed() or reads.sockets[0].wait_for_event("close") is not None


def test_a_login_before_the_staff_pages_socket_reaches_the_server_is_shown_without_asking(
    screens: Screens, official_page: Callable[..., Any]
) -> None:
    # Given the official's page waiting for the login, whose socket is open in the browser but reaches the server
    # only later (held here, as a slow network would)
    official = official_page()
    held: list[Any] = []
    official.route_web_socket(re.compile(r"/api/live"), lambda socket: held.append(socket))
    reads = Reads(official, SESSION_READ)
    link = make_link(official, "c")
    official.get_by_text("Wacht op inloggen met DigiD").wait_for()
    official.wait_for_function("() => true")
    assert len(held) == 1 and "/api/live?ticket=" in held[0].url
    # When the resident logs in before the connection reaches the server, and it reaches it after
    resident = screens.new_page()
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT)
    expect(resident.locator("#code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    held[0].connect_to_server()
    # Then the page shows the login: its own $connect brought it (tried again while the handshake finished), and
    # the page asked nothing
    official.locator("#session-bsn").get_by_text(RESIDENT).wait_for()
    expect(official.locator("#check-form")).to_be_visible()
    assert reads.times == []


def test_the_result_page_hears_the_outcome_over_its_socket(screens: Screens, official_page: Callable[..., Any]) -> None:
    # Given a resident on their result page, and the official's page on the session
    official = official_page()
    link = make_link(official, "c")
    resident = screens.new_page()
    reads = Reads(resident, RESULT_READ)
    deletes: list[str] = []
    resident.on("request", lambda r: deletes.append(r.url) if r.method == "DELETE" else None)
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT)
    expect(resident.locator("#code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    official.wait_for_timeout(4000)
    # When the official checks the code and closes the session
    official.get_by_label("Code die de burger voorleest").fill(str(resident.locator("#code").text_content()))
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_role("button", name="Voltooien").click()
    # Then the official's page shows its own answers (nothing pushed to it after the login) ...
    official.get_by_text("De sessie is voltooid. De gegevens zijn gewist.").wait_for()
    # ... and the result page the outcome, pushed over its socket as the one message it got (the check, which left
    # it waiting, was not); it read the result only to show the code
    resident.get_by_role("heading", name="U bent geïdentificeerd").wait_for()
    assert len(reads.sockets) == 1 and reads.sockets[0].url.endswith("/api/public/result/live")
    assert reads.pushes == ['{"outcome":"identified"}']
    assert len(reads.times) == 1
    screens.check(resident, "inwoner-live-uitkomst")
    # And hearing it cost no request: the page deletes nothing (the result ends with its expiry) ...
    resident.wait_for_timeout(500)
    assert deletes == []
    # ... and a reload shows the outcome again, never the code
    resident.reload()
    resident.get_by_role("heading", name="U bent geïdentificeerd").wait_for()
    expect(resident.locator("#code")).to_be_hidden()


def test_both_pages_ask_as_before_when_the_socket_is_refused(
    screens: Screens, official_page: Callable[..., Any]
) -> None:
    # Given pages behind something that refuses WebSockets
    official = official_page()
    refuse_live_sockets(official)
    official_reads = Reads(official, SESSION_READ)
    link = make_link(official, "c")
    official.get_by_text("Wacht op inloggen met DigiD").wait_for()
    official.wait_for_timeout(4500)
    # Then the staff page asks every 2 s while waiting
    assert len(official_reads.times) >= 2
    # When the resident logs in (their page refuses sockets too)
    resident = screens.new_page()
    refuse_live_sockets(resident)
    resident_reads = Reads(resident, RESULT_READ)
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT)
    # Then the official still sees the login, by asking
    official.locator("#session-bsn").get_by_text(RESIDENT).wait_for()
    expect(resident.locator("#code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    # And the result page asks every 3 s, and hears the end by asking
    resident.wait_for_timeout(3500)
    assert len(resident_reads.times) >= 2
    official.get_by_label("Code die de burger voorleest").fill(str(resident.locator("#code").text_content()))
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_role("button", name="Voltooien").click()
    resident.get_by_role("heading", name="U bent geïdentificeerd").wait_for()
