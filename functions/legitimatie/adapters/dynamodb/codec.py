"""The one item codec: plain Python values to DynamoDB's typed attribute values and back.

boto3's ``TypeSerializer``/``TypeDeserializer`` do the marshalling. What they give back that the rest of our code
should not see is converted here, and only here: numbers come back as ``Decimal`` (we store whole numbers only:
epoch seconds, counts, levels, so they become ``int``; anything else is refused), bytes as ``Binary`` (they become
``bytes``), in sets, lists and maps too. A top-level ``None`` means "no such attribute": it is left out of the item,
and an absent attribute reads as absent, so a record's optional fields round-trip as missing keys.

boto3 (and so ``boto3.dynamodb.types``) is imported on the first encode or decode, not when this module is: a cold
start that never reaches DynamoDB does not pay for it, and one that does would import boto3 for its client anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

__all__ = ["Item", "Record", "decode", "encode", "encode_value"]

Item = dict[str, Any]
"""An item as the DynamoDB API speaks it: ``{"pk": {"S": "session#…"}, "attempts_left": {"N": "3"}}``."""
Record = dict[str, Any]
"""The same item in plain Python values: ``{"pk": "session#…", "attempts_left": 3}``."""


@cache
def _serializer() -> TypeSerializer:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


@cache
def _deserializer() -> TypeDeserializer:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def encode(record: Mapping[str, object]) -> Item:
    """The typed item of a record; attributes whose value is ``None`` are left out."""
    serializer = _serializer()
    return {name: dict(serializer.serialize(value)) for name, value in record.items() if value is not None}


def encode_value(value: object) -> dict[str, Any]:
    """One typed attribute value (an expression's ``:value``); ``None`` is refused: say "absent" in the condition."""
    if value is None:
        raise ValueError("an expression value cannot be None")
    return dict(_serializer().serialize(value))


def decode(item: Mapping[str, Any]) -> Record:
    """The record of a typed item: ``int`` for numbers, ``bytes`` for binary values, at any depth."""
    deserializer = _deserializer()
    return {name: _plain(deserializer.deserialize(value)) for name, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError("a stored number is not a whole number")
        return int(value)
    if isinstance(value, bool | str | bytes | int) or value is None:
        return value
    if isinstance(value, set | frozenset):
        return {_plain(member) for member in value}
    if isinstance(value, list):
        return [_plain(member) for member in value]
    if isinstance(value, dict):
        return {name: _plain(member) for name, member in value.items()}
    from boto3.dynamodb.types import Binary

    if isinstance(value, Binary):
        return bytes(value.value)  # type: ignore[attr-defined]  # boto3-stubs leave Binary.value out
    raise TypeError(f"not a stored value: {type(value).__name__}")
