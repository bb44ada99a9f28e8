"""Counting and timing the AWS calls the handlers really make, and the HTTP calls of DigiD's back channel.

Every boto3 client's API call goes through ``botocore.client.BaseClient._make_api_call``; the meter wraps it
once for the whole process (clients created before and after alike), so nothing in the handlers changes.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AwsMeter", "HttpMeter", "Reading", "percentile", "summary"]


@dataclass
class Reading:
    """What happened inside one measured block: AWS calls by ``service:Operation`` and the time they took."""

    calls: Counter[str] = field(default_factory=Counter)
    aws_seconds: float = 0.0
    http_seconds: float = 0.0

    @property
    def call_count(self) -> int:
        return sum(self.calls.values())


class _Wrapper:
    """Wraps one method on a class; the original is restored on ``uninstall``."""

    def __init__(
        self,
        owner: type,
        name: str,
        record: Callable[[Any, tuple[Any, ...], float], None],
        enter: Callable[[], None] | None = None,
    ) -> None:
        self._owner, self._name, self._record, self._enter = owner, name, record, enter
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        original = getattr(self._owner, self._name)
        record, enter = self._record, self._enter

        def measured(instance: Any, *args: Any, **kwargs: Any) -> Any:
            if enter is not None:
                enter()
            started = time.perf_counter()
            try:
                return original(instance, *args, **kwargs)
            finally:
                record(instance, args, time.perf_counter() - started)

        self._original = original
        setattr(self._owner, self._name, measured)

    def uninstall(self) -> None:
        if self._original is not None:
            setattr(self._owner, self._name, self._original)
            self._original = None


class _Meter:
    def __init__(self) -> None:
        self._local = threading.local()  # readings per thread: the simulator's own threads are not ours

    @contextmanager
    def reading(self) -> Iterator[Reading]:
        """Everything this thread calls inside the block is recorded in the yielded reading."""
        reading = Reading()
        stack: list[Reading] = getattr(self._local, "stack", [])
        self._local.stack = [*stack, reading]
        try:
            yield reading
        finally:
            self._local.stack = stack

    def _open(self) -> Sequence[Reading]:
        return getattr(self._local, "stack", [])


class AwsMeter(_Meter):
    """Counts and times ``BaseClient._make_api_call`` (serialisation, the call to moto or AWS, parsing)."""

    def __init__(self) -> None:
        super().__init__()
        from botocore.client import BaseClient

        self._wrapper = _Wrapper(BaseClient, "_make_api_call", self._record, self._enter_call)

    def _enter_call(self) -> None:
        self._local.depth = getattr(self._local, "depth", 0) + 1

    @property
    def in_call(self) -> bool:
        """True inside an AWS call on this thread (its HTTP is AWS time, not back-channel time)."""
        return getattr(self._local, "depth", 0) > 0

    def __enter__(self) -> AwsMeter:
        self._wrapper.install()
        return self

    def __exit__(self, *_: object) -> None:
        self._wrapper.uninstall()

    def _record(self, client: Any, args: tuple[Any, ...], seconds: float) -> None:
        self._local.depth = getattr(self._local, "depth", 1) - 1
        key = f"{client.meta.service_model.service_name}:{args[0] if args else '?'}"
        for reading in self._open():
            reading.calls[key] += 1
            reading.aws_seconds += seconds


class HttpMeter:
    """Times the handlers' own HTTP (DigiD's artifact resolution back channel): ``requests.Session.send`` and the
    reading of a streamed body afterwards. The time goes into the open readings of ``aws``; HTTP inside an AWS
    call is AWS time and not counted twice."""

    def __init__(self, aws: AwsMeter) -> None:
        import requests
        import urllib3

        self._aws = aws
        self._wrappers = [
            _Wrapper(requests.Session, "send", self._record, self._enter),
            _Wrapper(urllib3.response.HTTPResponse, "read", self._record, self._enter),
        ]
        self._local = threading.local()

    def _enter(self) -> None:
        self._local.depth = getattr(self._local, "depth", 0) + 1

    def __enter__(self) -> HttpMeter:
        for wrapper in self._wrappers:
            wrapper.install()
        return self

    def __exit__(self, *_: object) -> None:
        for wrapper in reversed(self._wrappers):
            wrapper.uninstall()

    def _record(self, _instance: Any, _args: tuple[Any, ...], seconds: float) -> None:
        self._local.depth -= 1
        if self._local.depth > 0 or self._aws.in_call:  # only the outermost: send reads the body itself
            return
        for reading in self._aws._open():
            reading.http_seconds += seconds


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p95: ``fraction=0.95``)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median and p95 in milliseconds of values in seconds."""
    if not values:
        return {"median_ms": float("nan"), "p95_ms": float("nan"), "n": 0}
    return {
        "median_ms": statistics.median(values) * 1000,
        "p95_ms": percentile(values, 0.95) * 1000,
        "n": len(values),
    }
