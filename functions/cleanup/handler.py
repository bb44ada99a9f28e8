"""Cleanup function: Voltooien (complete) and cancel delete a session at once; a schedule sweeps expired records."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.clock import to_iso, utc_now
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.http import current_official, json_response, new_resolver
from legitimatie.runtime.observability import logger, metrics, observed
from legitimatie.runtime.settings import BaseSettings
from legitimatie.services import cancel_session, complete_session, parse_session_id, sweep_expired

app = new_resolver()


@cache
def store() -> DynamoDbSessionRepository:
    settings = BaseSettings.from_env(os.environ)
    return DynamoDbSessionRepository(aws_client("dynamodb"), settings.table_name)


@app.post("/api/sessions/<session_id>/complete")
def complete(session_id: str) -> Any:
    now = utc_now()
    session = complete_session(parse_session_id(session_id), current_official(app), sessions=store(), now=now)
    metrics.add_metric(name="SessionsCompleted", unit="Count", value=1)
    return json_response(200, {"id": str(session.id), "status": session.status.value, "completed_at": to_iso(now)})


@app.delete("/api/sessions/<session_id>")
def cancel(session_id: str) -> Any:
    now = utc_now()
    session = cancel_session(parse_session_id(session_id), current_official(app), sessions=store(), now=now)
    metrics.add_metric(name="SessionsCancelled", unit="Count", value=1)
    return json_response(200, {"id": str(session.id), "status": session.status.value, "cancelled_at": to_iso(now)})


def sweep() -> dict[str, Any]:
    deleted = sweep_expired(records=store(), now=utc_now())
    metrics.add_metric(name="ExpiredRecordsDeleted", unit="Count", value=deleted)
    logger.info("Expired records swept", extra={"deleted": deleted})
    return {"deleted": deleted}


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "routeKey" in event:  # HTTP API payload 2.0
        return app.resolve(event, context)
    return sweep()  # the schedule's event carries nothing we need
