"""The services record their own audit events and metrics (issue 12): whatever handler calls a step that changes a
session, the same event is written. Read through the AuditTrail and Metrics ports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from legitimatie.adapters.dynamodb import DynamoDbProofOutbox
from legitimatie.assurance import LevelOfAssurance
from legitimatie.audit import AuditAction, Outcome
from legitimatie.bsn import Bsn
from legitimatie.errors import InvalidInput, ServiceUnavailable
from legitimatie.flow import Flow
from legitimatie.login.digid_model import LoginRefused
from legitimatie.login.digid_services import (
    expected_login,
    find_pending_login,
    finish_login,
    login_cancelled,
    login_failed,
    plan_login,
    register_login,
)
from legitimatie.policy import ServicePolicy
from legitimatie.resident import ResidentKey
from legitimatie.sessions.model import Official, ResidentEvent, Status
from legitimatie.sessions.model import Outcome as CloseOutcome
from legitimatie.sessions.services import (
    cancel_session,
    check_control_code,
    close_session,
    create_session,
    sweep_expired,
)
from tests.fakes import (
    CountingMetrics,
    FakeCipher,
    HmacMacKey,
    InMemoryIdentifications,
    InMemoryPendingLogins,
    InMemoryResults,
    InMemorySessionRepository,
    RecordingAuditTrail,
)
from tests.proof_fakes import InMemoryProofRecords

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RESIDENT = Bsn("999993653")
OFFICIAL = Official(id="sub-1", name="D. Dorknoper")
BROWSER = "browser-token"
POLICY = ServicePolicy(
    municipality_name="Gemeente Voorbeeld",
    gemeentecode="0999",
    minimum_loa=LevelOfAssurance.MIDDEN,
    session_lifetime=timedelta(minutes=30),
    site_url="https://beeldbellen.voorbeeld.nl",
)


class FailingMacKey:
    def generate_mac(self, message: bytes) -> bytes:
        raise ServiceUnavailable("KMS is temporarily unavailable")


class World:
    def __init__(self) -> None:
        self.pending = InMemoryPendingLogins()
        self.identifications = InMemoryIdentifications()
        self.records = InMemoryProofRecords()
        self.sessions = InMemorySessionRepository(
            proof_records=self.records,
            identifications=self.identifications,
            results=InMemoryResults(),
            pending=self.pending,
        )
        self.key = HmacMacKey(b"p" * 32)
        self.residents = ResidentKey(self.key, "0999")
        self.audit = RecordingAuditTrail()
        self.metrics = CountingMetrics()

    def create(self, flow: Flow, bsn: str | None = None):
        return create_session(
            flow,
            bsn,
            None,
            OFFICIAL,
            policy=POLICY,
            sessions=self.sessions,
            residents=self.residents,
            audit=self.audit,
            metrics=self.metrics,
            now=NOW,
        )

    def log_in(self, session_id, residents=None, loa=LevelOfAssurance.MIDDEN):
        plan = plan_login(session_id, policy=POLICY, sessions=self.sessions, now=NOW)
        register_login(
            plan, "_r", "relay", BROWSER, pending=self.pending, audit=self.audit, metrics=self.metrics, now=NOW
        )
        if session_id is None:  # flow A: the ACS builds the expectation; its write checks it against the stored login
            found = expected_login("_r", "relay", BROWSER, policy=POLICY, now=NOW)
        else:
            found = find_pending_login("_r", "relay", BROWSER, pending=self.pending, now=NOW, session_id=session_id)
        return finish_login(
            found,
            RESIDENT,
            loa,
            policy=POLICY,
            sessions=self.sessions,
            residents=residents or self.residents,
            cipher=FakeCipher(),
            identifications=self.identifications,
            pending=self.pending,
            audit=self.audit,
            metrics=self.metrics,
            now=NOW,
        )

    def check(self, session_id, code):
        return check_control_code(
            session_id, code, OFFICIAL, sessions=self.sessions, audit=self.audit, metrics=self.metrics, now=NOW
        )


@pytest.fixture
def world() -> World:
    return World()


def test_creating_a_flow_b_session_records_the_event_with_the_residents_pseudonym(world: World) -> None:
    session = world.create(Flow.KNOWN_BSN, RESIDENT.digits)
    kms_calls = world.key.calls
    [event] = world.audit.events
    assert event.action is AuditAction.SESSION_CREATED and event.session_id == str(session.id)
    assert event.flow is Flow.KNOWN_BSN and event.official == OFFICIAL.id and event.loa == "midden"
    assert event.resident == world.residents.resident(RESIDENT).pseudonym and RESIDENT.digits not in repr(event)
    assert event.resident.startswith("p2-") and len(event.resident) == 3 + 32
    assert world.metrics.counts == {"SessionsCreated": 1}
    # And the code and the pseudonym came from one KMS MAC
    assert kms_calls == 1


@pytest.mark.parametrize(
    ("flow", "bsn"), [(Flow.KNOWN_BSN, None), (Flow.HANDOVER, "999993653"), (Flow.NEW_RESIDENT, None)]
)
def test_the_bsn_rule_of_each_flow_is_the_services_and_a_refusal_records_nothing(world: World, flow, bsn) -> None:
    # Flow B needs the BSN, flow C takes none, flow A is never created by an official
    with pytest.raises(InvalidInput):
        world.create(flow, bsn)
    assert world.sessions.sessions == {} and world.audit.events == [] and not world.metrics.counts


def test_three_wrong_codes_are_three_failed_checks_and_a_lock(world: World) -> None:
    session = world.create(Flow.HANDOVER)
    world.log_in(session.id)
    for _ in range(3):
        world.check(session.id, "000000")
    actions = world.audit.actions()
    assert actions[-4:] == ["code_checked"] * 3 + ["session_locked"]
    assert [e.reason for e in world.audit.events[-4:]] == ["code_mismatch"] * 3 + ["too_many_wrong_codes"]
    assert world.audit.events[-2].outcome is Outcome.FAILURE
    assert world.metrics.counts["CodeMismatches"] == 3 and world.metrics.counts["SessionsLocked"] == 1


def test_a_login_is_recorded_by_the_service_with_the_pseudonym_of_the_codes_one_mac(world: World) -> None:
    session = world.create(Flow.HANDOVER)
    world.log_in(session.id)
    kms_calls = world.key.calls
    started, succeeded = world.audit.events[-2:]
    assert started.action is AuditAction.DIGID_LOGIN_STARTED and started.flow is Flow.HANDOVER
    resident = world.residents.resident(RESIDENT)
    assert succeeded.action is AuditAction.DIGID_LOGIN_SUCCEEDED and succeeded.resident == resident.pseudonym
    assert world.metrics.counts["Identifications_handover"] == 1 and world.metrics.counts["DigidLoginsStarted"] == 1
    # And the code and the pseudonym of the login came from one KMS MAC
    assert kms_calls == 1 and world.sessions.get(session.id).login.resident_code == resident.control_code(session.id)


def test_a_flow_a_login_survives_a_kms_outage_without_its_pseudonym(world: World) -> None:
    # Given the resident key unreachable: flow A's code is random, its MAC is for the pseudonym alone
    world.log_in(None, residents=ResidentKey(FailingMacKey(), "0999"))
    # Then the login stands; the event says the pseudonym is unavailable
    [session] = world.sessions.sessions.values()
    assert session.status is Status.LOGGED_IN
    assert world.audit.events[-1].action is AuditAction.DIGID_LOGIN_SUCCEEDED
    assert world.audit.events[-1].resident == "unavailable"


def test_a_session_login_fails_and_writes_nothing_when_its_code_cannot_be_computed(world: World) -> None:
    # Given a flow C session and the resident key unreachable
    session = world.create(Flow.HANDOVER)
    # When the resident's DigiD login arrives, then it fails: without the code there is nothing to check
    with pytest.raises(ServiceUnavailable):
        world.log_in(session.id, residents=ResidentKey(FailingMacKey(), "0999"))
    assert world.sessions.get(session.id).status is Status.CREATED
    assert "digid_login_succeeded" not in world.audit.actions()


def test_a_refused_login_uses_the_pending_login_up_and_records_no_success(world: World) -> None:
    session = world.create(Flow.HANDOVER)
    with pytest.raises(LoginRefused):  # the level is too low
        world.log_in(session.id, loa=LevelOfAssurance.BASIS)
    assert world.pending.get("_r", NOW, session.id) is None
    assert "digid_login_succeeded" not in world.audit.actions()


def test_failed_and_cancelled_logins_are_counted_and_in_the_trail(world: World) -> None:
    session = world.create(Flow.HANDOVER)
    plan = plan_login(session.id, policy=POLICY, sessions=world.sessions, now=NOW)
    pending = register_login(
        plan, "_r", "relay", BROWSER, pending=world.pending, audit=world.audit, metrics=world.metrics, now=NOW
    )
    login_failed("error", None, audit=world.audit, metrics=world.metrics)
    login_cancelled(pending, sessions=world.sessions, audit=world.audit, metrics=world.metrics, now=NOW)
    failed, cancelled = world.audit.events[-2:]
    assert (failed.action, failed.reason, failed.session_id) == (AuditAction.DIGID_LOGIN_FAILED, "error", None)
    assert (cancelled.reason, cancelled.session_id, cancelled.flow) == ("cancelled", str(session.id), Flow.HANDOVER)
    assert world.metrics.counts["DigidLoginFailed_error"] == 1 and world.metrics.counts["DigidLoginCancelled"] == 1
    assert world.sessions.get(session.id).resident_event is ResidentEvent.CANCELLED


def test_closing_cancelling_and_sweeping_record_their_events(world: World) -> None:
    proofs = DynamoDbProofOutbox(world.records, retention=timedelta(days=90))
    closed = world.create(Flow.HANDOVER)
    world.log_in(closed.id)
    for _ in range(2):  # a retried close is recorded again, with the same outcome
        close_session(
            closed.id,
            OFFICIAL,
            CloseOutcome.NOT_IDENTIFIED,
            reason="Geen beeld",
            sessions=world.sessions,
            proofs=proofs,
            audit=world.audit,
            metrics=world.metrics,
            now=NOW,
        )
    completed = [e for e in world.audit.events if e.action is AuditAction.SESSION_COMPLETED]
    assert [(e.outcome, e.reason) for e in completed] == [(Outcome.FAILURE, "not_identified")] * 2
    cancelled = world.create(Flow.HANDOVER)
    cancel_session(cancelled.id, OFFICIAL, sessions=world.sessions, audit=world.audit, metrics=world.metrics, now=NOW)
    assert world.audit.events[-1].action is AuditAction.SESSION_CANCELLED
    assert world.audit.events[-1].session_id == str(cancelled.id)
    later = NOW + timedelta(days=1)
    deleted = sweep_expired(records=world.sessions, audit=world.audit, metrics=world.metrics, now=later)
    assert deleted and world.audit.events[-1].action is AuditAction.RECORDS_EXPIRED
    assert world.audit.events[-1].count == deleted and world.metrics.counts["ExpiredRecordsDeleted"] == deleted
    assert world.metrics.counts["SessionsCompleted"] == 2 and world.metrics.counts["SessionsCancelled"] == 1
