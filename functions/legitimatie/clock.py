"""Time as the service sees it: UTC, whole seconds (what the store keeps)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["from_epoch", "to_epoch", "to_iso", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def to_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as the API shows times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
