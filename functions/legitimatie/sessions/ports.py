"""The Protocols the session services need; the DynamoDB adapter implements them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from msgspec import Struct

from .model import Session

if TYPE_CHECKING:
    from ..live.model import LiveTicket
    from ..login.digid_model import ResultGrant, TakenLogin
    from ..proofs.content import ProofRequest
    from ..proofs.model import ProofRecord
    from .model import Official, Outcome, ResidentEvent, Status

__all__ = ["ClosedSessions", "ExpiredRecords", "RefusedWrite", "SessionRepository"]


class RefusedWrite(Struct, frozen=True):
    """A check's or a close's one write was refused by its condition and wrote nothing: ``stored`` is the session
    as the condition found it (None: there is no session under that id)."""

    stored: Session | None


class SessionRepository(Protocol):
    """Sessions by id. Writes are conditional so concurrent steps cannot overwrite each other."""

    def add(
        self,
        session: Session,
        *,
        result: ResultGrant | None = None,
        taking: TakenLogin | None = None,
        live_ticket: LiveTicket | None = None,
    ) -> None:
        """Store a new session (fails if the id exists), with the login's ``result``, the use of its pending login
        (``taking``: only if still there, in time and, for flow A, what its answer expects) and the official's first
        live ticket in the same transaction: all of it, or nothing (``ConcurrentUpdate``)."""

    def get(self, session_id: UUID) -> Session | None:
        """The stored session, whatever its expiry (the caller decides what expiry means)."""

    def replace(
        self,
        session: Session,
        *,
        expected_status: Status,
        expected_attempts_left: int,
        result: ResultGrant | None = None,
        taking: TakenLogin | None = None,
    ) -> None:
        """Write the session only if the stored one still has that status, attempt count and owner (or none)
        and, with ``taking``, still holds that pending login in time (which the write uses up), together with
        a login's ``result`` in one transaction. Raises ``ConcurrentUpdate`` when a
        condition fails."""

    def verify(self, session_id: UUID, official_id: str, given_code: str, now: datetime) -> Session | RefusedWrite:
        """The check's one conditional write: mark the session ``verified`` if, as stored, ``Session.with_check``
        would verify it for this official (theirs, logged in and in time, the code they heard the expected one and,
        in flow B, DigiD's BSN the official's); returns the verified session. Otherwise nothing is written and the
        answer holds the session as the refused condition found it, from the same call: the caller tells why from
        it (a wrong code counts an attempt) without reading it again."""
        ...

    def close(
        self,
        session_id: UUID,
        official_id: str,
        outcome: Outcome,
        reason: str | None,
        proof: ProofRecord,
        now: datetime,
    ) -> RefusedWrite | None:
        """The close's one write, no read before it: if, as stored, ``Session.closed`` would close the session with
        ``outcome`` for this official and it has a login (theirs, in time, ``identified`` only from ``verified``),
        set its end state, ``reason`` and ``proof``'s document id, keep it (with the login's facts, for the proof)
        until ``proof`` expires, and write ``proof``'s pending record: one transaction. None when written;
        otherwise nothing is written and the answer holds the session as the refused condition found it. Raises
        ``ConcurrentUpdate`` when the transaction failed for another reason (a write at the same time)."""
        ...

    def claim(self, session_id: UUID, official: Official, now: datetime) -> Session | None:
        """Flow A's look-up, one conditional write: the session becomes this official's if it is unclaimed or
        theirs already, live and in time; returns it as written. None otherwise, and nothing is written."""
        ...

    def owned_by(self, official_id: str) -> list[Session]:
        """Every stored session of this official, whatever its status or expiry."""
        ...

    def note_resident_event(self, session_id: UUID, event: ResidentEvent, now: datetime) -> None:
        """Record a DigiD event on a live session still waiting for its login; otherwise do nothing."""


class ClosedSessions(Protocol):
    """Where the proof's facts are gathered after a close, off the request path."""

    def closed_with_facts(self, session_id: UUID, document_id: UUID, now: datetime) -> Session | None:
        """The session closed with the proof ``document_id`` that still holds its login's facts, in time (until the
        proof expires); None otherwise (never closed with it, or stripped already)."""
        ...

    def hand_over_facts(self, tombstone: Session, proof: ProofRecord, request: ProofRequest) -> bool:
        """One transaction: ``request`` as the pending ``proof``'s message (only if it has none yet), the session
        stripped to ``tombstone`` (only if it still holds the facts for this proof). False when nothing was
        written: another attempt did it already."""
        ...


class ExpiredRecords(Protocol):
    """The scheduled sweep's view of the store."""

    def delete_expired(self, now: datetime) -> int:
        """Remove every record whose expiry time has passed; returns how many."""
        ...
