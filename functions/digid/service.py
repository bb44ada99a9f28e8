"""The DigiD function's two steps, where SAML (``digid.saml``) meets the login services (``legitimatie.login``).

``start_login`` plans the login, builds the AuthnRequest and keeps it pending for this browser; ``take_answer``
turns DigiD's answer, by either binding, into what it means for the resident: one ``consume`` (the one place a
DigiD answer is validated) and one ``answer_login`` (the one place it is decided). The handler parses and maps.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from msgspec import Struct

from digid.saml import AuthnRequest, Binding, build_authn_request, consume, new_request_id
from digid.wiring import Wiring
from legitimatie.login.digid_model import FORCE_AUTHN, PendingLogin, new_browser_token, new_relay_state
from legitimatie.login.digid_services import LoginAnswer, answer_login, begin_login, expected_login, find_pending_login
from legitimatie.login.model import browser_cookie_value, parse_browser_cookie
from legitimatie.runtime.observability import audit_trail, counts, logger

__all__ = ["StartedLogin", "start_login", "take_answer"]


class StartedLogin(Struct, frozen=True):
    """The AuthnRequest to send the browser with, and the value of its pre-login cookie (the browser's binding)."""

    request: AuthnRequest
    browser_cookie: str


def start_login(session_id: UUID | None, *, w: Wiring, now: datetime) -> StartedLogin:
    """A login for the session (flows B, C) or for none (flow A); refused before DigiD when the link is unusable.
    The login is kept pending first (for a session, the one write that also checks the link), then the request is
    built under its ID for the level the session asks."""
    request_id, relay_state, token = new_request_id(), new_relay_state(), new_browser_token()
    login = begin_login(
        session_id,
        request_id,
        relay_state,
        token,
        policy=w.policy,
        sessions=w.sessions,
        pending=w.pending,
        audit=audit_trail,
        metrics=counts,
        now=now,
    )
    request = build_authn_request(w.sp, login.required_loa, FORCE_AUTHN, relay_state, request_id=request_id)
    return StartedLogin(request, browser_cookie_value(login.session_id, token))


def take_answer(
    binding: Binding, payload: str, relay_state: str | None, cookie: str | None, *, w: Wiring, now: datetime
) -> LoginAnswer:
    """Both bindings: one validation path, and the pending login used up only once the answer is proven genuine.

    ``cookie`` is the browser's pre-login cookie: only the browser that started the login can use its answer.
    Flows B and C read the pending login with its session (their write needs the session); flow A reads nothing
    before validating: its expectation is built from the answer, the policy and the cookie, and the write that uses
    the pending login up holds only if the stored one is exactly that (``expected_login``).
    """
    session_id, browser_token = parse_browser_cookie(cookie)

    def expect(request_id: str | None) -> PendingLogin:
        if session_id is None:
            return expected_login(request_id, relay_state, browser_token, policy=w.policy, now=now)
        return find_pending_login(
            request_id, relay_state, browser_token, pending=w.pending, now=now, session_id=session_id
        )

    found, outcome = consume(w.sp, binding, payload, expect=expect)
    answer = answer_login(
        found,
        outcome.kind,
        outcome.bsn,
        outcome.loa,
        ports=w.ports,
        now=now,
        assertion_id=outcome.assertion_id,
        authn_instant=outcome.authn_instant,
    )
    if answer.result is not None and outcome.loa is not None:
        logger.info("DigiD login recorded", extra={"flow": answer.result.flow, "loa": outcome.loa.label})
    return answer
