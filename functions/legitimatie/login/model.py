"""The resident's DigiD login, apart from SAML: what is pending, what it yields per flow, what the browser sees.

A login starts from a session (flows B, C) or from nothing (flow A). The SAML request id is stored as a
``PendingLogin``, bound to the browser that started it (a hash of the random value in its pre-login cookie),
and taken exactly once, only after the answer is proven genuine: a replayed artifact or response finds nothing,
and a forged answer naming someone else's request cannot use up their login. The result (the control code) is
kept under a hash of a random token that only the resident's browser holds, in an HttpOnly cookie: the code
never travels in a URL.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from ..assurance import LevelOfAssurance
from ..errors import Forbidden, InvalidCaseNumber
from ..flow import Flow

if TYPE_CHECKING:
    from ..sessions.model import Session

__all__ = [
    "FORCE_AUTHN",
    "LOGIN_LIFETIME",
    "MAX_RESULT_EXTENSIONS",
    "CaseNumber",
    "DigidAssertion",
    "Identification",
    "LoginRefused",
    "PendingLogin",
    "ResidentResult",
    "ResultGrant",
    "TakenLogin",
    "browser_cookie_value",
    "new_browser_token",
    "new_relay_state",
    "new_result_token",
    "parse_browser_cookie",
    "token_digest",
]

# DigiD's rule for the SP's session: at most 15 minutes.
LOGIN_LIFETIME = timedelta(minutes=15)
# Every flow asks DigiD for a fresh login (ForceAuthn): the resident logs in during the call, never through a DigiD
# session left open on the device (someone else's, on a shared phone), and flows B and C bind a code to *this* login.
FORCE_AUTHN = True
# WCAG 2.2.1: the resident may extend the result page's time; never past the session's own expiry.
MAX_RESULT_EXTENSIONS = 10


class LoginRefused(Forbidden):
    """The login cannot go on; ``reason`` is one of the resident error pages (the DigiD function shows it)."""

    code = "login_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PendingLogin:
    request_id: str
    relay_state: str
    flow: Flow
    required_loa: LevelOfAssurance
    created_at: datetime
    expires_at: datetime
    session_id: UUID | None = None
    browser_digest: str = ""  # token_digest of the pre-login cookie of the browser that started the login
    # flows B and C: the pending login lives on its session's item; the session as read with it (one read)
    session: Session | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TakenLogin:
    """A pending login used up by the write that records its login: conditionally, once, while in time (``at``)."""

    login: PendingLogin
    at: datetime


@dataclass(frozen=True)
class ResidentResult:
    """What the resident's result page shows."""

    flow: Flow
    code: str
    expires_at: datetime
    zaak_number: str | None = None
    official_name: str | None = None
    municipality: str | None = None
    session_id: UUID | None = None  # the session whose outcome the page follows
    limit_at: datetime | None = None  # an extension never goes past this (the session's expiry)
    extensions: int = 0

    @property
    def can_extend(self) -> bool:
        """Whether the page may still ask for more time: extensions left, and room before the session's end."""
        return self.extensions < MAX_RESULT_EXTENSIONS and (self.limit_at is None or self.limit_at > self.expires_at)


@dataclass(frozen=True)
class ResultGrant:
    """A login's result for the browser holding the token: written in the same transaction as the login itself
    (stored under the token's digest only)."""

    token_hash: str
    result: ResidentResult


@dataclass(frozen=True)
class DigidAssertion:
    """DigiD's own evidence of a login, for the proof: the assertion's ID and its AuthnInstant (UTC)."""

    assertion_id: str
    authn_instant: datetime


@dataclass(frozen=True)
class CaseNumber:
    """A zaaknummer ``YYYY-NNNNN``: a counter per year."""

    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.year}-{self.sequence:05d}"

    @classmethod
    def parse(cls, raw: str) -> CaseNumber:
        year, _, sequence = raw.partition("-")
        if len(year) != 4 or not year.isdigit() or not (5 <= len(sequence) <= 9) or not sequence.isdigit():
            raise InvalidCaseNumber("This is not a case number of the form YYYY-NNNNN.")
        return cls(int(year), int(sequence))


@dataclass(frozen=True)
class Identification:
    """Flow A's case-number record: it points to the session that holds the sealed BSN and the code, and ends
    with that session (deleted in the transaction that ends it)."""

    zaak_number: CaseNumber
    session_id: UUID
    login_at: datetime
    loa: LevelOfAssurance
    expires_at: datetime


def new_relay_state() -> str:
    """An opaque reference for DigiD's RelayState: random, says nothing about the session."""
    return secrets.token_urlsafe(24)


def new_browser_token() -> str:
    """The pre-login cookie's value: binds a pending login to the browser that started it (login CSRF)."""
    return secrets.token_urlsafe(32)


def browser_cookie_value(session_id: UUID | None, token: str) -> str:
    """A resident cookie's value: the random token, after the session's id where there is one (the pre-login
    cookie of flows B and C: the ACS finds the pending login on that session's record; the result cookie: its
    page reads the result and the session in one request). Only the token's digest is stored."""
    return f"{session_id}.{token}" if session_id is not None else token


def parse_browser_cookie(value: str | None) -> tuple[UUID | None, str | None]:
    """The session id (or None) and the token of a resident cookie; a malformed id yields no token."""
    if not value:
        return None, None
    head, dot, token = value.rpartition(".")
    if not dot:
        return None, value
    try:
        return UUID(head), token or None
    except ValueError:
        return None, None


def new_result_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Results are stored under a hash of the cookie's token, so the table alone cannot show a result."""
    return hashlib.sha256(token.encode()).hexdigest()
