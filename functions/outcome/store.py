"""The sessions' store, created once per execution environment on first use: both the close and the sweep use it."""

from __future__ import annotations

import os
from functools import cache

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.settings import BaseSettings

__all__ = ["store"]


@cache
def store() -> DynamoDbSessionRepository:
    settings = BaseSettings.from_env(os.environ)
    return DynamoDbSessionRepository(aws_client("dynamodb"), settings.table_name)
