"""``ProofRecords`` and ``PendingProofs`` on the sessions' table: ``proof#<document id>``, expiring with the proof.

A pending record also carries ``outbox = "pending"``, the key of the sparse index ``PendingProofs`` (with
``created_at``): the sweep finds the few proofs whose queue message may have been lost without scanning the table,
and the first step that moves a record on removes the attribute, so the index holds the pending ones only."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ...clock import from_epoch, to_epoch
from ...errors import ProofNotFound
from ...flow import Flow
from ...proofs.model import ProofRecord, ProofStatus
from ...proofs.model import proof_key as s3_key_of
from ...proofs.ports import ProofRecords
from .codec import Item, Record, encode
from .table import NEW, ConditionFailed, Table, expiry, put

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["PENDING_INDEX", "PROOF_KEY_PREFIX", "DynamoDbProofOutbox", "DynamoDbProofRecords", "proof_item"]

PROOF_KEY_PREFIX = "proof#"  # the proof records' partition keys (the proofs function's stream trigger filters on it)
PENDING_INDEX = "PendingProofs"  # template.yaml: SessionTable's sparse index on (outbox, created_at)
PROOF_STEPS = ("sha256", "zaak_url", "rol_url", "document_url", "relation_url")
"""A proof's step results, each recorded once."""


def proof_key(document_id: UUID) -> str:
    return f"{PROOF_KEY_PREFIX}{document_id}"


def proof_item(record: ProofRecord) -> Item:
    """The stored form of a proof record (the outbox entry), with its TTL. A pending one also carries
    ``outbox = "pending"``, the key of the sparse index of pending proofs."""
    return encode(
        {
            "pk": proof_key(record.document_id),
            "kind": "proof",
            "reference": record.reference,
            "flow": record.flow.value if record.flow is not None else None,
            "status": record.status.value,
            "s3_key": record.s3_key,
            "created_at": to_epoch(record.created_at),
            **expiry(record.expires_at),
            "identified": record.identified,
            "outbox": ProofStatus.PENDING.value if record.status is ProofStatus.PENDING else None,
            "owner_id": record.owner_id or None,
            "message": record.message or None,
            "session_id": str(record.session_id) if record.session_id is not None else None,
            **{name: getattr(record, name) or None for name in PROOF_STEPS},
        }
    )


def proof_from_record(document_id: UUID, record: Record) -> ProofRecord:
    return ProofRecord(
        document_id=document_id,
        reference=record["reference"],
        flow=Flow(record["flow"]) if "flow" in record else None,
        status=ProofStatus(record["status"]),
        s3_key=record["s3_key"],
        created_at=from_epoch(record["created_at"]),
        expires_at=from_epoch(record["expires_at"]),
        owner_id=record.get("owner_id"),
        identified=record.get("identified", True),
        message=record.get("message"),
        session_id=UUID(record["session_id"]) if "session_id" in record else None,
        **{name: record.get(name) for name in PROOF_STEPS},
    )


class DynamoDbProofRecords:
    """Progress is written with ``if_not_exists``: a step's recorded result is never replaced by a retry."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = Table(client, table_name)

    def add(self, record: ProofRecord) -> None:
        self._table.commit([put(proof_item(record), NEW)], conflict="This proof exists already.")

    def get(self, document_id: UUID) -> ProofRecord | None:
        record = self._table.get(proof_key(document_id))
        return proof_from_record(document_id, record) if record else None

    def record_progress(self, document_id: UUID, status: ProofStatus | None = None, **urls: str) -> ProofRecord:
        unknown = set(urls) - set(PROOF_STEPS)
        if unknown:
            raise ValueError(f"not a proof step: {sorted(unknown)}")
        sets, names, values = [], {}, {}
        for index, (name, value) in enumerate(sorted(urls.items())):
            sets.append(f"#a{index} = if_not_exists(#a{index}, :v{index})")
            names[f"#a{index}"] = name
            values[f":v{index}"] = value
        condition = "attribute_exists(pk)"
        if status is not None:
            sets.append("#status = :status")
            names["#status"] = "status"
            values[":status"] = status.value
            values[":delivered"] = ProofStatus.DELIVERED.value
            # A delivered proof stays delivered, whatever a late duplicate attempt reports.
            condition += " AND #status <> :delivered"
        # Moved on from pending: out of the sparse index, so the sweep no longer sends it again.
        remove = " REMOVE outbox" if status not in (None, ProofStatus.PENDING) else ""
        try:
            stored = self._table.update(
                proof_key(document_id),
                "SET " + ", ".join(sets) + remove,
                condition=condition,
                names=names,
                values=values,
                returns="ALL_NEW",
            )
        except ConditionFailed as refused:
            current = self.get(document_id)
            if current is None:
                raise ProofNotFound("There is no proof with this id.") from refused
            return current
        return proof_from_record(document_id, stored)

    def pending(self, *, created_before: datetime, now: datetime, limit: int) -> list[UUID]:
        """The document ids of the unexpired proofs still pending that were handed over before ``created_before``,
        oldest first, at most ``limit``: a Query on the sparse index (eventually consistent; a record delivered
        meanwhile is sent once more, which delivery ignores). Those whose request is not gathered yet too: delivery
        gathers it first."""
        found = self._table.query(
            PENDING_INDEX,
            "#outbox = :pending AND #created <= :before",
            {":pending": ProofStatus.PENDING.value, ":before": to_epoch(created_before), ":now": to_epoch(now)},
            condition="#expires > :now",
            names={"#outbox": "outbox", "#created": "created_at", "#expires": "expires_at"},
            projection="pk",
            page_size=limit,
        )
        return [UUID(record["pk"].removeprefix(PROOF_KEY_PREFIX)) for record in islice(found, limit)]


class DynamoDbProofOutbox:
    """``ProofOutbox``: the pending record the close writes with the session's end state. Its commit is the
    hand-over (the proofs function's trigger on the table's stream forwards it to the proof queue): nothing to send."""

    def __init__(self, records: ProofRecords, retention: timedelta) -> None:
        self._records = records
        self._retention = retention

    def closing_record(
        self,
        document_id: UUID,
        session_id: UUID,
        *,
        identified: bool,
        owner_id: str,
        zaak_url: str | None,
        now: datetime,
    ) -> ProofRecord:
        return ProofRecord(
            document_id=document_id,
            reference=str(session_id),
            flow=None,
            status=ProofStatus.PENDING,
            s3_key=s3_key_of(document_id, now),
            created_at=now,
            expires_at=now + self._retention,
            owner_id=owner_id,
            zaak_url=zaak_url,
            identified=identified,
            session_id=session_id,
        )

    def get(self, document_id: UUID) -> ProofRecord | None:
        return self._records.get(document_id)
