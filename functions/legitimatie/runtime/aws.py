"""boto3 clients with short timeouts and standard retries, created once per cold start."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

__all__ = ["aws_client"]

_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


@cache
def aws_client(service: str) -> Any:
    """One client per service per process (endpoint and region come from the standard AWS variables)."""
    return boto3.client(service, config=_CONFIG)  # type: ignore[call-overload]
