"""The records on DynamoDB: one table, key ``pk``, every item with ``expires_at`` (checked at every read) and a TTL.

- ``codec``: the one item codec (boto3's ``TypeSerializer``/``TypeDeserializer``, converted to plain values);
- ``table``: the one conditional-write helper (``Table``): reads and writes through the codec, a refused condition as
  ``ConditionFailed`` (a ``ConcurrentUpdate``), every other error as ``ServiceUnavailable``;
- ``items``: the stored forms of sessions and the login's records (a proof's is in ``proofs``);
- ``sessions``, ``logins``, ``pending_logins``, ``proofs``: the repositories (the core's Protocols) built on those.

``from legitimatie.adapters.dynamodb import DynamoDbSessionRepository`` (or any name below) loads only the module that
defines it, on first use: a function imports no more of this package than it needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .items import identification_item, result_item, session_from_item, session_key, session_to_item
    from .live import DynamoDbLiveChannels
    from .logins import DynamoDbIdentifications, DynamoDbResidentResults
    from .pending_logins import DynamoDbPendingLogins
    from .proofs import PENDING_INDEX, PROOF_KEY_PREFIX, DynamoDbProofOutbox, DynamoDbProofRecords, proof_item
    from .sessions import DynamoDbSessionRepository

__all__ = [
    "PENDING_INDEX",
    "PROOF_KEY_PREFIX",
    "DynamoDbIdentifications",
    "DynamoDbLiveChannels",
    "DynamoDbPendingLogins",
    "DynamoDbProofOutbox",
    "DynamoDbProofRecords",
    "DynamoDbResidentResults",
    "DynamoDbSessionRepository",
    "identification_item",
    "proof_item",
    "result_item",
    "session_from_item",
    "session_key",
    "session_to_item",
]

_HOME = {
    "PENDING_INDEX": "proofs",
    "PROOF_KEY_PREFIX": "proofs",
    "DynamoDbIdentifications": "logins",
    "DynamoDbLiveChannels": "live",
    "DynamoDbPendingLogins": "pending_logins",
    "DynamoDbProofOutbox": "proofs",
    "DynamoDbProofRecords": "proofs",
    "DynamoDbResidentResults": "logins",
    "DynamoDbSessionRepository": "sessions",
    "identification_item": "items",
    "proof_item": "proofs",
    "result_item": "items",
    "session_from_item": "items",
    "session_key": "items",
    "session_to_item": "items",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value
