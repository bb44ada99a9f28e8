"""Pushes to open WebSocket connections through API Gateway's management API (``PostToConnection``)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import error_code, translated

__all__ = ["ApiGatewayLivePushes"]


class ApiGatewayLivePushes:
    """``LivePushes`` with an ``apigatewaymanagementapi`` client whose endpoint is the WebSocket API's stage."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def push(self, connection_id: str, body: dict[str, object]) -> bool:
        data = json.dumps(body, separators=(",", ":")).encode()
        with translated("API Gateway"):
            try:
                self._client.post_to_connection(ConnectionId=connection_id, Data=data)
            except ClientError as exc:
                if error_code(exc) in ("GoneException", "410"):
                    return False  # the page was closed: the record expires with the session
                raise
        return True
