"""The scheduled sweep (every 15 minutes, template: ``SweepExpiredRecords``): delete every record past its expiry
(DynamoDB TTL is late), and queue again every proof whose queue message may have been lost (still pending minutes
after its hand-over). The services record the audit event and the metrics.

The handler loads this module on the schedule's path only: a close's cold start does not build the resend's types."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from legitimatie.adapters.dynamodb import DynamoDbProofRecords
from legitimatie.adapters.sqs import SqsProofQueue
from legitimatie.clock import utc_now
from legitimatie.proofs.services import resend_pending
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.observability import audit_trail, counts, logger
from legitimatie.runtime.proof_settings import ProofOutboxSettings
from legitimatie.sessions.services import sweep_expired
from outcome.store import store

__all__ = ["pending_proofs", "sweep"]


@cache
def pending_proofs() -> tuple[DynamoDbProofRecords, SqsProofQueue]:
    settings = ProofOutboxSettings.from_env(os.environ)
    records = DynamoDbProofRecords(aws_client("dynamodb"), settings.table_name)
    return records, SqsProofQueue(aws_client("sqs"), settings.proof_queue_url)


def sweep() -> dict[str, Any]:
    now = utc_now()
    deleted = sweep_expired(records=store(), audit=audit_trail, metrics=counts, now=now)
    logger.info("Expired records swept", extra={"deleted": deleted})
    records, queue = pending_proofs()
    resent = resend_pending(records=records, queue=queue, metrics=counts, now=now)
    if resent:  # a queue message did not follow its commit: worth a look (document ids only, no personal data)
        logger.warning(
            "Pending proofs queued again", extra={"resent": len(resent), "document_ids": [str(d) for d in resent]}
        )
    return {"deleted": deleted, "resent": len(resent)}
