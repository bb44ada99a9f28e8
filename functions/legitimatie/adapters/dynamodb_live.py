"""The live records on the session table: ``live#<session id>``, with the official's pending ticket (its digest)
and one attribute per open connection (``conn_<connection id>``: role and expiry).

Not on the session's own item: every state change writes that item whole (one conditional Put), which would drop
the connections; a separate record keeps them for the session's life and costs one read per pushed change.
Expiry is decided here at every read; ``ttl`` only lets DynamoDB tidy up late.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from ..clock import from_epoch, to_epoch
from ..live import LiveConnection, LiveTicket, Role, parse_ticket, ticket_digest
from .aws_errors import error_code, unavailable

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

    def connections(self, session_id: UUID, now: datetime) -> list[LiveConnection]:
        try:
            item = self._client.get_item(TableName=self._table, Key=live_key(session_id), ConsistentRead=True).get(
                "Item"
            )
        except (ClientError, BotoCoreError) as exc:
            raise unavailable("DynamoDB", exc) from exc
        if not item or item.get("kind", {}).get("S") != "live" or int(item["expires_at"]["N"]) <= to_epoch(now):
            return []
        found = []
        for name, value in item.items():
            if not name.startswith(_CONNECTION) or "M" not in value:
                continue
            expires_at = from_epoch(int(value["M"]["expires_at"]["N"]))
            if expires_at > now:
                found.append(LiveConnection(name.removeprefix(_CONNECTION), Role(value["M"]["role"]["S"]), expires_at))
        return found
