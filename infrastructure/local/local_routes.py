"""What only the local origin has: ``/config.json`` for the pages and a same-origin door to moto's Cognito.

The staff page reads ``/config.json`` (``auth.mode``: ``password`` here, ``auth.cognito_endpoint``,
``auth.client_id``; ``brp_url`` for the "Naar de BRP" link) and logs in with ``InitiateAuth``. Deployed, the
config says ``auth.mode: hosted_ui`` with ``authorize_url``, ``token_url``, ``client_id`` and ``redirect_uri``
(authorization code + PKCE). Its CSP allows ``connect-src 'self'`` only, and moto listens on another port, so
locally the page talks to ``/_local/cognito-idp/`` on the site's own origin, which passes the public Cognito actions
(the ones a browser may call without AWS credentials) on to moto. A ``static_site/config.json`` file, if there is
one, wins.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from .events import HttpRequest, HttpResponse
from .site import StaticSite

__all__ = ["BRP_URL", "COGNITO_PATH", "SECURITY_TXT_PATH", "LocalRoutes", "site_config"]

COGNITO_PATH = "/_local/cognito-idp/"
# A placeholder: deployed, the municipality's own BRP application (a deployment setting).
BRP_URL = "https://brp.gemeente.example/"
# StaticSite serves no dot-paths; /.well-known/security.txt (RFC 9116) is the one the site must have.
SECURITY_TXT_PATH = "/.well-known/security.txt"
_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# Token-based user actions only; Admin* and pool management need AWS credentials and stay out of reach.
_PUBLIC_ACTIONS = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetUser",
        "GlobalSignOut",
        "RevokeToken",
        "ChangePassword",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
    }
)


def site_config(
    site_url: str, region: str, user_pool_id: str | None, client_id: str | None, municipality: str | None = None
) -> dict[str, Any]:
    """The local ``/config.json`` (``municipality``: the name the start page shows next to the DigiD button)."""
    config: dict[str, Any] = {
        "auth": {
            "mode": "password",
            "cognito_endpoint": f"{site_url}{COGNITO_PATH}",
            "client_id": client_id,
            "user_pool_id": user_pool_id,
            "region": region,
        },
        "brp_url": BRP_URL,
        "local": True,
    }
    if municipality:
        config["municipality"] = municipality
    return config


class LocalRoutes:
    def __init__(self, aws_endpoint_url: str, config: dict[str, Any], site: StaticSite) -> None:
        self._aws_endpoint_url = aws_endpoint_url
        self._config = config
        self._site = site

    def respond(self, request: HttpRequest) -> HttpResponse | None:
        """A response for the local-only paths; None for every other path."""
        if request.raw_path == "/config.json" and self._site.lookup("/config.json") is None:
            if request.method not in ("GET", "HEAD"):
                return HttpResponse(403, [("Content-Type", "text/plain; charset=utf-8")], b"GET only\n")
            return HttpResponse.json(200, self._config, [("Cache-Control", "no-store")])
        if request.raw_path == COGNITO_PATH:
            return self._cognito(request)
        if request.raw_path.split("?", 1)[0] == SECURITY_TXT_PATH:
            return self._security_txt(request)
        return None

    def _security_txt(self, request: HttpRequest) -> HttpResponse:
        path = self._site.root / SECURITY_TXT_PATH.lstrip("/")
        if request.method not in ("GET", "HEAD") or not path.is_file():
            return HttpResponse(404, [("Content-Type", "text/plain; charset=utf-8")], b"Not found\n")
        return HttpResponse(200, [("Content-Type", "text/plain; charset=utf-8")], path.read_bytes())

    def _cognito(self, request: HttpRequest) -> HttpResponse:
        target = request.header("X-Amz-Target") or ""
        if request.method != "POST" or target.removeprefix(_TARGET_PREFIX) not in _PUBLIC_ACTIONS:
            return HttpResponse.json(400, {"__type": "InvalidAction", "message": "Not a public Cognito action"})
        forwarded = urllib.request.Request(  # noqa: S310 (moto on 127.0.0.1)
            f"{self._aws_endpoint_url}/",
            data=request.body,
            method="POST",
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
        )
        try:
            with urllib.request.urlopen(forwarded, timeout=10) as answer:  # noqa: S310 (moto on 127.0.0.1)  # nosec B310
                return HttpResponse(answer.status, [("Content-Type", "application/x-amz-json-1.1")], answer.read())
        except urllib.error.HTTPError as refused:  # Cognito's own 4xx errors (wrong password, ...) pass through
            return HttpResponse(refused.code, [("Content-Type", "application/x-amz-json-1.1")], refused.read())
