"""Cleanup function: the official closes a session (identified or not) or cancels it; a schedule sweeps expired
records and queues again every proof whose queue message may have been lost (still pending minutes after its
hand-over).

Closing is idempotent (a tombstone without personal data answers a retried close; see services).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.dynamodb_proofs import DynamoDbProofRecords
from legitimatie.adapters.sqs import SqsProofQueue
from legitimatie.clock import to_iso, utc_now
from legitimatie.proofs.services import resend_pending
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.http import current_official, json_response, new_resolver, parse_body
from legitimatie.runtime.observability import audit_trail, counts, logger, observed
from legitimatie.runtime.proof_settings import ProofOutboxSettings, completion_outbox
from legitimatie.runtime.settings import BaseSettings
from legitimatie.sessions.model import Outcome
from legitimatie.sessions.services import cancel_session, close_session, parse_session_id, sweep_expired

app = new_resolver()


@cache
def store() -> DynamoDbSessionRepository:
    settings = BaseSettings.from_env(os.environ)
    return DynamoDbSessionRepository(aws_client("dynamodb"), settings.table_name)


@cache
def pending_proofs() -> tuple[DynamoDbProofRecords, SqsProofQueue]:
    settings = ProofOutboxSettings.from_env(os.environ)
    return DynamoDbProofRecords(aws_client("dynamodb"), settings.table_name), SqsProofQueue(
        aws_client("sqs"), settings.proof_queue_url
    )


class CompleteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Literal["identified", "not_identified"]
    # not_identified: a short reason, printed on the proof (no BSN: the official types free text, so keep it
    # short and say so on the page).
    reason: str | None = Field(default=None, min_length=1, max_length=200)
    # An existing zaak in the case system (zgw mode) the proof is attached to; optional.
    zaak_url: str | None = Field(default=None, pattern=r"^https://\S+$", max_length=1000)


@app.post("/api/sessions/<session_id>/complete")
def complete(session_id: str) -> Any:
    now, official = utc_now(), current_official(app)
    request = parse_body(app, CompleteRequest)
    outbox, municipality = completion_outbox()
    session, proof = close_session(
        parse_session_id(session_id),
        official,
        Outcome(request.outcome),
        reason=request.reason,
        zaak_url=request.zaak_url,
        sessions=store(),
        proofs=outbox,
        municipality=municipality,
        audit=audit_trail,
        metrics=counts,
        now=now,
    )
    body: dict[str, Any] = {"id": str(session.id), "status": session.status.value, "completed_at": to_iso(now)}
    if session.outcome_reason:
        body["reason"] = session.outcome_reason
    if proof is not None:
        body["proof"] = {
            "document_id": str(proof.document_id),
            "status": proof.status.value,
            "outcome": "identified" if proof.identified else "not_identified",
        }
    return json_response(200, body)


@app.delete("/api/sessions/<session_id>")
def cancel(session_id: str) -> Any:
    now, official = utc_now(), current_official(app)
    session = cancel_session(
        parse_session_id(session_id), official, sessions=store(), audit=audit_trail, metrics=counts, now=now
    )
    return json_response(200, {"id": str(session.id), "status": session.status.value, "cancelled_at": to_iso(now)})


def sweep() -> dict[str, Any]:
    now = utc_now()
    deleted = sweep_expired(records=store(), audit=audit_trail, metrics=counts, now=now)
    logger.info("Expired records swept", extra={"deleted": deleted})
    records, queue = pending_proofs()
    resent = resend_pending(records=records, queue=queue, metrics=counts, now=now)
    if resent:  # a queue message did not follow its commit: worth a look (document ids only, no personal data)
        logger.warning(
            "Pending proofs queued again", extra={"resent": len(resent), "document_ids": [str(d) for d in resent]}
        )
    return {"deleted": deleted, "resent": len(resent)}


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "routeKey" in event:  # HTTP API payload 2.0
        return app.resolve(event, context)
    return sweep()  # the schedule's event carries nothing we need
