"""The sweep's deletes back off when DynamoDB leaves items unprocessed (throttling): botocore treats such an answer
as a success, so its own retry never covers it. The real adapter on a real (stubbed, offline) DynamoDB client."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from botocore.stub import ANY, Stubber

from legitimatie.adapters.backoff import MAX_DELAY, delay
from legitimatie.adapters.dynamodb import DynamoDbSessionRepository

TABLE = "legitimatie-test"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
KEYS = [{"pk": {"S": f"session#{n}"}} for n in range(3)]


def _client_answering(unprocessed: list[int]) -> tuple[object, Stubber]:
    """A DynamoDB client whose scan finds KEYS and whose batch writes leave the first ``n`` keys unprocessed."""
    client = boto3.client(
        "dynamodb", region_name="eu-central-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    stub = Stubber(client)
    stub.add_response(
        "scan",
        {"Items": KEYS},
        {"TableName": TABLE, "FilterExpression": ANY, "ExpressionAttributeValues": ANY, "ProjectionExpression": "pk"},
    )
    for left in unprocessed:
        requests = [{"DeleteRequest": {"Key": key}} for key in KEYS[:left]]
        stub.add_response(
            "batch_write_item", {"UnprocessedItems": {TABLE: requests} if left else {}}, {"RequestItems": ANY}
        )
    stub.activate()
    return client, stub


def test_unprocessed_deletes_are_retried_after_a_growing_pause() -> None:
    # Given DynamoDB that leaves two, then one, then no items unprocessed
    client, stub = _client_answering([2, 1, 0])
    pauses: list[float] = []
    repo = DynamoDbSessionRepository(client, TABLE, sleep=pauses.append)  # type: ignore[arg-type]
    # When the sweep deletes the expired records
    deleted = repo.delete_expired(NOW)
    # Then every record is deleted, after a pause before each retry, each longer than the one before
    assert deleted == 3 and pauses == [delay(1), delay(2)] and pauses[0] < pauses[1]
    stub.assert_no_pending_responses()


def test_the_retries_are_bounded_and_report_what_was_left() -> None:
    # Given DynamoDB that keeps leaving one item unprocessed
    client, stub = _client_answering([1, 1, 1, 1, 1])
    pauses: list[float] = []
    deleted = DynamoDbSessionRepository(client, TABLE, sleep=pauses.append).delete_expired(NOW)  # type: ignore[arg-type]
    # Then it gives up after five tries, four pauses, none longer than the cap, and counts only what went
    assert deleted == 2 and len(pauses) == 4 and all(0 < pause <= MAX_DELAY for pause in pauses)
    assert pauses == sorted(pauses)
    stub.assert_no_pending_responses()
