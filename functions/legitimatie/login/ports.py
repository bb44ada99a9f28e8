"""The Protocols the login services need; the DynamoDB adapters implement them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from .model import CaseNumber, Identification, ResidentResult

if TYPE_CHECKING:
    from ..sessions.model import Session
    from .digid_model import PendingLogin

__all__ = ["IdentificationStore", "PendingLogins", "ResidentResults"]


class PendingLogins(Protocol):
    """Pending logins: on their session's record (flows B and C, ``session_id``) or on their own (flow A)."""

    def add(self, pending: PendingLogin) -> None: ...

    def open_on_session(
        self, session_id: UUID, request_id: str, relay_state: str, browser_digest: str, now: datetime, until: datetime
    ) -> PendingLogin | None:
        """Keep a login on its session's item, in one conditional write that holds only while the session waits for
        its login and is in time (a newer login replaces an older one); the pending login with the session as
        written (its flow and level), or None when the session takes none (unknown, used, ended or expired)."""
        ...

    def get(self, request_id: str, now: datetime, session_id: UUID | None = None) -> PendingLogin | None:
        """The pending login, without taking it; None if unknown, taken before, or expired. With ``session_id``:
        that session's pending login, which may be another request than ``request_id``."""
        ...

    def take(self, login: PendingLogin, now: datetime) -> PendingLogin | None:
        """Remove and return the pending login, once; None if unknown, taken before, or expired. Flow A's (no
        ``session_id``) only while it also holds ``login``'s RelayState, browser digest and level: the ACS did not
        read it, so this is where its answer is checked against it."""
        ...


class ResidentResults(Protocol):
    def add(self, token_hash: str, result: ResidentResult) -> None: ...

    def get(self, token_hash: str, now: datetime) -> ResidentResult | None: ...

    def get_with_session(
        self, token_hash: str, session_id: UUID, now: datetime
    ) -> tuple[ResidentResult | None, Session | None]:
        """The result and the session it follows, read together (one request); no result unless it is live and
        belongs to that session."""
        ...

    def remove(self, token_hash: str) -> None: ...

    def extend(self, token_hash: str, result: ResidentResult, new_expiry: datetime, now: datetime) -> bool:
        """Move the expiry once per call, only if the stored result still has ``result``'s extension count and
        is live; False otherwise."""
        ...


class IdentificationStore(Protocol):
    def next_case_number(self, year: int) -> CaseNumber:
        """The next number of the year: atomic, so concurrent logins never share one."""
        ...

    def add(self, identification: Identification) -> None: ...

    def get(self, zaak_number: CaseNumber, now: datetime) -> Identification | None: ...
