"""The audit trail: every event names the official, the case, the time and the level, and the resident only
by a keyed pseudonym."""

from __future__ import annotations

import base64
import gzip
import json
import time
from datetime import UTC, datetime

import boto3
from moto import mock_aws

from audit_forwarder.handler import forward, read_batch
from legitimatie.adapters.audit_log import AuditLogGroup, StdoutAuditTrail, is_audit_line
from legitimatie.audit import AuditAction, AuditEvent, Outcome

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_an_event_is_one_json_line_marked_as_audit_with_only_the_fields_set() -> None:
    # Given the stdout audit trail writing into a list
    lines: list[str] = []
    trail = StdoutAuditTrail(service="legitimatie-beeldbellen", write=lines.append)
    # When a failed code check is recorded
    trail.record(
        AuditEvent(
            action=AuditAction.CODE_CHECKED,
            outcome=Outcome.FAILURE,
            official="sub-1",
            session_id="b616a803-917e-467b-bc85-4262f112035c",
            reason="code_mismatch",
            at=AT,
        )
    )
    # Then it is one JSON line the subscription filter selects, with the fields the saved queries use
    (line,) = lines
    assert json.loads(line) == {
        "log_type": "audit",
        "service": "legitimatie-beeldbellen",
        "at": "2026-03-01T09:30:00Z",
        "action": "code_checked",
        "outcome": "failure",
        "official": "sub-1",
        "session_id": "b616a803-917e-467b-bc85-4262f112035c",
        "reason": "code_mismatch",
    }
    assert is_audit_line(line) and not is_audit_line('{"level":"INFO"}') and not is_audit_line("START RequestId")


def subscription_payload(messages: list[str]) -> dict:
    batch = {
        "messageType": "DATA_MESSAGE",
        "logGroup": "/aws/lambda/stack-CodeCheckFunction",
        "logStream": "2026/03/01/[$LATEST]abc",
        "logEvents": [
            {"id": str(i), "timestamp": int(time.time() * 1000) + i, "message": m} for i, m in enumerate(messages)
        ],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(batch).encode())).decode()}}


def test_the_forwarder_copies_only_audit_lines_into_the_audit_log_group() -> None:
    with mock_aws():
        # Given the audit log group and a batch from a function log group with one audit line and one other
        logs = boto3.client("logs", region_name="eu-west-1")
        logs.create_log_group(logGroupName="/legitimatie/audit")
        audit_line = json.dumps({"log_type": "audit", "action": "session_locked", "session_id": "s-1"})
        event = subscription_payload(['{"level":"INFO","message":"Request refused"}', audit_line])
        # When the forwarder handles it
        forwarded = forward(read_batch(event), AuditLogGroup(logs, "/legitimatie/audit"))
        # Then exactly the audit line is in the audit group, in a stream named after its source
        (stream,) = logs.describe_log_streams(logGroupName="/legitimatie/audit")["logStreams"]
        stored = logs.get_log_events(logGroupName="/legitimatie/audit", logStreamName=stream["logStreamName"])
        assert forwarded == 1 and [e["message"] for e in stored["events"]] == [audit_line]
        assert stream["logStreamName"].startswith("stack-CodeCheckFunction/")


def test_the_forwarder_creates_a_stream_once_and_then_writes_each_batch_with_one_call() -> None:
    from bench.calls import AwsMeter

    with mock_aws(), AwsMeter() as meter:
        # Given the audit log group and two batches from the same source stream
        logs = boto3.client("logs", region_name="eu-west-1")
        logs.create_log_group(logGroupName="/legitimatie/audit")
        group = AuditLogGroup(logs, "/legitimatie/audit")
        first, second = (
            json.dumps({"log_type": "audit", "action": "session_locked", "session_id": f"s-{i}"}) for i in (1, 2)
        )
        # When both are forwarded
        with meter.reading() as first_batch:
            forward(read_batch(subscription_payload([first])), group)
        with meter.reading() as second_batch:
            forward(read_batch(subscription_payload([second])), group)
        # Then the stream is created for the first batch only, and both lines are in it, in order
        assert dict(first_batch.calls) == {"logs:PutLogEvents": 2, "logs:CreateLogStream": 1}
        assert dict(second_batch.calls) == {"logs:PutLogEvents": 1}
        (stream,) = logs.describe_log_streams(logGroupName="/legitimatie/audit")["logStreams"]
        stored = logs.get_log_events(logGroupName="/legitimatie/audit", logStreamName=stream["logStreamName"])
        assert [e["message"] for e in stored["events"]] == [first, second]
