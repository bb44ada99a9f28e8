"""The one conditional-write helper: a table's reads and writes, through the codec, with every error translated.

A write whose condition does not hold (``ConditionalCheckFailedException``, or a transaction cancelled:
``TransactionCanceledException``) raises ``ConditionFailed``, a ``ConcurrentUpdate`` carrying the caller's message, so
a repository either lets it through as the domain error or catches it where a refused condition is an answer ("already
taken", "already delivered"). Every other DynamoDB or network error raises ``ServiceUnavailable``; messages never hold
the request's data.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ...clock import to_epoch
from ...errors import ConcurrentUpdate
from ..aws_errors import error_code, translated, unavailable
from ..backoff import Sleep, delay
from .codec import Item, Record, decode, encode_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["NEW", "ConditionFailed", "Table", "Write", "delete", "expiry", "is_live", "put", "update"]

NEW = "attribute_not_exists(pk)"
"""The condition of a record that must not exist yet."""
Write = tuple[str, dict[str, Any]]
"""One write of a transaction: its action (``Put``, ``Update``, ``Delete``) and arguments, without the table's name."""

# A transaction is cancelled as a whole, whichever of its parts was refused: as before this package, every
# cancellation counts as a refused condition.
_CONDITION_FAILED = ("ConditionalCheckFailedException", "TransactionCanceledException")
_CONFLICT = "The record was changed at the same time; please try again."
_ATTEMPTS = 5  # a batch's unprocessed keys (throttling) are sent again this many times in all


class ConditionFailed(ConcurrentUpdate):
    """DynamoDB refused a write because its condition did not hold; nothing was written.

    ``refusals``: for a cancelled transaction, each write's reason in order (``Code``, and ``Item``: the record as
    the refused condition found it, where the write asked for it), as DynamoDB tells them; empty otherwise.
    ``found``: for a single write that asked for it (``Table.update``'s ``found_when_refused``), the record as the
    refused condition found it; None when there was none."""

    refusals: tuple[dict[str, Any], ...] = ()
    found: Record | None = None

    def refused_record(self, index: int) -> tuple[bool, Record | None]:
        """Whether the transaction's write ``index`` was refused by its own condition, and the record it found
        (None: there was none, or the write did not ask for it)."""
        if index >= len(self.refusals) or self.refusals[index].get("Code") != "ConditionalCheckFailed":
            return False, None
        item = self.refusals[index].get("Item")
        return True, decode(item) if item else None


@contextmanager
def _dynamodb(conflict: str = _CONFLICT) -> Iterator[None]:
    with translated("DynamoDB"):
        try:
            yield
        except ClientError as exc:
            if error_code(exc) in _CONDITION_FAILED:
                failed = ConditionFailed(conflict)
                failed.refusals = tuple(exc.response.get("CancellationReasons") or ())  # type: ignore[arg-type]
                item: Any = exc.response.get("Item")  # a refused single write's, where it asked for it
                failed.found = decode(item) if item else None
                raise failed from exc
            raise


def expiry(moment: datetime) -> dict[str, int]:
    """The attributes every item carries: ``expires_at``, checked at every read, and ``ttl``, for DynamoDB to tidy
    up late (within days; moto never does)."""
    return {"expires_at": to_epoch(moment), "ttl": to_epoch(moment)}


def is_live(record: Record, now: datetime) -> bool:
    return bool(record["expires_at"] > to_epoch(now))


def _key(key: str) -> Item:
    return {"pk": {"S": key}}


def _conditions(condition: str | None, values: Mapping[str, object], names: Mapping[str, str]) -> dict[str, Any]:
    """The condition and expression arguments of one call; only those that are set (DynamoDB refuses empty ones)."""
    arguments: dict[str, Any] = {}
    if condition is not None:
        arguments["ConditionExpression"] = condition
    if values:
        arguments["ExpressionAttributeValues"] = {name: encode_value(value) for name, value in values.items()}
    if names:
        arguments["ExpressionAttributeNames"] = dict(names)
    return arguments


def put(
    item: Item,
    condition: str | None = None,
    values: Mapping[str, object] | None = None,
    names: Mapping[str, str] | None = None,
) -> Write:
    """A put of a whole item (already typed: the item forms), only if ``condition`` holds."""
    return "Put", {"Item": item, **_conditions(condition, values or {}, names or {})}


def update(
    key: str,
    expression: str,
    condition: str,
    values: Mapping[str, object],
    names: Mapping[str, str] | None = None,
) -> Write:
    """A transaction's update of the record under ``key``, only if ``condition`` holds; when it does not, DynamoDB
    returns the record as it found it (``ConditionFailed.refused_record``): no read to tell why."""
    arguments = {"Key": _key(key), "UpdateExpression": expression, **_conditions(condition, values, names or {})}
    return "Update", {**arguments, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}


def delete(
    key: str,
    condition: str | None = None,
    values: Mapping[str, object] | None = None,
    names: Mapping[str, str] | None = None,
) -> Write:
    """A deletion of the record under ``key``, only if ``condition`` holds."""
    return "Delete", {"Key": _key(key), **_conditions(condition, values or {}, names or {})}


class Table:
    """One table, key ``pk`` (a string), through one client: records in, records out."""

    def __init__(self, client: DynamoDBClient, name: str, *, sleep: Sleep = time.sleep) -> None:
        self.client = client
        self.name = name
        self._sleep = sleep  # between retries of unprocessed deletes (tests pass their own)

    def commit(self, writes: Sequence[Write], *, conflict: str = _CONFLICT) -> None:
        """All the writes or none: one write is one call (half the units of a transaction), more are one
        transaction. ``ConditionFailed(conflict)`` when any condition does not hold."""
        actions = [(action, {"TableName": self.name, **arguments}) for action, arguments in writes]
        with _dynamodb(conflict):
            if len(actions) == 1:
                [(action, arguments)] = actions
                if action == "Put":
                    self.client.put_item(**arguments)
                elif action == "Update":
                    self.client.update_item(**arguments)
                else:
                    self.client.delete_item(**arguments)
            else:
                transaction: list[Any] = [{action: arguments} for action, arguments in actions]
                self.client.transact_write_items(TransactItems=transaction)

    def update(
        self,
        key: str,
        expression: str,
        *,
        condition: str | None = None,
        values: Mapping[str, object] | None = None,
        names: Mapping[str, str] | None = None,
        returns: str | None = None,
        found_when_refused: bool = False,
        conflict: str = _CONFLICT,
    ) -> Record:
        """One UpdateItem; the attributes ``returns`` asks for (``ALL_OLD``, ``UPDATED_NEW``, …), else ``{}``.
        ``found_when_refused``: a refused condition's ``ConditionFailed`` carries the record as it found it
        (``found``), in the same call."""
        arguments = {
            "TableName": self.name,
            "Key": _key(key),
            "UpdateExpression": expression,
            **_conditions(condition, values or {}, names or {}),
        }
        if returns is not None:
            arguments["ReturnValues"] = returns
        if found_when_refused:
            arguments["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        with _dynamodb(conflict):
            answer = self.client.update_item(**arguments)
        return decode(answer.get("Attributes", {}))

    def take(
        self,
        key: str,
        *,
        condition: str,
        values: Mapping[str, object] | None = None,
        names: Mapping[str, str] | None = None,
        conflict: str = _CONFLICT,
    ) -> Record:
        """Delete the record only if ``condition`` holds, and return it as it was."""
        arguments = {"TableName": self.name, "Key": _key(key), **_conditions(condition, values or {}, names or {})}
        with _dynamodb(conflict):
            answer = self.client.delete_item(**arguments, ReturnValues="ALL_OLD")
        return decode(answer.get("Attributes", {}))

    def delete(self, key: str) -> None:
        with _dynamodb():
            self.client.delete_item(TableName=self.name, Key=_key(key))

    def get(self, key: str) -> Record | None:
        """The record under ``key`` (a strongly consistent read), or None."""
        with _dynamodb():
            answer = self.client.get_item(TableName=self.name, Key=_key(key), ConsistentRead=True)
        item = answer.get("Item")
        return decode(item) if item is not None else None

    def get_many(self, keys: Sequence[str]) -> dict[str, Record]:
        """One BatchGetItem (strongly consistent) for these keys, by key; keys left unprocessed (throttling) are asked
        again, and ``ServiceUnavailable`` when some still are after that."""
        pending: list[Any] = [_key(key) for key in keys]
        found: dict[str, Record] = {}
        with _dynamodb():
            for _ in range(_ATTEMPTS):
                answer = self.client.batch_get_item(RequestItems={self.name: {"Keys": pending, "ConsistentRead": True}})
                for item in answer.get("Responses", {}).get(self.name, []):
                    record = decode(item)
                    found[record["pk"]] = record
                unprocessed: Any = answer.get("UnprocessedKeys", {})
                pending = list(unprocessed.get(self.name, {}).get("Keys", []))
                if not pending:
                    return found
        raise unavailable("DynamoDB")

    def delete_many(self, keys: Sequence[str]) -> int:
        """BatchWriteItem deletions, 25 keys a call; how many were deleted (unprocessed ones are sent again a few
        times, then left for the next run)."""
        deleted = 0
        with _dynamodb():
            for start in range(0, len(keys), 25):
                batch = keys[start : start + 25]
                requests: list[Any] = [{"DeleteRequest": {"Key": _key(key)}} for key in batch]
                for attempt in range(_ATTEMPTS):
                    if attempt:  # DynamoDB left some unprocessed (throttled): back off before asking again
                        self._sleep(delay(attempt))
                    answer = self.client.batch_write_item(RequestItems={self.name: requests})
                    requests = list(answer.get("UnprocessedItems", {}).get(self.name, []))
                    if not requests:
                        break
                deleted += len(batch) - len(requests)
        return deleted

    def scan(
        self,
        condition: str,
        values: Mapping[str, object],
        *,
        names: Mapping[str, str] | None = None,
        projection: str | None = None,
        consistent: bool = False,
    ) -> Iterator[Record]:
        """Every record that passes the filter ``condition``, page by page."""
        arguments: dict[str, Any] = {"TableName": self.name, "FilterExpression": condition}
        arguments |= _conditions(None, values, names or {})
        if projection is not None:
            arguments["ProjectionExpression"] = projection
        if consistent:
            arguments["ConsistentRead"] = True
        yield from self._pages("scan", arguments)

    def query(
        self,
        index: str,
        key_condition: str,
        values: Mapping[str, object],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        projection: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Record]:
        """The records of an index that match ``key_condition`` (and the filter ``condition``), page by page."""
        arguments: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": index,
            "KeyConditionExpression": key_condition,
        }
        arguments |= _conditions(None, values, names or {})
        if condition is not None:
            arguments["FilterExpression"] = condition
        if projection is not None:
            arguments["ProjectionExpression"] = projection
        if page_size is not None:
            arguments["Limit"] = page_size
        yield from self._pages("query", arguments)

    def _pages(self, operation: str, arguments: dict[str, Any]) -> Iterator[Record]:
        call = getattr(self.client, operation)
        with _dynamodb():
            while True:
                page = call(**arguments)
                yield from (decode(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return
                arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]
