"""A small bounded exponential backoff for the retries the SDK's own retry does not cover (a BatchWriteItem that
answers with UnprocessedItems is a success to botocore, so it never retries those)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

__all__ = ["BASE_DELAY", "MAX_DELAY", "Sleep", "delay"]

Sleep = Callable[[float], None]

BASE_DELAY: Final = 0.05  # seconds before the first retry
MAX_DELAY: Final = 1.0  # never longer than this between two tries


def delay(retry: int) -> float:
    """Seconds to wait before retry number ``retry`` (1, 2, ...): 0.05, 0.1, 0.2, 0.4, ... at most ``MAX_DELAY``."""
    return float(min(MAX_DELAY, BASE_DELAY * 2 ** (retry - 1)))
