"""The live status's Protocols: where tickets and connections are kept, and how a message reaches a page."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from .model import LiveConnection, LiveTicket

if TYPE_CHECKING:
    from ..sessions.model import Session

__all__ = ["LiveChannels", "LivePushes"]


class LiveChannels(Protocol):
    """The live records: one per session, with the official's pending ticket and the open connections."""

    def add_ticket(self, ticket: LiveTicket, official_id: str, session_expires_at: datetime) -> None: ...

    def connect_with_ticket(self, ticket_value: str, connection: LiveConnection, now: datetime) -> bool:
        """Use the ticket up and keep the connection, in one conditional write; False when the ticket is not
        there (unknown, used, or too late): then nothing is written."""
        ...

    def connect(self, session_id: UUID, connection: LiveConnection, session_expires_at: datetime) -> None: ...

    def session_and_connections(self, session_id: UUID, now: datetime) -> tuple[Session | None, list[LiveConnection]]:
        """The session as stored, and its connections still in time (expiry decided here, at every read): one
        request."""
        ...


class LivePushes(Protocol):
    def push(self, connection_id: str, body: dict[str, object]) -> bool:
        """Send one message; False when the connection is gone (the page closed): harmless."""
        ...
