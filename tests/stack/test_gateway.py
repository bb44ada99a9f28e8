"""The gateway hands the function a genuine HTTP API payload 2.0 event and maps its result as API Gateway does."""

from __future__ import annotations

import base64
import re
from typing import Any

import requests

from infrastructure.local import LocalStack


def echoed(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_public_route_gets_a_version_2_event_with_route_key_and_path_parameters(sample_stack: LocalStack) -> None:
    # When
    event = echoed(requests.get(f"{sample_stack.site_url}/api/public/things/abc%20def", timeout=5))["event"]

    # Then
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /api/public/things/{id}"
    assert event["rawPath"] == "/api/public/things/abc%20def"
    assert event["pathParameters"] == {"id": "abc def"}
    assert event["isBase64Encoded"] is False
    assert "body" not in event and "cookies" not in event and "queryStringParameters" not in event
    context = event["requestContext"]
    assert context["routeKey"] == "GET /api/public/things/{id}"
    assert context["stage"] == "$default"
    assert context["http"]["method"] == "GET"
    assert context["http"]["path"] == "/api/public/things/abc%20def"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["accountId"] == "123456789012"
    assert context["domainName"] == f"{context['apiId']}.execute-api.eu-west-1.amazonaws.com"
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["time"])
    assert isinstance(context["timeEpoch"], int)
    assert "authorizer" not in context


def test_query_strings_and_repeated_parameters_are_joined_with_commas(sample_stack: LocalStack) -> None:
    # When
    url = f"{sample_stack.site_url}/api/public/things/1?a=1&a=2&b=x%20y&empty="
    event = echoed(requests.get(url, timeout=5))["event"]

    # Then
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y&empty="
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y", "empty": ""}


def test_cookies_move_from_the_header_to_their_own_field(sample_stack: LocalStack) -> None:
    # When
    event = echoed(
        requests.get(
            f"{sample_stack.site_url}/api/public/things/1",
            headers={"Cookie": "result=abc; theme=dark", "X-Custom": "Yes"},
            timeout=5,
        )
    )["event"]

    # Then
    assert event["cookies"] == ["result=abc", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "Yes"
    assert all(name == name.lower() for name in event["headers"])


def test_the_function_sees_the_api_host_as_behind_cloudfront_not_the_local_one(sample_stack: LocalStack) -> None:
    # When
    event = echoed(requests.get(f"{sample_stack.site_url}/api/public/things/1", timeout=5))["event"]

    # Then
    assert event["headers"]["host"] == event["requestContext"]["domainName"]
    assert event["headers"]["x-forwarded-proto"] == "https"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"


def test_a_json_body_arrives_as_text_and_a_form_body_base64_encoded(sample_stack: LocalStack) -> None:
    # When
    json_event = echoed(requests.post(f"{sample_stack.site_url}/api/public/echo", json={"code": "123456"}, timeout=5))[
        "event"
    ]
    form_event = echoed(
        requests.post(f"{sample_stack.site_url}/api/public/echo", data={"SAMLResponse": "PHNh"}, timeout=5)
    )["event"]

    # Then
    assert json_event["body"] == '{"code": "123456"}'
    assert json_event["isBase64Encoded"] is False
    assert form_event["isBase64Encoded"] is True  # API Gateway HTTP APIs encode form posts
    assert base64.b64decode(form_event["body"]) == b"SAMLResponse=PHNh"


def test_the_handler_gets_a_lambda_context_and_the_template_environment(sample_stack: LocalStack) -> None:
    # When
    body = echoed(requests.get(f"{sample_stack.site_url}/api/public/things/1", timeout=5))

    # Then
    context = body["context"]
    assert context["function_name"] == "echofunction-local"
    assert context["memory_limit_in_mb"] == 256
    assert context["invoked_function_arn"].endswith(":function:echofunction-local")
    assert 0 < context["remaining_ms"] <= 7000
    assert body["environ"] == {
        "TABLE_NAME": sample_stack.table_name,
        "MUNICIPALITY_NAME": "Gemeente Testdorp",
        "KEY_ARN": sample_stack.resources["Key"].attributes["Arn"] if sample_stack.resources else None,
        "ECHO_ONLY": "yes",
        "AWS_ENDPOINT_URL": sample_stack.aws_endpoint_url,
    }


def test_cookies_in_the_result_become_one_set_cookie_header_each(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}/api/public/shaped/cookies", allow_redirects=False, timeout=5)

    # Then
    assert response.status_code == 302
    assert response.headers["Location"] == "/next"
    set_cookies = response.raw.headers.getlist("Set-Cookie")
    assert set_cookies == ["result=abc; HttpOnly; Secure; Path=/", "other=1"]


def test_a_result_without_status_code_is_200_json(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}/api/public/shaped/plain", timeout=5)

    # Then
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"plain": True}


def test_a_base64_result_is_sent_as_bytes(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}/api/public/shaped/binary", timeout=5)

    # Then
    assert response.content == bytes([0, 255, 1])


def test_an_exception_in_the_handler_is_a_plain_500_and_the_traceback_stays_in_the_log(
    sample_stack: LocalStack, caplog: Any
) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}/api/public/shaped/boom", timeout=5)

    # Then
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "message": "Internal Server Error"}
    assert "failed on purpose" not in response.text
    assert any("failed on purpose" in (record.exc_text or "") for record in caplog.records)


def test_an_invalid_result_is_a_500(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}/api/public/shaped/invalid", timeout=5)

    # Then
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"


def test_an_unknown_api_path_and_a_known_path_with_another_method_are_404_json(sample_stack: LocalStack) -> None:
    # When
    unknown = requests.get(f"{sample_stack.site_url}/api/nothing/here", timeout=5)
    wrong_method = requests.delete(f"{sample_stack.site_url}/api/public/things/1", timeout=5)
    digid_unknown = requests.get(f"{sample_stack.site_url}/digid/elsewhere", timeout=5)

    # Then
    for response in (unknown, wrong_method, digid_unknown):
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        assert response.json()["message"]


def test_api_responses_carry_the_template_security_headers_without_overriding_what_may_stay(
    sample_stack: LocalStack,
) -> None:
    # When
    api = requests.get(f"{sample_stack.site_url}/api/public/shaped/cookies", allow_redirects=False, timeout=5)
    not_found = requests.get(f"{sample_stack.site_url}/api/nothing", timeout=5)

    # Then
    for response in (api, not_found):
        assert response.headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'"
        assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Permissions-Policy"] == "camera=(), microphone=()"
    assert api.headers["Cache-Control"] == "no-store"  # Override: false keeps the function's own value
    assert not_found.headers["Cache-Control"] == "no-cache"
