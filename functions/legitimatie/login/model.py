"""What a DigiD login leaves for the resident and the official: the result page's content, kept under a hash of a
random token that only the resident's browser holds (in an HttpOnly cookie: the code never travels in a URL), and
flow A's case-number record. The login in progress (pending logins, their taking, refusals) is ``digid_model``'s,
which only the DigiD function loads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ..assurance import LevelOfAssurance
from ..errors import InvalidCaseNumber
from ..flow import Flow
from . import LOGIN_LIFETIME

__all__ = [
    "LOGIN_LIFETIME",
    "MAX_RESULT_EXTENSIONS",
    "CaseNumber",
    "Identification",
    "ResidentResult",
    "browser_cookie_value",
    "parse_browser_cookie",
    "token_digest",
]

# WCAG 2.2.1: the resident may extend the result page's time; never past the session's own expiry.
MAX_RESULT_EXTENSIONS = 10


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


def token_digest(token: str) -> str:
    """Results are stored under a hash of the cookie's token, so the table alone cannot show a result."""
    return hashlib.sha256(token.encode()).hexdigest()
