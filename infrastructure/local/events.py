"""HTTP request → HTTP API payload format 2.0 event, and the function's result → HTTP response.

Deployed, a request passes CloudFront (origin request policy AllViewerExceptHostHeader) and then API Gateway,
so the function sees the API's own host name, ``x-forwarded-proto: https`` and the viewer's address in
``x-forwarded-for``; the local event says the same, so handlers cannot come to rely on the local host name.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .authorizer import Authorization
from .lambdas import Route

__all__ = ["HttpRequest", "HttpResponse", "InvalidLambdaResponse", "build_event", "to_http_response"]

_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/graphql",
    }
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class HttpRequest:
    """A request as the gateway received it: raw target, headers in order (names as sent), body bytes."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0] or "/"

    @property
    def raw_query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str) -> str | None:
        """All values of a header, comma-joined as API Gateway joins them; None when absent."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ",".join(values) if values else None

    def lower_headers(self) -> dict[str, str]:
        joined: dict[str, list[str]] = {}
        for key, value in self.headers:
            joined.setdefault(key.lower(), []).append(value)
        return {key: ",".join(values) for key, values in joined.items()}


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
        return cls(
            status,
            [("Content-Type", "application/json"), *(headers or [])],
            json.dumps(body, separators=(",", ":")).encode(),
        )

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class InvalidLambdaResponse(ValueError):
    """The function returned something API Gateway cannot turn into a response (it answers 500)."""


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type.startswith("text/") or media_type in _TEXT_TYPES


def _request_time(epoch_ms: int) -> str:
    moment = time.gmtime(epoch_ms / 1000)
    clock = time.strftime("%H:%M:%S", moment)
    return f"{moment.tm_mday:02d}/{_MONTHS[moment.tm_mon - 1]}/{moment.tm_year}:{clock} +0000"


def _trace_id(epoch_ms: int) -> str:
    return f"Root=1-{epoch_ms // 1000:08x}-{secrets.token_hex(12)}"


def build_event(
    request: HttpRequest,
    route: Route,
    path_parameters: Mapping[str, str],
    authorization: Authorization | None,
    *,
    api_id: str,
    region: str,
    account_id: str,
    request_id: str,
) -> dict[str, Any]:
    """The event API Gateway sends a Lambda proxy integration with payload format version 2.0."""
    epoch_ms = int(time.time() * 1000)
    domain_name = f"{api_id}.execute-api.{region}.amazonaws.com"
    headers = request.lower_headers()
    headers.pop("cookie", None)  # API Gateway moves cookies to their own field
    forwarded_for = headers.get("x-forwarded-for")
    headers.update(
        {
            "host": domain_name,
            "x-forwarded-for": f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            "x-amzn-trace-id": _trace_id(epoch_ms),
        }
    )
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain_name,
        "domainPrefix": api_id,
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route.route_key,
        "stage": "$default",
        "time": _request_time(epoch_ms),
        "timeEpoch": epoch_ms,
    }
    if authorization is not None:
        context["authorizer"] = {"jwt": {"claims": authorization.claims, "scopes": authorization.scopes}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    cookies = [
        part.strip()
        for name, value in request.headers
        if name.lower() == "cookie"
        for part in value.split(";")
        if part.strip()
    ]
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.raw_query, keep_blank_values=True):
        query.setdefault(name, []).append(value)
    if query:
        event["queryStringParameters"] = {name: ",".join(values) for name, values in query.items()}
    event["requestContext"] = context
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if request.body:
        text = _is_text(headers.get("content-type"))
        try:
            event["body"] = request.body.decode("utf-8") if text else base64.b64encode(request.body).decode()
        except UnicodeDecodeError:
            text = False
            event["body"] = base64.b64encode(request.body).decode()
        event["isBase64Encoded"] = not text
    else:
        event["isBase64Encoded"] = False
    return event


def to_http_response(result: Any) -> HttpResponse:
    """Interpret a payload 2.0 function result as API Gateway does."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # "If your Lambda function returns valid JSON and doesn't return a statusCode, API Gateway assumes" 200 JSON.
        try:
            return HttpResponse(200, [("Content-Type", "application/json")], json.dumps(result).encode())
        except (TypeError, ValueError):
            raise InvalidLambdaResponse("the result is not JSON") from None
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise InvalidLambdaResponse(f"statusCode {status!r} is not an HTTP status")
    headers = [(str(name), _header_text(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), _header_text(value)) for value in values)
    headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or [])
    body = result.get("body")
    if body is None:
        content = b""
    elif not isinstance(body, str):
        raise InvalidLambdaResponse("body is not a string")
    elif result.get("isBase64Encoded"):
        try:
            content = base64.b64decode(body, validate=True)
        except ValueError:
            raise InvalidLambdaResponse("isBase64Encoded is true but body is not base64") from None
    else:
        content = body.encode("utf-8")
    return HttpResponse(status, headers, content)


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
