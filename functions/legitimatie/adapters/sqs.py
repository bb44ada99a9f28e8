"""``ProofQueue`` on SQS and the proof messages: what the queue carries is a reference to a committed proof record
(``queued_document_id`` reads it), never the request; the request is the record's ``message`` (``proof_message`` /
``proof_request``, JSON, the BSN at most sealed, never in clear).

Two senders, one consumer: the proofs function's own trigger on the table's stream (keys only) puts
``{"document_id": ...}`` on the queue for each new proof record, and the sweep puts the same for a record still
pending. A message of an earlier release (the request itself, ``v`` 1, sent by the close) is read by its document id
too: nothing queued at an upgrade is lost."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from ..assurance import LevelOfAssurance
from ..flow import Flow
from ..proofs.content import CodeCheck, ProofOutcome, ProofRequest
from .aws_errors import translated

__all__ = ["SqsProofQueue", "proof_message", "proof_request", "queued_document_id"]


class SqsProofQueue:
    """The proof queue for its two senders: the stream trigger's hand-over of a new proof record, and the sweep's
    way back for a record still pending. Both send the document id only."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, document_id: UUID) -> None:
        self.hand_over(document_id)

    def hand_over(self, document_id: UUID) -> None:
        with translated("SQS"):
            self._client.send_message(
                QueueUrl=self._queue_url,
                MessageBody=json.dumps({"document_id": str(document_id)}),
                MessageAttributes={"document_id": {"DataType": "String", "StringValue": str(document_id)}},
            )


def queued_document_id(body: str) -> UUID:
    """The document id a proof queue message refers to: ``{"document_id": ...}`` (the stream trigger, the sweep, and
    the request messages of an earlier release). Raises ``ValueError`` for anything else."""
    try:
        return UUID(json.loads(body)["document_id"])
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ValueError("not a proof queue message") from exc


def proof_message(request: ProofRequest) -> str:
    """The proof request as the outbox record keeps it (``message``): JSON, the BSN at most sealed, never in
    clear."""
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
    """An outbox record's ``message`` back into the request (those without ``outcome`` are from before it
    existed)."""
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
