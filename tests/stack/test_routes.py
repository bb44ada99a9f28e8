"""Route matching as API Gateway does it, and the one environment all functions share locally."""

from __future__ import annotations

from pathlib import Path

import pytest

from infrastructure.local.authorizer import render_claims
from infrastructure.local.lambdas import LambdaFunction, Route, RouteTable, handler_environment
from infrastructure.local.template import TemplateError


def function(logical_id: str, **environment: str) -> LambdaFunction:
    return LambdaFunction(
        logical_id, logical_id.lower(), f"arn:aws:lambda:::{logical_id}", "m.handler", Path("."), 128, 3, environment
    )


def route(method: str, path: str) -> Route:
    return Route(method, path, function("F"), None)


def test_a_literal_segment_wins_over_a_parameter_and_a_parameter_over_a_greedy_path() -> None:
    # Given
    table = RouteTable(
        [route("ANY", "/api/{proxy+}"), route("GET", "/api/sessions/{id}"), route("GET", "/api/sessions/new")]
    )

    # When
    literal = table.find("GET", "/api/sessions/new")
    parameter = table.find("GET", "/api/sessions/abc")
    greedy = table.find("POST", "/api/sessions/abc/check")

    # Then
    assert literal is not None and literal[0].path == "/api/sessions/new" and literal[1] == {}
    assert parameter is not None and parameter[1] == {"id": "abc"}
    assert greedy is not None and greedy[0].path == "/api/{proxy+}" and greedy[1] == {"proxy": "sessions/abc/check"}


def test_no_route_for_a_trailing_slash_an_empty_segment_or_another_method() -> None:
    # Given
    table = RouteTable([route("GET", "/api/sessions/{id}")])

    # Then
    assert table.find("GET", "/api/sessions/") is None
    assert table.find("GET", "/api/sessions/abc/") is None
    assert table.find("POST", "/api/sessions/abc") is None
    assert table.is_api_path("/api/anything") and not table.is_api_path("/index.html")


def test_functions_that_disagree_on_a_variable_fail_with_both_names() -> None:
    # Given
    functions = [function("SessionsFunction", TABLE_NAME="a", SERVICE="x"), function("DigidFunction", SERVICE="y")]

    # When / Then
    with pytest.raises(TemplateError, match=r"SERVICE.*SessionsFunction.*DigidFunction"):
        handler_environment(functions)


def test_functions_that_agree_share_one_environment() -> None:
    # When
    environment = handler_environment([function("A", TABLE_NAME="t", X="1"), function("B", TABLE_NAME="t", Y="2")])

    # Then
    assert environment == {"TABLE_NAME": "t", "X": "1", "Y": "2"}


def test_claims_are_rendered_as_api_gateway_renders_them() -> None:
    # When
    rendered = render_claims(
        {"sub": "s", "exp": 1700000000, "email_verified": True, "cognito:groups": ["a", "b"], "nothing": None}
    )

    # Then
    assert rendered == {"sub": "s", "exp": "1700000000", "email_verified": "true", "cognito:groups": "[a b]"}
