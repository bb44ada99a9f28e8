"""Identification sessions and their status machine.

``created → logged_in → verified → completed``; ``not_identified``, ``expired``, ``cancelled`` and ``locked``
are end states that never change. ``completed`` (identified) is reachable only from ``verified``: the official
typed the code they heard and it matched, and in flow B the DigiD BSN produced the official's code.
``expired`` is never stored: it is what a session *is* once its expiry time has passed, decided at every read
(DynamoDB TTL deletes late, moto never).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from msgspec import Struct
from msgspec.structs import replace

from ..assurance import LevelOfAssurance
from ..errors import (
    AlreadyLoggedIn,
    InvalidSessionId,
    LevelTooLow,
    NotVerified,
    SessionEnded,
    SessionExpired,
    SessionLocked,
    WrongState,
)
from ..flow import Flow
from .control_code import CURRENT_VERSION, codes_equal

__all__ = [
    "MAX_CODE_ATTEMPTS",
    "CheckOutcome",
    "Flow",
    "Official",
    "Outcome",
    "ResidentEvent",
    "ResidentLogin",
    "Session",
    "Status",
    "parse_session_id",
]

MAX_CODE_ATTEMPTS = 3


class Status(StrEnum):
    CREATED = "created"
    LOGGED_IN = "logged_in"
    VERIFIED = "verified"
    COMPLETED = "completed"  # identified
    NOT_IDENTIFIED = "not_identified"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    LOCKED = "locked"

    @property
    def is_end_state(self) -> bool:
        return self in _END_STATES


_END_STATES = frozenset({Status.COMPLETED, Status.NOT_IDENTIFIED, Status.EXPIRED, Status.CANCELLED, Status.LOCKED})
LIVE_STATES = frozenset(Status) - _END_STATES  # created, logged_in, verified: what a session is until it ends


class Outcome(StrEnum):
    """How the official closes a session: only a verified one can be ``identified``."""

    IDENTIFIED = "identified"
    NOT_IDENTIFIED = "not_identified"


class ResidentEvent(StrEnum):
    """What happened at DigiD for a session that did not log in (the official sees it live)."""

    CANCELLED = "cancelled"
    LOA_TOO_LOW = "loa_too_low"


class Official(Struct, frozen=True):
    """The behandelend ambtenaar, as the staff identity provider names them."""

    id: str
    name: str
    groups: frozenset[str] = frozenset()


class ResidentLogin(Struct, frozen=True):
    """What a successful DigiD login contributes to a session (the BSN only sealed)."""

    at: datetime
    loa: LevelOfAssurance
    resident_code: str
    sealed_bsn: bytes | None = None  # flow C only
    code_match: bool | None = None  # flow B only
    digid_assertion_id: str | None = None  # DigiD's evidence, for the proof (issue 14)
    digid_authn_instant: datetime | None = None


class CheckOutcome(Struct, frozen=True):
    """What one typed control code did: matched or not, the attempts left, the session's status."""

    match: bool
    attempts_left: int
    status: Status
    bsn_match: bool | None = None  # flow B: told only after the official typed a code


UNCLAIMED = Official(id="", name="")  # flow A before an official looked the case up


def parse_session_id(raw: str) -> UUID:
    """Session ids are UUID strings, v4 (random: flows B and C) or v5 (flow A's, from its case number:
    ``login.model.case_session_id``); anything else is bad input, never a lookup."""
    try:
        session_id = UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise InvalidSessionId("This is not a valid session id.") from None
    if session_id.version not in (4, 5) or str(session_id) != raw.strip().lower():
        raise InvalidSessionId("This is not a valid session id.")
    return session_id


class Session(Struct, frozen=True):
    """One identification session: created by an official (flows B and C) or by a DigiD login (flow A)."""

    id: UUID
    flow: Flow
    status: Status
    official: Official
    required_loa: LevelOfAssurance
    created_at: datetime
    expires_at: datetime
    official_code: str | None = None  # flow B: C(BSN, id, gemeentecode) shown to the official at creation
    code_version: str = CURRENT_VERSION  # of the control code: "v2"; "v1" for sessions created before it
    login: ResidentLogin | None = None
    attempts_left: int = MAX_CODE_ATTEMPTS
    verified_at: datetime | None = None
    # The proof of authentication, handed over in the same write that ended the session; kept in the tombstone.
    proof_document_id: UUID | None = None
    outcome_reason: str | None = None  # not_identified: the official's short reason
    resident_event: ResidentEvent | None = None  # the last thing that went wrong at DigiD, before a login
    zaak_number: str | None = None  # flow A: the case number the resident was shown

    def status_at(self, now: datetime) -> Status:
        """The status as it is at ``now``: a live session past its expiry time is expired."""
        if not self.status.is_end_state and now >= self.expires_at:
            return Status.EXPIRED
        return self.status

    def is_owned_by(self, official: Official) -> bool:
        return bool(self.official.id) and self.official.id == official.id

    @property
    def is_claimed(self) -> bool:
        return bool(self.official.id)

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
        if not loa.meets(self.required_loa):
            raise LevelTooLow(f"This session requires DigiD {self.required_loa.label} or higher.", self.required_loa)

    def with_login(self, login: ResidentLogin, now: datetime) -> Session:
        self.ensure_accepts_login(login.loa, now)
        return replace(self, status=Status.LOGGED_IN, login=login)

    def with_check(self, given_code: str, now: datetime) -> tuple[Session, CheckOutcome]:
        """The official types the code they heard; at most ``MAX_CODE_ATTEMPTS`` wrong ones, then locked.

        The typed code must equal the expected one *and*, in flow B, the DigiD BSN must have produced the
        official's code: only then is the session ``verified``. A lock deletes the sealed BSN at once."""
        status = self._require_live(now)
        if status is Status.VERIFIED:
            raise WrongState("The control code of this session has already been confirmed.")
        expected = self.expected_code
        if status is not Status.LOGGED_IN or expected is None or self.login is None:
            raise WrongState("The resident has not logged in with DigiD yet.")
        bsn_match = self.login.code_match if self.flow is Flow.KNOWN_BSN else None
        # the rule a check's one conditional write holds too (SessionRepository.verify; its test compares both)
        if codes_equal(expected, given_code) and bsn_match is not False:
            checked = replace(self, status=Status.VERIFIED, verified_at=now)
        else:
            attempts_left = self.attempts_left - 1
            checked = replace(self, attempts_left=attempts_left)
            if attempts_left <= 0:
                checked = replace(checked, status=Status.LOCKED, login=replace(self.login, sealed_bsn=None))
        return checked, CheckOutcome(
            match=checked.status is Status.VERIFIED,
            attempts_left=checked.attempts_left,
            status=checked.status,
            bsn_match=bsn_match,
        )

    @property
    def verified_check(self) -> CheckOutcome:
        """What the check that verified this session answers."""
        bsn_match = self.login.code_match if self.flow is Flow.KNOWN_BSN and self.login else None
        return CheckOutcome(match=True, attempts_left=self.attempts_left, status=Status.VERIFIED, bsn_match=bsn_match)

    def closed(self, outcome: Outcome, reason: str | None, now: datetime) -> Session:
        """The official ends the session: ``identified`` only from ``verified``, ``not_identified`` from any
        live status (with a short reason)."""
        if outcome is Outcome.IDENTIFIED:
            status = self.status_at(now)
            if status is Status.EXPIRED:
                raise SessionExpired("This session has expired.")
            code_match = self.login.code_match if self.login else None
            if status is not Status.VERIFIED or (self.flow is Flow.KNOWN_BSN and code_match is not True):
                raise NotVerified(
                    "Only a verified session can be completed as identified: type the code the resident read "
                    "aloud first, or close the session as not identified."
                )
            return replace(self, status=Status.COMPLETED)
        self._require_live(now)
        return replace(self, status=Status.NOT_IDENTIFIED, outcome_reason=reason)
