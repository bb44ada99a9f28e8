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

from ...clock import from_epoch, to_epoch
from ...live.model import LiveConnection, LiveTicket, Role, parse_ticket, ticket_digest
from ...sessions.model import Session
from .codec import Item, Record, encode
from .items import session_from_record, session_key
from .table import ConditionFailed, Table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["DynamoDbLiveChannels", "live_key", "ticket_item"]

_CONNECTION = "conn_"


def live_key(session_id: UUID) -> str:
    return f"live#{session_id}"


def _ticket_attributes(ticket: LiveTicket, official_id: str, session_expires_at: datetime) -> dict[str, object]:
    """The official's pending ticket on the live record (its digest only), bound to them and to the session."""
    return {
        "kind": "live",
        "official_id": official_id,
        "ticket_digest": ticket_digest(ticket.value),
        "ticket_expires_at": to_epoch(ticket.expires_at),
        "expires_at": to_epoch(session_expires_at),
        "ttl": to_epoch(session_expires_at),
    }


def ticket_item(ticket: LiveTicket, official_id: str, session_expires_at: datetime) -> Item:
    """A new session's live record, holding the official's first ticket (written with the session)."""
    return encode({"pk": live_key(ticket.session_id), **_ticket_attributes(ticket, official_id, session_expires_at)})


def _connection_value(connection: LiveConnection) -> dict[str, object]:
    return {"role": connection.role.value, "expires_at": to_epoch(connection.expires_at)}


class DynamoDbLiveChannels:
    """``LiveChannels`` on the service's table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._table = Table(client, table_name)

    def add_ticket(self, ticket: LiveTicket, official_id: str, session_expires_at: datetime) -> None:
        """The official's pending ticket (a newer one replaces it; the record's connections stay)."""
        attributes = _ticket_attributes(ticket, official_id, session_expires_at)
        self._table.update(
            live_key(ticket.session_id),
            "SET " + ", ".join(f"#{name} = :{name}" for name in attributes),
            names={f"#{name}": name for name in attributes},
            values={f":{name}": value for name, value in attributes.items()},
        )

    def connect_with_ticket(self, ticket_value: str, connection: LiveConnection, now: datetime) -> bool:
        session_id = parse_ticket(ticket_value)
        if session_id is None:
            return False
        try:
            self._table.update(
                live_key(session_id),
                "SET #connection = :connection REMOVE ticket_digest, ticket_expires_at",
                condition="ticket_digest = :digest AND ticket_expires_at > :now AND expires_at > :now",
                names={"#connection": _CONNECTION + connection.connection_id},
                values={
                    ":digest": ticket_digest(ticket_value),
                    ":now": to_epoch(now),
                    ":connection": _connection_value(connection),
                },
            )
        except ConditionFailed:
            return False
        return True

    def connect(self, session_id: UUID, connection: LiveConnection, session_expires_at: datetime) -> None:
        self._table.update(
            live_key(session_id),
            "SET kind = :kind, expires_at = if_not_exists(expires_at, :end), #ttl = if_not_exists(#ttl, :end), "
            "#connection = :connection",
            names={"#ttl": "ttl", "#connection": _CONNECTION + connection.connection_id},
            values={
                ":kind": "live",
                ":end": to_epoch(session_expires_at),
                ":connection": _connection_value(connection),
            },
        )

    def session_and_connections(self, session_id: UUID, now: datetime) -> tuple[Session | None, list[LiveConnection]]:
        """The session and its live record in one BatchGetItem (strongly consistent: a connection that just opened
        is there)."""
        found = self._table.get_many([session_key(session_id), live_key(session_id)])
        record = found.get(session_key(session_id))
        session = session_from_record(record) if record is not None else None
        return session, _connections(found.get(live_key(session_id)), now)


def _connections(record: Record | None, now: datetime) -> list[LiveConnection]:
    if not record or record["expires_at"] <= to_epoch(now):
        return []
    found = []
    for name, value in record.items():
        if not name.startswith(_CONNECTION) or not isinstance(value, dict):
            continue
        expires_at = from_epoch(int(value["expires_at"]))
        if expires_at > now:
            found.append(LiveConnection(name.removeprefix(_CONNECTION), Role(value["role"]), expires_at))
    return found
