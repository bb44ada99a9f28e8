"""Sessions function: officials create and read sessions and look flow A's cases up; residents read what their
start page and result page need. Each route parses, calls one service (its adapters bound in wiring.py), and maps
the result (runtime/views.py; the OpenAPI file is views.py's)."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from legitimatie.assurance import LevelOfAssurance
from legitimatie.clock import utc_now
from legitimatie.flow import Flow
from legitimatie.runtime.aws import warm_up
from legitimatie.runtime.cookies import expired_result_cookie, result_cookie
from legitimatie.runtime.http import RequestBody, current_official, json_response, new_resolver, parse_body
from legitimatie.runtime.observability import observed
from legitimatie.runtime.views import (
    created_session_body,
    identification_body,
    official_session_body,
    open_session_body,
    public_session_body,
    resident_view_body,
    result_body,
)
from legitimatie.sessions.services import official_session, open_sessions, parse_session_id, public_session
from sessions.views import openapi_file
from sessions.wiring import wiring

app = new_resolver()
warm_up("dynamodb")  # every route reads or writes the table (at INIT: legitimatie.runtime.aws)


class CreateSession(TypedDict):
    """The fields of ``CreateSessionRequest`` (request_models.py), which defines and validates the body."""

    flow: Literal["known_bsn", "handover"]
    bsn: str | None
    required_loa: str | None


CREATE_SESSION = RequestBody[CreateSession](__file__, "CreateSessionRequest")


@app.post("/api/sessions")
def create() -> Any:
    request, official, w = parse_body(app, CREATE_SESSION), current_official(app), wiring()
    loa = LevelOfAssurance.parse(request["required_loa"]) if request["required_loa"] else None
    session, ticket = w.create_session(Flow(request["flow"]), request["bsn"], loa, official, now=utc_now())
    return json_response(201, created_session_body(session, w.policy, ticket))


@app.get("/api/sessions")
def list_sessions() -> Any:
    """The official's own open sessions: a reload or a second tab finds them again (no BSN, no code)."""
    mine = open_sessions(current_official(app), sessions=wiring().sessions, now=utc_now())
    return json_response(200, {"sessions": [open_session_body(session, utc_now()) for session in mine]})


@app.get("/api/sessions/<session_id>")
def read_session(session_id: str) -> Any:
    w, official = wiring(), current_official(app)
    view = official_session(parse_session_id(session_id), official, sessions=w.sessions, cipher=w.cipher, now=utc_now())
    return json_response(200, official_session_body(view, w.policy))


@app.get("/api/public/sessions/<session_id>")
def read_public_session(session_id: str) -> Any:
    w = wiring()
    session = public_session(parse_session_id(session_id), sessions=w.sessions, now=utc_now())
    return json_response(200, public_session_body(session, w.policy))


@app.get("/api/public/result")
def read_result() -> Any:
    """The control code for the browser that just logged in: by its HttpOnly cookie, never by URL; and the
    outcome the page follows (waiting, identified, not_identified, locked, expired, cancelled). Once it has ended,
    the outcome alone."""
    w, cookie = wiring(), result_cookie(app.current_event.cookies)
    view = w.resident_result(cookie, now=utc_now())
    return json_response(200, resident_view_body(view))


@app.post("/api/public/result/extend")
def extend() -> Any:
    """WCAG 2.2.1: more time on the result page, while it is valid and waits for its outcome, a limited number of
    times."""
    result = wiring().extend_result(result_cookie(app.current_event.cookies), now=utc_now())
    return json_response(200, result_body(result))


@app.delete("/api/public/result")
def forget() -> Any:
    """Stoppen: the resident ends their part; the code is gone from this browser and from the store."""
    wiring().forget_result(result_cookie(app.current_event.cookies))
    return json_response(200, {"status": "stopped"}, cookies=[expired_result_cookie()])


@app.get("/api/identifications/<zaak_number>")
def read_identification(zaak_number: str) -> Any:
    w, now = wiring(), utc_now()
    identification, session, bsn = w.identification(zaak_number, current_official(app), now=now)
    return json_response(200, identification_body(identification, session, bsn, now, w.policy))


@app.get("/api/openapi.json")
def openapi_document() -> Any:
    """The HTTP contract as OpenAPI 3.0, published for API clients and the fuzz test (tests/security)."""
    return openapi_file()


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
