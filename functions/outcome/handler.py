"""Outcome function: the official closes a session - Voltooien, identified or not, with its one proof - or cancels
it. On its schedule it runs the sweep of expired records (sweep.py).

Closing is one conditional write, no read before it, and idempotent (a retried close finds the session closed and
answers the same proof; see sessions.services).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from legitimatie.clock import to_iso, utc_now
from legitimatie.runtime.aws import warm_up
from legitimatie.runtime.http import RequestBody, current_official, json_response, new_resolver, parse_body
from legitimatie.runtime.observability import audit_trail, counts, observed
from legitimatie.runtime.proof_settings import completion_outbox
from legitimatie.runtime.views import closed_session_body
from legitimatie.sessions.model import Outcome
from legitimatie.sessions.services import cancel_session, close_session, parse_session_id
from outcome.store import store

__all__ = ["app", "lambda_handler"]

app = new_resolver()
warm_up("dynamodb")  # every route writes the session (at INIT: legitimatie.runtime.aws)


class Complete(TypedDict):
    """The fields of ``CompleteRequest`` (request_models.py), which defines and validates the body: a reason of
    1-200 characters, an https ``zaak_url``."""

    outcome: Literal["identified", "not_identified"]
    reason: str | None
    zaak_url: str | None


COMPLETE = RequestBody[Complete](__file__, "CompleteRequest")


@app.post("/api/sessions/<session_id>/complete")
def complete(session_id: str) -> Any:
    now, official = utc_now(), current_official(app)
    request = parse_body(app, COMPLETE)
    closed, proof = close_session(
        parse_session_id(session_id),
        official,
        Outcome(request["outcome"]),
        reason=request["reason"],
        zaak_url=request["zaak_url"],
        sessions=store(),
        proofs=completion_outbox(),
        audit=audit_trail,
        metrics=counts,
        now=now,
    )
    return json_response(200, closed_session_body(closed, proof, now))


@app.delete("/api/sessions/<session_id>")
def cancel(session_id: str) -> Any:
    now, official = utc_now(), current_official(app)
    session = cancel_session(
        parse_session_id(session_id), official, sessions=store(), audit=audit_trail, metrics=counts, now=now
    )
    return json_response(200, {"id": str(session.id), "status": session.status.value, "cancelled_at": to_iso(now)})


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "routeKey" in event:  # HTTP API payload 2.0
        return app.resolve(event, context)
    from outcome.sweep import sweep  # the schedule's path only (sweep.py says why)

    return sweep()  # the schedule's event carries nothing we need
