"""The live function's adapters, created once per execution environment on first use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from legitimatie.adapters.dynamodb import DynamoDbLiveChannels, DynamoDbResidentResults, DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher
from legitimatie.adapters.live_connections import ApiGatewayLivePushes
from legitimatie.policy import ServicePolicy
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.settings import BaseSettings, Field

__all__ = ["Wiring", "wiring"]


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
        # Created on the first push: a ticket or a $connect never pays for this client.
        pushes=ApiGatewayLivePushes(aws_client("apigatewaymanagementapi", settings.live_endpoint)),
    )
