"""Audit forwarder: copies the functions' audit lines into the dedicated audit log group.

CloudWatch Logs invokes it through the subscription filters in template.yaml with a gzipped batch of log
events that matched ``{ $.log_type = "audit" }``. A failure raises, so Lambda retries the batch (async
invocation); events are written to a stream named after their source, in time order.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from functools import cache
from typing import Any

from legitimatie.adapters.audit_log import AuditLogGroup, is_audit_line
from legitimatie.runtime.aws import aws_client, warm_up
from legitimatie.runtime.observability import logger, metrics, observed

warm_up("logs")  # every batch goes to the audit log group (at INIT: legitimatie.runtime.aws)


@cache
def audit_log() -> AuditLogGroup:
    group = os.environ.get("AUDIT_LOG_GROUP", "")
    if not group:
        raise RuntimeError("AUDIT_LOG_GROUP is not set; the template sets it to the audit log group's name")
    return AuditLogGroup(aws_client("logs"), group)


def read_batch(event: dict[str, Any]) -> dict[str, Any]:
    """The CloudWatch Logs subscription payload: base64 of gzipped JSON."""
    return dict(json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"]))))


def forward(batch: dict[str, Any], log: AuditLogGroup) -> int:
    """Copy the batch's audit lines; returns how many were written."""
    if batch.get("messageType") != "DATA_MESSAGE":  # CONTROL_MESSAGE: CloudWatch checking the destination
        return 0
    events = [
        (int(item["timestamp"]), str(item["message"]).strip())
        for item in batch.get("logEvents", [])
        if is_audit_line(str(item.get("message", "")))
    ]
    source = str(batch.get("logGroup", "unknown")).rsplit("/", 1)[-1]
    rejected = log.write(f"{source}/{batch.get('logStream', 'unknown')}".replace(":", "_")[:512], events)
    if rejected:
        # Still in the function's own log group: the runbook says how to copy them over.
        logger.error("CloudWatch Logs refused audit events", extra={"rejected": rejected, "source": source})
        metrics.add_metric(name="AuditEventsRejected", unit="Count", value=rejected)
    return len(events) - rejected


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    forwarded = forward(read_batch(event), audit_log())
    # No metric of its own per batch: CloudWatch counts what arrives in the audit log group for free (AWS/Logs
    # IncomingLogEvents, on the operations dashboard); an EMF line here would repeat it, billed, six times per
    # identification. Refusals have their metric and log line above.
    logger.debug("Audit events forwarded", extra={"forwarded": forwarded})
    return {"forwarded": forwarded}


lambda_handler = observed(_handle, http=False)
