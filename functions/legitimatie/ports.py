"""The small Protocols the services need; adapters in ``legitimatie.adapters`` implement them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from .session import Session, Status

__all__ = ["BsnCipher", "ExpiredRecords", "MacKey", "SessionRepository"]


class MacKey(Protocol):
    """A keyed MAC whose key never leaves its keeper (KMS HMAC_256 in production)."""

    def generate_mac(self, message: bytes) -> bytes: ...


class BsnCipher(Protocol):
    """Envelope for the BSN where it must be stored: ciphertext bound to an encryption context."""

    def seal(self, plaintext: bytes, context: Mapping[str, str]) -> bytes: ...

    def open(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes: ...


class SessionRepository(Protocol):
    """Sessions by id. Writes are conditional so concurrent steps cannot overwrite each other."""

    def add(self, session: Session) -> None:
        """Store a new session; fails if the id exists."""

    def get(self, session_id: UUID) -> Session | None:
        """The stored session, whatever its expiry (the caller decides what expiry means)."""

    def replace(self, session: Session, *, expected_status: Status, expected_attempts_left: int) -> None:
        """Write the session only if the stored one still has that status and attempt count.

        Raises ``ConcurrentUpdate`` otherwise."""

    def delete(self, session_id: UUID) -> None: ...


class ExpiredRecords(Protocol):
    """The scheduled sweep's view of the store."""

    def delete_expired(self, now: datetime) -> int:
        """Remove every record whose expiry time has passed; returns how many."""
        ...
