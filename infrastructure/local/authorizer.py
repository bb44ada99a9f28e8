"""API Gateway's JWT authorizer, emulated against the local user pool.

What API Gateway does for an HTTP API route with a JWT authorizer: take the token from the identity source
(``Bearer `` prefix optional), verify its RS256 signature with the issuer's JWKS, require ``iss`` to equal the
configured issuer, ``aud`` or ``client_id`` to be one of the audiences, ``exp`` in the future and ``nbf``/``iat``
not in the future; then, for a route with authorization scopes, at least one of them in ``scope``/``scp``.
A failure is ``401 {"message":"Unauthorized"}`` (``403 {"message":"Forbidden"}`` for missing scopes). The claims
reach the function as strings: arrays as ``[a b]``, numbers and booleans as text.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from .lambdas import JwtAuthorizerConfig
from .template import TemplateError

__all__ = ["Authorization", "AuthorizationDenied", "JwtAuthorizer", "render_claims"]

_RSA_ALGORITHMS = ["RS256", "RS384", "RS512"]


class AuthorizationDenied(Exception):
    """The request does not reach the function; the gateway answers as API Gateway does."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    @property
    def body(self) -> dict[str, str]:
        return {"message": "Unauthorized" if self.status == 401 else "Forbidden"}

    @property
    def www_authenticate(self) -> str:
        error = "invalid_token" if self.status == 401 else "insufficient_scope"
        return f'Bearer scope="" error="{error}" error_description="{self.reason}"'


@dataclass(frozen=True)
class Authorization:
    """What goes into ``requestContext.authorizer.jwt``."""

    claims: dict[str, str]
    scopes: list[str] | None  # None unless the route has authorization scopes (as API Gateway renders it)


def render_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway passes them on: all strings, ``["a", "b"]`` → ``"[a b]"``, null claims left out."""
    return {name: _render(value) for name, value in claims.items() if value is not None}


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(item if isinstance(item, str) else _render(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _token_scopes(claims: Mapping[str, Any]) -> list[str]:
    for name in ("scp", "scope"):
        value = claims.get(name)
        if isinstance(value, list):
            return [str(item) for item in value]
        if isinstance(value, str) and value.strip():
            return value.split()
    return []


class JwtAuthorizer:
    """One JWT authorizer of the HTTP API, with the JWKS fetched once from the local user pool."""

    def __init__(self, config: JwtAuthorizerConfig, jwks_url: str) -> None:
        prefix = "$request.header."
        if not config.identity_source.startswith(prefix):
            raise TemplateError(f"Authorizer {config.name}: only a request header can be the identity source")
        self.config = config
        self._header = config.identity_source[len(prefix) :].lower()
        self._jwks_url = jwks_url
        self._keys: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def authorize(self, headers: Mapping[str, str], route_scopes: tuple[str, ...] = ()) -> Authorization:
        """The validated claims, or ``AuthorizationDenied`` (``headers`` have lower-case names)."""
        token = headers.get(self._header, "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise AuthorizationDenied(401, "the request has no token")
        claims = self._verified_claims(token)
        if claims.get("iss") != self.config.issuer:
            raise AuthorizationDenied(401, "the token has an unexpected issuer")
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
        if self.config.audiences and not {*audiences, claims.get("client_id")} & set(self.config.audiences):
            raise AuthorizationDenied(401, "the token has an unexpected audience")
        if route_scopes:
            scopes = _token_scopes(claims)
            if not set(scopes) & set(route_scopes):
                raise AuthorizationDenied(403, "the token has none of the route's scopes")
            return Authorization(render_claims(claims), scopes)
        return Authorization(render_claims(claims), None)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise AuthorizationDenied(401, "the token is not a JWT") from None
        if header.get("alg") not in _RSA_ALGORITHMS:
            raise AuthorizationDenied(401, "the token is not signed with an RSA algorithm")
        key = self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=_RSA_ALGORITHMS,
                options={"require": ["exp", "iss"], "verify_aud": False, "verify_iss": False},
            )
        except jwt.ExpiredSignatureError:
            raise AuthorizationDenied(401, "the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise AuthorizationDenied(401, "the token is not valid yet") from None
        except jwt.InvalidTokenError:
            raise AuthorizationDenied(401, "the token signature or claims are invalid") from None
        return claims

    def _key(self, kid: str) -> Any:
        keys = self._jwks(refresh=False)
        if kid not in keys:  # a rotated key: fetch the JWKS once more, as API Gateway refreshes it
            keys = self._jwks(refresh=True)
        if kid not in keys:
            raise AuthorizationDenied(401, "the token was signed with an unknown key")
        return keys[kid].key

    def _jwks(self, refresh: bool) -> dict[str, Any]:
        with self._lock:
            if self._keys is None or refresh:
                with urllib.request.urlopen(self._jwks_url, timeout=5) as response:  # noqa: S310 (local http URL)  # nosec B310
                    document = json.load(response)
                self._keys = {str(key.key_id): key for key in jwt.PyJWKSet.from_dict(document).keys}
            return self._keys
