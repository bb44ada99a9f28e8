"""DynamoDB adapters for the login's records: pending SAML requests, resident results, flow A identifications.

They share the sessions' table; every item carries ``expires_at`` (checked at every read) and ``ttl``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from ..assurance import LevelOfAssurance
from ..clock import from_epoch, to_epoch
from ..errors import ConcurrentUpdate, ServiceUnavailable
from ..flow import Flow
from ..login.model import CaseNumber, Identification, PendingLogin, ResidentResult
from .aws_errors import error_code, unavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from ..sessions.model import Session
else:
    DynamoDBClient = Any

__all__ = [
    "DynamoDbIdentifications",
    "DynamoDbPendingLogins",
    "DynamoDbResidentResults",
    "identification_item",
    "result_item",
]

Item = dict[str, Any]


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _expiry(moment: datetime) -> Item:
    return {"expires_at": _n(to_epoch(moment)), "ttl": _n(to_epoch(moment))}


def _is_live(item: Item, now: datetime) -> bool:
    return int(item["expires_at"]["N"]) > to_epoch(now)


def result_item(token_hash: str, result: ResidentResult) -> Item:
    """A resident's result under the digest of the browser's token (the token itself is never stored)."""
    item: Item = {
        "pk": _s(f"result#{token_hash}"),
        "kind": _s("resident_result"),
        "flow": _s(result.flow),
        "code": _s(result.code),
        **_expiry(result.expires_at),
    }
    for name in ("zaak_number", "official_name", "municipality", "session_id"):
        value = getattr(result, name)
        if value is not None:
            item[name] = _s(str(value))
    if result.limit_at is not None:
        item["limit_at"] = _n(to_epoch(result.limit_at))
    item["extensions"] = _n(result.extensions)
    return item


def identification_item(identification: Identification) -> Item:
    """Flow A's case-number record."""
    return {
        "pk": _s(f"zaak#{identification.zaak_number}"),
        "kind": _s("identification"),
        "session_id": _s(str(identification.session_id)),
        "login_at": _n(to_epoch(identification.login_at)),
        "loa": _n(int(identification.loa)),
        **_expiry(identification.expires_at),
    }


class _Table:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _put_new(self, item: Item) -> None:
        try:
            self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConcurrentUpdate("This record exists already.") from exc
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc

    def _get(self, key: str) -> Item | None:
        try:
            answer = self._client.get_item(TableName=self._table, Key={"pk": _s(key)}, ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        return answer.get("Item")


_PENDING = ("pending_request_id", "pending_relay_state", "pending_browser_digest", "pending_created_at")


class DynamoDbPendingLogins(_Table):
    """``PendingLogins``. Flow A's live as items of their own (``authn#<request id>``), taken with a conditional
    delete. Flows B and C keep theirs on the session's item (one at a time: a new login start replaces it): the
    ACS reads the session once, and the write that records the login uses the pending login up (its condition),
    so only one caller ever gets a request back."""

    def add(self, pending: PendingLogin) -> None:
        if pending.session_id is not None:
            self._add_to_session(pending)
            return
        item: Item = {
            "pk": _s(f"authn#{pending.request_id}"),
            "kind": _s("pending_login"),
            "relay_state": _s(pending.relay_state),
            "flow": _s(pending.flow),
            "required_loa": _n(int(pending.required_loa)),
            "created_at": _n(to_epoch(pending.created_at)),
            **_expiry(pending.expires_at),
        }
        if pending.browser_digest:
            item["browser_digest"] = _s(pending.browser_digest)
        self._put_new(item)

    def _add_to_session(self, pending: PendingLogin) -> None:
        """One conditional write: only a live session still waiting for its login takes a pending login."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": _s(f"session#{pending.session_id}")},
                UpdateExpression=(
                    "SET pending_request_id = :request, pending_relay_state = :relay, "
                    "pending_browser_digest = :browser, pending_created_at = :created, pending_expires_at = :expires"
                ),
                ConditionExpression="kind = :session AND #status = :waiting AND expires_at > :created",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":request": _s(pending.request_id),
                    ":relay": _s(pending.relay_state),
                    ":browser": _s(pending.browser_digest),
                    ":created": _n(to_epoch(pending.created_at)),
                    ":expires": _n(to_epoch(pending.expires_at)),
                    ":session": _s("session"),
                    ":waiting": _s("created"),
                },
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConcurrentUpdate("This session no longer waits for a login.") from exc
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc

    def get(self, request_id: str, now: datetime, session_id: UUID | None = None) -> PendingLogin | None:
        if session_id is not None:
            # the session's one pending login, whatever its request id: the caller tells an answer to another
            # login (another browser's) from one whose login was used up or expired
            item = self._get(f"session#{session_id}")
            return _session_pending_login(item, now) if item is not None else None
        item = self._get(f"authn#{request_id}")
        if item is None or not _is_live(item, now):
            return None
        return _pending_login(request_id, item)

    def take(self, request_id: str, now: datetime, session_id: UUID | None = None) -> PendingLogin | None:
        if session_id is not None:
            key = f"session#{session_id}"
            condition = "pending_request_id = :request AND pending_expires_at > :now"
            removal = "REMOVE " + ", ".join(_PENDING) + ", pending_expires_at"
            values: Item = {":request": _s(request_id), ":now": _n(to_epoch(now))}
        else:
            key, condition, removal, values = f"authn#{request_id}", "attribute_exists(pk)", "", {}
        try:
            if removal:
                answer = self._client.update_item(
                    TableName=self._table,
                    Key={"pk": _s(key)},
                    UpdateExpression=removal,
                    ConditionExpression=condition,
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_OLD",
                )
            else:
                answer = self._client.delete_item(
                    TableName=self._table, Key={"pk": _s(key)}, ConditionExpression=condition, ReturnValues="ALL_OLD"
                )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc
        item = answer.get("Attributes")
        if not item:
            return None
        if session_id is not None:
            return _session_pending_login(item, now)
        return _pending_login(request_id, item) if _is_live(item, now) else None


def _session_pending_login(item: Item, now: datetime) -> PendingLogin | None:
    """The pending login kept on a session's item, with the session as read; None once past its expiry."""
    from .dynamodb import session_from_item  # the session adapter builds on this module's item forms

    if item.get("kind", {}).get("S") != "session" or "pending_request_id" not in item:
        return None
    expires_at = int(item["pending_expires_at"]["N"])
    if expires_at <= to_epoch(now):
        return None
    session = session_from_item(item)
    return PendingLogin(
        request_id=item["pending_request_id"]["S"],
        relay_state=item["pending_relay_state"]["S"],
        flow=session.flow,
        required_loa=session.required_loa,
        created_at=from_epoch(int(item["pending_created_at"]["N"])),
        expires_at=from_epoch(expires_at),
        session_id=session.id,
        browser_digest=item["pending_browser_digest"]["S"],
        session=session,
    )


def _pending_login(request_id: str, item: Item) -> PendingLogin:
    return PendingLogin(
        request_id=request_id,
        relay_state=item["relay_state"]["S"],
        flow=Flow(item["flow"]["S"]),
        required_loa=LevelOfAssurance(int(item["required_loa"]["N"])),
        created_at=from_epoch(int(item["created_at"]["N"])),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        session_id=UUID(item["session_id"]["S"]) if "session_id" in item else None,
        browser_digest=item.get("browser_digest", {}).get("S", ""),
    )


class DynamoDbResidentResults(_Table):
    """``ResidentResults`` under the hash of the browser's token."""

    def add(self, token_hash: str, result: ResidentResult) -> None:
        self._put_new(result_item(token_hash, result))

    def get(self, token_hash: str, now: datetime) -> ResidentResult | None:
        item = self._get(f"result#{token_hash}")
        if item is None or not _is_live(item, now):
            return None
        return _resident_result(item)

    def get_with_session(
        self, token_hash: str, session_id: UUID, now: datetime
    ) -> tuple[ResidentResult | None, Session | None]:
        """One BatchGetItem (strongly consistent) for the result and its session, as the result page polls."""
        from .dynamodb import session_from_item

        result_key, session_key = f"result#{token_hash}", f"session#{session_id}"
        keys: list[Any] = [{"pk": _s(result_key)}, {"pk": _s(session_key)}]
        found: dict[str, Item] = {}
        try:
            for _ in range(5):  # unprocessed keys (throttling) are asked again
                answer = self._client.batch_get_item(RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}})
                found.update({item["pk"]["S"]: item for item in answer.get("Responses", {}).get(self._table, [])})
                unprocessed: Any = answer.get("UnprocessedKeys", {})
                keys = list(unprocessed.get(self._table, {}).get("Keys", []))
                if not keys:
                    break
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        if keys:
            raise ServiceUnavailable("DynamoDB is temporarily unavailable; nothing was changed, please try again.")
        item, session_item = found.get(result_key), found.get(session_key)
        if item is None or not _is_live(item, now) or item.get("session_id", {}).get("S") != str(session_id):
            return None, None
        session = session_from_item(session_item) if session_item and session_item["kind"]["S"] == "session" else None
        return _resident_result(item), session

    def extend(self, token_hash: str, result: ResidentResult, new_expiry: datetime, now: datetime) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": _s(f"result#{token_hash}")},
                UpdateExpression="SET expires_at = :exp, #ttl = :exp, extensions = :next",
                ConditionExpression="extensions = :count AND expires_at > :now",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":exp": _n(to_epoch(new_expiry)),
                    ":next": _n(result.extensions + 1),
                    ":count": _n(result.extensions),
                    ":now": _n(to_epoch(now)),
                },
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc
        return True

    def remove(self, token_hash: str) -> None:
        try:
            self._client.delete_item(TableName=self._table, Key={"pk": _s(f"result#{token_hash}")})
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc


def _resident_result(item: Item) -> ResidentResult:
    return ResidentResult(
        flow=Flow(item["flow"]["S"]),
        code=item["code"]["S"],
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        zaak_number=item.get("zaak_number", {}).get("S"),
        official_name=item.get("official_name", {}).get("S"),
        municipality=item.get("municipality", {}).get("S"),
        session_id=UUID(item["session_id"]["S"]) if "session_id" in item else None,
        limit_at=from_epoch(int(item["limit_at"]["N"])) if "limit_at" in item else None,
        extensions=int(item.get("extensions", {}).get("N", "0")),
    )


class DynamoDbIdentifications(_Table):
    """``IdentificationStore``: case numbers from an atomic counter per year, records by number."""

    def next_case_number(self, year: int) -> CaseNumber:
        # The counter outlives its year by a year, then expires like every other record.
        counter_expiry = datetime(year + 2, 1, 1, tzinfo=UTC)
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key={"pk": _s(f"counter#zaak#{year}")},
                UpdateExpression="ADD last_number :one SET expires_at = :exp, #ttl = :exp, kind = :kind",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":one": _n(1),
                    ":exp": _n(to_epoch(counter_expiry)),
                    ":kind": _s("counter"),
                },
                ReturnValues="UPDATED_NEW",
            )
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        return CaseNumber(year, int(answer["Attributes"]["last_number"]["N"]))

    def add(self, identification: Identification) -> None:
        self._put_new(identification_item(identification))

    def get(self, zaak_number: CaseNumber, now: datetime) -> Identification | None:
        item = self._get(f"zaak#{zaak_number}")
        if item is None or not _is_live(item, now) or "session_id" not in item:
            return None
        return Identification(
            zaak_number=zaak_number,
            session_id=UUID(item["session_id"]["S"]),
            login_at=from_epoch(int(item["login_at"]["N"])),
            loa=LevelOfAssurance(int(item["loa"]["N"])),
            expires_at=from_epoch(int(item["expires_at"]["N"])),
        )
