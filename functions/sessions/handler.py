"""Sessions function: officials create and read sessions; residents read what their start page needs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.clock import to_iso, utc_now
from legitimatie.control_code import ControlCodes
from legitimatie.errors import InvalidInput
from legitimatie.policy import ServicePolicy
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.http import current_official, json_response, new_resolver, parse_body
from legitimatie.runtime.observability import metrics, observed
from legitimatie.runtime.settings import KeySettings
from legitimatie.runtime.views import official_session_body, public_session_body
from legitimatie.services import (
    create_handover_session,
    create_known_bsn_session,
    official_session,
    parse_session_id,
    public_session,
)

app = new_resolver()


class CreateSessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    flow: Literal["known_bsn", "handover"]
    bsn: str | None = None
    required_loa: str | None = None


@dataclass(frozen=True)
class Wiring:
    policy: ServicePolicy
    sessions: DynamoDbSessionRepository
    codes: ControlCodes
    cipher: KmsBsnCipher


@cache
def wiring() -> Wiring:
    settings = KeySettings.from_env(os.environ)
    kms = aws_client("kms")
    return Wiring(
        policy=settings.policy(),
        sessions=DynamoDbSessionRepository(aws_client("dynamodb"), settings.table_name),
        codes=ControlCodes(KmsMacKey(kms, settings.control_code_key_id), settings.gemeentecode),
        cipher=KmsBsnCipher(kms, settings.data_key_id),
    )


@app.post("/api/sessions")
def create_session() -> Any:
    request = parse_body(app, CreateSessionRequest)
    official = current_official(app)
    w = wiring()
    requested_loa = LevelOfAssurance.parse(request.required_loa) if request.required_loa else None
    if request.flow == "known_bsn":
        if request.bsn is None:
            raise InvalidInput("A known_bsn session needs the resident's BSN.")
        bsn = Bsn(request.bsn)
        session = create_known_bsn_session(
            bsn, requested_loa, official, policy=w.policy, sessions=w.sessions, codes=w.codes, now=utc_now()
        )
    else:
        if request.bsn is not None:
            raise InvalidInput("A handover session takes no BSN: the resident's DigiD login provides it.")
        session = create_handover_session(requested_loa, official, policy=w.policy, sessions=w.sessions, now=utc_now())
    metrics.add_metric(name="SessionsCreated", unit="Count", value=1)
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


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
