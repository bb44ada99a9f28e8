"""Translate botocore errors into the core's own exceptions, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import ServiceUnavailable

__all__ = ["error_code", "translated", "unavailable"]


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def unavailable(service: str, exc: ClientError | BotoCoreError | None = None) -> ServiceUnavailable:
    """A failure worth retrying later; the message names the service, never the request's data."""
    return ServiceUnavailable(f"{service} is temporarily unavailable; nothing was changed, please try again.")


@contextmanager
def translated(service: str) -> Iterator[None]:
    """Every botocore error raised inside becomes ``ServiceUnavailable`` naming ``service``.

    An adapter that gives an error code a meaning of its own (a refused ciphertext, a missing object) catches that
    code inside the block and lets every other error through to here."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise unavailable(service, exc) from exc
