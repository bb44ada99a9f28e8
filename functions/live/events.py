"""The live function's socket side: WebSocket ``$connect`` (the official's page with its ticket, the resident's with
its result cookie) and the session stream's records, pushed to the pages that follow a session.

The handler loads this module for these events only: its HTTP route (the official's ticket) does not load the login's
part or the session views they need (issue 13)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from legitimatie.clock import from_epoch, utc_now
from legitimatie.errors import DomainError
from legitimatie.live.services import connect_official, connect_resident, push_change
from legitimatie.runtime.cookies import result_cookie
from legitimatie.runtime.http import came_through_cloudfront
from legitimatie.runtime.observability import counts, logger
from legitimatie.runtime.views import official_session_body
from legitimatie.sessions.services import parse_session_id

from .wiring import wiring

__all__ = ["WAITS_PER_INVOCATION_S", "WaitBudget", "connect", "stream"]


def _cookies(headers: dict[str, Any]) -> list[str]:
    """A WebSocket event has no ``cookies`` list: the Cookie header, split as the HTTP API splits it."""
    raw = next((v for k, v in headers.items() if str(k).lower() == "cookie" and isinstance(v, str)), "")
    return [part.strip() for part in raw.split(";") if part.strip()]


def connect(event: dict[str, Any]) -> dict[str, Any]:
    """``$connect``: the official's page with ``?ticket=``, the resident's with its result cookie; anything else
    is refused (403) and changes nothing."""
    connection_id = (event.get("requestContext") or {}).get("connectionId")
    if not came_through_cloudfront(event) or not isinstance(connection_id, str) or not connection_id:
        logger.warning("Live connection refused: it did not come through CloudFront")
        return {"statusCode": 403}
    w = wiring()
    ticket = (event.get("queryStringParameters") or {}).get("ticket")
    cookie = result_cookie(_cookies(event.get("headers") or {}))
    try:
        if ticket is not None:
            connect_official(ticket, connection_id, live=w.live, now=utc_now())
        else:
            connect_resident(
                cookie,
                connection_id,
                results=w.results,
                sessions=w.sessions,
                live=w.live,
                now=utc_now(),
            )
    except DomainError as exc:
        logger.info("Live connection refused", extra={"error": exc.code})
        return {"statusCode": 403}
    return {"statusCode": 200}


# A push waits for a connection still in its handshake (push_change: 1.75 s at most); a batch of such changes waits
# this much at most in all, well inside the function's 10 s (template.yaml Globals), then gives the rest up as gone.
WAITS_PER_INVOCATION_S = 4.0


class WaitBudget:
    """The ``sleep`` of one invocation's pushes: each wait as asked while the budget lasts, then none."""

    def __init__(self, seconds: float, sleep: Callable[[float], None]) -> None:
        self.left = seconds
        self._sleep = sleep

    def __call__(self, seconds: float) -> None:
        wait = max(0.0, min(seconds, self.left))
        self.left -= wait
        if wait:
            self._sleep(wait)


# The stream's record time and a connection's stored expiry are whole seconds: a connection opened by a live record's
# write is one opened at most this long before the record's time.
_RECORD_TIME_SLACK = timedelta(seconds=2)


def _push(record: Any, sleep: Callable[[float], None]) -> None:
    """One record of the session stream (keys only): a session's change, pushed to the pages that follow it; or a
    live record's (a page connected, or a ticket was issued), pushed to the pages connected by it: what they need
    now, so that a page reads nothing when its socket opens."""
    change = record.dynamodb
    key = str((change.keys if change else {}).get("pk") or "")
    opened_since = None
    if key.startswith("live#"):
        written = change.approximate_creation_date_time if change else None
        opened_since = from_epoch(written) - _RECORD_TIME_SLACK if written is not None else None
    elif not key.startswith("session#"):
        return
    w = wiring()
    try:
        push_change(
            parse_session_id(key.split("#", 1)[1]),
            live=w.live,
            pushes=w.pushes,
            cipher=w.cipher,
            official_body=lambda view: official_session_body(view, w.policy),
            metrics=counts,
            now=utc_now(),
            sleep=sleep,
            opened_since=opened_since,
        )
    except DomainError:
        logger.exception("Pushing a session change failed")
        raise


def stream(event: dict[str, Any]) -> dict[str, Any]:
    """Session changes from the table's stream; a record whose push failed is reported (retried), the rest done."""
    # Imported here: the batch utility (and asyncio with it) costs the $connect and ticket paths' cold start nothing.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    waits = WaitBudget(WAITS_PER_INVOCATION_S, time.sleep)
    return dict(process_partial_response(event, lambda record: _push(record, waits), processor))
