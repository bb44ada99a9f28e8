"""In-memory fakes of the core's Protocols, for unit tests of the services (no network, no AWS)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from msgspec.structs import replace

from legitimatie.adapters.sqs import proof_message
from legitimatie.audit import AuditEvent
from legitimatie.errors import ConcurrentUpdate, DomainError, ServiceUnavailable
from legitimatie.live.model import LiveTicket
from legitimatie.login.digid_model import PendingLogin, ResultGrant, TakenLogin
from legitimatie.login.model import CaseNumber, Identification, ResidentResult
from legitimatie.proofs.content import ProofRequest
from legitimatie.proofs.model import ProofRecord
from legitimatie.resident import ResidentKey
from legitimatie.sessions.model import Official, Outcome, ResidentEvent, Session, Status
from legitimatie.sessions.ports import RefusedWrite


class InMemorySessionRepository:
    """Sessions, and the other records a session's write touches in the same transaction: the proof outbox
    records, the residents' results and the pending logins (share them with the fakes the test passes elsewhere).
    ``identifications``: the case numbers, kept beside it for the tests that build both."""

    def __init__(
        self, proof_records: Any = None, identifications: Any = None, results: Any = None, pending: Any = None
    ) -> None:
        self.sessions: dict[UUID, Session] = {}
        self.pending = pending  # the pending logins a login's write uses up
        self.proof_records = proof_records
        self.identifications = identifications
        self.results = results if results is not None else InMemoryResults()
        self.writes_fail = False  # DynamoDB unreachable for writes: ``replace`` raises, nothing changes
        self.live_tickets: dict[UUID, LiveTicket] = {}  # the first live ticket, written with its new session
        self.with_facts: set[UUID] = set()  # closed sessions whose proof's facts are not gathered yet

    def add(
        self,
        session: Session,
        *,
        result: ResultGrant | None = None,
        taking: TakenLogin | None = None,
        live_ticket: LiveTicket | None = None,
    ) -> None:
        if self.writes_fail:
            raise ServiceUnavailable("DynamoDB is temporarily unavailable")
        if session.id in self.sessions:
            raise ConcurrentUpdate("exists")
        self._take(taking)
        if result is not None:
            self.results.add(result.token_hash, result.result)
        if live_ticket is not None:
            assert live_ticket.session_id == session.id
            self.live_tickets[session.id] = live_ticket
        self.sessions[session.id] = session

    def get(self, session_id: UUID) -> Session | None:
        return self.sessions.get(session_id)

    def replace(
        self,
        session: Session,
        *,
        expected_status: Status,
        expected_attempts_left: int,
        result: ResultGrant | None = None,
        taking: TakenLogin | None = None,
    ) -> None:
        if self.writes_fail:
            raise ServiceUnavailable("DynamoDB is temporarily unavailable")
        current = self.sessions.get(session.id)
        if current is None or current.status != expected_status or current.attempts_left != expected_attempts_left:
            raise ConcurrentUpdate("changed")
        if current.official.id and current.official.id != session.official.id:
            raise ConcurrentUpdate("claimed by another official")
        self._take(taking)
        if result is not None:
            self.results.add(result.token_hash, result.result)
        self.sessions[session.id] = session

    def _take(self, taking: TakenLogin | None) -> None:
        if taking is None or self.pending is None:
            return
        login = taking.login
        if self.pending.take(login, taking.at) is None:
            raise ConcurrentUpdate("the pending login was used up already")

    def verify(self, session_id: UUID, official_id: str, given_code: str, now: datetime) -> Session | RefusedWrite:
        if self.writes_fail:
            raise ServiceUnavailable("DynamoDB is temporarily unavailable")
        current = self.sessions.get(session_id)
        refused = RefusedWrite(stored=current)
        if current is None or not current.official.id or current.official.id != official_id:
            return refused
        try:
            checked, outcome = current.with_check(given_code, now)
        except DomainError:
            return refused
        if not outcome.match:
            return refused
        self.sessions[session_id] = checked
        return checked

    def close(
        self,
        session_id: UUID,
        official_id: str,
        outcome: Outcome,
        reason: str | None,
        proof: ProofRecord,
        now: datetime,
    ) -> RefusedWrite | None:
        """The domain's rule itself (the DynamoDB condition is compared with it on moto): a logged-in session the
        domain closes is closed, keeping its facts until gathered; anything else is refused as found."""
        if self.writes_fail:
            raise ServiceUnavailable("DynamoDB is temporarily unavailable")
        current = self.sessions.get(session_id)
        if current is None or current.login is None or current.official.id != official_id or not official_id:
            return RefusedWrite(stored=current)
        try:
            ended = current.closed(outcome, reason, now)
        except DomainError:
            return RefusedWrite(stored=current)
        assert self.proof_records is not None, "this repository was built without proof records"
        self.proof_records.add(proof)
        self.sessions[session_id] = replace(ended, proof_document_id=proof.document_id)
        self.with_facts.add(session_id)
        return None

    def closed_with_facts(self, session_id: UUID, document_id: UUID, now: datetime) -> Session | None:
        current = self.sessions.get(session_id)
        if current is None or session_id not in self.with_facts or current.proof_document_id != document_id:
            return None
        return current

    def hand_over_facts(self, tombstone: Session, proof: ProofRecord, request: ProofRequest) -> bool:
        assert self.proof_records is not None, "this repository was built without proof records"
        record = self.proof_records.get(proof.document_id)
        if record is None or record.message is not None or tombstone.id not in self.with_facts:
            return False
        self.proof_records.records[proof.document_id] = replace(
            record, message=proof_message(request), flow=request.flow, reference=request.reference
        )
        self.sessions[tombstone.id] = tombstone
        self.with_facts.discard(tombstone.id)
        return True

    def claim(self, session_id: UUID, official: Official, now: datetime) -> Session | None:
        if self.writes_fail:
            raise ServiceUnavailable("DynamoDB is temporarily unavailable")
        current = self.sessions.get(session_id)
        if current is None or current.status_at(now).is_end_state:
            return None
        if current.official.id and current.official.id != official.id:
            return None
        claimed = replace(current, official=Official(id=official.id, name=official.name))
        self.sessions[session_id] = claimed
        return claimed

    def owned_by(self, official_id: str) -> list[Session]:
        return [s for s in self.sessions.values() if s.official.id == official_id]

    def note_resident_event(self, session_id: UUID, event: ResidentEvent, now: datetime) -> None:
        current = self.sessions.get(session_id)
        if current is not None and current.status is Status.CREATED and current.expires_at > now:
            self.sessions[session_id] = replace(current, resident_event=event)

    def delete(self, session_id: UUID) -> None:
        """A test's way to remove a session (the sweep's deletion, or a record that never was)."""
        self.sessions.pop(session_id, None)

    def delete_expired(self, now: datetime) -> int:
        expired = [sid for sid, s in self.sessions.items() if s.expires_at <= now]
        for sid in expired:
            del self.sessions[sid]
        return len(expired)


class HmacMacKey:
    """A MAC key held in memory: the same HMAC-SHA256 that KMS computes for an HMAC_256 key."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self.calls = 0

    def generate_mac(self, message: bytes) -> bytes:
        self.calls += 1
        return hmac.new(self._key, message, hashlib.sha256).digest()


class FakeCipher:
    """Seals by handing out random tokens; opening needs the same context, like KMS encryption context."""

    def __init__(self) -> None:
        self._sealed: dict[bytes, tuple[bytes, dict[str, str]]] = {}

    def seal(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        token = secrets.token_bytes(32)
        self._sealed[token] = (plaintext, dict(context))
        return token

    def open(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        plaintext, sealed_context = self._sealed[ciphertext]
        if sealed_context != dict(context):
            raise PermissionError("encryption context mismatch")
        return plaintext


class InMemoryPendingLogins:
    def __init__(self, sessions: InMemorySessionRepository | None = None) -> None:
        self.pending: dict[str, PendingLogin] = {}
        self.sessions = sessions  # where flows B and C keep theirs (``open_on_session``)

    def add(self, pending: PendingLogin) -> None:
        self.pending[pending.request_id] = pending

    def open_on_session(
        self, session_id: UUID, request_id: str, relay_state: str, browser_digest: str, now: datetime, until: datetime
    ) -> PendingLogin | None:
        assert self.sessions is not None, "these pending logins were built without sessions"
        session = self.sessions.get(session_id)
        if session is None or session.status is not Status.CREATED or session.expires_at <= now:
            return None
        for older in [p for p in self.pending.values() if p.session_id == session_id]:
            del self.pending[older.request_id]  # the session's item holds one pending login
        login = PendingLogin(
            request_id, relay_state, session.flow, session.required_loa, now, until, session_id, browser_digest
        )
        self.pending[request_id] = login
        return login

    def get(self, request_id: str, now: datetime, session_id: UUID | None = None) -> PendingLogin | None:
        if session_id is not None:  # the session's latest pending login, as the session's record holds one
            found = next((p for p in reversed(self.pending.values()) if p.session_id == session_id), None)
        else:
            found = self.pending.get(request_id)
            found = found if found is not None and found.session_id is None else None
        return found if found is not None and found.expires_at > now else None

    def take(self, login: PendingLogin, now: datetime) -> PendingLogin | None:
        found = self.pending.get(login.request_id)
        if found is None or found.session_id != login.session_id or found.expires_at <= now:
            return None
        expected = (login.relay_state, login.browser_digest, login.required_loa)
        if login.session_id is None and (found.relay_state, found.browser_digest, found.required_loa) != expected:
            return None  # flow A's take is conditional on what its answer expects (the adapter's condition)
        del self.pending[login.request_id]
        return found


class InMemoryResults:
    def __init__(self) -> None:
        self.results: dict[str, ResidentResult] = {}

    def add(self, token_hash: str, result: ResidentResult) -> None:
        self.results[token_hash] = result

    def get(self, token_hash: str, now: datetime) -> ResidentResult | None:
        found = self.results.get(token_hash)
        return found if found is not None and found.expires_at > now else None

    def remove(self, token_hash: str) -> None:
        self.results.pop(token_hash, None)

    def extend(self, token_hash: str, result: ResidentResult, new_expiry: datetime, now: datetime) -> bool:
        found = self.results.get(token_hash)
        if found is None or found.extensions != result.extensions or found.expires_at <= now:
            return False
        self.results[token_hash] = replace(found, expires_at=new_expiry, extensions=found.extensions + 1)
        return True


class InMemoryIdentifications:
    def __init__(self) -> None:
        self.counters: dict[int, int] = {}
        self.records: dict[str, Identification] = {}

    def next_case_number(self, year: int) -> CaseNumber:
        self.counters[year] = self.counters.get(year, 0) + 1
        return CaseNumber(year, self.counters[year])

    def add(self, identification: Identification) -> None:
        self.records[str(identification.zaak_number)] = identification

    def get(self, zaak_number: CaseNumber, now: datetime) -> Identification | None:
        found = self.records.get(str(zaak_number))
        return found if found is not None and found.expires_at > now else None


class RecordingAuditTrail:
    """``AuditTrail`` that keeps the events, for tests that read what a service recorded."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)

    def actions(self) -> list[str]:
        return [event.action.value for event in self.events]


class CountingMetrics:
    """``Metrics`` that keeps the counts by name."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] += value


# For tests that do not look at the trail or the counts (each test that does makes its own).
AUDIT = RecordingAuditTrail()
METRICS = CountingMetrics()
RESIDENTS = ResidentKey(HmacMacKey(b"p" * 32), "0999")
