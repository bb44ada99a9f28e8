"""Code check function: the official types the control code the resident read aloud.

The right code completes the identification (flows B and C): its proof is handed to the proof outbox within the
check (see ``check_control_code``), so a session that expires without Voltooien has its proof all the same.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.audit import AuditAction, AuditEvent, Outcome
from legitimatie.clock import utc_now
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.http import current_official, json_response, new_resolver, parse_body
from legitimatie.runtime.observability import audit_trail, metrics, observed
from legitimatie.runtime.proof_settings import completion_outbox
from legitimatie.runtime.settings import BaseSettings
from legitimatie.services import check_control_code, parse_session_id
from legitimatie.session import Status

app = new_resolver()


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    # An existing zaak in the case system (zgw mode) the proof of a matching code is attached to; optional.
    zaak_url: str | None = Field(default=None, pattern=r"^https://\S+$", max_length=1000)


@cache
def sessions() -> DynamoDbSessionRepository:
    settings = BaseSettings.from_env(os.environ)
    return DynamoDbSessionRepository(aws_client("dynamodb"), settings.table_name)


@app.post("/api/sessions/<session_id>/check")
def check(session_id: str) -> Any:
    request = parse_body(app, CheckRequest)
    code = request.code.replace(" ", "")  # residents read "358 974"; officials may type it that way
    official = current_official(app)
    outbox, municipality = completion_outbox()
    outcome, proof = check_control_code(
        parse_session_id(session_id),
        code,
        official,
        request.zaak_url,
        sessions=sessions(),
        proofs=outbox,
        municipality=municipality,
        now=utc_now(),
    )
    metrics.add_metric(name="CodeMatches" if outcome.match else "CodeMismatches", unit="Count", value=1)
    audit_trail.record(
        AuditEvent(
            action=AuditAction.CODE_CHECKED,
            outcome=Outcome.SUCCESS if outcome.match else Outcome.FAILURE,
            official=official.id,
            session_id=session_id,
            reason=None if outcome.match else "code_mismatch",
        )
    )
    if outcome.status is Status.LOCKED:
        metrics.add_metric(name="SessionsLocked", unit="Count", value=1)
        audit_trail.record(
            AuditEvent(
                action=AuditAction.SESSION_LOCKED,
                official=official.id,
                session_id=session_id,
                reason="too_many_wrong_codes",
            )
        )
    body: dict[str, Any] = {
        "match": outcome.match,
        "attempts_left": outcome.attempts_left,
        "status": outcome.status.value,
    }
    if proof is not None:
        body["proof"] = {"document_id": str(proof.document_id), "status": proof.status.value}
    return json_response(200, body)


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
