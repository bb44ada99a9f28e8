"""``ProofQueue`` on SQS, the queue message's JSON codec, and ``QueuedProofs`` (the ``ProofOutbox`` on the proof
records and the queue). The message body is the proof request: the BSN at most sealed, never in clear."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ..assurance import LevelOfAssurance
from ..flow import Flow
from ..proofs.model import CodeCheck, ProofOutcome, ProofRecord, ProofRequest, ProofStatus, proof_key
from ..proofs.ports import ProofQueue, ProofRecords
from .aws_errors import translated

__all__ = ["QueuedProofs", "SqsProofQueue", "proof_message", "proof_request"]


class SqsProofQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, request: ProofRequest) -> None:
        with translated("SQS"):
            self._client.send_message(
                QueueUrl=self._queue_url,
                MessageBody=proof_message(request),
                MessageAttributes={"document_id": {"DataType": "String", "StringValue": str(request.document_id)}},
            )


class QueuedProofs:
    """``ProofOutbox``: the pending record (written with the session's end state), then the queue message."""

    def __init__(self, records: ProofRecords, queue: ProofQueue, retention: timedelta) -> None:
        self._records = records
        self._queue = queue
        self._retention = retention

    def record_of(self, request: ProofRequest, owner_id: str | None) -> ProofRecord:
        return ProofRecord(
            document_id=request.document_id,
            reference=request.reference,
            flow=request.flow,
            status=ProofStatus.PENDING,
            s3_key=proof_key(request.document_id, request.created_at),
            created_at=request.created_at,
            expires_at=request.created_at + self._retention,
            owner_id=owner_id,
            zaak_url=request.zaak_url,
            identified=request.identified,
            message=proof_message(request),
        )

    def send(self, request: ProofRequest) -> None:
        self._queue.send(request)

    def send_again(self, record: ProofRecord) -> None:
        if record.message:
            self._queue.send(proof_request(record.message))

    def get(self, document_id: UUID) -> ProofRecord | None:
        return self._records.get(document_id)


def proof_message(request: ProofRequest) -> str:
    """The queue message (and the outbox record's copy of it): JSON, the BSN at most sealed, never in clear."""
    body: dict[str, Any] = {
        "v": 1,
        "document_id": str(request.document_id),
        "flow": request.flow,
        "municipality": request.municipality,
        "created_at": request.created_at.isoformat(),
        "login_at": request.login_at.isoformat(),
        "loa": int(request.loa),
        "code_check": request.code_check.value,
        "outcome": request.outcome.value,
    }
    optional = {
        "reason": request.reason,
        "control_code": request.control_code,
        "checked_at": request.checked_at.isoformat() if request.checked_at else None,
        "zaak_number": request.zaak_number,
        "session_id": str(request.session_id) if request.session_id else None,
        "official_id": request.official_id,
        "official_name": request.official_name,
        "zaak_url": request.zaak_url,
        "sealed_bsn": base64.b64encode(request.sealed_bsn).decode() if request.sealed_bsn else None,
        "bsn_context": request.bsn_context or None,
        "digid_assertion_id": request.digid_assertion_id,
        "digid_authn_instant": request.digid_authn_instant.isoformat() if request.digid_authn_instant else None,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return json.dumps(body, separators=(",", ":"), sort_keys=True)


def proof_request(raw: str) -> ProofRequest:
    """A queue message back into the request (messages without ``outcome`` are from before it existed)."""
    body = json.loads(raw)
    return ProofRequest(
        document_id=UUID(body["document_id"]),
        flow=Flow(body["flow"]),
        municipality=body["municipality"],
        created_at=datetime.fromisoformat(body["created_at"]),
        login_at=datetime.fromisoformat(body["login_at"]),
        loa=LevelOfAssurance(int(body["loa"])),
        code_check=CodeCheck(body["code_check"]),
        outcome=ProofOutcome(body.get("outcome", ProofOutcome.IDENTIFIED.value)),
        reason=body.get("reason"),
        control_code=body.get("control_code"),
        checked_at=datetime.fromisoformat(body["checked_at"]) if body.get("checked_at") else None,
        zaak_number=body.get("zaak_number"),
        session_id=UUID(body["session_id"]) if body.get("session_id") else None,
        official_id=body.get("official_id"),
        official_name=body.get("official_name"),
        zaak_url=body.get("zaak_url"),
        sealed_bsn=base64.b64decode(body["sealed_bsn"]) if body.get("sealed_bsn") else None,
        bsn_context=dict(body.get("bsn_context") or {}),
        digid_assertion_id=body.get("digid_assertion_id"),
        digid_authn_instant=(
            datetime.fromisoformat(body["digid_authn_instant"]) if body.get("digid_authn_instant") else None
        ),
    )
