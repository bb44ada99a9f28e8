"""The API functions' resolver (legitimatie/runtime/resolver.py) answers as Powertools' APIGatewayHttpResolver did.

The handlers' own answers are pinned by tests/integration and the API fuzz; these pin the resolver's rules one by one,
on the recorded HTTP API event (tests/events) and, where the service's mapping matters, on ``new_resolver()``.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.shared.cookies import Cookie

from legitimatie.errors import DomainError, SessionNotFound
from legitimatie.runtime.http import new_resolver
from legitimatie.runtime.resolver import Resolver, Response

RECORDED = json.loads((Path(__file__).resolve().parents[1] / "events" / "http_api_public.json").read_text())


def event(method: str, path: str, **fields: Any) -> dict[str, Any]:
    answer = copy.deepcopy(RECORDED)
    answer["rawPath"] = answer["requestContext"]["http"]["path"] = path
    answer["requestContext"]["http"]["method"] = method
    answer.update(fields)
    return answer


def text(status: int, body: str) -> Response[str]:
    return Response(status, "text/plain", body)


def test_a_path_parameter_is_passed_to_its_route_with_the_characters_powertools_allows() -> None:
    # Given a route with a parameter
    app = Resolver()
    app.get("/api/sessions/<session_id>")(lambda session_id: text(200, session_id))
    # When a path carries a value with URI characters API Gateway passes on
    answer = app.resolve(event("GET", "/api/sessions/a-b_c.d~e%20f"))
    # Then the route gets the value as it is
    assert (answer["statusCode"], answer["body"]) == (200, "a-b_c.d~e%20f")


def test_a_parameter_does_not_span_a_slash_and_a_method_without_a_route_is_not_found() -> None:
    # Given a GET route with a parameter, and no handler for paths without a route
    app = Resolver()
    app.get("/api/sessions/<session_id>")(lambda session_id: text(200, session_id))
    # When a path has one more segment, or the method differs
    deeper = app.resolve(event("GET", "/api/sessions/a/b"))
    posted = app.resolve(event("POST", "/api/sessions/a"))
    # Then both are Powertools' default 404
    assert deeper["statusCode"] == posted["statusCode"] == 404
    assert json.loads(posted["body"]) == {"statusCode": 404, "message": "Not found"}


def test_routes_without_parameters_are_tried_before_routes_with_them() -> None:
    # Given a route with a parameter registered before a fixed one it also matches
    app = Resolver()
    app.get("/api/<name>")(lambda name: text(200, "parameter"))
    app.get("/api/fixed")(lambda: text(200, "fixed"))
    # When the fixed path is asked for
    answer = app.resolve(event("GET", "/api/fixed"))
    # Then the fixed route answers
    assert answer["body"] == "fixed"


def test_a_named_stage_is_not_part_of_the_path() -> None:
    # Given a route
    app = Resolver()
    app.get("/api/fixed")(lambda: text(200, "fixed"))
    # When the event comes through a named stage
    recorded = event("GET", "/prod/api/fixed")
    recorded["requestContext"]["stage"] = "prod"
    # Then the route answers
    assert app.resolve(recorded)["body"] == "fixed"


def test_the_middlewares_run_in_order_around_the_route_and_around_the_not_found_handler() -> None:
    # Given two middlewares that note their order, and a handler for paths without a route
    seen: list[str] = []

    def noting(name: str) -> Any:
        def middleware(app: Resolver, next_middleware: Any) -> Response[Any]:
            seen.append(name)
            return next_middleware(app)

        return middleware

    app = Resolver()
    app.use(middlewares=[noting("first"), noting("second")])
    app.get("/api/fixed")(lambda: text(200, "fixed"))
    app.not_found(lambda: text(404, "nothing"))
    # When a route and a path without one are asked for
    found, missing = app.resolve(event("GET", "/api/fixed")), app.resolve(event("GET", "/elsewhere"))
    # Then both went through both middlewares, in order
    assert seen == ["first", "second", "first", "second"]
    assert (found["body"], missing["statusCode"], missing["body"]) == ("fixed", 404, "nothing")


def test_an_exception_goes_to_the_handler_of_its_nearest_registered_class() -> None:
    # Given handlers for DomainError and Exception, and a route that raises a kind of DomainError
    app = Resolver()
    app.exception_handler(Exception)(lambda exc: text(500, "unexpected"))
    app.exception_handler(DomainError)(lambda exc: text(404, exc.code))

    def missing() -> Response[str]:
        raise SessionNotFound("There is no session with this id.")

    app.get("/api/missing")(missing)
    # When it is asked for
    answer = app.resolve(event("GET", "/api/missing"))
    # Then the DomainError handler answered it
    assert (answer["statusCode"], answer["body"]) == (404, "session_not_found")


def test_an_exception_without_a_handler_is_raised() -> None:
    # Given no exception handler and a route that fails
    app = Resolver()
    app.get("/api/broken")(lambda: 1 / 0)
    # When it is asked for, Then the error is not swallowed
    with pytest.raises(ZeroDivisionError):
        app.resolve(event("GET", "/api/broken"))


def test_the_answer_has_http_apis_shape_bytes_base64_list_headers_joined_and_cookies() -> None:
    # Given a route answering bytes, a header with two values and a cookie
    app = Resolver()
    cookie = Cookie(name="result", value="abc", path="/api", secure=True, http_only=True)
    app.get("/api/file")(
        lambda: Response(200, "application/pdf", b"%PDF", headers={"Vary": ["Cookie", "Origin"]}, cookies=[cookie])
    )
    # When it is asked for
    answer = app.resolve(event("GET", "/api/file"))
    # Then the answer is HTTP API's payload 2.0 response
    assert answer == {
        "statusCode": 200,
        "body": base64.b64encode(b"%PDF").decode(),
        "isBase64Encoded": True,
        "headers": {"Vary": "Cookie, Origin", "Content-Type": "application/pdf"},
        "cookies": [str(cookie)],
    }


def test_the_request_is_read_as_the_routes_expect_and_only_while_it_is_answered() -> None:
    # Given a route that reads the body, a cookie and a query value
    app = Resolver()
    app.post("/api/read")(
        lambda: text(
            200,
            f"{app.current_event.decoded_body}|{app.current_event.cookies}|"
            f"{app.current_event.get_query_string_value('session')}|{app.current_event.get_query_string_value('x', 'd')}",
        )
    )
    # When a base64-encoded body, a cookie and a query string come in
    body = base64.b64encode(b'{"code":"1"}').decode()
    recorded = event(
        "POST", "/api/read", body=body, isBase64Encoded=True, cookies=["a=1"], queryStringParameters={"session": "s"}
    )
    # Then the route reads them decoded, and outside a request there is no current event
    assert app.resolve(recorded)["body"] == """{"code":"1"}|['a=1']|s|d"""
    with pytest.raises(RuntimeError):
        _ = app.current_event


def test_the_service_resolver_refuses_a_path_without_a_route_that_did_not_come_through_cloudfront(monkeypatch) -> None:
    # Given the service's resolver on a deployment with an origin token
    monkeypatch.setenv("ORIGIN_VERIFY_TOKEN", "t" * 32)
    app = new_resolver()
    # When a path without a route is asked for without the token, and with it
    refused = app.resolve(event("GET", "/nothing-here"))
    recorded = event("GET", "/nothing-here")
    recorded["headers"]["x-origin-verify"] = "t" * 32
    passed = app.resolve(recorded)
    # Then the middleware refused the first (403) and the second is the service's 404
    assert refused["statusCode"] == 403 and json.loads(refused["body"])["error"] == "forbidden"
    assert passed["statusCode"] == 404 and json.loads(passed["body"])["error"] == "not_found"
