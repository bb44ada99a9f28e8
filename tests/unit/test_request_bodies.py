"""A request body is defined by its pydantic model and validated at run time, without pydantic, by the core schema
generated from it (legitimatie.runtime.http.RequestBody, infrastructure/deploy/request_schemas.py): both must give
the same answer for every body, the same fields when they accept it and the same fields named when they refuse it.

The runtime side is the handlers' own RequestBody, reading the committed request_schemas.json.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from code_check.handler import CHECK, Check
from code_check.request_models import CheckRequest
from legitimatie.errors import InvalidInput
from legitimatie.runtime.http import RequestBody
from outcome.handler import COMPLETE, Complete
from outcome.request_models import CompleteRequest
from sessions.handler import CREATE_SESSION, CreateSession
from sessions.request_models import CreateSessionRequest

ROUTES: dict[str, tuple[type[BaseModel], RequestBody[Any], type]] = {
    "POST /api/sessions": (CreateSessionRequest, CREATE_SESSION, CreateSession),
    "POST /api/sessions/{id}/check": (CheckRequest, CHECK, Check),
    "POST /api/sessions/{id}/complete": (CompleteRequest, COMPLETE, Complete),
}

URL_OF_1000 = "https://" + "z" * 992

# (route, what the body is, the body): good and bad ones; the ids say what, never the values (no BSN in output).
BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST /api/sessions", "flow C", {"flow": "handover"}),
    ("POST /api/sessions", "flow B with a BSN", {"flow": "known_bsn", "bsn": "999993653"}),
    ("POST /api/sessions", "with a level", {"flow": "known_bsn", "bsn": "999993653", "required_loa": "hoog"}),
    ("POST /api/sessions", "explicit nulls", {"flow": "handover", "bsn": None, "required_loa": None}),
    ("POST /api/sessions", "empty", {}),
    ("POST /api/sessions", "unknown flow", {"flow": "walk_in"}),
    ("POST /api/sessions", "flow in capitals", {"flow": "HANDOVER"}),
    ("POST /api/sessions", "flow null", {"flow": None}),
    ("POST /api/sessions", "flow a list", {"flow": ["handover"]}),
    ("POST /api/sessions", "BSN a number", {"flow": "known_bsn", "bsn": 999993653}),
    ("POST /api/sessions", "BSN a boolean", {"flow": "known_bsn", "bsn": True}),
    ("POST /api/sessions", "level a number", {"flow": "handover", "required_loa": 3}),
    ("POST /api/sessions", "extra field", {"flow": "handover", "official": "someone else"}),
    ("POST /api/sessions", "two wrong, one extra", {"flow": 1, "bsn": [], "x": 1}),
    ("POST /api/sessions/{id}/check", "six digits", {"code": "358974"}),
    ("POST /api/sessions/{id}/check", "as read aloud", {"code": "358 974"}),
    ("POST /api/sessions/{id}/check", "empty code", {"code": ""}),
    ("POST /api/sessions/{id}/check", "no code", {}),
    ("POST /api/sessions/{id}/check", "code a number", {"code": 358974}),
    ("POST /api/sessions/{id}/check", "code a float", {"code": 358.974}),
    ("POST /api/sessions/{id}/check", "code null", {"code": None}),
    ("POST /api/sessions/{id}/check", "code an object", {"code": {"value": "358974"}}),
    ("POST /api/sessions/{id}/check", "extra field", {"code": "358974", "attempts_left": 3}),
    ("POST /api/sessions/{id}/complete", "identified", {"outcome": "identified"}),
    ("POST /api/sessions/{id}/complete", "with a reason", {"outcome": "not_identified", "reason": "geen beeld"}),
    ("POST /api/sessions/{id}/complete", "reason of 200", {"outcome": "not_identified", "reason": "x" * 200}),
    ("POST /api/sessions/{id}/complete", "reason of 201", {"outcome": "not_identified", "reason": "x" * 201}),
    ("POST /api/sessions/{id}/complete", "empty reason", {"outcome": "not_identified", "reason": ""}),
    ("POST /api/sessions/{id}/complete", "reason null", {"outcome": "not_identified", "reason": None}),
    ("POST /api/sessions/{id}/complete", "reason a number", {"outcome": "not_identified", "reason": 7}),
    ("POST /api/sessions/{id}/complete", "zaak url", {"outcome": "identified", "zaak_url": "https://zaken.nl/z/1"}),
    ("POST /api/sessions/{id}/complete", "zaak url of 1000", {"outcome": "identified", "zaak_url": URL_OF_1000}),
    ("POST /api/sessions/{id}/complete", "zaak url of 1001", {"outcome": "identified", "zaak_url": URL_OF_1000 + "z"}),
    (
        "POST /api/sessions/{id}/complete",
        "zaak url over http",
        {"outcome": "identified", "zaak_url": "http://zaken.nl/z/1"},
    ),
    (
        "POST /api/sessions/{id}/complete",
        "zaak url, a space",
        {"outcome": "identified", "zaak_url": "https://zaken.nl/ z"},
    ),
    (
        "POST /api/sessions/{id}/complete",
        "zaak url, newline",
        {"outcome": "identified", "zaak_url": "https://zaken.nl/z\n"},
    ),
    ("POST /api/sessions/{id}/complete", "zaak url only scheme", {"outcome": "identified", "zaak_url": "https://"}),
    ("POST /api/sessions/{id}/complete", "no outcome", {"reason": "geen beeld"}),
    ("POST /api/sessions/{id}/complete", "unknown outcome", {"outcome": "verified"}),
    ("POST /api/sessions/{id}/complete", "outcome a boolean", {"outcome": True}),
    ("POST /api/sessions/{id}/complete", "extra field", {"outcome": "identified", "status": "completed"}),
]


def _model_answer(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any] | str:
    """The fields the model accepts, or the message parse_body gives for its refusal (the fields it names)."""
    try:
        return model.model_validate(body).model_dump()
    except ValidationError as exc:
        where = ", ".join(".".join(str(p) for p in error["loc"]) or "body" for error in exc.errors())
        return f"The request has invalid or missing fields: {where}."


def _runtime_answer(schema: RequestBody[Any], body: dict[str, Any]) -> dict[str, Any] | str:
    try:
        return dict(schema.validate(body))
    except InvalidInput as exc:
        return exc.message


@pytest.mark.parametrize(
    ("route", "body"),
    [(route, body) for route, _what, body in BODIES],
    ids=[f"{route} {what}" for route, what, _body in BODIES],
)
def test_the_committed_schema_answers_a_body_as_its_model_does(route: str, body: dict[str, Any]) -> None:
    # Given the route's model and the validator the handler uses
    model, schema, _fields = ROUTES[route]
    # When both are given the same body
    expected, answer = _model_answer(model, body), _runtime_answer(schema, body)
    # Then they accept it with the same fields, or refuse it naming the same fields
    assert answer == expected


def test_the_table_has_good_and_bad_bodies_for_every_route() -> None:
    # a table of only refusals (or only acceptances) would let a schema that answers one way pass
    for route, (model, _schema, _fields) in ROUTES.items():
        answers = [_model_answer(model, body) for at, _what, body in BODIES if at == route]
        assert any(isinstance(answer, dict) for answer in answers), route
        assert sum(isinstance(answer, str) for answer in answers) >= 4, route


@pytest.mark.parametrize("route", list(ROUTES))
def test_the_handlers_fields_are_the_models_fields_with_the_same_types(route: str) -> None:
    # Given the TypedDict the handler reads the body as, and the model that defines the body
    model, _schema, fields = ROUTES[route]
    # Then they name the same fields with the same types
    assert typing.get_type_hints(fields) == {name: field.annotation for name, field in model.model_fields.items()}
