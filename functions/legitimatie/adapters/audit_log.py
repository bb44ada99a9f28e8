"""Audit trail adapters: JSON lines on stdout in the functions, and the dedicated audit log group.

Why this path: writing each event with ``PutLogEvents`` from the request path would add an AWS call (and its
latency and failure mode) to every step. Instead a function prints the event as one JSON line with
``"log_type": "audit"``; Lambda sends it to the function's log group like any log line, and a CloudWatch
Logs subscription filter (``{ $.log_type = "audit" }``, template.yaml) hands exactly those lines to the
audit forwarder, which writes them to ``AuditLogGroup`` (retention ``AuditRetentionDays``). Zero extra calls
per identification step; the events stay in the function log too (retention ``LogRetentionDays``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .aws_errors import error_code, translated

if TYPE_CHECKING:  # the audit forwarder, which only copies lines, never builds the event types (nor loads msgspec)
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import InputLogEventTypeDef

    from ..audit import AuditEvent
else:
    CloudWatchLogsClient = Any
    InputLogEventTypeDef = dict

__all__ = ["AUDIT_LOG_TYPE", "CLIENT_ADDRESS", "AuditLogGroup", "StdoutAuditTrail", "is_audit_line"]

AUDIT_LOG_TYPE = "audit"

# The address of the browser that made the current HTTP request (runtime/http.py sets it for every request;
# None outside a request: the expiry sweep, the proof queue). Every audit event of the request carries it:
# DigiD norm C.07 asks who did what, when and from where.
CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("client_address", default=None)


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class StdoutAuditTrail:
    """``AuditTrail`` as one JSON line per event on stdout (the function's log stream)."""

    def __init__(self, service: str, write: Callable[[str], None] = _print_line) -> None:
        self._service = service
        self._write = write

    def record(self, event: AuditEvent) -> None:
        line: dict[str, object] = {"log_type": AUDIT_LOG_TYPE, "service": self._service, **event.to_record()}
        client_address = CLIENT_ADDRESS.get()
        if client_address is not None:
            line["client_address"] = client_address
        self._write(json.dumps(line, separators=(",", ":"), sort_keys=True))


def is_audit_line(message: str) -> bool:
    """What the subscription filter selects, checked again by the forwarder (never trust a filter alone)."""
    try:
        data = json.loads(message)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("log_type") == AUDIT_LOG_TYPE


class AuditLogGroup:
    """Writes audit lines to the dedicated log group, one stream per source log stream."""

    def __init__(self, client: CloudWatchLogsClient, log_group: str) -> None:
        self._client = client
        self._group = log_group

    def write(self, stream: str, events: Sequence[tuple[int, str]]) -> int:
        """``events``: (epoch milliseconds, message), in any order; raises ``ServiceUnavailable`` to retry.

        Returns how many events CloudWatch Logs refused (too old or too far in the future), for the caller to report.
        """
        if not events:
            return 0
        ordered = sorted(events)
        log_events: list[InputLogEventTypeDef] = [{"timestamp": at, "message": message} for at, message in ordered]
        with translated("CloudWatch Logs"):
            # A source stream (one per execution environment) sends many batches: put first, and create the
            # stream only when it is not there yet - one call per batch instead of two.
            try:
                answer = self._client.put_log_events(
                    logGroupName=self._group, logStreamName=stream, logEvents=log_events
                )
            except ClientError as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
                try:
                    self._client.create_log_stream(logGroupName=self._group, logStreamName=stream)
                except ClientError as exists:
                    if error_code(exists) != "ResourceAlreadyExistsException":  # another forwarder was first
                        raise
                answer = self._client.put_log_events(
                    logGroupName=self._group, logStreamName=stream, logEvents=log_events
                )
        rejected = answer.get("rejectedLogEventsInfo") or {}
        too_old = rejected.get("tooOldLogEventEndIndex", -1) + 1
        too_new = len(ordered) - rejected["tooNewLogEventStartIndex"] if "tooNewLogEventStartIndex" in rejected else 0
        return too_old + too_new
