"""The local stand-in for Lambda's SQS event source mappings (``AWS::Lambda::EventSourceMapping``).

For each mapping in the template, a daemon thread long-polls the queue in moto, hands each batch to the function as
the SQS event Lambda would send (with ``ApproximateReceiveCount``), and deletes the messages the function did not
report in ``batchItemFailures``. Failed ones come back after the queue's visibility timeout and end in the
dead-letter queue by the queue's own redrive policy, as in AWS. So ``make run`` makes proofs too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .provision import ResourceRegistry
from .template import Template

__all__ = ["QueuePoller", "start_queue_pollers"]

log = logging.getLogger(__name__)
Invoke = Callable[[str, dict[str, Any]], Any]


def _logical_id(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


@dataclass
class QueuePoller:
    function: str
    queue_url: str
    batch_size: int
    sqs: Any
    invoke: Invoke
    wait_seconds: int = 1

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sqs-{self.function}", daemon=True)

    def start(self) -> QueuePoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=self.wait_seconds + 5)

    def poll_once(self) -> int:
        """One receive and one invocation; returns how many messages were handed over."""
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                }
                for m in messages
            ]
        }
        try:
            result = self.invoke(self.function, event) or {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        except Exception:  # an unhandled error fails the whole batch, as in Lambda
            log.exception("%s failed on an SQS batch", self.function)
            failed = {m["MessageId"] for m in messages}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:  # moto going away at shutdown, for one
                if not self._stopping.wait(1):
                    log.exception("Polling %s for %s failed", self.queue_url, self.function)


def start_queue_pollers(
    template: Template, registry: ResourceRegistry, client: Callable[[str], Any], invoke: Invoke
) -> list[QueuePoller]:
    """Start one poller per SQS event source mapping of the template whose function and queue exist locally."""
    pollers = []
    for _, resource in template.resources_of_type("AWS::Lambda::EventSourceMapping"):
        properties = resource.get("Properties") or {}
        function = _logical_id(properties.get("FunctionName"))
        queue = _logical_id(properties.get("EventSourceArn"))
        if function is None or queue is None or registry[queue].resource_type != "AWS::SQS::Queue":
            continue
        poller = QueuePoller(
            function=function,
            queue_url=str(registry[queue].attributes["QueueUrl"]),
            batch_size=min(int(properties.get("BatchSize", 10)), 10),
            sqs=client("sqs"),
            invoke=invoke,
        )
        pollers.append(poller.start())
    return pollers
