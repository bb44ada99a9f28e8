"""The official's ticket for a live status connection: issued by the live function's HTTP route for the official's own
live session, then used once by the socket's ``$connect`` (services.connect_official)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ..errors import SessionNotFound
from ..sessions.model import Official
from ..sessions.ports import SessionRepository
from .model import LiveTicket, new_ticket
from .ports import LiveChannels

__all__ = ["issue_ticket"]


def issue_ticket(
    session_id: UUID, official: Official, *, sessions: SessionRepository, live: LiveChannels, now: datetime
) -> LiveTicket:
    """A ticket for the official's own session while it is live; anyone else's is reported as missing."""
    session = sessions.get(session_id)
    if session is None or not session.is_owned_by(official) or session.status_at(now).is_end_state:
        raise SessionNotFound("There is no session with this id.")
    ticket = new_ticket(session_id, now)
    live.add_ticket(ticket, official.id, session.expires_at)
    return ticket
