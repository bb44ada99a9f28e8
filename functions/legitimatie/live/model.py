"""The live status: what the official's and the resident's pages are told the moment a session changes.

The pages would otherwise ask every few seconds (``GET /api/sessions/{id}``, ``GET /api/public/result``). A
WebSocket connection is opened once, authorised when it opens, and kept on the session's live record; a change of
the session pushes the same body the page would have asked for to every connection of that record that is still
in time. Nothing personal is kept: a connection id names an API Gateway connection, not a person.

The official cannot send a header with a browser WebSocket and a token never goes into a URL (URLs are logged):
the page asks for a ticket first (an authorised API call), a random value bound to the official and the session,
valid for ``TICKET_LIFETIME`` and used up by the one connection that shows it. Only its digest is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from msgspec import Struct

__all__ = [
    "CONNECTION_LIFETIME",
    "HANDSHAKE_RETRY_DELAYS",
    "HANDSHAKE_WINDOW",
    "TICKET_LIFETIME",
    "LiveConnection",
    "LiveTicket",
    "Role",
    "new_ticket",
    "parse_ticket",
    "ticket_digest",
]

TICKET_LIFETIME = timedelta(seconds=60)
# API Gateway closes a WebSocket connection after two hours at the latest; a record never outlives its session.
CONNECTION_LIFETIME = timedelta(hours=2)
# API Gateway refuses a PostToConnection (410 GoneException) until the $connect's integration has returned and the
# handshake is done: "You must establish the connection before using this command" (AWS, "Use @connections commands
# in your backend service"). The $connect's own write reaches the stream, and so a push, within that moment. A
# connection this young that answers 410 is tried again after these waits (1.75 s in all, well inside the live
# function's 10 s); an older one that answers 410 was closed by its page.
HANDSHAKE_WINDOW = timedelta(seconds=5)
HANDSHAKE_RETRY_DELAYS = (0.25, 0.5, 1.0)


class Role(StrEnum):
    OFFICIAL = "official"
    RESIDENT = "resident"


class LiveConnection(Struct, frozen=True):
    """One open page: whom it belongs to and until when a push may go to it."""

    connection_id: str
    role: Role
    expires_at: datetime

    @property
    def connected_at(self) -> datetime:
        """When the page opened it (its expiry is that moment plus ``CONNECTION_LIFETIME``; whole seconds as
        stored)."""
        return self.expires_at - CONNECTION_LIFETIME

    def in_handshake(self, now: datetime) -> bool:
        """Whether API Gateway may still be finishing its handshake: a 410 then means "not yet", not "closed"."""
        return now - self.connected_at < HANDSHAKE_WINDOW


class LiveTicket(Struct, frozen=True):
    """What the official's page shows when it opens its connection: ``<session id>.<random>``."""

    session_id: UUID
    value: str
    expires_at: datetime


def new_ticket(session_id: UUID, now: datetime) -> LiveTicket:
    return LiveTicket(session_id, f"{session_id}.{secrets.token_urlsafe(24)}", now + TICKET_LIFETIME)


def parse_ticket(value: str | None) -> UUID | None:
    """The session a ticket names, or None for anything that is not a ticket."""
    if not value or len(value) > 100:
        return None
    head, dot, token = value.partition(".")
    if not dot or len(token) < 20:
        return None
    try:
        return UUID(head)
    except ValueError:
        return None


def ticket_digest(value: str) -> str:
    """Tickets are stored as a hash: the table alone cannot open a connection."""
    return hashlib.sha256(value.encode()).hexdigest()
