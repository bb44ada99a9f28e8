"""Translate botocore errors into the core's own exceptions, in one place."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import ServiceUnavailable

__all__ = ["error_code", "unavailable"]


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def unavailable(service: str, exc: ClientError | BotoCoreError) -> ServiceUnavailable:
    """A failure worth retrying later; the message names the service, never the request's data."""
    return ServiceUnavailable(f"{service} is temporarily unavailable; nothing was changed, please try again.")
