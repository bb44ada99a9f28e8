"""Logger, Metrics and the audit trail, created once; handlers decorate with ``observed`` in one fixed order.

``audit_trail`` (the ``AuditTrail`` port) and ``counts`` (the ``Metrics`` port) are what handlers hand to the
services, which record their own audit events and metrics.

No Powertools Tracer: it needs aws-xray-sdk, which adds ~110 ms to every cold start (measured with
``python -X importtime`` on top of boto3 and Powertools) and a dependency to every bundle. The template records
no traces by default (``Tracing: PassThrough``, template.yaml says why); duration is in Lambda's metrics, and each
invocation's init and max memory in Lambda's REPORT record at ``LambdaSystemLogLevel`` INFO (docs/runbook.md).
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from ..adapters.audit_log import CLIENT_ADDRESS, StdoutAuditTrail

__all__ = ["PowertoolsCounts", "audit_trail", "counts", "logger", "metrics", "observed"]

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "legitimatie-beeldbellen"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "LegitimatieBeeldbellen"))
# Audit events as JSON lines on stdout; template.yaml's subscription filters copy them to the audit log group.
audit_trail = StdoutAuditTrail(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "legitimatie-beeldbellen"))


class PowertoolsCounts:
    """The ``Metrics`` port on Powertools' EMF metrics (flushed by ``observed`` at the end of each invocation)."""

    def __init__(self, target: Metrics) -> None:
        self._metrics = target

    def count(self, name: str, value: int = 1) -> None:
        self._metrics.add_metric(name=name, unit="Count", value=value)


counts = PowertoolsCounts(metrics)

# A request that records no business metric is normal (a read, a refusal); Powertools would warn on each.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
# What Powertools' inject_lambda_context adds to every line that never changes within a log group.
CONSTANT_KEYS = ["function_name", "function_arn", "function_memory_size"]


@cache
def _init_is_over() -> None:
    """Take what the execution environment's init made out of the cyclic garbage collector's generations, once.

    The handler's modules (ours, Powertools', msgspec's) and what they built live as long as the environment; the
    collector would still scan them in every young collection until they reach the oldest generation. The first
    request makes many objects (its boto3 client, and a service model ``warm_up`` did not load), and the collections
    it triggers then also traversed the import's ~20k survivors: 4-10 ms of CodeCheck's, Outcome's and Sessions' cold
    start CPU (issue 13, measured in the Lambda layout with Python 3.13). ``gc.freeze()`` moves them to the
    permanent generation, which the collector skips. Reference counting still frees them; a cycle among them is
    never collected, nor finalized at the interpreter's exit (a stream made before must be flushed by its writer,
    as the bench's child does), and they are module-level objects that live as long as the environment anyway.
    """
    gc.freeze()


def observed(handler: Handler, *, http: bool = True) -> Handler:
    """Correlation id per request, the Lambda context in every log line, metrics flushed; never the event."""
    correlation = correlation_paths.API_GATEWAY_HTTP if http else None

    def fresh(event: dict[str, Any], context: Any) -> dict[str, Any]:
        _init_is_over()  # the first invocation: every module-level object of the handler exists by now
        # The function's name, ARN and memory are the same on every line of its log group (which names it), and
        # each line is billed by the byte: a third of a line. Its request id and cold start stay.
        logger.remove_keys(CONSTANT_KEYS)
        # A request's client address (runtime/http.py) must not stick to the next invocation (a sweep, a batch).
        try:
            return handler(event, context)
        finally:
            CLIENT_ADDRESS.set(None)
            logger.remove_keys(["client_address"])

    # No ColdStart metric: one custom metric per function ($0.30 a month each) and a line per cold start, for what
    # each log line's cold_start says (and Lambda's REPORT records, at LambdaSystemLogLevel INFO).
    with_metrics = metrics.log_metrics()(fresh)
    return logger.inject_lambda_context(correlation_id_path=correlation, log_event=False)(with_metrics)  # type: ignore[no-any-return]
