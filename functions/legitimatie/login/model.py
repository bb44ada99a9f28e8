"""What a DigiD login leaves for the resident and the official: the result page's content, kept under a hash of a
random token that only the resident's browser holds (in an HttpOnly cookie: the code never travels in a URL), and
what flow A's look-up finds by case number. The login in progress (pending logins, their taking, refusals) is
``digid_model``'s, which only the DigiD function loads.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID, uuid5

from msgspec import Struct

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
    "case_session_id",
    "parse_browser_cookie",
    "token_digest",
]

# WCAG 2.2.1: the resident may extend the result page's time; never past the session's own expiry.
MAX_RESULT_EXTENSIONS = 10


class ResidentResult(Struct, frozen=True):
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


class CaseNumber(Struct, frozen=True):
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


# Fixed for every deployment and release: a flow A session's id follows from its case number (``case_session_id``).
_CASE_SESSIONS = UUID("6f1c3a52-6b0e-5d2e-9a4e-2f8d0c7b1e93")


def case_session_id(zaak_number: CaseNumber) -> UUID:
    """The id of flow A's session for this case number (a UUID v5 of its canonical text): the look-up computes the
    session's key and claims it in one write, with no record in between.

    Safe to derive, though anyone can compute it: whoever can compute it knows the case number already, and the
    case number is exactly what the look-up accepts (and only from an official in the look-up group). Nothing treats
    a flow A session's id as a secret: every official route checks the official owns the session (a flow A session
    has no owner until the look-up claims it), the resident's result page needs the result cookie, the live status
    a ticket or that cookie, and the resident's public routes (the start page's session, the DigiD login) answer a
    flow A session's id as an unknown link."""
    return uuid5(_CASE_SESSIONS, str(zaak_number))


class Identification(Struct, frozen=True):
    """What flow A's look-up shows of a case: its number, its session, the login's time and level. Read from the
    session itself; releases before issue 13 also stored it as a case-number record (``zaak#<number>``) pointing to
    a session with a random id, which the look-up still follows for one release (``IdentificationStore``)."""

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
