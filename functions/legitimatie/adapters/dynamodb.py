"""The session store on DynamoDB: one table, key ``pk``, every item with ``expires_at`` and a TTL.

Expiry is decided by the core at every read; the ``ttl`` attribute only lets DynamoDB tidy up late.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from ..assurance import LevelOfAssurance
from ..clock import from_epoch, to_epoch
from ..errors import ConcurrentUpdate
from ..proofs.model import ProofRecord
from ..sessions.model import Flow, Official, ResidentEvent, ResidentLogin, Session, Status
from .aws_errors import error_code, unavailable
from .backoff import Sleep, delay
from .dynamodb_login import identification_item, result_item
from .dynamodb_proofs import proof_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from ..login.model import Identification, ResultGrant, TakenLogin
else:
    DynamoDBClient = Any

__all__ = ["DynamoDbSessionRepository", "session_from_item", "session_key", "session_to_item"]

Item = dict[str, Any]


def session_key(session_id: UUID) -> str:
    return f"session#{session_id}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def session_to_item(session: Session) -> Item:
    """The stored form of a session: no BSN in clear, only the login's sealed BSN (flow C)."""
    item: Item = {
        "pk": _s(session_key(session.id)),
        "kind": _s("session"),
        "flow": _s(session.flow.value),
        "status": _s(session.status.value),
        "required_loa": _n(int(session.required_loa)),
        "created_at": _n(to_epoch(session.created_at)),
        "expires_at": _n(to_epoch(session.expires_at)),
        "ttl": _n(to_epoch(session.expires_at)),
        "code_version": _s(session.code_version),
        "attempts_left": _n(session.attempts_left),
    }
    if session.official.id:  # flow A: no owner until an official looks the case up
        item["official_id"] = _s(session.official.id)
        item["official_name"] = _s(session.official.name)
    if session.official_code is not None:
        item["official_code"] = _s(session.official_code)
    for name in ("outcome_reason", "resident_event", "zaak_number"):
        value = getattr(session, name)
        if value is not None:
            item[name] = _s(str(value))
    if session.verified_at is not None:
        item["verified_at"] = _n(to_epoch(session.verified_at))
    if session.proof_document_id is not None:
        item["proof_document_id"] = _s(str(session.proof_document_id))
    login = session.login
    if login is not None:
        item["login_at"] = _n(to_epoch(login.at))
        item["login_loa"] = _n(int(login.loa))
        item["resident_code"] = _s(login.resident_code)
        if login.sealed_bsn is not None:
            item["sealed_bsn"] = {"B": login.sealed_bsn}
        if login.code_match is not None:
            item["code_match"] = {"BOOL": login.code_match}
        if login.digid_assertion_id is not None:
            item["digid_assertion_id"] = _s(login.digid_assertion_id)
        if login.digid_authn_instant is not None:
            item["digid_authn_instant"] = _n(to_epoch(login.digid_authn_instant))
    return item


def session_from_item(item: Item) -> Session:
    login = None
    if "login_at" in item:
        login = ResidentLogin(
            at=from_epoch(int(item["login_at"]["N"])),
            loa=LevelOfAssurance(int(item["login_loa"]["N"])),
            resident_code=item["resident_code"]["S"],
            sealed_bsn=bytes(item["sealed_bsn"]["B"]) if "sealed_bsn" in item else None,
            code_match=item["code_match"]["BOOL"] if "code_match" in item else None,
            digid_assertion_id=item["digid_assertion_id"]["S"] if "digid_assertion_id" in item else None,
            digid_authn_instant=(
                from_epoch(int(item["digid_authn_instant"]["N"])) if "digid_authn_instant" in item else None
            ),
        )
    return Session(
        id=UUID(item["pk"]["S"].removeprefix("session#")),
        flow=Flow(item["flow"]["S"]),
        status=Status(item["status"]["S"]),
        official=Official(id=_text(item, "official_id") or "", name=_text(item, "official_name") or ""),
        required_loa=LevelOfAssurance(int(item["required_loa"]["N"])),
        created_at=from_epoch(int(item["created_at"]["N"])),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        official_code=item["official_code"]["S"] if "official_code" in item else None,
        code_version=item["code_version"]["S"],
        login=login,
        attempts_left=int(item["attempts_left"]["N"]),
        verified_at=from_epoch(int(item["verified_at"]["N"])) if "verified_at" in item else None,
        proof_document_id=UUID(item["proof_document_id"]["S"]) if "proof_document_id" in item else None,
        outcome_reason=_text(item, "outcome_reason"),
        resident_event=ResidentEvent(item["resident_event"]["S"]) if "resident_event" in item else None,
        zaak_number=_text(item, "zaak_number"),
    )


def _put_new(table: str, item: Item) -> Item:
    """A transaction's Put of a record that must not exist yet."""
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def _text(item: Item, name: str) -> str | None:
    return item[name]["S"] if name in item else None


class DynamoDbSessionRepository:
    """``SessionRepository`` and ``ExpiredRecords`` on the service's table."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, sleep: Sleep = time.sleep) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep  # between the sweep's retries of unprocessed deletes (tests pass their own)

    def add(
        self,
        session: Session,
        *,
        result: ResultGrant | None = None,
        identification: Identification | None = None,
        taking: TakenLogin | None = None,
    ) -> None:
        """A new session; with a login's result, flow A's case-number record and the use of its pending login,
        one transaction (one call)."""
        writes: list[Any] = [_put_new(self._table, session_to_item(session))]
        if result is not None:
            writes.append(_put_new(self._table, result_item(result.token_hash, result.result)))
        if identification is not None:
            writes.append(_put_new(self._table, identification_item(identification)))
        if taking is not None:
            if taking.login.session_id is not None:
                raise ValueError("a new session cannot use up a pending login of another session")
            writes.append(self._take_pending_item(taking))
        try:
            if len(writes) == 1:
                self._client.put_item(**writes[0]["Put"])
            else:
                self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if error_code(exc) in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                raise ConcurrentUpdate("A session with this id exists already.") from exc
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc

    def get(self, session_id: UUID) -> Session | None:
        try:
            answer = self._client.get_item(
                TableName=self._table, Key={"pk": _s(session_key(session_id))}, ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        item = answer.get("Item")
        if item is None or item.get("kind", {}).get("S") != "session":
            return None
        return session_from_item(item)

    def replace(
        self,
        session: Session,
        *,
        expected_status: Status,
        expected_attempts_left: int,
        proof: ProofRecord | None = None,
        result: ResultGrant | None = None,
        taking: TakenLogin | None = None,
    ) -> None:
        """One transaction: the session (only if the stored one still has that status, attempt count and owner,
        and, when the write records a login, still holds that pending login in time: the Put leaves it out, so it
        is used up by this very write),
        the proof's outbox record when the step hands one over, a login's result for the resident's browser, and,
        when a flow A session ends, the deletion of its case-number record with the sealed BSN. All of it commits,
        or nothing does."""
        condition = "#status = :status AND attempts_left = :attempts"
        values: Item = {":status": _s(expected_status.value), ":attempts": _n(expected_attempts_left)}
        if session.official.id:  # a claimed session stays with its official; an unclaimed one is claimed once
            condition += " AND (attribute_not_exists(official_id) OR official_id = :owner)"
            values[":owner"] = _s(session.official.id)
        if taking is not None and taking.login.session_id == session.id:
            condition += " AND pending_request_id = :request AND pending_expires_at > :now"
            values[":request"] = _s(taking.login.request_id)
            values[":now"] = _n(to_epoch(taking.at))
        writes: list[Any] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": session_to_item(session),
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        if proof is not None:
            writes.append(_put_new(self._table, proof_item(proof)))
        if result is not None:
            writes.append(_put_new(self._table, result_item(result.token_hash, result.result)))
        if taking is not None and taking.login.session_id != session.id:
            writes.append(self._take_pending_item(taking))
        if session.status.is_end_state and session.zaak_number is not None:
            writes.append({"Delete": {"TableName": self._table, "Key": {"pk": _s(f"zaak#{session.zaak_number}")}}})
        try:
            if len(writes) == 1:  # a check or a claim: one conditional Put (half the units of a transaction)
                self._client.put_item(**writes[0]["Put"])
            else:
                self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if error_code(exc) in ("TransactionCanceledException", "ConditionalCheckFailedException"):
                raise ConcurrentUpdate("The session was changed at the same time; please try again.") from exc
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc

    def _take_pending_item(self, taking: TakenLogin) -> Item:
        """A transaction's deletion of a pending login of its own (flow A): only if it is still there and in time."""
        return {
            "Delete": {
                "TableName": self._table,
                "Key": {"pk": _s(f"authn#{taking.login.request_id}")},
                "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
                "ExpressionAttributeValues": {":now": _n(to_epoch(taking.at))},
            }
        }

    def note_resident_event(self, session_id: UUID, event: ResidentEvent, now: datetime) -> None:
        """Record what happened at DigiD on a session that is still waiting for its login (created, live)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": _s(session_key(session_id))},
                UpdateExpression="SET resident_event = :event",
                ConditionExpression="#status = :created AND expires_at > :now",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":event": _s(event.value),
                    ":created": _s(Status.CREATED.value),
                    ":now": _n(to_epoch(now)),
                },
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return  # logged in, ended or expired meanwhile: nothing to tell
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc

    def owned_by(self, official_id: str) -> list[Session]:
        """Every session item of this official, whatever its status (the caller filters by status and expiry).

        A scan: the table holds minutes of data (every item expires within the session lifetime)."""
        sessions: list[Session] = []
        scan_args: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "kind = :kind AND official_id = :owner",
            "ExpressionAttributeValues": {":kind": _s("session"), ":owner": _s(official_id)},
            "ConsistentRead": True,
        }
        try:
            while True:
                page = self._client.scan(**scan_args)
                sessions.extend(session_from_item(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return sessions
                scan_args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc

    def delete(self, session_id: UUID) -> None:
        try:
            self._client.delete_item(TableName=self._table, Key={"pk": _s(session_key(session_id))})
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc

    def delete_expired(self, now: datetime) -> int:
        """Scan for items past ``expires_at`` and delete them in batches (the table stays small: minutes of data)."""
        deleted = 0
        keys: list[Item] = []
        scan_args: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "expires_at <= :now",
            "ExpressionAttributeValues": {":now": _n(to_epoch(now))},
            "ProjectionExpression": "pk",
        }
        try:
            while True:
                page = self._client.scan(**scan_args)
                keys.extend({"pk": item["pk"]} for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                scan_args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            for start in range(0, len(keys), 25):
                deleted += self._delete_batch(keys[start : start + 25])
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        return deleted

    def _delete_batch(self, keys: list[Item]) -> int:
        requests: list[Any] = [{"DeleteRequest": {"Key": key}} for key in keys]
        for attempt in range(5):
            if attempt:  # DynamoDB left some unprocessed (throttled): back off before asking again
                self._sleep(delay(attempt))
            answer = self._client.batch_write_item(RequestItems={self._table: requests})
            requests = list(answer.get("UnprocessedItems", {}).get(self._table, []))
            if not requests:
                return len(keys)
        return len(keys) - len(requests)
