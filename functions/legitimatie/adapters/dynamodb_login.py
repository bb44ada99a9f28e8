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
from ..errors import ConcurrentUpdate
from ..login import CaseNumber, Identification, PendingLogin, ResidentResult
from .aws_errors import error_code, unavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["DynamoDbIdentifications", "DynamoDbPendingLogins", "DynamoDbResidentResults"]

Item = dict[str, Any]


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _expiry(moment: datetime) -> Item:
    return {"expires_at": _n(to_epoch(moment)), "ttl": _n(to_epoch(moment))}


def _is_live(item: Item, now: datetime) -> bool:
    return int(item["expires_at"]["N"]) > to_epoch(now)


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


class DynamoDbPendingLogins(_Table):
    """``PendingLogins``: read to check an answer, then taken with a conditional delete, so only one caller ever
    gets a request back."""

    def add(self, pending: PendingLogin) -> None:
        item: Item = {
            "pk": _s(f"authn#{pending.request_id}"),
            "kind": _s("pending_login"),
            "relay_state": _s(pending.relay_state),
            "flow": _s(pending.flow),
            "required_loa": _n(int(pending.required_loa)),
            "created_at": _n(to_epoch(pending.created_at)),
            **_expiry(pending.expires_at),
        }
        if pending.session_id is not None:
            item["session_id"] = _s(str(pending.session_id))
        if pending.browser_digest:
            item["browser_digest"] = _s(pending.browser_digest)
        self._put_new(item)

    def get(self, request_id: str, now: datetime) -> PendingLogin | None:
        item = self._get(f"authn#{request_id}")
        if item is None or not _is_live(item, now):
            return None
        return _pending_login(request_id, item)

    def take(self, request_id: str, now: datetime) -> PendingLogin | None:
        try:
            answer = self._client.delete_item(
                TableName=self._table,
                Key={"pk": _s(f"authn#{request_id}")},
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc
        item = answer.get("Attributes")
        if not item or not _is_live(item, now):
            return None
        return _pending_login(request_id, item)


def _pending_login(request_id: str, item: Item) -> PendingLogin:
    return PendingLogin(
        request_id=request_id,
        relay_state=item["relay_state"]["S"],
        flow=item["flow"]["S"],
        required_loa=LevelOfAssurance(int(item["required_loa"]["N"])),
        created_at=from_epoch(int(item["created_at"]["N"])),
        expires_at=from_epoch(int(item["expires_at"]["N"])),
        session_id=UUID(item["session_id"]["S"]) if "session_id" in item else None,
        browser_digest=item.get("browser_digest", {}).get("S", ""),
    )


class DynamoDbResidentResults(_Table):
    """``ResidentResults`` under the hash of the browser's token."""

    def add(self, token_hash: str, result: ResidentResult) -> None:
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
        self._put_new(item)

    def get(self, token_hash: str, now: datetime) -> ResidentResult | None:
        item = self._get(f"result#{token_hash}")
        if item is None or not _is_live(item, now):
            return None
        return ResidentResult(
            flow=item["flow"]["S"],
            code=item["code"]["S"],
            expires_at=from_epoch(int(item["expires_at"]["N"])),
            zaak_number=item.get("zaak_number", {}).get("S"),
            official_name=item.get("official_name", {}).get("S"),
            municipality=item.get("municipality", {}).get("S"),
            session_id=UUID(item["session_id"]["S"]) if "session_id" in item else None,
            limit_at=from_epoch(int(item["limit_at"]["N"])) if "limit_at" in item else None,
            extensions=int(item.get("extensions", {}).get("N", "0")),
        )

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
        item: Item = {
            "pk": _s(f"zaak#{identification.zaak_number}"),
            "kind": _s("identification"),
            "session_id": _s(str(identification.session_id)),
            "login_at": _n(to_epoch(identification.login_at)),
            "loa": _n(int(identification.loa)),
            **_expiry(identification.expires_at),
        }
        self._put_new(item)

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
