"""``ProofQueue`` on SQS: the message body is the proof request (sealed BSN at most, never in clear)."""

from __future__ import annotations

from typing import Any

from ..proof import ProofRequest
from .aws_errors import translated

__all__ = ["SqsProofQueue"]


class SqsProofQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, request: ProofRequest) -> None:
        with translated("SQS"):
            self._client.send_message(
                QueueUrl=self._queue_url,
                MessageBody=request.to_message(),
                MessageAttributes={"document_id": {"DataType": "String", "StringValue": str(request.document_id)}},
            )
