"""The live records on the session table: ``live#<session id>``, with the official's pending ticket (its digest)
and one attribute per open connection (``conn_<connection id>``: role and expiry).

Not on the session's own item: every state change writes that item whole (one conditional Put), which would drop
the connections; a separate record keeps them for the session's life. A push reads both in one BatchGetItem.
Expiry is decided here at every read; ``ttl`` only lets DynamoDB tidy up late.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from ..clock import from_epoch, to_epoch
from ..errors import ServiceUnavailable
from ..live import LiveConnection, LiveTicket, Role, parse_ticket, ticket_digest
from ..session import Session
from .aws_errors import error_code, unavailable
from .dynamodb import session_from_item, session_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["DynamoDbLiveChannels", "live_key"]

_CONNECTION = "conn_"


def live_key(session_id: UUID) -> dict[str, Any]:
    return {"pk": {"S": f"live#{session_id}"}}


def _connection_value(connection: LiveConnection) -> dict[str, Any]:
    return {"M": {"role": {"S": connection.role.value}, "expires_at": {"N": str(to_epoch(connection.expires_at))}}}


class DynamoDbLiveChannels:
    """``LiveChannels`` on the service's table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _update(self, **request: Any) -> bool:
        try:
            self._client.update_item(TableName=self._table, **request)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise unavailable("DynamoDB", exc) from exc
        except BotoCoreError as exc:
            raise unavailable("DynamoDB", exc) from exc
        return True

    def add_ticket(self, ticket: LiveTicket, official_id: str, session_expires_at: datetime) -> None:
        """The official's pending ticket (a newer one replaces it), bound to them and to the session."""
        end = {"N": str(to_epoch(session_expires_at))}
        self._update(
            Key=live_key(ticket.session_id),
            UpdateExpression=(
                "SET kind = :kind, official_id = :official, ticket_digest = :digest, ticket_expires_at = :until, "
                "expires_at = :end, #ttl = :end"
            ),
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={
                ":kind": {"S": "live"},
                ":official": {"S": official_id},
                ":digest": {"S": ticket_digest(ticket.value)},
                ":until": {"N": str(to_epoch(ticket.expires_at))},
                ":end": end,
            },
        )

    def connect_with_ticket(self, ticket_value: str, connection: LiveConnection, now: datetime) -> bool:
        session_id = parse_ticket(ticket_value)
        if session_id is None:
            return False
        return self._update(
            Key=live_key(session_id),
            ConditionExpression="ticket_digest = :digest AND ticket_expires_at > :now AND expires_at > :now",
            UpdateExpression="SET #connection = :connection REMOVE ticket_digest, ticket_expires_at",
            ExpressionAttributeNames={"#connection": _CONNECTION + connection.connection_id},
            ExpressionAttributeValues={
                ":digest": {"S": ticket_digest(ticket_value)},
                ":now": {"N": str(to_epoch(now))},
                ":connection": _connection_value(connection),
            },
        )

    def connect(self, session_id: UUID, connection: LiveConnection, session_expires_at: datetime) -> None:
        end = {"N": str(to_epoch(session_expires_at))}
        self._update(
            Key=live_key(session_id),
            UpdateExpression=(
                "SET kind = :kind, expires_at = if_not_exists(expires_at, :end), #ttl = if_not_exists(#ttl, :end), "
                "#connection = :connection"
            ),
            ExpressionAttributeNames={"#ttl": "ttl", "#connection": _CONNECTION + connection.connection_id},
            ExpressionAttributeValues={
                ":kind": {"S": "live"},
                ":end": end,
                ":connection": _connection_value(connection),
            },
        )

    def session_and_connections(self, session_id: UUID, now: datetime) -> tuple[Session | None, list[LiveConnection]]:
        """The session and its live record in one BatchGetItem (strongly consistent: a connection that just opened
        is there)."""
        keys = [{"pk": {"S": session_key(session_id)}}, live_key(session_id)]
        request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
        items: list[dict[str, Any]] = []
        try:
            for _ in range(3):  # unprocessed keys (throttling) are asked for again
                answer = self._client.batch_get_item(RequestItems=request)
                items += answer.get("Responses", {}).get(self._table, [])
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        if request:
            raise ServiceUnavailable("DynamoDB is temporarily unavailable; nothing was changed, please try again.")
        by_kind = {item.get("kind", {}).get("S"): item for item in items}
        session = session_from_item(by_kind["session"]) if "session" in by_kind else None
        return session, _connections(by_kind.get("live"), now)


def _connections(item: dict[str, Any] | None, now: datetime) -> list[LiveConnection]:
    if not item or int(item["expires_at"]["N"]) <= to_epoch(now):
        return []
    found = []
    for name, value in item.items():
        if not name.startswith(_CONNECTION) or "M" not in value:
            continue
        expires_at = from_epoch(int(value["M"]["expires_at"]["N"]))
        if expires_at > now:
            found.append(LiveConnection(name.removeprefix(_CONNECTION), Role(value["M"]["role"]["S"]), expires_at))
    return found
