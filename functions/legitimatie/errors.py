"""Domain errors. Each carries a stable machine code; the API layer maps them to HTTP statuses.

Messages never contain a BSN or any other personal data: they end up in responses and logs.
"""

from __future__ import annotations

__all__ = [
    "AlreadyLoggedIn",
    "ConcurrentUpdate",
    "DomainError",
    "InvalidBsn",
    "InvalidInput",
    "LevelTooLow",
    "NotAllowed",
    "NotVerified",
    "ServiceUnavailable",
    "SessionEnded",
    "SessionExpired",
    "SessionLocked",
    "SessionNotFound",
    "WrongState",
]


class DomainError(Exception):
    """Base of every error the service reports to a user on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    code = "invalid_request"


class InvalidBsn(InvalidInput):
    code = "invalid_bsn"


class SessionNotFound(DomainError):
    code = "session_not_found"


class SessionExpired(DomainError):
    code = "session_expired"


class SessionEnded(DomainError):
    """The session reached an end state (cancelled, completed) and accepts nothing more."""

    code = "session_ended"


class SessionLocked(DomainError):
    code = "session_locked"


class WrongState(DomainError):
    """The step is not possible in the session's current status (e.g. a code check before login)."""

    code = "wrong_state"


class NotVerified(DomainError):
    """``identified`` asked for a session whose code check did not succeed (or whose BSN did not match)."""

    code = "not_verified"


class AlreadyLoggedIn(DomainError):
    """A session accepts exactly one DigiD login."""

    code = "already_used"


class LevelTooLow(DomainError):
    """The DigiD login's level is below what the session requires; names the level needed."""

    code = "loa_too_low"

    def __init__(self, message: str, required: object = None) -> None:
        super().__init__(message)
        self.required = required


class NotAllowed(DomainError):
    code = "forbidden"


class ServiceUnavailable(DomainError):
    """A dependency (KMS, DynamoDB) failed in a way that is worth retrying; nothing was changed."""

    code = "service_unavailable"


class ConcurrentUpdate(DomainError):
    """Another step changed the record between our read and our write; nothing of ours was written."""

    code = "conflict"
