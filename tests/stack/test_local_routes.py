"""Local-only: /config.json for the staff page and a same-origin door to moto's Cognito (CSP connect-src 'self')."""

from __future__ import annotations

import json

import requests

from infrastructure.local import LocalStack

AMZ_JSON = "application/x-amz-json-1.1"


def cognito(stack: LocalStack, action: str, body: dict[str, object]) -> requests.Response:
    endpoint = requests.get(f"{stack.site_url}/config.json", timeout=5).json()["auth"]["cognito_endpoint"]
    return requests.post(
        endpoint,
        data=json.dumps(body),
        headers={"Content-Type": AMZ_JSON, "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"},
        timeout=5,
    )


def test_config_json_tells_the_staff_page_where_to_log_in(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}/config.json", timeout=5)

    # Then
    auth = response.json()["auth"]
    assert auth["client_id"] == sample_stack.user_pool_client_id
    assert auth["cognito_endpoint"].startswith(sample_stack.site_url + "/")  # same origin: CSP connect-src 'self'
    assert response.headers["Content-Security-Policy"]


def test_the_staff_page_logs_in_through_the_same_origin_endpoint(sample_stack: LocalStack) -> None:
    # Given
    assert sample_stack.official is not None
    credentials = {"USERNAME": sample_stack.official.username, "PASSWORD": sample_stack.official.password}

    # When
    response = cognito(
        sample_stack,
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": sample_stack.user_pool_client_id,
            "AuthParameters": credentials,
        },
    )

    # Then
    token = response.json()["AuthenticationResult"]["IdToken"]
    api = requests.get(f"{sample_stack.site_url}/api/things/1", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert api.status_code == 200


def test_a_wrong_password_passes_cognitos_own_error_through(sample_stack: LocalStack) -> None:
    # When
    response = cognito(
        sample_stack,
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": sample_stack.user_pool_client_id,
            "AuthParameters": {"USERNAME": "ambtenaar@voorbeeld.nl", "PASSWORD": "wrong"},
        },
    )

    # Then
    assert response.status_code == 400
    assert response.json()["__type"] == "NotAuthorizedException"


def test_admin_actions_do_not_pass(sample_stack: LocalStack) -> None:
    # When
    response = cognito(sample_stack, "AdminCreateUser", {"UserPoolId": sample_stack.user_pool_id, "Username": "x"})

    # Then
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidAction"
