"""``SessionRepository`` and ``ExpiredRecords`` on the service's table (key ``pk``, every item with ``expires_at``
and a TTL). Expiry is decided by the core at every read; the ``ttl`` attribute only lets DynamoDB tidy up late."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ...clock import to_epoch
from ...sessions.model import LIVE_STATES, Flow, Official, Outcome, ResidentEvent, Session, Status
from ...sessions.ports import RefusedWrite
from ..backoff import Sleep
from .items import (
    pending_login_condition,
    pending_login_key,
    result_item,
    session_from_record,
    session_key,
    session_to_item,
)
from .table import NEW, ConditionFailed, Table, Write, delete, put, update

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from ...live.model import LiveTicket
    from ...login.digid_model import ResultGrant, TakenLogin
    from ...proofs.content import ProofRequest
    from ...proofs.model import ProofRecord
    from .codec import Record
else:
    DynamoDBClient = Any

__all__ = ["DynamoDbSessionRepository"]


class DynamoDbSessionRepository:
    """``SessionRepository`` and ``ExpiredRecords`` on the service's table."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, sleep: Sleep = time.sleep) -> None:
        self._client = client
        self._table = Table(client, table_name, sleep=sleep)  # sleep: the sweep's back-off (tests pass their own)

    def add(
        self,
        session: Session,
        *,
        result: ResultGrant | None = None,
        taking: TakenLogin | None = None,
        live_ticket: LiveTicket | None = None,
    ) -> None:
        """A new session; with a login's result, the use of its pending login and the official's first live ticket
        (on the session's live record), one transaction (one call). Flow A's session id follows from its case number,
        so the session's own condition (a new key) also keeps a case number to one session."""
        writes: list[Write] = [put(session_to_item(session), NEW)]
        if live_ticket is not None:
            if live_ticket.session_id != session.id:
                raise ValueError("a live ticket is written with the session it names")
            from .live import ticket_item  # a create's only: the functions that check or close load no live records

            writes.append(put(ticket_item(live_ticket, session.official.id, session.expires_at), NEW))
        if result is not None:
            writes.append(put(result_item(result.token_hash, result.result), NEW))
        if taking is not None:
            if taking.login.session_id is not None:
                raise ValueError("a new session cannot use up a pending login of another session")
            writes.append(_take_pending(taking))
        self._table.commit(writes, conflict="A session with this id exists already.")

    def get(self, session_id: UUID) -> Session | None:
        record = self._table.get(session_key(session_id))
        if record is None or record.get("kind") != "session":
            return None
        return session_from_record(record)

    def replace(
        self,
        session: Session,
        *,
        expected_status: Status,
        expected_attempts_left: int,
        result: ResultGrant | None = None,
        taking: TakenLogin | None = None,
    ) -> None:
        """One transaction: the session (only if the stored one still has that status, attempt count and owner,
        and, when the write records a login, still holds that pending login in time: the Put leaves it out, so it
        is used up by this very write), and a login's result for the resident's browser. All of it commits, or
        nothing does. A check or a claim is one conditional Put (half the units of a transaction)."""
        condition = "#status = :status AND attempts_left = :attempts"
        values: dict[str, object] = {":status": expected_status.value, ":attempts": expected_attempts_left}
        if session.official.id:  # a claimed session stays with its official; an unclaimed one is claimed once
            condition += " AND (attribute_not_exists(official_id) OR official_id = :owner)"
            values[":owner"] = session.official.id
        if taking is not None and taking.login.session_id == session.id:
            condition += " AND pending_request_id = :request AND pending_expires_at > :now"
            values[":request"] = taking.login.request_id
            values[":now"] = to_epoch(taking.at)
        writes: list[Write] = [put(session_to_item(session), condition, values, {"#status": "status"})]
        if result is not None:
            writes.append(put(result_item(result.token_hash, result.result), NEW))
        if taking is not None and taking.login.session_id != session.id:
            writes.append(_take_pending(taking))
        self._table.commit(writes, conflict="The session was changed at the same time; please try again.")

    def verify(self, session_id: UUID, official_id: str, given_code: str, now: datetime) -> Session | RefusedWrite:
        """``Session.with_check``'s success as a condition (tests/integration/test_one_write_steps.py compares the
        two over every kind of session), and its change as the update: one UpdateItem, no read before it. A refused
        one answers with the item as the condition found it (``ReturnValuesOnConditionCheckFailure``): a wrong code
        is told and counted without a second read."""
        try:
            record = self._table.update(
                session_key(session_id),
                "SET #status = :verified, verified_at = :at",
                condition="kind = :session AND official_id = :official AND #status = :logged_in AND expires_at > :at "
                "AND ((flow = :known_bsn AND official_code = :code AND code_match = :yes) "
                "OR (flow <> :known_bsn AND resident_code = :code))",
                names={"#status": "status"},
                values={
                    ":verified": Status.VERIFIED.value,
                    ":logged_in": Status.LOGGED_IN.value,
                    ":session": "session",
                    ":official": official_id,
                    ":known_bsn": Flow.KNOWN_BSN.value,
                    ":code": given_code,
                    ":yes": True,
                    ":at": to_epoch(now),
                },
                returns="ALL_NEW",
                found_when_refused=True,
            )
        except ConditionFailed as refused:
            return _refused(refused.found)
        return session_from_record(record)

    def close(
        self,
        session_id: UUID,
        official_id: str,
        outcome: Outcome,
        reason: str | None,
        proof: ProofRecord,
        now: datetime,
    ) -> RefusedWrite | None:
        """``Session.closed``'s acceptance of a logged-in session as a condition (tests/integration/
        test_one_write_steps.py compares the two over every kind of session), its change as the update, and the
        proof's pending record: one TransactWriteItems, no read before it. The item keeps the login's facts and
        lives (``ttl``, and ``proof_facts_until`` for the sweep) until the proof expires: nothing accepted is lost
        before its facts are gathered (``hand_over_facts``). A refused condition returns the item as it found it."""
        values: dict[str, object] = {
            ":official": official_id,
            ":now": to_epoch(now),
            ":document": str(proof.document_id),
            ":keep": to_epoch(proof.expires_at),
        }
        sets = "#status = :end, proof_document_id = :document, #ttl = :keep, proof_facts_until = :keep"
        # Only sessions live under a session's key: the owner is enough to say it is one.
        condition = "official_id = :official AND expires_at > :now AND attribute_exists(login_at) "
        if outcome is Outcome.IDENTIFIED:  # only from verified; flow B only when DigiD's BSN made the official's code
            condition += "AND #status = :verified AND (flow <> :known_bsn OR code_match = :yes)"
            values |= {":end": Status.COMPLETED.value, ":known_bsn": Flow.KNOWN_BSN.value, ":yes": True}
            expression = f"SET {sets}"
        else:  # from any live state with a login: logged in or verified (created has none: the service's way)
            condition += "AND #status IN (:logged_in, :verified)"
            values |= {":end": Status.NOT_IDENTIFIED.value, ":logged_in": Status.LOGGED_IN.value}
            if reason is not None:
                values[":reason"] = reason
                expression = f"SET {sets}, outcome_reason = :reason"
            else:
                expression = f"SET {sets} REMOVE outcome_reason"
        values[":verified"] = Status.VERIFIED.value
        names = {"#status": "status", "#ttl": "ttl"}
        from .proofs import proof_item  # the proofs modules only where a proof is written (cold starts, issue 13)

        writes = [update(session_key(session_id), expression, condition, values, names), put(proof_item(proof), NEW)]
        try:
            self._table.commit(writes, conflict="The session was changed at the same time; please try again.")
        except ConditionFailed as failed:
            refused, record = failed.refused_record(0)
            if not refused:  # cancelled for another reason (a write at the same time): try again
                raise
            return _refused(record)
        return None

    def closed_with_facts(self, session_id: UUID, document_id: UUID, now: datetime) -> Session | None:
        record = self._table.get(session_key(session_id))
        if record is None or record.get("kind") != "session" or record.get("proof_document_id") != str(document_id):
            return None
        if record.get("proof_facts_until", 0) <= to_epoch(now):
            return None  # stripped already, or past the proof's expiry
        return session_from_record(record)

    def hand_over_facts(self, tombstone: Session, proof: ProofRecord, request: ProofRequest) -> bool:
        """The session's Put drops the facts and ``proof_facts_until`` and gives the tombstone its own expiry back."""
        from ..sqs import proof_message
        from .proofs import proof_key

        writes: list[Write] = [
            update(
                proof_key(proof.document_id),
                "SET #message = :message, #flow = :flow, #reference = :reference",
                "attribute_exists(pk) AND attribute_not_exists(#message)",
                {":message": proof_message(request), ":flow": request.flow.value, ":reference": request.reference},
                {"#message": "message", "#flow": "flow", "#reference": "reference"},
            ),
            put(
                session_to_item(tombstone),
                "#status = :status AND proof_document_id = :document AND attribute_exists(proof_facts_until)",
                {":status": tombstone.status.value, ":document": str(proof.document_id)},
                {"#status": "status"},
            ),
        ]
        try:
            self._table.commit(writes)
        except ConditionFailed:
            return False
        return True

    def claim(self, session_id: UUID, official: Official, now: datetime) -> Session | None:
        live = {f":live{index}": status.value for index, status in enumerate(sorted(LIVE_STATES))}
        try:
            record = self._table.update(
                session_key(session_id),
                "SET official_id = :official, official_name = :name",
                condition="kind = :session AND (attribute_not_exists(official_id) OR official_id = :official) "
                f"AND #status IN ({', '.join(live)}) AND expires_at > :now",
                names={"#status": "status"},
                values={
                    ":official": official.id,
                    ":name": official.name,
                    ":session": "session",
                    ":now": to_epoch(now),
                    **live,
                },
                returns="ALL_NEW",
            )
        except ConditionFailed:
            return None
        return session_from_record(record)

    def note_resident_event(self, session_id: UUID, event: ResidentEvent, now: datetime) -> None:
        """Record what happened at DigiD on a session that is still waiting for its login (created, live)."""
        try:
            self._table.update(
                session_key(session_id),
                "SET resident_event = :event",
                condition="#status = :created AND expires_at > :now",
                names={"#status": "status"},
                values={":event": event.value, ":created": Status.CREATED.value, ":now": to_epoch(now)},
            )
        except ConditionFailed:
            return  # logged in, ended or expired meanwhile: nothing to tell

    def owned_by(self, official_id: str) -> list[Session]:
        """Every session item of this official, whatever its status (the caller filters by status and expiry).

        A scan: the table holds minutes of data (every item expires within the session lifetime)."""
        found = self._table.scan(
            "kind = :kind AND official_id = :owner", {":kind": "session", ":owner": official_id}, consistent=True
        )
        return [session_from_record(record) for record in found]

    def delete_expired(self, now: datetime) -> int:
        """Scan for items past ``expires_at`` and delete them in batches (the table stays small: minutes of data)."""
        # A closed session whose proof's facts are not gathered yet stays until they are (or the proof expires).
        expired = self._table.scan(
            "expires_at <= :now AND (attribute_not_exists(proof_facts_until) OR proof_facts_until <= :now)",
            {":now": to_epoch(now)},
            projection="pk",
        )
        return self._table.delete_many([record["pk"] for record in expired])


def _refused(found: Record | None) -> RefusedWrite:
    """A refused write's answer: the session its condition found under the key (None: no session there)."""
    return RefusedWrite(
        stored=session_from_record(found) if found is not None and found.get("kind") == "session" else None
    )


def _take_pending(taking: TakenLogin) -> Write:
    """A transaction's deletion of a pending login of its own (flow A): only if it is still there, in time, and
    what its answer expects (``pending_login_condition``)."""
    condition, values = pending_login_condition(taking.login, taking.at)
    return delete(pending_login_key(taking.login.request_id), condition, values)
