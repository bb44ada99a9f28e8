"""Pending DigiD logins on the sessions' table (flow A's as items of their own, flows B and C on their session's
item): only the DigiD function stores or reads them, so only it loads this module and ``login.digid_model``.

Every item carries ``expires_at`` (checked at every read) and ``ttl``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ...assurance import LevelOfAssurance
from ...clock import from_epoch, to_epoch
from ...flow import Flow
from ...login.digid_model import PendingLogin
from .codec import Record
from .items import (
    PENDING_LOGIN_ATTRIBUTES,
    pending_login_condition,
    pending_login_item,
    pending_login_key,
    session_from_record,
    session_key,
)
from .table import NEW, ConditionFailed, Table, is_live, put

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["DynamoDbPendingLogins", "pending_login_from_record", "session_pending_login"]

_EXISTS = "This record exists already."


class DynamoDbPendingLogins:
    """``PendingLogins``. Flow A's live as items of their own (``authn#<request id>``), taken with a conditional
    delete whose condition is the answer's expectation (``pending_login_condition``: the ACS reads nothing first).
    Flows B and C keep theirs on the session's item (one at a time: a new login start replaces it): the ACS reads
    the session once, and the write that records the login uses the pending login up (its condition), so only one
    caller ever gets a request back."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = Table(client, table_name)

    def add(self, pending: PendingLogin) -> None:
        if pending.session_id is not None:
            self._add_to_session(pending, pending.session_id)
            return
        self._table.commit([put(pending_login_item(pending), NEW)], conflict=_EXISTS)

    def _add_to_session(self, pending: PendingLogin, session_id: UUID) -> None:
        self._keep_on_session(
            session_id,
            pending.request_id,
            pending.relay_state,
            pending.browser_digest,
            pending.created_at,
            pending.expires_at,
        )

    def open_on_session(
        self, session_id: UUID, request_id: str, relay_state: str, browser_digest: str, now: datetime, until: datetime
    ) -> PendingLogin | None:
        try:
            record = self._keep_on_session(session_id, request_id, relay_state, browser_digest, now, until)
        except ConditionFailed:
            return None
        return session_pending_login(record, now)

    def _keep_on_session(
        self, session_id: UUID, request_id: str, relay_state: str, browser_digest: str, now: datetime, until: datetime
    ) -> Record:
        """One conditional write: only a live session still waiting for its login takes a pending login. Returns
        the session's item as written."""
        return self._table.update(
            session_key(session_id),
            "SET pending_request_id = :request, pending_relay_state = :relay, "
            "pending_browser_digest = :browser, pending_created_at = :created, pending_expires_at = :expires",
            condition="kind = :session AND #status = :waiting AND expires_at > :created",
            names={"#status": "status"},
            values={
                ":request": request_id,
                ":relay": relay_state,
                ":browser": browser_digest,
                ":created": to_epoch(now),
                ":expires": to_epoch(until),
                ":session": "session",
                ":waiting": "created",
            },
            returns="ALL_NEW",
            conflict="This session no longer waits for a login.",
        )

    def get(self, request_id: str, now: datetime, session_id: UUID | None = None) -> PendingLogin | None:
        if session_id is not None:
            # the session's one pending login, whatever its request id: the caller tells an answer to another
            # login (another browser's) from one whose login was used up or expired
            record = self._table.get(session_key(session_id))
            return session_pending_login(record, now) if record is not None else None
        record = self._table.get(pending_login_key(request_id))
        if record is None or not is_live(record, now):
            return None
        return pending_login_from_record(request_id, record)

    def take(self, login: PendingLogin, now: datetime) -> PendingLogin | None:
        try:
            if login.session_id is not None:
                record = self._table.update(
                    session_key(login.session_id),
                    "REMOVE " + ", ".join(PENDING_LOGIN_ATTRIBUTES),
                    condition="pending_request_id = :request AND pending_expires_at > :now",
                    values={":request": login.request_id, ":now": to_epoch(now)},
                    returns="ALL_OLD",
                )
            else:  # flow A: the answer's expectation was built without a read; the condition checks it
                condition, values = pending_login_condition(login, now)
                record = self._table.take(pending_login_key(login.request_id), condition=condition, values=values)
        except ConditionFailed:
            return None
        if not record:
            return None
        if login.session_id is not None:
            return session_pending_login(record, now)
        return pending_login_from_record(login.request_id, record)


# ------------------------------------------------------------------------------ a pending login, as read back


def pending_login_from_record(request_id: str, record: Record) -> PendingLogin:
    return PendingLogin(
        request_id=request_id,
        relay_state=record["relay_state"],
        flow=Flow(record["flow"]),
        required_loa=LevelOfAssurance(record["required_loa"]),
        created_at=from_epoch(record["created_at"]),
        expires_at=from_epoch(record["expires_at"]),
        session_id=UUID(record["session_id"]) if "session_id" in record else None,
        browser_digest=record.get("browser_digest", ""),
    )


def session_pending_login(record: Record, now: datetime) -> PendingLogin | None:
    """The pending login kept on a session's item, with the session as read; None once past its expiry."""
    if record.get("kind") != "session" or "pending_request_id" not in record:
        return None
    if record["pending_expires_at"] <= to_epoch(now):
        return None
    session = session_from_record(record)
    return PendingLogin(
        request_id=record["pending_request_id"],
        relay_state=record["pending_relay_state"],
        flow=session.flow,
        required_loa=session.required_loa,
        created_at=from_epoch(record["pending_created_at"]),
        expires_at=from_epoch(record["pending_expires_at"]),
        session_id=session.id,
        browser_digest=record["pending_browser_digest"],
        session=session,
    )
