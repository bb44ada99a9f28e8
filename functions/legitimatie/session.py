"""Identification sessions and their status machine.

``created → logged_in → verified / completed``; ``expired``, ``cancelled`` and ``locked`` are end states
that never change. ``expired`` is never stored: it is what a session *is* once its expiry time has passed,
decided at every read (DynamoDB TTL deletes late, moto never).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from .assurance import LevelOfAssurance
from .control_code import codes_equal
from .errors import AlreadyLoggedIn, LevelTooLow, SessionEnded, SessionExpired, SessionLocked, WrongState

__all__ = [
    "MAX_CODE_ATTEMPTS",
    "CheckOutcome",
    "Flow",
    "Official",
    "ResidentLogin",
    "Session",
    "Status",
]

MAX_CODE_ATTEMPTS = 3


class Flow(StrEnum):
    """The three flows of the source document, section 2."""

    NEW_RESIDENT = "new_resident"  # 2.1, BSN not known yet (no session before login)
    KNOWN_BSN = "known_bsn"  # 2.2
    HANDOVER = "handover"  # 2.3, the resident sees the official's name


class Status(StrEnum):
    CREATED = "created"
    LOGGED_IN = "logged_in"
    VERIFIED = "verified"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    LOCKED = "locked"

    @property
    def is_end_state(self) -> bool:
        return self in _END_STATES


_END_STATES = frozenset({Status.COMPLETED, Status.EXPIRED, Status.CANCELLED, Status.LOCKED})


@dataclass(frozen=True)
class Official:
    """The behandelend ambtenaar, as the staff identity provider names them."""

    id: str
    name: str
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ResidentLogin:
    """What a successful DigiD login contributes to a session (the BSN only sealed)."""

    at: datetime
    loa: LevelOfAssurance
    resident_code: str
    sealed_bsn: bytes | None = None  # flow C only
    code_match: bool | None = None  # flow B only
    digid_assertion_id: str | None = None  # DigiD's evidence, for the proof (issue 14)
    digid_authn_instant: datetime | None = None


@dataclass(frozen=True)
class CheckOutcome:
    match: bool
    attempts_left: int
    status: Status


@dataclass(frozen=True)
class Session:
    """One identification session, created by an official (flows B and C)."""

    id: UUID
    flow: Flow
    status: Status
    official: Official
    required_loa: LevelOfAssurance
    created_at: datetime
    expires_at: datetime
    official_code: str | None = None  # flow B: C(BSN, id, gemeentecode) shown to the official at creation
    code_version: str = "v1"
    login: ResidentLogin | None = None
    attempts_left: int = MAX_CODE_ATTEMPTS
    verified_at: datetime | None = field(default=None)
    # The proof of authentication handed over for this session: at the code check that verified it, or at
    # Voltooien of a session that was never verified. Kept in the tombstone, so Voltooien makes one proof only.
    proof_document_id: UUID | None = None

    def status_at(self, now: datetime) -> Status:
        """The status as it is at ``now``: a live session past its expiry time is expired."""
        if not self.status.is_end_state and now >= self.expires_at:
            return Status.EXPIRED
        return self.status

    def is_owned_by(self, official: Official) -> bool:
        return self.official.id == official.id

    @property
    def expected_code(self) -> str | None:
        """The code the official should hear: their own (flow B) or the resident's login code (flow C)."""
        if self.flow is Flow.KNOWN_BSN:
            return self.official_code
        return self.login.resident_code if self.login else None

    def _require_live(self, now: datetime) -> Status:
        status = self.status_at(now)
        if status is Status.EXPIRED:
            raise SessionExpired("This session has expired.")
        if status is Status.LOCKED:
            raise SessionLocked("This session is locked after too many wrong control codes.")
        if status.is_end_state:
            raise SessionEnded(f"This session has ended ({status}).")
        return status

    def ensure_accepts_login(self, loa: LevelOfAssurance, now: datetime) -> None:
        """A session accepts exactly one DigiD login, while it is live, at its required level or higher."""
        if self._require_live(now) is not Status.CREATED:
            raise AlreadyLoggedIn("Someone has already logged in with this link.")
        if loa < self.required_loa:
            raise LevelTooLow(f"This session requires DigiD {self.required_loa.label} or higher.", self.required_loa)

    def with_login(self, login: ResidentLogin, now: datetime) -> Session:
        self.ensure_accepts_login(login.loa, now)
        return replace(self, status=Status.LOGGED_IN, login=login)

    def with_check(self, given_code: str, now: datetime) -> tuple[Session, CheckOutcome]:
        """The official types the code they heard; at most ``MAX_CODE_ATTEMPTS`` wrong ones, then locked."""
        status = self._require_live(now)
        if status is Status.VERIFIED:
            raise WrongState("The control code of this session has already been confirmed.")
        expected = self.expected_code
        if status is not Status.LOGGED_IN or expected is None:
            raise WrongState("The resident has not logged in with DigiD yet.")
        if codes_equal(expected, given_code) and self.login is not None and self.login.code_match is not False:
            checked = replace(self, status=Status.VERIFIED, verified_at=now)
        else:
            attempts_left = self.attempts_left - 1
            checked = replace(
                self, attempts_left=attempts_left, status=Status.LOCKED if attempts_left <= 0 else self.status
            )
        return checked, CheckOutcome(
            match=checked.status is Status.VERIFIED, attempts_left=checked.attempts_left, status=checked.status
        )

    def completed(self, now: datetime) -> Session:
        """Voltooien: possible once the resident has logged in."""
        if self._require_live(now) not in (Status.LOGGED_IN, Status.VERIFIED):
            raise WrongState("The resident has not logged in with DigiD yet; cancel the session instead.")
        return replace(self, status=Status.COMPLETED)
