"""What the pages ask of the API on an identification's request path, page by page and in order, per flow: the
steps ``bench.latency`` measures and ``bench.cost`` prices.

One list, held from both sides: ``Bench.flow`` refuses a flow whose measured steps are not these, and
tests/browser/test_api_requests.py holds Chromium's requests to them, so a request a page makes cannot be missing
from the bill. Ids are written ``{id}`` (a session's UUID) and ``{zaak}`` (a case number). Not here: the pages'
files (``bench.cost.static_requests``), the live sockets' ``$connect`` (``Flow.live_connects``) and the staff
page's load, shared over an official's day."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["PAGE_REQUESTS", "PageRequest"]


class PageRequest(NamedTuple):
    page: str  # "official" (medewerker.html) or "resident" (index.html, then resultaat.html)
    step: str  # the bench's name for it
    method: str
    path: str


_LOGIN = (
    PageRequest("resident", "DigiD login redirect", "GET", "/digid/login"),
    PageRequest("resident", "ACS (artifact)", "GET", "/digid/acs"),
    PageRequest("resident", "public result", "GET", "/api/public/result"),
)
_CLOSE = (
    PageRequest("official", "check", "POST", "/api/sessions/{id}/check"),
    PageRequest("official", "complete", "POST", "/api/sessions/{id}/complete"),
)
_WITH_A_LINK = (
    PageRequest("official", "create session", "POST", "/api/sessions"),
    PageRequest("resident", "resident start page", "GET", "/api/public/sessions/{id}"),
    *_LOGIN,
    *_CLOSE,
)

PAGE_REQUESTS: dict[str, tuple[PageRequest, ...]] = {
    "A": (*_LOGIN, PageRequest("official", "official looks up case", "GET", "/api/identifications/{zaak}"), *_CLOSE),
    "B": _WITH_A_LINK,
    "C": _WITH_A_LINK,
}
