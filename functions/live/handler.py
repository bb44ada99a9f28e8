"""Live function: tickets for the official's page (here), WebSocket ``$connect`` and pushes on the session stream
(events.py)."""

from __future__ import annotations

from typing import Any

from legitimatie.clock import to_iso, utc_now
from legitimatie.live.tickets import issue_ticket
from legitimatie.runtime.aws import warm_up
from legitimatie.runtime.http import current_official, json_response, new_resolver
from legitimatie.runtime.observability import observed
from legitimatie.sessions.model import parse_session_id

from .wiring import wiring

app = new_resolver()
warm_up("dynamodb")  # tickets, connections and pushes all read the table (at INIT: legitimatie.runtime.aws)


@app.post("/api/sessions/<session_id>/live")
def new_ticket(session_id: str) -> Any:
    """A ticket for one WebSocket connection to this session's live status (the browser cannot send the token
    there, and a token never goes into a URL)."""
    w = wiring()
    ticket = issue_ticket(
        parse_session_id(session_id), current_official(app), sessions=w.sessions, live=w.live, now=utc_now()
    )
    return json_response(201, {"ticket": ticket.value, "expires_at": to_iso(ticket.expires_at)})


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connecting = (event.get("requestContext") or {}).get("eventType") == "CONNECT"
    if connecting or "Records" in event:
        from . import events  # the socket's and the stream's events only (events.py says why)

        return events.connect(event) if connecting else events.stream(event)
    return app.resolve(event, context)


lambda_handler = observed(_handle)
