"""The conditional-write helper (adapters/dynamodb/table.py) on moto: how DynamoDB's answers become our errors.

A refused condition, single or in a transaction, is ``ConditionFailed`` (a ``ConcurrentUpdate`` with the caller's
message) and writes nothing; every other DynamoDB or network error is ``ServiceUnavailable`` naming DynamoDB and
never the request's data.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from legitimatie.adapters.dynamodb.codec import encode
from legitimatie.adapters.dynamodb.table import NEW, ConditionFailed, Table, delete, put
from legitimatie.errors import ConcurrentUpdate, ServiceUnavailable
from tests.integration.conftest import REGION, Aws


def _table(aws: Aws, name: str | None = None) -> Table:
    return Table(boto3.client("dynamodb", region_name=REGION), name or aws.table_name)


def _raw(aws: Aws, key: str) -> dict | None:
    answer = boto3.client("dynamodb", region_name=REGION).get_item(TableName=aws.table_name, Key={"pk": {"S": key}})
    return answer.get("Item")


def test_a_refused_put_is_a_concurrent_update_with_the_callers_message_and_writes_nothing(aws: Aws) -> None:
    # Given a record that exists
    table = _table(aws)
    table.commit([put(encode({"pk": "record#1", "value": "first"}), NEW)])
    # When a put that wants a new record is committed under the same key
    with pytest.raises(ConditionFailed, match="exists already") as refused:
        table.commit([put(encode({"pk": "record#1", "value": "second"}), NEW)], conflict="This record exists already.")
    # Then it is a ConcurrentUpdate, caused by DynamoDB's conditional check, and the first record stands
    assert isinstance(refused.value, ConcurrentUpdate)
    assert isinstance(refused.value.__cause__, ClientError)
    assert refused.value.__cause__.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert table.get("record#1") == {"pk": "record#1", "value": "first"}


def test_a_transaction_with_one_refused_condition_writes_none_of_its_parts(aws: Aws) -> None:
    # Given a record that exists
    table = _table(aws)
    table.commit([put(encode({"pk": "record#1", "value": "first"}))])
    # When one transaction puts a new record and a second one under the existing key, and deletes the first
    with pytest.raises(ConditionFailed, match="changed at the same time") as refused:
        table.commit(
            [
                put(encode({"pk": "record#2", "value": "new"}), NEW),
                put(encode({"pk": "record#3", "value": "new"}), NEW),
                delete("record#1", "#value = :other", {":other": "not first"}, {"#value": "value"}),
            ]
        )
    # Then DynamoDB cancelled it, and nothing of it was written
    assert isinstance(refused.value.__cause__, ClientError)
    assert refused.value.__cause__.response["Error"]["Code"] == "TransactionCanceledException"
    assert _raw(aws, "record#2") is None and _raw(aws, "record#3") is None
    assert table.get("record#1") == {"pk": "record#1", "value": "first"}


def test_a_transaction_whose_conditions_hold_writes_all_of_it(aws: Aws) -> None:
    table = _table(aws)
    table.commit([put(encode({"pk": "record#1", "n": 1}))])
    table.commit([put(encode({"pk": "record#2", "n": 2}), NEW), delete("record#1", "n = :one", {":one": 1})])
    assert table.get("record#1") is None and table.get("record#2") == {"pk": "record#2", "n": 2}


def test_a_refused_update_and_a_refused_take_change_nothing(aws: Aws) -> None:
    # Given a record with a count
    table = _table(aws)
    table.commit([put(encode({"pk": "record#1", "count": 1}))])
    count_is = {"condition": "#c = :expected", "names": {"#c": "count"}}
    # When an update expects another count, a take expects another count, and a take asks for a missing record
    with pytest.raises(ConditionFailed, match="no longer"):
        table.update(
            "record#1", "SET #c = :next", **count_is, values={":next": 3, ":expected": 2}, conflict="no longer"
        )
    with pytest.raises(ConditionFailed):
        table.take("record#1", condition="#c = :expected", names={"#c": "count"}, values={":expected": 2})
    with pytest.raises(ConditionFailed):
        table.take("record#9", condition="attribute_exists(pk)")
    # Then the record is as it was
    assert table.get("record#1") == {"pk": "record#1", "count": 1}
    # And an update and a take whose conditions hold return what they were asked for
    updated = table.update(
        "record#1", "SET #c = :next", **count_is, values={":next": 2, ":expected": 1}, returns="ALL_NEW"
    )
    assert updated == {"pk": "record#1", "count": 2}
    assert table.take("record#1", condition="attribute_exists(pk)") == {"pk": "record#1", "count": 2}
    assert table.get("record#1") is None


def test_any_other_dynamodb_error_is_service_unavailable_naming_no_data(aws: Aws) -> None:
    # Given a table name that does not exist (ResourceNotFoundException) and an invalid expression (ValidationException)
    missing = _table(aws, "no-such-table")
    calls = [
        lambda: missing.get("session#secret-key"),
        lambda: missing.commit([put(encode({"pk": "session#secret-key"}), NEW)]),
        lambda: missing.commit([put(encode({"pk": "session#secret-key"})), put(encode({"pk": "session#other"}))]),
        lambda: list(missing.scan("expires_at <= :now", {":now": 1})),
        lambda: _table(aws).update("session#secret-key", "SET = nonsense"),
    ]
    for call in calls:
        with pytest.raises(ServiceUnavailable) as failed:
            call()
        # Then it is retryable, not a conflict, and says which service failed but nothing of the request
        assert not isinstance(failed.value, ConcurrentUpdate)
        assert "DynamoDB" in failed.value.message and "secret-key" not in failed.value.message
        assert isinstance(failed.value.__cause__, ClientError)


def test_a_network_failure_is_service_unavailable(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a client whose endpoint cannot be reached
    client = boto3.client("dynamodb", region_name=REGION)

    def unreachable(*args: object, **kwargs: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")

    monkeypatch.setattr(client, "put_item", unreachable)
    # When a write is committed, Then it is ServiceUnavailable (not a conflict)
    with pytest.raises(ServiceUnavailable) as failed:
        Table(client, aws.table_name).commit([put(encode({"pk": "record#1"}), NEW)])
    assert not isinstance(failed.value, ConcurrentUpdate)
    assert isinstance(failed.value.__cause__, EndpointConnectionError)


def test_scans_and_batches_go_past_one_page(aws: Aws) -> None:
    # Given more records than one batch (25) holds
    table = _table(aws)
    for number in range(30):
        table.commit([put(encode({"pk": f"record#{number}", "expires_at": number}))])
    # Then a scan sees all that match, a batch get finds those asked for, and a batch delete removes them all
    expired = [record["pk"] for record in table.scan("expires_at < :now", {":now": 28}, projection="pk")]
    assert sorted(expired) == sorted(f"record#{number}" for number in range(28))
    assert set(table.get_many(["record#1", "record#29", "record#99"])) == {"record#1", "record#29"}
    assert table.delete_many(expired) == 28
    assert [record["pk"] for record in table.scan("attribute_exists(pk)", {})] in (
        ["record#28", "record#29"],
        ["record#29", "record#28"],
    )


def _leaving_unprocessed(real, table_name: str, key: str, times: int) -> tuple[list[dict], object]:
    """DynamoDB under throttling: the real call on moto, except that ``key`` is left unprocessed ``times`` times."""
    calls: list[dict] = []

    def call(**kwargs: object) -> dict:
        calls.append(kwargs)
        requests = kwargs["RequestItems"][table_name]
        if len(calls) > times:
            return real(**kwargs)
        if "Keys" in requests:  # BatchGetItem
            kept = [k for k in requests["Keys"] if k["pk"]["S"] != key]
            left = {"Keys": [k for k in requests["Keys"] if k["pk"]["S"] == key], "ConsistentRead": True}
            answer = real(RequestItems={table_name: {**requests, "Keys": kept}}) if kept else {"Responses": {}}
            return {**answer, "UnprocessedKeys": {table_name: left}}
        kept = [r for r in requests if r["DeleteRequest"]["Key"]["pk"]["S"] != key]
        left = [r for r in requests if r["DeleteRequest"]["Key"]["pk"]["S"] == key]
        answer = real(RequestItems={table_name: kept}) if kept else {}
        return {**answer, "UnprocessedItems": {table_name: left}}

    return calls, call


def test_keys_left_unprocessed_are_asked_again_and_still_missing_ones_are_service_unavailable(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three records, and DynamoDB leaving one key unprocessed on the first answer
    table = _table(aws)
    for number in range(3):
        table.commit([put(encode({"pk": f"record#{number}"}))])
    calls, call = _leaving_unprocessed(table.client.batch_get_item, aws.table_name, "record#2", times=1)
    monkeypatch.setattr(table.client, "batch_get_item", call)
    # When the three are read in one batch, Then all three are found, the second call asking for the one left only
    assert set(table.get_many(["record#0", "record#1", "record#2"])) == {"record#0", "record#1", "record#2"}
    assert [len(c["RequestItems"][aws.table_name]["Keys"]) for c in calls] == [3, 1]
    # And when the key stays unprocessed on every try, the read is retryable rather than a missing record
    calls, call = _leaving_unprocessed(table.client.batch_get_item, aws.table_name, "record#2", times=99)
    monkeypatch.setattr(table.client, "batch_get_item", call)
    with pytest.raises(ServiceUnavailable):
        table.get_many(["record#0", "record#2"])
    assert len(calls) == 5


def test_a_batch_deletion_sends_unprocessed_keys_again_and_counts_only_what_was_deleted(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three records, one of which DynamoDB never processes
    table = _table(aws)
    for number in range(3):
        table.commit([put(encode({"pk": f"record#{number}"}))])
    calls, call = _leaving_unprocessed(table.client.batch_write_item, aws.table_name, "record#2", times=99)
    monkeypatch.setattr(table.client, "batch_write_item", call)
    # When the three are deleted
    deleted = table.delete_many(["record#0", "record#1", "record#2"])
    # Then the two were deleted and counted, the third was sent again (five calls in all) and is still there
    assert deleted == 2 and len(calls) == 5
    assert table.get("record#0") is None and table.get("record#2") == {"pk": "record#2"}
