"""The DigiD login in progress: what is pending, how an answer takes it, DigiD's evidence, and a refusal.

The SAML request id is stored as a ``PendingLogin``, bound to the browser that started it (a hash of the random value
in its pre-login cookie), and taken exactly once, only after the answer is proven genuine: a replayed artifact or
response finds nothing, and a forged answer naming someone else's request cannot use up their login. Only the DigiD
function loads this module; what the resident and the official see afterwards is in ``model``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from msgspec import Struct

from ..assurance import LevelOfAssurance
from ..errors import Forbidden
from ..flow import Flow

if TYPE_CHECKING:
    from ..sessions.model import Session
    from .model import ResidentResult

__all__ = [
    "FORCE_AUTHN",
    "DigidAssertion",
    "LoginRefused",
    "PendingLogin",
    "ResultGrant",
    "TakenLogin",
    "new_browser_token",
    "new_relay_state",
    "new_result_token",
]

# Every flow asks DigiD for a fresh login (ForceAuthn): the resident logs in during the call, never through a DigiD
# session left open on the device (someone else's, on a shared phone), and flows B and C bind a code to *this* login.
FORCE_AUTHN = True


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


class TakenLogin(Struct, frozen=True):
    """A pending login used up by the write that records its login: conditionally, once, while in time (``at``)."""

    login: PendingLogin
    at: datetime


class ResultGrant(Struct, frozen=True):
    """A login's result for the browser holding the token: written in the same transaction as the login itself
    (stored under the token's digest only)."""

    token_hash: str
    result: ResidentResult


class DigidAssertion(Struct, frozen=True):
    """DigiD's own evidence of a login, for the proof: the assertion's ID and its AuthnInstant (UTC)."""

    assertion_id: str
    authn_instant: datetime


def new_relay_state() -> str:
    """An opaque reference for DigiD's RelayState: random, says nothing about the session."""
    return secrets.token_urlsafe(24)


def new_browser_token() -> str:
    """The pre-login cookie's value: binds a pending login to the browser that started it (login CSRF)."""
    return secrets.token_urlsafe(32)


def new_result_token() -> str:
    return secrets.token_urlsafe(32)
