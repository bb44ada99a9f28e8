"""The live function's adapters, created once per execution environment on first use."""

from __future__ import annotations

import os
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from legitimatie.adapters.dynamodb import DynamoDbLiveChannels, DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher
from legitimatie.adapters.live_connections import ApiGatewayLivePushes
from legitimatie.policy import ServicePolicy
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.settings import BaseSettings, Field

if TYPE_CHECKING:
    from legitimatie.adapters.dynamodb import DynamoDbResidentResults

__all__ = ["Wiring", "wiring"]


class Settings(BaseSettings, frozen=True, kw_only=True):
    """The live function's settings: the data key (an official's page shows a handed-over BSN) and the socket API."""

    data_key_id: str = Field(alias="DATA_KEY_ID", min_length=1)
    # The WebSocket API's stage for PostToConnection: https://{api id}.execute-api.{region}.amazonaws.com/{stage}
    live_endpoint: str = Field(alias="LIVE_ENDPOINT", pattern=r"^https?://\S+$")


class Wiring(Struct, frozen=True, dict=True):
    policy: ServicePolicy
    sessions: DynamoDbSessionRepository
    live: DynamoDbLiveChannels
    cipher: KmsBsnCipher
    pushes: ApiGatewayLivePushes
    dynamodb: Any  # its client, shared by the resident's results when a resident's page first connects
    table_name: str

    @cached_property
    def results(self) -> DynamoDbResidentResults:
        from legitimatie.adapters.dynamodb import DynamoDbResidentResults  # a resident's $connect only (events.py)

        return DynamoDbResidentResults(self.dynamodb, self.table_name)


@cache
def wiring() -> Wiring:
    settings = Settings.from_env(os.environ)
    dynamodb = aws_client("dynamodb")
    return Wiring(
        policy=settings.policy(),
        sessions=DynamoDbSessionRepository(dynamodb, settings.table_name),
        live=DynamoDbLiveChannels(dynamodb, settings.table_name),
        cipher=KmsBsnCipher(aws_client("kms"), settings.data_key_id),
        # Created on the first push: a ticket or a $connect never pays for this client.
        pushes=ApiGatewayLivePushes(aws_client("apigatewaymanagementapi", settings.live_endpoint)),
        dynamodb=dynamodb,
        table_name=settings.table_name,
    )
