"""Sessions function: officials create and read sessions; residents read what their start page needs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.dynamodb_login import DynamoDbIdentifications, DynamoDbResidentResults
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.assurance import LevelOfAssurance
from legitimatie.audit import Pseudonyms
from legitimatie.clock import to_iso, utc_now
from legitimatie.flow import Flow
from legitimatie.login.model import MAX_RESULT_EXTENSIONS, ResidentResult, token_digest
from legitimatie.login.services import extend_result, identification_for_official, resident_result, result_token
from legitimatie.policy import ServicePolicy
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.cookies import expired_result_cookie, result_cookie
from legitimatie.runtime.http import Response, content_types, current_official, json_response, new_resolver, parse_body
from legitimatie.runtime.observability import audit_trail, counts, observed
from legitimatie.runtime.settings import KeySettings, StaffSettings
from legitimatie.runtime.views import official_session_body, open_session_body, public_session_body
from legitimatie.sessions.control_code import ControlCodes
from legitimatie.sessions.services import (
    create_session,
    official_session,
    open_sessions,
    parse_session_id,
    public_session,
)

app = new_resolver()


class CreateSessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    flow: Literal["known_bsn", "handover"]
    bsn: str | None = None
    required_loa: str | None = None


class Settings(KeySettings, StaffSettings):
    pass


@dataclass(frozen=True)
class Wiring:
    policy: ServicePolicy
    lookup_group: str
    sessions: DynamoDbSessionRepository
    codes: ControlCodes
    cipher: KmsBsnCipher
    results: DynamoDbResidentResults
    identifications: DynamoDbIdentifications
    pseudonyms: Pseudonyms


@cache
def wiring() -> Wiring:
    settings = Settings.from_env(os.environ)
    kms = aws_client("kms")
    dynamodb = aws_client("dynamodb")
    return Wiring(
        policy=settings.policy(),
        lookup_group=settings.staff_lookup_group,
        sessions=DynamoDbSessionRepository(dynamodb, settings.table_name),
        codes=ControlCodes(KmsMacKey(kms, settings.control_code_key_id), settings.gemeentecode),
        cipher=KmsBsnCipher(kms, settings.data_key_id),
        results=DynamoDbResidentResults(dynamodb, settings.table_name),
        identifications=DynamoDbIdentifications(dynamodb, settings.table_name),
        pseudonyms=Pseudonyms(KmsMacKey(kms, settings.pseudonym_key_id)),
    )


@app.post("/api/sessions")
def create() -> Any:
    request = parse_body(app, CreateSessionRequest)
    official = current_official(app)
    w = wiring()
    session = create_session(
        Flow(request.flow),
        request.bsn,
        LevelOfAssurance.parse(request.required_loa) if request.required_loa else None,
        official,
        policy=w.policy,
        sessions=w.sessions,
        codes=w.codes,
        pseudonyms=w.pseudonyms,
        audit=audit_trail,
        metrics=counts,
        now=utc_now(),
    )
    body = {
        "id": str(session.id),
        "flow": session.flow.value,
        "link": w.policy.resident_link(session.id),
        "expires_at": to_iso(session.expires_at),
        "required_loa": session.required_loa.label,
    }
    if session.official_code is not None:
        body["code"] = session.official_code
    return json_response(201, body)


@app.get("/api/sessions")
def list_sessions() -> Any:
    """The official's own open sessions: a reload or a second tab finds them again (no BSN, no code)."""
    w = wiring()
    mine = open_sessions(current_official(app), sessions=w.sessions, now=utc_now())
    return json_response(200, {"sessions": [open_session_body(session, utc_now()) for session in mine]})


@app.get("/api/sessions/<session_id>")
def read_session(session_id: str) -> Any:
    w = wiring()
    view = official_session(
        parse_session_id(session_id), current_official(app), sessions=w.sessions, cipher=w.cipher, now=utc_now()
    )
    return json_response(200, official_session_body(view, w.policy))


@app.get("/api/public/sessions/<session_id>")
def read_public_session(session_id: str) -> Any:
    w = wiring()
    session = public_session(parse_session_id(session_id), sessions=w.sessions, now=utc_now())
    return json_response(200, public_session_body(session, w.policy))


def _result_body(result: ResidentResult) -> dict[str, Any]:
    body: dict[str, Any] = {
        "flow": result.flow,
        "code": result.code,
        "expires_at": to_iso(result.expires_at),
        "can_extend": result.extensions < MAX_RESULT_EXTENSIONS
        and (result.limit_at is None or result.limit_at > result.expires_at),
    }
    for name in ("zaak_number", "official_name", "municipality"):
        value = getattr(result, name)
        if value is not None:
            body[name] = value
    return body


@app.get("/api/public/result")
def read_result() -> Any:
    """The control code for the browser that just logged in: by its HttpOnly cookie, never by URL; and the
    outcome the page follows (waiting, identified, not_identified, locked, expired, cancelled)."""
    w = wiring()
    view = resident_result(
        result_cookie(app.current_event.cookies), results=w.results, sessions=w.sessions, now=utc_now()
    )
    return json_response(200, {**_result_body(view.result), "outcome": view.outcome})


@app.post("/api/public/result/extend")
def extend() -> Any:
    """WCAG 2.2.1: more time on the result page, while it is valid, a limited number of times."""
    result = extend_result(result_cookie(app.current_event.cookies), results=wiring().results, now=utc_now())
    return json_response(200, _result_body(result))


@app.delete("/api/public/result")
def forget_result() -> Any:
    """Stoppen: the resident ends their part; the code is gone from this browser and from the store."""
    token = result_token(result_cookie(app.current_event.cookies))
    if token:
        wiring().results.remove(token_digest(token))
    return json_response(200, {"status": "stopped"}, cookies=[expired_result_cookie()])


@app.get("/api/identifications/<zaak_number>")
def read_identification(zaak_number: str) -> Any:
    w = wiring()
    official = current_official(app)
    identification, session, bsn = identification_for_official(
        zaak_number,
        official,
        w.lookup_group,
        identifications=w.identifications,
        sessions=w.sessions,
        cipher=w.cipher,
        audit=audit_trail,
        now=utc_now(),
    )
    # No code here: the official types the code the resident reads aloud (POST /api/sessions/{id}/check).
    body = {
        "zaak_number": str(identification.zaak_number),
        "session_id": str(session.id),
        "status": session.status_at(utc_now()).value,
        "bsn": bsn.digits,
        "login_at": to_iso(identification.login_at),
        "loa": identification.loa.label,
        "expires_at": to_iso(session.expires_at),
        "attempts_left": session.attempts_left,
    }
    return json_response(200, body)


_OPENAPI = Path(__file__).with_name("openapi.json")


@app.get("/api/openapi.json")
def openapi_document() -> Any:
    """The HTTP contract as OpenAPI 3.0, published for API clients and the fuzz test (tests/security)."""
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=_OPENAPI.read_text(encoding="utf-8"),
        headers={"Cache-Control": "public, max-age=300"},
    )


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
