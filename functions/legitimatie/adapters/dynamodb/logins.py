"""The login's records the Sessions function reads on the sessions' table: resident results, flow A's case-number
counter and the previous release's case-number records (pending logins are ``pending_logins``'s, which only the
DigiD function loads).

Every item carries ``expires_at`` (checked at every read) and ``ttl``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ...assurance import LevelOfAssurance
from ...clock import from_epoch, to_epoch
from ...flow import Flow
from ...login.model import CaseNumber, Identification, ResidentResult
from .codec import Record
from .items import (
    identification_item,
    identification_key,
    result_item,
    result_key,
    session_from_record,
    session_key,
)
from .table import NEW, ConditionFailed, Table, is_live, put

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from ...sessions.model import Session
else:
    DynamoDBClient = Any

__all__ = [
    "DynamoDbIdentifications",
    "DynamoDbResidentResults",
    "identification_from_record",
    "result_from_record",
]

_EXISTS = "This record exists already."


class DynamoDbResidentResults:
    """``ResidentResults`` under the hash of the browser's token."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = Table(client, table_name)

    def add(self, token_hash: str, result: ResidentResult) -> None:
        self._table.commit([put(result_item(token_hash, result), NEW)], conflict=_EXISTS)

    def get(self, token_hash: str, now: datetime) -> ResidentResult | None:
        record = self._table.get(result_key(token_hash))
        if record is None or not is_live(record, now):
            return None
        return result_from_record(record)

    def get_with_session(
        self, token_hash: str, session_id: UUID, now: datetime
    ) -> tuple[ResidentResult | None, Session | None]:
        """One BatchGetItem (strongly consistent) for the result and its session, as the result page polls."""
        result_pk, session_pk = result_key(token_hash), session_key(session_id)
        found = self._table.get_many([result_pk, session_pk])
        record, session_record = found.get(result_pk), found.get(session_pk)
        if record is None or not is_live(record, now) or record.get("session_id") != str(session_id):
            return None, None
        session = None
        if session_record is not None and session_record["kind"] == "session":
            session = session_from_record(session_record)
        return result_from_record(record), session

    def extend(self, token_hash: str, result: ResidentResult, new_expiry: datetime, now: datetime) -> bool:
        try:
            self._table.update(
                result_key(token_hash),
                "SET expires_at = :exp, #ttl = :exp, extensions = :next",
                condition="extensions = :count AND expires_at > :now",
                names={"#ttl": "ttl"},
                values={
                    ":exp": to_epoch(new_expiry),
                    ":next": result.extensions + 1,
                    ":count": result.extensions,
                    ":now": to_epoch(now),
                },
            )
        except ConditionFailed:
            return False
        return True

    def remove(self, token_hash: str) -> None:
        self._table.delete(result_key(token_hash))


class DynamoDbIdentifications:
    """``IdentificationStore``: case numbers from an atomic counter per year; the case-number records the release
    before issue 13 wrote (``zaak#<number>``, naming a session with a random id), read by the look-up's fallback for
    one release. This release writes none (``add`` is there to make one, as that release did); they expire with
    their sessions."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = Table(client, table_name)

    def next_case_number(self, year: int) -> CaseNumber:
        # The counter outlives its year by a year, then expires like every other record.
        counter_expiry = to_epoch(datetime(year + 2, 1, 1, tzinfo=UTC))
        counter = self._table.update(
            f"counter#zaak#{year}",
            "ADD last_number :one SET expires_at = :exp, #ttl = :exp, kind = :kind",
            names={"#ttl": "ttl"},
            values={":one": 1, ":exp": counter_expiry, ":kind": "counter"},
            returns="UPDATED_NEW",
        )
        return CaseNumber(year, counter["last_number"])

    def add(self, identification: Identification) -> None:
        self._table.commit([put(identification_item(identification), NEW)], conflict=_EXISTS)

    def get(self, zaak_number: CaseNumber, now: datetime) -> Identification | None:
        record = self._table.get(identification_key(zaak_number))
        if record is None or not is_live(record, now) or "session_id" not in record:
            return None
        return identification_from_record(zaak_number, record)


# ------------------------------------------------------------------------------ the login's records, as read back
# Here rather than in items.py, which writes them: the session repository writes these records in its transactions,
# only the repositories above read them, and building the login's domain objects here keeps legitimatie.login.model
# out of the functions that never read one (CodeCheck, Outcome: ~5 ms of their cold start, issue 13).


def result_from_record(record: Record) -> ResidentResult:
    return ResidentResult(
        flow=Flow(record["flow"]),
        code=record["code"],
        expires_at=from_epoch(record["expires_at"]),
        zaak_number=record.get("zaak_number"),
        official_name=record.get("official_name"),
        municipality=record.get("municipality"),
        session_id=UUID(record["session_id"]) if "session_id" in record else None,
        limit_at=from_epoch(record["limit_at"]) if "limit_at" in record else None,
        extensions=record.get("extensions", 0),
    )


def identification_from_record(zaak_number: CaseNumber, record: Record) -> Identification:
    return Identification(
        zaak_number=zaak_number,
        session_id=UUID(record["session_id"]),
        login_at=from_epoch(record["login_at"]),
        loa=LevelOfAssurance(record["loa"]),
        expires_at=from_epoch(record["expires_at"]),
    )
