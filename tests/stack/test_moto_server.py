"""The local stack's moto server: DynamoDB requests one at a time (moto's DynamoDB backend is not thread-safe), the
other services concurrent, and the real server answering both."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from infrastructure.local.moto_server import MotoServer, one_dynamodb_request_at_a_time


class _Overlap:
    """A WSGI app that holds each request a moment and records how many were inside it at once, per target."""

    def __init__(self) -> None:
        self.inside: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", "none")).split("_")[0]
        with self._lock:
            self.inside[target] = self.inside.get(target, 0) + 1
            self.most[target] = max(self.most.get(target, 0), self.inside[target])
        time.sleep(0.05)
        with self._lock:
            self.inside[target] -= 1
        start_response("200 OK", [])
        return [b"{}"]


def _requests(app: Callable[..., Iterable[bytes]], target: str, count: int) -> None:
    def one(_: int) -> list[bytes]:
        return list(app({"HTTP_X_AMZ_TARGET": target}, lambda *args: None))

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(one, range(count)))


def test_dynamodb_requests_are_served_one_at_a_time() -> None:
    # Given moto's app behind the lock, when eight DynamoDB and eight DynamoDB Streams requests arrive at once
    inner = _Overlap()
    app = one_dynamodb_request_at_a_time(inner)
    _requests(app, "DynamoDB_20120810.TransactWriteItems", 8)
    _requests(app, "DynamoDBStreams_20120810.GetRecords", 8)
    # Then never two were inside moto together
    assert inner.most == {"DynamoDB": 1, "DynamoDBStreams": 1}


def test_other_services_stay_concurrent() -> None:
    # Given the same lock, when eight SQS requests (long polls among them) arrive at once, then they overlap
    inner = _Overlap()
    _requests(one_dynamodb_request_at_a_time(inner), "AmazonSQS.ReceiveMessage", 8)
    assert inner.most["AmazonSQS.ReceiveMessage"] > 1


def test_concurrent_transactions_on_the_real_server_all_succeed() -> None:
    # Given the local stack's moto server with a table
    server = MotoServer(isolated=True)
    url = server.start()
    try:
        client = boto3.client(
            "dynamodb", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

        def write(index: int) -> None:
            items = [{"Put": {"TableName": "t", "Item": {"pk": {"S": f"{index}-{n}"}}}} for n in range(2)]
            client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]

        # When 40 transactions and puts run from 20 threads at once
        with ThreadPoolExecutor(20) as pool:
            list(pool.map(write, range(40)))
        # Then every one was written (a race in moto answers 500, which boto3's retries may not outlast)
        assert client.scan(TableName="t", Select="COUNT")["Count"] == 80
    finally:
        server.stop()


def test_a_cancelled_transaction_streams_nothing_and_later_writes_reach_the_streams_readers() -> None:
    # Given the local stack's moto server with a streamed table, and a reader of its stream from the start
    server = MotoServer(isolated=True)
    url = server.start()
    try:
        keys = {"endpoint_url": url, "region_name": "eu-west-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
        client = boto3.client("dynamodb", **keys)
        streams = boto3.client("dynamodbstreams", **keys)
        table = client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        )
        arn = table["TableDescription"]["LatestStreamArn"]
        [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        # When a transaction is cancelled (its first write refused, its second a new item), then an item is put
        refused = {"TableName": "t", "Key": {"pk": {"S": "none"}}, "ConditionExpression": "attribute_exists(pk)"}
        new = {"TableName": "t", "Item": {"pk": {"S": "phantom"}}}
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(TransactItems=[{"ConditionCheck": refused}, {"Put": new}])  # type: ignore[list-item]
        client.put_item(TableName="t", Item={"pk": {"S": "real"}})
        # Then the reader sees the real item's INSERT only, as DynamoDB streams nothing of a cancelled transaction
        records = streams.get_records(ShardIterator=iterator)["Records"]
        assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [("INSERT", "real")]
    finally:
        server.stop()
