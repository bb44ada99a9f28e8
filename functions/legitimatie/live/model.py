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


class Role(StrEnum):
    OFFICIAL = "official"
    RESIDENT = "resident"


class LiveConnection(Struct, frozen=True):
    """One open page: whom it belongs to and until when a push may go to it."""

    connection_id: str
    role: Role
    expires_at: datetime


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
