"""The live status's decisions against in-memory fakes: who gets a ticket, what a change pushes to whom."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from msgspec.structs import replace

from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.errors import NotAllowed, SessionNotFound
from legitimatie.live.model import LiveConnection, LiveTicket, Role, parse_ticket
from legitimatie.live.services import LivePushReport, connect_official, push_change
from legitimatie.live.tickets import issue_ticket
from legitimatie.policy import ServicePolicy
from legitimatie.resident import ResidentKey
from legitimatie.sessions.model import Official, ResidentEvent, Session, Status
from legitimatie.sessions.services import create_handover_session, record_resident_login
from tests.fakes import AUDIT, METRICS, CountingMetrics, FakeCipher, HmacMacKey, InMemorySessionRepository

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
OFFICIAL = Official(id="sub-1", name="A. Ambtenaar")
POLICY = ServicePolicy(
    municipality_name="Gemeente Voorbeeld",
    gemeentecode="0999",
    minimum_loa=LevelOfAssurance.MIDDEN,
    session_lifetime=timedelta(minutes=30),
    site_url="https://beeldbellen.voorbeeld.nl",
)
RESIDENT = "999993653"


class InMemoryLiveChannels:
    def __init__(self, sessions: InMemorySessionRepository | None = None) -> None:
        self.sessions = sessions or InMemorySessionRepository()
        self.tickets: dict[str, tuple[UUID, datetime]] = {}
        self.open: dict[UUID, list[LiveConnection]] = {}

    def add_ticket(self, ticket: LiveTicket, official_id: str, session_expires_at: datetime) -> None:
        self.tickets[ticket.value] = (ticket.session_id, ticket.expires_at)

    def connect_with_ticket(self, ticket_value: str, connection: LiveConnection, now: datetime) -> bool:
        found = self.tickets.pop(ticket_value, None)
        if found is None or found[1] <= now:
            return False
        self.open.setdefault(found[0], []).append(connection)
        return True

    def connect(self, session_id: UUID, connection: LiveConnection, session_expires_at: datetime) -> None:
        self.open.setdefault(session_id, []).append(connection)

    def session_and_connections(self, session_id: UUID, now: datetime) -> tuple[Session | None, list[LiveConnection]]:
        return self.sessions.get(session_id), [c for c in self.open.get(session_id, []) if c.expires_at > now]


class RecordingPushes:
    def __init__(self, gone: frozenset[str] = frozenset()) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []
        self.gone = gone

    def push(self, connection_id: str, body: dict[str, object]) -> bool:
        if connection_id in self.gone:
            return False
        self.sent.append((connection_id, body))
        return True


def new_session(sessions: InMemorySessionRepository) -> Session:
    return create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=sessions, audit=AUDIT, metrics=METRICS, now=NOW
    )


def logged_in(session: Session, sessions: InMemorySessionRepository, cipher: FakeCipher) -> Session:
    resident = ResidentKey(HmacMacKey(b"k" * 32), "0999").resident(Bsn(RESIDENT))
    record_resident_login(session.id, resident, LevelOfAssurance.MIDDEN, sessions=sessions, cipher=cipher, now=NOW)
    found = sessions.get(session.id)
    assert found is not None
    return found


def test_only_the_owner_of_a_live_session_gets_a_ticket() -> None:
    # Given a session of this official
    sessions, live = InMemorySessionRepository(), InMemoryLiveChannels()
    session = new_session(sessions)
    # Then its owner gets a ticket naming it, and another official is told there is no such session
    ticket = issue_ticket(session.id, OFFICIAL, sessions=sessions, live=live, now=NOW)
    assert parse_ticket(ticket.value) == session.id and ticket.expires_at <= NOW + timedelta(minutes=1)
    with pytest.raises(SessionNotFound):
        issue_ticket(session.id, Official(id="sub-2", name="C. Collega"), sessions=sessions, live=live, now=NOW)
    # And an expired session gets none either
    with pytest.raises(SessionNotFound):
        issue_ticket(session.id, OFFICIAL, sessions=sessions, live=live, now=NOW + timedelta(hours=1))


def test_a_ticket_that_is_not_one_opens_nothing() -> None:
    live = InMemoryLiveChannels()
    for ticket in (None, "", "not-a-ticket", "00000000-0000-4000-8000-000000000000.short"):
        with pytest.raises(NotAllowed):
            connect_official(ticket, "conn-1", live=live, metrics=METRICS, now=NOW)
    assert live.open == {}


def both_pages_follow(sessions: InMemorySessionRepository, session: Session) -> InMemoryLiveChannels:
    live = InMemoryLiveChannels(sessions)
    live.connect(session.id, LiveConnection("official-1", Role.OFFICIAL, NOW + timedelta(hours=2)), session.expires_at)
    live.connect(session.id, LiveConnection("resident-1", Role.RESIDENT, NOW + timedelta(hours=2)), session.expires_at)
    return live


class CountingCipher(FakeCipher):
    """Counts the decryptions a push costs (each one a KMS Decrypt in the Live function)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = 0

    def open(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        self.opened += 1
        return super().open(ciphertext, context)


def test_a_login_pushes_the_officials_view_to_the_official_and_nothing_to_the_waiting_resident() -> None:
    # Given a session with the official's and the resident's pages connected
    sessions, cipher = InMemorySessionRepository(), FakeCipher()
    before = new_session(sessions)
    live = both_pages_follow(sessions, before)
    logged_in(before, sessions, cipher)
    pushes, metrics = RecordingPushes(), CountingMetrics()
    # When the change is pushed
    report = push_change(
        before.id,
        live=live,
        pushes=pushes,
        cipher=cipher,
        official_body=lambda view: {"status": view.status.value, "bsn": view.bsn.digits if view.bsn else None},
        metrics=metrics,
        now=NOW,
    )
    # Then the official's page gets its view with the BSN (flow C); the resident's, still waiting, gets nothing
    assert report == LivePushReport(sent=1, gone=0)
    assert pushes.sent == [("official-1", {"status": "logged_in", "bsn": RESIDENT})]
    assert metrics.counts == {"LivePushes": 1}


def test_an_event_at_digid_while_the_session_waits_is_pushed_to_the_official_only() -> None:
    # Given a waiting session whose resident stopped at DigiD, both pages following it
    sessions = InMemorySessionRepository()
    session = new_session(sessions)
    live = both_pages_follow(sessions, session)
    sessions.sessions[session.id] = replace(session, resident_event=ResidentEvent.CANCELLED)
    pushes = RecordingPushes()
    # When the change is pushed, then the official's page hears of it and the resident's (still waiting) does not
    assert push(live, pushes, session.id) == (1, 0)
    assert [connection for connection, _ in pushes.sent] == ["official-1"]


def test_the_logins_start_at_digid_is_pushed_to_no_page() -> None:
    # Given a waiting session, both pages following it, whose resident started the login (a write of the session
    # that changes nothing either page shows)
    sessions = InMemorySessionRepository()
    session = new_session(sessions)
    live = both_pages_follow(sessions, session)
    pushes = RecordingPushes()
    # When the change is pushed, then no page is sent anything
    assert push(live, pushes, session.id) == (0, 0)
    assert pushes.sent == []


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (Status.VERIFIED, None),
        (Status.COMPLETED, "identified"),
        (Status.NOT_IDENTIFIED, "not_identified"),
        (Status.LOCKED, "locked"),
        (Status.CANCELLED, "cancelled"),
    ],
)
def test_the_officials_own_steps_are_not_pushed_to_their_page_and_only_an_outcome_to_the_residents(
    status: Status, outcome: str | None
) -> None:
    # Given a logged-in session (flow C: a sealed BSN) followed by both pages
    sessions, cipher = InMemorySessionRepository(), CountingCipher()
    session = logged_in(new_session(sessions), sessions, cipher)
    live = both_pages_follow(sessions, session)
    # When the official's own check, close or cancel changed it (as the stored session says) and it is pushed
    sessions.sessions[session.id] = replace(session, status=status)
    pushes = RecordingPushes()
    report = push_change(
        session.id, live=live, pushes=pushes, cipher=cipher, official_body=lambda v: {}, metrics=METRICS, now=NOW
    )
    # Then the official's page gets nothing (and no BSN is decrypted for it); the resident's only an outcome
    assert pushes.sent == ([] if outcome is None else [("resident-1", {"outcome": outcome})])
    assert report.sent == len(pushes.sent)
    assert cipher.opened == 0


def test_a_changed_session_past_its_end_tells_both_pages_it_expired() -> None:
    sessions = InMemorySessionRepository()
    session = new_session(sessions)
    live = both_pages_follow(sessions, session)
    pushes = RecordingPushes()
    report = push_change(
        session.id,
        live=live,
        pushes=pushes,
        cipher=FakeCipher(),
        official_body=lambda v: {"seen": True},
        metrics=METRICS,
        now=session.expires_at,
    )
    assert report.sent == 2 and pushes.sent == [("official-1", {"seen": True}), ("resident-1", {"outcome": "expired"})]


def push(live: InMemoryLiveChannels, pushes: RecordingPushes, session_id: UUID) -> tuple[int, int]:
    report = push_change(
        session_id,
        live=live,
        pushes=pushes,
        cipher=FakeCipher(),
        official_body=lambda v: {"seen": True},
        metrics=METRICS,
        now=NOW,
    )
    return report.sent, report.gone


def test_a_gone_page_or_an_expired_connection_fails_nothing_and_gets_nothing() -> None:
    sessions = InMemorySessionRepository()
    live = InMemoryLiveChannels(sessions)
    session = new_session(sessions)
    live.connect(session.id, LiveConnection("closed-tab", Role.OFFICIAL, NOW + timedelta(hours=2)), session.expires_at)
    live.connect(session.id, LiveConnection("old", Role.OFFICIAL, NOW - timedelta(seconds=1)), session.expires_at)
    sessions.sessions[session.id] = replace(session, resident_event=ResidentEvent.LOA_TOO_LOW)
    pushes = RecordingPushes(gone=frozenset({"closed-tab"}))
    # A closed tab is reported gone, and an expired connection is not tried at all
    assert push(live, pushes, session.id) == (0, 1)
    assert pushes.sent == []


def test_a_session_no_page_follows_or_that_is_gone_pushes_nothing() -> None:
    sessions = InMemorySessionRepository()
    live = InMemoryLiveChannels(sessions)
    session = new_session(sessions)
    pushes = RecordingPushes()
    assert push(live, pushes, session.id) == (0, 0)
    live.connect(UUID(int=1), LiveConnection("tab", Role.OFFICIAL, NOW + timedelta(hours=2)), session.expires_at)
    assert push(live, pushes, UUID(int=1)) == (0, 0)  # a record without its session
    assert pushes.sent == []


def test_an_opened_connection_is_counted_by_its_role() -> None:
    # Given an official's ticket for their live session
    sessions = InMemorySessionRepository()
    live = InMemoryLiveChannels(sessions)
    session = new_session(sessions)
    ticket = issue_ticket(session.id, OFFICIAL, sessions=sessions, live=live, now=NOW)
    metrics = CountingMetrics()
    # When the page opens its connection with it, then the count names the official's side; a refusal counts nothing
    connect_official(ticket.value, "conn-1", live=live, metrics=metrics, now=NOW)
    with pytest.raises(NotAllowed):
        connect_official(ticket.value, "conn-2", live=live, metrics=metrics, now=NOW)
    assert metrics.counts == {"LiveConnections_official": 1}
