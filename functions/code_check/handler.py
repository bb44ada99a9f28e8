"""Code check function: the official types the control code the resident read aloud.

The right code (and, in flow B, the right BSN at DigiD) makes the session ``verified``; the official then closes
it, which makes the proof (outcome function). The answer tells whether the BSN matched only now, after the
official typed a code.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any, TypedDict

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.clock import utc_now
from legitimatie.runtime.aws import aws_client, warm_up
from legitimatie.runtime.http import RequestBody, current_official, json_response, new_resolver, parse_body
from legitimatie.runtime.observability import audit_trail, counts, observed
from legitimatie.runtime.settings import BaseSettings
from legitimatie.sessions.services import check_control_code, parse_session_id

app = new_resolver()
warm_up("dynamodb")  # the check reads and writes the session (at INIT: legitimatie.runtime.aws)


class Check(TypedDict):
    """The fields of ``CheckRequest`` (request_models.py), which defines and validates the body."""

    code: str


CHECK = RequestBody[Check](__file__, "CheckRequest")


@cache
def sessions() -> DynamoDbSessionRepository:
    settings = BaseSettings.from_env(os.environ)
    return DynamoDbSessionRepository(aws_client("dynamodb"), settings.table_name)


@app.post("/api/sessions/<session_id>/check")
def check(session_id: str) -> Any:
    request = parse_body(app, CHECK)
    code = request["code"].replace(" ", "")  # residents read "358 974"; officials may type it that way
    official = current_official(app)
    outcome = check_control_code(
        parse_session_id(session_id),
        code,
        official,
        sessions=sessions(),
        audit=audit_trail,
        metrics=counts,
        now=utc_now(),
    )
    body: dict[str, Any] = {
        "match": outcome.match,
        "attempts_left": outcome.attempts_left,
        "status": outcome.status.value,
    }
    if outcome.bsn_match is not None:
        body["bsn_match"] = outcome.bsn_match
    return json_response(200, body)


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
