"""Secrets Manager secrets holding JSON objects, read once per cold start; failures name the setting."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .settings import ConfigurationError

__all__ = ["read_json_secret"]


def read_json_secret(client: Any, arn: str, setting: str, required: tuple[str, ...]) -> dict[str, str]:
    """The secret's string fields; a missing secret, bad JSON or a missing required field fails naming ``setting``."""
    try:
        value = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    except (ClientError, BotoCoreError, KeyError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"{setting}: the secret cannot be read as JSON ({type(exc).__name__}).") from None
    if not isinstance(value, dict):
        raise ConfigurationError(f"{setting}: the secret must be a JSON object.")
    missing = [key for key in required if not isinstance(value.get(key), str)]
    if missing:
        raise ConfigurationError(f"{setting}: the secret lacks {', '.join(missing)}.")
    return {key: item for key, item in value.items() if isinstance(item, str)}
