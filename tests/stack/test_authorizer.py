"""Routes with the StaffAuthorizer take only valid tokens of the local user pool, as API Gateway's JWT authorizer."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from infrastructure.local import LocalStack


def private_route(stack: LocalStack) -> str:
    return f"{stack.site_url}/api/things/42"


def claims_like_moto(stack: LocalStack, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.eu-west-1.amazonaws.com/{stack.user_pool_id}",
        "sub": "00000000-0000-4000-8000-000000000001",
        "aud": stack.user_pool_client_id,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    claims.update(changes)
    return claims


def signed_with_motos_key(claims: dict[str, Any]) -> str:
    """moto signs every user pool's tokens with one published key: good for tokens that differ only in claims."""
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})  # type: ignore[arg-type]


def test_a_request_without_a_token_is_401_unauthorized(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(private_route(sample_stack), timeout=5)

    # Then
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_a_token_signed_by_another_key_is_401(sample_stack: LocalStack) -> None:
    # Given a token with the right claims and key id, signed by a key that is not the pool's
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims_like_moto(sample_stack), forger, algorithm="RS256", headers={"kid": "dummy"})

    # When
    response = requests.get(private_route(sample_stack), headers={"Authorization": f"Bearer {forged}"}, timeout=5)

    # Then
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_an_expired_token_is_401(sample_stack: LocalStack) -> None:
    # Given a correctly signed token that expired a minute ago
    expired = signed_with_motos_key(
        claims_like_moto(sample_stack, iat=int(time.time()) - 3700, exp=int(time.time()) - 60)
    )

    # When
    response = requests.get(private_route(sample_stack), headers={"Authorization": f"Bearer {expired}"}, timeout=5)

    # Then
    assert response.status_code == 401
    assert "expired" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "changes",
    [{"aud": "another-app-client"}, {"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other"}],
    ids=["wrong audience", "wrong issuer"],
)
def test_a_token_for_another_client_or_issuer_is_401(sample_stack: LocalStack, changes: dict[str, Any]) -> None:
    # Given
    token = signed_with_motos_key(claims_like_moto(sample_stack, **changes))

    # When
    response = requests.get(private_route(sample_stack), headers={"Authorization": f"Bearer {token}"}, timeout=5)

    # Then
    assert response.status_code == 401


def test_a_token_with_alg_none_is_401(sample_stack: LocalStack) -> None:
    # Given
    unsigned = jwt.encode(claims_like_moto(sample_stack), None, algorithm="none")  # type: ignore[arg-type]

    # When
    response = requests.get(private_route(sample_stack), headers={"Authorization": f"Bearer {unsigned}"}, timeout=5)

    # Then
    assert response.status_code == 401


def test_the_official_id_token_from_user_password_auth_brings_its_claims_as_api_gateway_renders_them(
    sample_stack: LocalStack,
) -> None:
    # Given the seeded official logs in with USER_PASSWORD_AUTH
    token = sample_stack.login()

    # When
    response = requests.get(private_route(sample_stack), headers={"Authorization": f"Bearer {token}"}, timeout=5)

    # Then
    assert response.status_code == 200, response.text
    jwt_context = response.json()["event"]["requestContext"]["authorizer"]["jwt"]
    claims = jwt_context["claims"]
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["aud"] == sample_stack.user_pool_client_id
    assert claims["email"] == "ambtenaar@voorbeeld.nl"
    assert claims["name"] == "A. Ambtenaar"
    assert claims["cognito:groups"] == "[zaak-opzoeken]"
    assert claims["exp"].isdigit()
    assert jwt_context["scopes"] is None  # the route has no authorization scopes


def test_an_access_token_is_accepted_by_its_client_id(sample_stack: LocalStack) -> None:
    # Given
    token = sample_stack.login(kind="AccessToken")

    # When
    response = requests.get(private_route(sample_stack), headers={"Authorization": token}, timeout=5)  # no "Bearer"

    # Then
    assert response.status_code == 200, response.text
    assert response.json()["event"]["requestContext"]["authorizer"]["jwt"]["claims"]["client_id"] == (
        sample_stack.user_pool_client_id
    )


def test_a_route_with_scopes_is_403_for_a_token_without_them(sample_stack: LocalStack) -> None:
    # Given
    token = sample_stack.login(kind="AccessToken")  # scope: aws.cognito.signin.user.admin

    # When
    response = requests.get(
        f"{sample_stack.site_url}/api/scoped", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )

    # Then
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def test_a_public_route_ignores_a_bad_token(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(
        f"{sample_stack.site_url}/api/public/things/1", headers={"Authorization": "Bearer not-a-jwt"}, timeout=5
    )

    # Then
    assert response.status_code == 200
    assert "authorizer" not in response.json()["event"]["requestContext"]
