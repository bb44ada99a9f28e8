"""The live status's decisions against in-memory fakes: who gets a ticket, what a change pushes to whom."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from msgspec.structs import replace

from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.errors import NotAllowed, SessionNotFound
from legitimatie.live.model import CONNECTION_LIFETIME, LiveConnection, LiveTicket, Role, parse_ticket
from legitimatie.live.services import LivePushReport, connect_official, push_change
from legitimatie.live.tickets import issue_ticket
from legitimatie.policy import ServicePolicy
from legitimatie.ports import Metrics
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
    """API Gateway's management API as a push sees it: 410 for a closed connection (``gone``), and for one whose
    handshake is still under way (``in_handshake``: its first that many pushes); the rest is delivered."""

    def __init__(self, gone: frozenset[str] = frozenset(), in_handshake: Mapping[str, int] | None = None) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []
        self.gone = gone
        self.refusals = dict(in_handshake or {})
        self.tries: list[str] = []

    def push(self, connection_id: str, body: dict[str, object]) -> bool:
        self.tries.append(connection_id)
        if connection_id in self.gone:
            return False
        if self.refusals.get(connection_id, 0) > 0:
            self.refusals[connection_id] -= 1
            return False
        self.sent.append((connection_id, body))
        return True


def no_wait(seconds: float) -> None:
    """The pushes' sleep where a test has no connection in its handshake (a wait would be a defect there)."""
    raise AssertionError(f"waited {seconds} s for no reason")


class RecordedWaits:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


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
            connect_official(ticket, "conn-1", live=live, now=NOW)
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
        sleep=no_wait,
    )
    # Then the official's page gets its view with the BSN (flow C); the resident's, still waiting, gets nothing
    assert report == LivePushReport(sent=1, gone=0)
    assert pushes.sent == [("official-1", {"status": "logged_in", "bsn": RESIDENT})]
    assert metrics.counts == {}  # a push is API Gateway's MessageCount


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
        session.id,
        live=live,
        pushes=pushes,
        cipher=cipher,
        official_body=lambda v: {},
        metrics=METRICS,
        now=NOW,
        sleep=no_wait,
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
        sleep=no_wait,
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
        sleep=no_wait,
    )
    return report.sent, report.gone


def test_a_gone_page_or_an_expired_connection_fails_nothing_and_gets_nothing() -> None:
    sessions = InMemorySessionRepository()
    live = InMemoryLiveChannels(sessions)
    session = new_session(sessions)
    opened_a_minute_ago = NOW + CONNECTION_LIFETIME - timedelta(minutes=1)
    live.connect(session.id, LiveConnection("closed-tab", Role.OFFICIAL, opened_a_minute_ago), session.expires_at)
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


def opened(connection_id: str, role: Role, at: datetime) -> LiveConnection:
    return LiveConnection(connection_id, role, at + CONNECTION_LIFETIME)


def login_pushed(
    live: InMemoryLiveChannels,
    pushes: RecordingPushes,
    cipher: FakeCipher,
    sleep: Callable[[float], None],
    metrics: Metrics = METRICS,
    opened_since: datetime | None = None,
) -> LivePushReport:
    """The logged-in session's change pushed at ``NOW``, the official's body as its status."""
    (session_id,) = live.sessions.sessions
    return push_change(
        session_id,
        live=live,
        pushes=pushes,
        cipher=cipher,
        official_body=lambda v: {"status": v.status.value},
        metrics=metrics,
        now=NOW,
        sleep=sleep,
        opened_since=opened_since,
    )


def test_a_push_that_meets_a_connection_still_in_its_handshake_tries_again_until_it_is_open() -> None:
    # Given a logged-in session whose official's page connected a second ago: API Gateway still finishes the
    # handshake and answers 410 to the first two pushes, as it does before the $connect has returned
    sessions, cipher = InMemorySessionRepository(), FakeCipher()
    session = logged_in(new_session(sessions), sessions, cipher)
    live = InMemoryLiveChannels(sessions)
    live.connect(session.id, opened("young", Role.OFFICIAL, NOW - timedelta(seconds=1)), session.expires_at)
    pushes, waits, metrics = RecordingPushes(in_handshake={"young": 2}), RecordedWaits(), CountingMetrics()
    # When the change is pushed
    report = login_pushed(live, pushes, cipher, waits, metrics)
    # Then it is tried again after short waits and reaches the page; the retries are counted
    assert pushes.sent == [("young", {"status": "logged_in"})]
    assert waits.waits == [0.25, 0.5]
    assert report == LivePushReport(sent=1, gone=0, retried=2)
    assert metrics.counts == {"LivePushRetries": 2}


def test_a_young_connection_that_never_opens_is_given_up_after_the_last_wait() -> None:
    # Given a logged-in session whose page connected just now and whose handshake never completes (refused $connect
    # would not have written it; a page that closed at once)
    sessions, cipher = InMemorySessionRepository(), FakeCipher()
    session = logged_in(new_session(sessions), sessions, cipher)
    live = InMemoryLiveChannels(sessions)
    live.connect(session.id, opened("closed-at-once", Role.OFFICIAL, NOW), session.expires_at)
    pushes, waits = RecordingPushes(gone=frozenset({"closed-at-once"})), RecordedWaits()
    # When the change is pushed, then it is tried four times in 1.75 s (well inside the function's 10 s), then gone
    report = login_pushed(live, pushes, cipher, waits)
    assert waits.waits == [0.25, 0.5, 1.0] and sum(waits.waits) < 10
    assert pushes.tries == ["closed-at-once"] * 4
    assert report == LivePushReport(sent=0, gone=1, retried=3)


def test_an_old_connections_410_is_gone_at_once() -> None:
    # Given a logged-in session whose official's page connected a minute ago and has been closed since
    sessions, cipher = InMemorySessionRepository(), FakeCipher()
    session = logged_in(new_session(sessions), sessions, cipher)
    live = InMemoryLiveChannels(sessions)
    live.connect(session.id, opened("closed", Role.OFFICIAL, NOW - timedelta(minutes=1)), session.expires_at)
    pushes, waits = RecordingPushes(gone=frozenset({"closed"})), RecordedWaits()
    # When the change is pushed, then the 410 is taken as "closed": one try, no wait
    report = login_pushed(live, pushes, cipher, waits)
    assert pushes.tries == ["closed"] and waits.waits == []
    assert report == LivePushReport(sent=0, gone=1, retried=0)


def test_a_page_that_connects_after_the_login_is_told_of_it_and_the_pages_before_it_are_not_told_again() -> None:
    # Given a session the resident logged in to, an earlier tab of the official's following it, and then the
    # official's page connecting (its $connect's write of the live record is the change)
    sessions, cipher = InMemorySessionRepository(), FakeCipher()
    session = logged_in(new_session(sessions), sessions, cipher)
    live = InMemoryLiveChannels(sessions)
    live.connect(session.id, opened("earlier-tab", Role.OFFICIAL, NOW - timedelta(minutes=5)), session.expires_at)
    live.connect(session.id, opened("new-tab", Role.OFFICIAL, NOW - timedelta(seconds=1)), session.expires_at)
    pushes = RecordingPushes()
    # When that write is pushed (the connections opened since the record was written)
    report = login_pushed(live, pushes, cipher, no_wait, opened_since=NOW - timedelta(seconds=3))
    # Then the new page gets the login without asking for it; the earlier one, told already, gets nothing
    assert pushes.sent == [("new-tab", {"status": "logged_in"})]
    assert report == LivePushReport(sent=1, gone=0, retried=0)
