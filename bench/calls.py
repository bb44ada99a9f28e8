"""Counting and timing the AWS calls the handlers really make, and the HTTP calls of DigiD's back channel.

Every boto3 client's API call goes through ``botocore.client.BaseClient._make_api_call``; the meter wraps it
once for the whole process (clients created before and after alike), so nothing in the handlers changes.
"""

from __future__ import annotations

import base64
import math
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AwsMeter", "HttpMeter", "Reading", "dynamodb_item_bytes", "percentile", "summary"]


@dataclass
class Reading:
    """What happened inside one measured block: AWS calls by ``service:Operation`` and the time they took."""

    calls: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)  # DynamoDB's billed request units: "WRU", "RRU"
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
        observe: Callable[[Any, tuple[Any, ...]], Callable[[Any], None]] | None = None,
    ) -> None:
        self._owner, self._name, self._record, self._enter = owner, name, record, enter
        self._observe = observe  # sees the arguments before the call and its answer (None when it raised) after
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        original = getattr(self._owner, self._name)
        record, enter, observe = self._record, self._enter, self._observe

        def measured(instance: Any, *args: Any, **kwargs: Any) -> Any:
            if enter is not None:
                enter()
            after = observe(instance, args) if observe is not None else None
            answer = None
            started = time.perf_counter()
            try:
                answer = original(instance, *args, **kwargs)
                return answer
            finally:
                seconds = time.perf_counter() - started
                if after is not None:
                    after(answer)
                record(instance, args, seconds)

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

        self._wrapper = _Wrapper(BaseClient, "_make_api_call", self._record, self._enter_call, self._observe)

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

    def _observe(self, client: Any, args: tuple[Any, ...]) -> Callable[[Any], None] | None:
        """DynamoDB's request units of a call, from its request and the items as moto stores them (read from moto's
        backend, so no call is counted): see ``DynamoDbUnits``."""
        if client.meta.service_model.service_name != "dynamodb" or len(args) < 2 or not self._open():
            return None
        units = DynamoDbUnits(client.meta.region_name)
        finish = units.observe(str(args[0]), dict(args[1]))
        if finish is None:
            return None
        readings = list(self._open())

        def after(answer: Any) -> None:
            for unit, value in finish(answer).items():
                for reading in readings:
                    reading.units[unit] += value

        return after


_WRITE_KB, _READ_KB = 1024, 4096


def _value_bytes(kind: str, value: Any) -> int:
    """One attribute value's size as DynamoDB counts it (its developer guide, "Item sizes and formats")."""
    if kind == "S":
        return len(value.encode())
    if kind == "N":  # about one byte per two significant digits, plus one
        digits = str(value).lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":  # moto keeps the wire's base64 text (or bytes)
        return len(value) if isinstance(value, bytes) else len(base64.b64decode(value))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_bytes(kind[0], element) for element in value)
    if kind == "L":  # 3 bytes for the list, 1 per element
        return 3 + sum(1 + _attribute_bytes(element) for element in value)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + _attribute_bytes(element) for name, element in value.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def _attribute_bytes(attribute: Any) -> int:
    """A value as moto holds it (a ``DynamoType``) or as the wire has it (``{"S": "..."}``)."""
    if isinstance(attribute, dict):
        ((kind, value),) = attribute.items()
        return _value_bytes(kind, value)
    return _value_bytes(attribute.type, attribute.value)


def dynamodb_item_bytes(attributes: Any) -> int:
    """An item's size: its attribute names and values (a moto ``Item``'s ``attrs``, or the wire's item)."""
    return sum(len(name.encode()) + _attribute_bytes(value) for name, value in attributes.items())


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


class DynamoDbUnits:
    """The request units DynamoDB bills for one call (on demand), from the request and the items in moto in-process:

    - a standard write (PutItem, UpdateItem, DeleteItem, each BatchWriteItem request): 1 WRU per started KB of the
      larger of the item before and after (a refused conditional write is billed the same);
    - TransactWriteItems: 2 WRU per started KB of each item (Put, Update, Delete, ConditionCheck);
    - a strongly consistent read: 1 RRU per started 4 KB of the item (an eventually consistent one half), at least
      one unit for a missing item; BatchGetItem per item; TransactGetItems 2 per item; a Query by the returned
      items' full size together, a Scan by the whole table's size (a filter reads everything first).
    """

    def __init__(self, region: str) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]

    def _item(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        try:
            found = self._backend.get_item(table, key)
        except Exception:  # an unknown table or key: the call itself fails, and is billed nothing more
            return {}
        return dict(found.attrs) if found is not None else {}

    def _size(self, table: str, key: dict[str, Any]) -> int:
        return dynamodb_item_bytes(self._item(table, key))

    def _key_of(self, table: str, item: dict[str, Any]) -> dict[str, Any]:
        schema = self._backend.get_table(table)
        names = [schema.hash_key_attr, *([schema.range_key_attr] if schema.range_key_attr else [])]
        return {name: item[name] for name in names if name in item}

    def observe(self, operation: str, params: dict[str, Any]) -> Callable[[Any], dict[str, float]] | None:
        """Sizes before the call; the returned function gives the call's units from its answer (None: it raised)."""
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            table, key = params["TableName"], params.get("Key") or self._key_of(params["TableName"], params["Item"])
            before = self._size(table, key)
            return lambda _answer: {"WRU": _units(max(before, self._size(table, key)), _WRITE_KB)}
        if operation == "TransactWriteItems":
            writes = []
            for action in params["TransactItems"]:
                ((_kind, request),) = action.items()
                table = request["TableName"]
                key = request.get("Key") or self._key_of(table, request["Item"])
                size = dynamodb_item_bytes(request["Item"]) if "Item" in request else 0
                writes.append((table, key, max(size, self._size(table, key))))
            return lambda _answer: {
                "WRU": sum(2 * _units(max(size, self._size(table, key)), _WRITE_KB) for table, key, size in writes)
            }
        if operation == "BatchWriteItem":
            requests = [
                (
                    table,
                    request.get("DeleteRequest", {}).get("Key") or self._key_of(table, request["PutRequest"]["Item"]),
                )
                for table, requests in params["RequestItems"].items()
                for request in requests
            ]
            sizes = [self._size(table, key) for table, key in requests]
            return lambda _answer: {
                "WRU": sum(
                    _units(max(size, self._size(table, key)), _WRITE_KB)
                    for (table, key), size in zip(requests, sizes, strict=True)
                )
            }
        return self._reads(operation, params)

    def _reads(self, operation: str, params: dict[str, Any]) -> Callable[[Any], dict[str, float]] | None:
        def share(consistent: Any) -> float:
            return 1.0 if consistent else 0.5

        if operation == "GetItem":
            size = self._size(params["TableName"], params["Key"])
            return lambda _answer: {"RRU": share(params.get("ConsistentRead")) * _units(size, _READ_KB)}
        if operation == "BatchGetItem":
            rru = sum(
                share(request.get("ConsistentRead")) * _units(self._size(table, key), _READ_KB)
                for table, request in params["RequestItems"].items()
                for key in request["Keys"]
            )
            return lambda _answer: {"RRU": rru}
        if operation == "TransactGetItems":
            gets = [action["Get"] for action in params["TransactItems"]]
            rru = sum(2 * _units(self._size(get["TableName"], get["Key"]), _READ_KB) for get in gets)
            return lambda _answer: {"RRU": rru}
        if operation == "Query":
            table = params["TableName"]

            def query(answer: Any) -> dict[str, float]:
                items = (answer or {}).get("Items") or []
                size = sum(self._size(table, self._key_of(table, item)) for item in items)
                return {"RRU": share(params.get("ConsistentRead")) * _units(size, _READ_KB)}

            return query
        if operation == "Scan":
            everything = self._backend.get_table(params["TableName"])
            size = sum(dynamodb_item_bytes(item.attrs) for item in everything.all_items())
            return lambda _answer: {"RRU": share(params.get("ConsistentRead")) * _units(size, _READ_KB)}
        return None


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
