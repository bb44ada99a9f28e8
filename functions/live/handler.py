"""Live function: tickets for the official's page, WebSocket ``$connect``, and pushes on the session stream."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.dynamodb_live import DynamoDbLiveChannels
from legitimatie.adapters.dynamodb_login import DynamoDbResidentResults
from legitimatie.adapters.kms import KmsBsnCipher
from legitimatie.adapters.live_connections import ApiGatewayLivePushes
from legitimatie.clock import to_iso, utc_now
from legitimatie.errors import DomainError
from legitimatie.live_services import connect_official, connect_resident, issue_ticket, push_change
from legitimatie.policy import ServicePolicy
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.cookies import result_cookie
from legitimatie.runtime.http import came_through_cloudfront, current_official, json_response, new_resolver
from legitimatie.runtime.observability import logger, metrics, observed
from legitimatie.runtime.settings import BaseSettings, Field
from legitimatie.runtime.views import official_session_body
from legitimatie.services import parse_session_id

app = new_resolver()


class Settings(BaseSettings):
    data_key_id: str = Field(alias="DATA_KEY_ID", min_length=1)
    # The WebSocket API's stage for PostToConnection: https://{api id}.execute-api.{region}.amazonaws.com/{stage}
    live_endpoint: str = Field(alias="LIVE_ENDPOINT", pattern=r"^https?://\S+$")


@dataclass(frozen=True)
class Wiring:
    policy: ServicePolicy
    sessions: DynamoDbSessionRepository
    results: DynamoDbResidentResults
    live: DynamoDbLiveChannels
    cipher: KmsBsnCipher
    pushes: ApiGatewayLivePushes


@cache
def wiring() -> Wiring:
    settings = Settings.from_env(os.environ)
    dynamodb = aws_client("dynamodb")
    return Wiring(
        policy=settings.policy(),
        sessions=DynamoDbSessionRepository(dynamodb, settings.table_name),
        results=DynamoDbResidentResults(dynamodb, settings.table_name),
        live=DynamoDbLiveChannels(dynamodb, settings.table_name),
        cipher=KmsBsnCipher(aws_client("kms"), settings.data_key_id),
        pushes=ApiGatewayLivePushes(_management_client(settings.live_endpoint)),
    )


def _management_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, config=config)


@app.post("/api/sessions/<session_id>/live")
def new_ticket(session_id: str) -> Any:
    """A ticket for one WebSocket connection to this session's live status (the browser cannot send the token
    there, and a token never goes into a URL)."""
    w = wiring()
    ticket = issue_ticket(
        parse_session_id(session_id), current_official(app), sessions=w.sessions, live=w.live, now=utc_now()
    )
    return json_response(201, {"ticket": ticket.value, "expires_at": to_iso(ticket.expires_at)})


def _cookies(headers: dict[str, Any]) -> list[str]:
    """A WebSocket event has no ``cookies`` list: the Cookie header, split as the HTTP API splits it."""
    raw = next((v for k, v in headers.items() if str(k).lower() == "cookie" and isinstance(v, str)), "")
    return [part.strip() for part in raw.split(";") if part.strip()]


def connect(event: dict[str, Any]) -> dict[str, Any]:
    """``$connect``: the official's page with ``?ticket=``, the resident's with its result cookie; anything else
    is refused (403) and changes nothing."""
    context = event.get("requestContext") or {}
    connection_id = context.get("connectionId")
    if not came_through_cloudfront(event) or not isinstance(connection_id, str) or not connection_id:
        logger.warning("Live connection refused: it did not come through CloudFront")
        return {"statusCode": 403}
    w = wiring()
    ticket = (event.get("queryStringParameters") or {}).get("ticket")
    try:
        if ticket is not None:
            connect_official(ticket, connection_id, live=w.live, now=utc_now())
            role = "official"
        else:
            cookies = _cookies(event.get("headers") or {})
            connect_resident(
                result_cookie(cookies),
                connection_id,
                results=w.results,
                sessions=w.sessions,
                live=w.live,
                now=utc_now(),
            )
            role = "resident"
    except DomainError as exc:
        logger.info("Live connection refused", extra={"error": exc.code})
        return {"statusCode": 403}
    metrics.add_metric(name=f"LiveConnections_{role}", unit="Count", value=1)
    return {"statusCode": 200}


def stream(event: dict[str, Any]) -> dict[str, Any]:
    """Session changes from the table's stream (keys only); a record whose push failed is reported, the rest done."""
    w = wiring()
    failures = []
    sent = 0
    for record in event.get("Records") or []:
        change = record.get("dynamodb") or {}
        key = str(((change.get("Keys") or {}).get("pk") or {}).get("S", ""))
        if not key.startswith("session#"):
            continue
        try:
            report = push_change(
                parse_session_id(key.removeprefix("session#")),
                live=w.live,
                pushes=w.pushes,
                cipher=w.cipher,
                official_body=lambda view: official_session_body(view, w.policy),
                now=utc_now(),
            )
        except DomainError:
            logger.exception("Pushing a session change failed")
            failures.append({"itemIdentifier": change.get("SequenceNumber", "")})
            continue
        sent += report.sent
    if sent:
        metrics.add_metric(name="LivePushes", unit="Count", value=sent)
    return {"batchItemFailures": failures}


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if (event.get("requestContext") or {}).get("eventType") == "CONNECT":
        return connect(event)
    if "Records" in event:
        return stream(event)
    return app.resolve(event, context)


lambda_handler = observed(_handle)
