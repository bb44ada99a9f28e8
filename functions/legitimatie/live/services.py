"""The live status's decisions: who may open a connection to which session, and what a change pushes to whom.

The official's ticket is in tickets.py: its route (the live function's HTTP one) loads neither the login's part nor
the session views that a connection and a push need (issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from msgspec import Struct

from ..errors import NotAllowed
from ..login.ports import ResidentResults
from ..login.services import resident_outcome, resident_result
from ..ports import BsnCipher, Metrics
from ..sessions.model import Session, Status
from ..sessions.ports import SessionRepository
from ..sessions.services import OfficialSessionView, session_view
from .model import CONNECTION_LIFETIME, HANDSHAKE_RETRY_DELAYS, LiveConnection, Role
from .model import parse_ticket as _parse_ticket
from .ports import LiveChannels, LivePushes

__all__ = ["LivePushReport", "connect_official", "connect_resident", "push_change"]


def connect_official(ticket: str | None, connection_id: str, *, live: LiveChannels, now: datetime) -> UUID:
    """The official's page opens its connection with a ticket: valid once, in time, for its one session."""
    session_id = _parse_ticket(ticket)
    connection = LiveConnection(connection_id, Role.OFFICIAL, now + CONNECTION_LIFETIME)
    if session_id is None or ticket is None or not live.connect_with_ticket(ticket, connection, now):
        raise NotAllowed("This ticket is not valid (anymore).")
    return session_id


def connect_resident(
    cookie: str | None,
    connection_id: str,
    *,
    results: ResidentResults,
    sessions: SessionRepository,
    live: LiveChannels,
    now: datetime,
) -> UUID:
    """The resident's result page opens its connection with its result cookie, checked as the result page's own
    read checks it; only while the outcome is still open (an ended one has nothing left to tell)."""
    view = resident_result(cookie, results=results, sessions=sessions, now=now)
    session_id = view.result.session_id
    if session_id is None or view.ended:
        raise NotAllowed("There is nothing to follow for this result.")
    limit = view.result.limit_at or view.result.expires_at
    live.connect(session_id, LiveConnection(connection_id, Role.RESIDENT, now + CONNECTION_LIFETIME), limit)
    return session_id


class LivePushReport(Struct, frozen=True):
    sent: int = 0
    gone: int = 0
    retried: int = 0  # pushes tried again because their connection was still in its handshake


def _wants_push(role: Role, session: Session, status: Status) -> bool:
    """Whether a page of ``role`` is told of the session now in ``status`` (as at the read, expiry included). The
    resident's page only of an outcome that is no longer ``waiting``. The official's page only of what the official
    did not do: DigiD's event while the session waits for the resident (a cancel, a level too low; the login's start
    changes nothing their page shows), the login, and a changed session found past its end. Their own check, close
    or cancel, and the proof gathering after the close, their page shows from its own answer already."""
    if role is Role.RESIDENT:
        return resident_outcome(status) != "waiting"
    if status is Status.CREATED:
        return session.resident_event is not None
    return status in (Status.LOGGED_IN, Status.EXPIRED)


def push_change(
    session_id: UUID,
    *,
    live: LiveChannels,
    pushes: LivePushes,
    cipher: BsnCipher,
    official_body: Callable[[OfficialSessionView], dict[str, object]],
    metrics: Metrics,
    now: datetime,
    sleep: Callable[[float], None],
    opened_since: datetime | None = None,
) -> LivePushReport:
    """A session changed: the connections in time whose page needs it (``_wants_push``) get what their page would
    read now. The official's page gets the body of ``GET /api/sessions/{id}`` (built by ``official_body``; the BSN
    is decrypted only then), the resident's the outcome of ``GET /api/public/result`` (never a BSN). A page that
    needs nothing, or a session no page follows, costs no message and no decryption.

    A connection opened too (its ``$connect`` wrote the live record, ``opened_since`` the moment of that write): only
    the connections opened since then are told, what their page needs now (a login before the page connected
    included); the pages connected before heard of every change already. So a page reads nothing when its socket
    opens.

    A push can meet a connection whose handshake API Gateway has not finished yet (the ``$connect``'s write reached
    the stream first): it answers 410 as a closed one does. Such a young connection (``in_handshake``) is tried
    again after each of ``HANDSHAKE_RETRY_DELAYS`` (``sleep``), then given up as gone; an older one's 410 is gone at
    once.

    The official's own actions (the check, the close, the cancel) are not pushed: the page that acted shows its
    answer. A second tab of the same session learns them at its next read or action, which the server refuses
    with a clear 409 (or a 404 for a closed session) when it no longer fits."""
    session, connections = live.session_and_connections(session_id, now)
    if opened_since is not None:
        connections = [connection for connection in connections if connection.connected_at >= opened_since]
    if session is None or not connections:
        return LivePushReport()
    status = session.status_at(now)
    bodies: dict[Role, dict[str, object]] = {}

    def body(connection: LiveConnection) -> dict[str, object]:
        if connection.role not in bodies:
            bodies[connection.role] = (
                official_body(session_view(session, cipher=cipher, now=now))
                if connection.role is Role.OFFICIAL
                else {"outcome": resident_outcome(status)}
            )
        return bodies[connection.role]

    wanted = [connection for connection in connections if _wants_push(connection.role, session, status)]
    refused = [connection for connection in wanted if not pushes.push(connection.connection_id, body(connection))]
    waiting = [connection for connection in refused if connection.in_handshake(now)]
    closed, retried = len(refused) - len(waiting), 0
    for wait in HANDSHAKE_RETRY_DELAYS:
        if not waiting:
            break
        sleep(wait)
        retried += len(waiting)
        waiting = [connection for connection in waiting if not pushes.push(connection.connection_id, body(connection))]
    gone = closed + len(waiting)
    sent = len(wanted) - gone
    # Connections and messages are API Gateway's own metrics (ConnectCount, MessageCount: free, on the operations
    # dashboard); only what it cannot know is ours to count, at a line per invocation that has one.
    if retried:
        metrics.count("LivePushRetries", retried)
    return LivePushReport(sent=sent, gone=gone, retried=retried)
