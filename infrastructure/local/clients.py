"""Scripted users of a running local stack: the official (API with a staff token) and the resident (DigiD).

Used by ``python -m infrastructure.local.smoke`` and by the end-to-end tests. Everything goes over HTTP to
the stack's own loopback addresses, the way a browser would.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import boto3
import requests

__all__ = ["LoginOutcome", "OfficialClient", "choose_at_simulator", "pre_login_cookie", "resident_login"]

_TOKEN_FIELD = re.compile(r'name="token" value="([^"]+)"')
_FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


class OfficialClient:
    """The test official: logs in with USER_PASSWORD_AUTH and calls the staff API with the ID token."""

    def __init__(self, info: dict[str, Any], username: str | None = None, password: str | None = None) -> None:
        self.site_url = info["site_url"]
        cognito = boto3.client(
            "cognito-idp",
            endpoint_url=info["aws_endpoint_url"],
            region_name=info["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's fixed local credentials
        )
        answer = cognito.initiate_auth(
            ClientId=info["user_pool_client_id"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": username or info["official"]["username"],
                "PASSWORD": password or info["official"]["password"],
            },
        )
        self.token = answer["AuthenticationResult"]["IdToken"]
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        response = self.http.request(method, self.site_url + path, json=body, timeout=15)
        return response.status_code, response.json() if response.content else {}

    def create(self, **body: Any) -> tuple[int, dict[str, Any]]:
        return self.call("POST", "/api/sessions", body)

    def read(self, session_id: str) -> tuple[int, dict[str, Any]]:
        return self.call("GET", f"/api/sessions/{session_id}")

    def check(self, session_id: str, code: str) -> tuple[int, dict[str, Any]]:
        return self.call("POST", f"/api/sessions/{session_id}/check", {"code": code})

    def complete(self, session_id: str, outcome: str = "identified", **body: Any) -> tuple[int, dict[str, Any]]:
        return self.call("POST", f"/api/sessions/{session_id}/complete", {"outcome": outcome, **body})

    def sessions(self) -> tuple[int, dict[str, Any]]:
        return self.call("GET", "/api/sessions")

    def cancel(self, session_id: str) -> tuple[int, dict[str, Any]]:
        return self.call("DELETE", f"/api/sessions/{session_id}")

    def identification(self, zaak_number: str) -> tuple[int, dict[str, Any]]:
        return self.call("GET", f"/api/identifications/{zaak_number}")

    def made_proof(self, document_id: str, seconds: float = 30) -> dict[str, Any]:
        """The proof's state once the proofs function has taken it up (or still pending after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while True:
            status, proof = self.call("GET", f"/api/proofs/{document_id}")
            if status != 200:
                raise AssertionError(f"GET /api/proofs/{document_id} answered {status}: {proof}")
            if proof["status"] != "pending" or time.monotonic() > deadline:
                return proof
            time.sleep(0.3)


@dataclass
class LoginOutcome:
    """Where the resident ended, and what the result endpoint gave their browser."""

    final_path: str
    query: dict[str, str]
    result: dict[str, Any] | None
    browser: requests.Session
    cookie: str | None = None  # the result cookie as ``name=value``, for later calls to the result endpoint


def resident_login(
    site_url: str,
    session_id: str | None,
    bsn: str,
    loa: str = "midden",
    action: str = "login",
    timeout: float = 15,
) -> LoginOutcome:
    """Open the login link, choose at the DigiD simulator, follow the redirects back to a page of the site.

    ``timeout``: seconds to wait for each answer (a browser waits minutes; the load benchmark waits longer than 15).
    """
    browser = requests.Session()
    start = f"{site_url}/digid/login" + (f"?session={session_id}" if session_id else "")
    response = browser.get(start, allow_redirects=False, timeout=timeout)
    location = response.headers.get("Location", "")
    if location.startswith("/"):  # refused before DigiD: straight to a page of ours
        return _arrive(site_url, location, browser, timeout=timeout)
    answer = choose_at_simulator(browser, location, bsn, loa, action, timeout=timeout)
    acs = browser.get(
        answer.headers["Location"], headers=pre_login_cookie(response), allow_redirects=False, timeout=max(30, timeout)
    )
    return _arrive(site_url, acs.headers.get("Location", ""), browser, acs, timeout=timeout)


def pre_login_cookie(login_start: requests.Response) -> dict[str, str]:
    """The ``Cookie`` header a browser sends to our ACS: the pre-login cookie that ``/digid/login`` set.

    requests keeps Secure cookies from a plain-http loopback site but never sends them back, so we do it here.
    """
    for header in set_cookie_headers(login_start):
        pair = header.split(";", 1)[0].strip()
        if pair.startswith("lbb_login="):
            return {"Cookie": pair}
    return {}


def set_cookie_headers(response: requests.Response) -> list[str]:
    """Every Set-Cookie header of an answer (requests folds them into one string otherwise)."""
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return list(raw.getlist("Set-Cookie"))
    value = response.headers.get("Set-Cookie")
    return [value] if value else []


def choose_at_simulator(
    browser: requests.Session,
    login_url: str,
    bsn: str,
    loa: str = "midden",
    action: str = "login",
    timeout: float = 15,
) -> requests.Response:
    """Fill in the DigiD simulator's form as a person would; returns its 303 towards our ACS."""
    login_page = browser.get(login_url, timeout=timeout)
    login_page.raise_for_status()
    token = _TOKEN_FIELD.search(login_page.text)
    form = _FORM_ACTION.search(login_page.text)
    if token is None or form is None:
        raise RuntimeError("the DigiD simulator's login page has no login form")
    answer = browser.post(
        urljoin(login_page.url, form[1]),
        data={"token": token[1], "bsn": bsn, "loa": loa, "action": action},
        allow_redirects=False,
        timeout=timeout,
    )
    if answer.status_code != 303:
        raise RuntimeError(f"the DigiD simulator answered {answer.status_code}")
    return answer


def _arrive(
    site_url: str,
    location: str,
    browser: requests.Session,
    acs: requests.Response | None = None,
    timeout: float = 15,
) -> LoginOutcome:
    parts = urlsplit(location)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    result, cookie = None, None
    if parts.path == "/resultaat.html" and acs is not None:
        # The cookie is Secure; requests keeps Secure cookies from plain-http loopback, so send it ourselves.
        cookie = next((c.split(";", 1)[0] for c in set_cookie_headers(acs) if c.startswith("lbb_result=")), "")
        got = browser.get(f"{site_url}/api/public/result", headers={"Cookie": cookie}, timeout=timeout)
        result = got.json() if got.status_code == 200 else None
    return LoginOutcome(final_path=parts.path, query=query, result=result, browser=browser, cookie=cookie)
