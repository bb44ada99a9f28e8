"""Domain errors, one base per kind. Each carries a stable machine code; the API maps the *kind* to an HTTP status
in one table (``runtime.http``), so a new error only picks its kind.

Kinds: ``InvalidInput`` (malformed or unacceptable input), ``NotFound`` (nothing there, or not the caller's),
``Expired`` (it was there, its time is up), ``Conflict`` (not possible in the current state), ``Locked``,
``Forbidden`` and ``Unavailable`` (a dependency failed; worth retrying). Every concrete error is a subclass of
exactly one kind.

Messages never contain a BSN or any other personal data: they end up in responses and logs.
"""

from __future__ import annotations

__all__ = [
    "KINDS",
    "AlreadyLoggedIn",
    "CaseNotFound",
    "ConcurrentUpdate",
    "Conflict",
    "DomainError",
    "Expired",
    "Forbidden",
    "InvalidBsn",
    "InvalidCaseNumber",
    "InvalidDocumentId",
    "InvalidInput",
    "InvalidSessionId",
    "LevelTooLow",
    "Locked",
    "NotAllowed",
    "NotFound",
    "NotVerified",
    "ProofNotFound",
    "ServiceUnavailable",
    "SessionEnded",
    "SessionExpired",
    "SessionLocked",
    "SessionNotFound",
    "Unavailable",
    "WrongState",
]


class DomainError(Exception):
    """Base of every error the service reports to a user on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- the kinds ------------------------------------------------------------------------------------------------


class InvalidInput(DomainError):
    """Malformed or unacceptable input: nothing was looked up or changed."""

    code = "invalid_request"


class NotFound(DomainError):
    """Nothing there, or nothing the caller may know about (someone else's is reported the same way)."""

    code = "not_found"


class Expired(DomainError):
    """It existed, and its time is up (the contract reports it like a missing one, with its own code)."""

    code = "expired"


class Conflict(DomainError):
    """The step is not possible in the record's current state; nothing was changed."""

    code = "conflict"


class Locked(DomainError):
    code = "locked"


class Forbidden(DomainError):
    code = "forbidden"


class Unavailable(DomainError):
    """A dependency (KMS, DynamoDB, SQS) failed in a way that is worth retrying; nothing was changed."""

    code = "service_unavailable"


KINDS: tuple[type[DomainError], ...] = (InvalidInput, NotFound, Expired, Conflict, Locked, Forbidden, Unavailable)


# ---- invalid input --------------------------------------------------------------------------------------------


class InvalidBsn(InvalidInput):
    code = "invalid_bsn"


class InvalidSessionId(InvalidInput):
    """Session ids are canonical UUID v4 strings; anything else is never looked up."""


class InvalidDocumentId(InvalidInput):
    """Proof document ids are canonical UUID v4 strings; anything else is never looked up."""


class InvalidCaseNumber(InvalidInput):
    """Case numbers have one form, ``YYYY-NNNNN``; anything else is never looked up."""


# ---- not found / expired --------------------------------------------------------------------------------------


class SessionNotFound(NotFound):
    code = "session_not_found"


class ProofNotFound(NotFound):
    """No proof with this id, or not one this official may see."""

    code = "proof_not_found"


class CaseNotFound(NotFound):
    """No (live) flow A identification under this case number."""

    code = "identification_not_found"


class SessionExpired(Expired):
    code = "session_expired"


# ---- conflicts ------------------------------------------------------------------------------------------------


class SessionEnded(Conflict):
    """The session reached an end state (cancelled, completed) and accepts nothing more."""

    code = "session_ended"


class WrongState(Conflict):
    """The step is not possible in the session's current status (e.g. a code check before login)."""

    code = "wrong_state"


class NotVerified(Conflict):
    """``identified`` asked for a session whose code check did not succeed (or whose BSN did not match)."""

    code = "not_verified"


class AlreadyLoggedIn(Conflict):
    """A session accepts exactly one DigiD login."""

    code = "already_used"


class ConcurrentUpdate(Conflict):
    """Another step changed the record between our read and our write; nothing of ours was written."""

    code = "conflict"


# ---- locked, forbidden, unavailable ---------------------------------------------------------------------------


class SessionLocked(Locked):
    code = "session_locked"


class NotAllowed(Forbidden):
    code = "forbidden"


class LevelTooLow(Forbidden):
    """The DigiD login's level is below what the session requires; names the level needed."""

    code = "loa_too_low"

    def __init__(self, message: str, required: object = None) -> None:
        super().__init__(message)
        self.required = required


class ServiceUnavailable(Unavailable):
    """A dependency (KMS, DynamoDB) failed in a way that is worth retrying; nothing was changed."""
