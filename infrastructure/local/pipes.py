"""The local stand-in for EventBridge Pipes (``AWS::Pipes::Pipe``) from a DynamoDB stream to an SQS queue.

Each pipe of the template whose source is a local table's stream and whose target a local queue reads the stream from
moto as Lambda's stream mapping does (``live.StreamPoller``: its own shard iterators, the pipe's ``FilterCriteria``),
and sends every record the filter lets through to the queue as the pipe's target gets it: the stream record as JSON
(the template sets no input template). A failed send is logged; as in AWS, the sweep covers a record the pipe lost.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .live import StreamPoller, _logical_id, matches_filter
from .provision import ResourceRegistry
from .template import Template

__all__ = ["PipeTarget", "insert_record", "passes_filter", "pipe_message", "start_pipes"]

log = logging.getLogger(__name__)


def insert_record(key: str, stream_arn: str, region: str, sequence: int = 1) -> dict[str, Any]:
    """A keys-only stream record of an item's insert, as the pipe gets it from the stream (where the streams API is
    not served: moto in-process, the bench)."""
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": {"pk": {"S": key}},
            "SequenceNumber": str(sequence),
            "SizeBytes": len(key) + 2,
            "StreamViewType": "KEYS_ONLY",
        },
        "eventSourceARN": stream_arn,
    }


def passes_filter(properties: dict[str, Any], record: dict[str, Any]) -> bool:
    """Whether the pipe (its template properties) lets ``record`` through to its target."""
    filters = ((properties.get("SourceParameters") or {}).get("FilterCriteria") or {}).get("Filters") or []
    return not filters or any(matches_filter(json.loads(f["Pattern"]), record) for f in filters)


def pipe_message(record: dict[str, Any]) -> str:
    """The message body a pipe without an input template sends its SQS target for one stream record."""
    return json.dumps(record, sort_keys=True, default=str)


@dataclass(frozen=True)
class PipeTarget:
    """The pipe's SQS target: one SendMessageBatch per batch of up to 10 records."""

    sqs: Any
    queue_url: str

    def __call__(self, pipe: str, event: dict[str, Any]) -> dict[str, Any]:
        records = event["Records"]
        failed: list[dict[str, str]] = []
        for start in range(0, len(records), 10):
            batch = records[start : start + 10]
            answer = self.sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(index), "MessageBody": pipe_message(r)} for index, r in enumerate(batch)],
            )
            failed += [{"itemIdentifier": batch[int(f["Id"])]["eventID"]} for f in answer.get("Failed", [])]
        if failed:
            log.warning("Pipe %s could not send %d stream records", pipe, len(failed))
        return {"batchItemFailures": failed}


def start_pipes(template: Template, registry: ResourceRegistry, client: Callable[[str], Any]) -> list[StreamPoller]:
    """One stream reader per pipe of the template from a local table's stream to a local queue."""
    pollers = []
    for logical_id, resource in template.resources_of_type("AWS::Pipes::Pipe"):
        properties = resource.get("Properties") or {}
        table, queue = _logical_id(properties.get("Source")), _logical_id(properties.get("Target"))
        if table is None or queue is None:
            continue
        if (
            registry[table].resource_type != "AWS::DynamoDB::Table"
            or registry[queue].resource_type != "AWS::SQS::Queue"
        ):
            continue
        stream_arn = registry[table].attributes.get("StreamArn")
        if not stream_arn:
            continue
        if (properties.get("TargetParameters") or {}).get("InputTemplate"):
            raise ValueError(f"{logical_id}: input templates are not emulated locally")
        source = properties.get("SourceParameters") or {}
        filters = (source.get("FilterCriteria") or {}).get("Filters") or []
        poller = StreamPoller(
            function=logical_id,
            stream_arn=str(stream_arn),
            batch_size=int((source.get("DynamoDBStreamParameters") or {}).get("BatchSize", 10)),
            patterns=[json.loads(f["Pattern"]) for f in filters],
            streams=client("dynamodbstreams"),
            invoke=PipeTarget(client("sqs"), str(registry[queue].attributes["QueueUrl"])),
        )
        pollers.append(poller.start())
    return pollers
