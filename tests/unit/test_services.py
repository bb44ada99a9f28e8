"""The session services against in-memory fakes: the flows B and C from the official's side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from msgspec.structs import asdict

from legitimatie.adapters.dynamodb import DynamoDbProofOutbox
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.errors import (
    AlreadyLoggedIn,
    ConcurrentUpdate,
    InvalidInput,
    InvalidSessionId,
    LevelTooLow,
    NotVerified,
    SessionExpired,
    SessionLocked,
    SessionNotFound,
    WrongState,
)
from legitimatie.login.model import CaseNumber, case_session_id
from legitimatie.policy import ServicePolicy
from legitimatie.resident import ResidentKey
from legitimatie.sessions.model import Flow, Official, Outcome, Status
from legitimatie.sessions.services import (
    cancel_session,
    check_control_code,
    close_session,
    create_handover_session,
    create_known_bsn_session,
    gather_proof,
    official_session,
    parse_session_id,
    public_session,
    record_resident_login,
    sweep_expired,
)
from tests.fakes import AUDIT, METRICS, FakeCipher, HmacMacKey, InMemorySessionRepository
from tests.proof_fakes import InMemoryProofRecords

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RESIDENT = Bsn("999993653")
SOMEONE_ELSE = Bsn("999990019")
OFFICIAL = Official(id="sub-1", name="D. Dorknoper")
COLLEAGUE = Official(id="sub-2", name="A. Collega")
POLICY = ServicePolicy(
    municipality_name="Gemeente Voorbeeld",
    gemeentecode="0999",
    minimum_loa=LevelOfAssurance.MIDDEN,
    session_lifetime=timedelta(minutes=30),
    site_url="https://beeldbellen.voorbeeld.nl",
)


@pytest.fixture
def sessions() -> InMemorySessionRepository:
    return InMemorySessionRepository()


@pytest.fixture
def residents() -> ResidentKey:
    return ResidentKey(HmacMacKey(b"k" * 32), POLICY.gemeentecode)


@pytest.fixture
def cipher() -> FakeCipher:
    return FakeCipher()


def outbox() -> DynamoDbProofOutbox:
    return DynamoDbProofOutbox(InMemoryProofRecords(), retention=timedelta(days=90))


def complete(session_id, official, sessions, outcome=Outcome.IDENTIFIED):
    """Closing with an in-memory proof outbox; returns the ended session."""
    proofs = outbox()
    sessions.proof_records = proofs._records
    ended, _ = close_session(
        session_id,
        official,
        outcome,
        sessions=sessions,
        proofs=proofs,
        now=NOW,
        audit=AUDIT,
        metrics=METRICS,
    )
    return ended


def check(session_id, code, official, sessions, *, now=NOW):
    """The official's code check; returns the outcome."""
    return check_control_code(session_id, code, official, sessions=sessions, now=now, audit=AUDIT, metrics=METRICS)


def known_bsn(sessions, residents, bsn=RESIDENT, loa=None):
    return create_known_bsn_session(
        bsn,
        loa,
        OFFICIAL,
        policy=POLICY,
        sessions=sessions,
        residents=residents,
        now=NOW,
        audit=AUDIT,
        metrics=METRICS,
    )


def handover(sessions, loa=None):
    return create_handover_session(
        loa, OFFICIAL, policy=POLICY, sessions=sessions, now=NOW, audit=AUDIT, metrics=METRICS
    )


def login(session_id, bsn, sessions, residents, cipher, *, at=NOW, loa=LevelOfAssurance.MIDDEN):
    resident = residents.resident(bsn)
    return record_resident_login(session_id, resident, loa, sessions=sessions, cipher=cipher, now=at)


def test_a_known_bsn_session_stores_the_code_but_never_the_bsn(sessions, residents) -> None:
    # When the official creates a flow B session
    session = known_bsn(sessions, residents)
    # Then it holds the official's code and no BSN at all
    stored = sessions.get(session.id)
    assert stored is not None and stored.official_code == residents.resident(RESIDENT).control_code(session.id)
    assert stored.code_version == "v2"
    assert RESIDENT.digits not in repr(asdict(stored))
    assert stored.status is Status.CREATED and stored.flow is Flow.KNOWN_BSN
    assert stored.expires_at == NOW + timedelta(minutes=30)
    assert UUID(str(stored.id)).version == 4


def test_the_link_carries_only_the_session_uuid(sessions, residents) -> None:
    session = known_bsn(sessions, residents)
    assert POLICY.resident_link(session.id) == f"https://beeldbellen.voorbeeld.nl/?sessie={session.id}"


def test_an_official_may_raise_the_minimum_level_but_not_lower_it(sessions, residents) -> None:
    assert handover(sessions, LevelOfAssurance.SUBSTANTIEEL).required_loa is LevelOfAssurance.SUBSTANTIEEL
    assert handover(sessions).required_loa is LevelOfAssurance.MIDDEN
    with pytest.raises(InvalidInput):
        handover(sessions, LevelOfAssurance.BASIS)


def test_flow_b_codes_match_only_for_the_same_bsn(sessions, residents, cipher) -> None:
    # Given two flow B sessions for the same resident
    right = known_bsn(sessions, residents)
    wrong = known_bsn(sessions, residents)
    # When the right person logs in on one and someone else on the other
    logged_in = login(right.id, RESIDENT, sessions, residents, cipher)
    impostor = login(wrong.id, SOMEONE_ELSE, sessions, residents, cipher)
    # Then only the first matches, and neither stores a BSN
    assert logged_in.login and logged_in.login.code_match is True
    assert impostor.login and impostor.login.code_match is False
    assert logged_in.login.sealed_bsn is None and impostor.login.sealed_bsn is None


def test_a_session_accepts_exactly_one_login(sessions, residents, cipher) -> None:
    session = handover(sessions)
    login(session.id, RESIDENT, sessions, residents, cipher)
    with pytest.raises(AlreadyLoggedIn):
        login(session.id, SOMEONE_ELSE, sessions, residents, cipher)


def test_a_login_after_expiry_is_refused(sessions, residents, cipher) -> None:
    session = handover(sessions)
    with pytest.raises(SessionExpired):
        login(session.id, RESIDENT, sessions, residents, cipher, at=NOW + timedelta(minutes=30))
    assert sessions.get(session.id).status is Status.CREATED


def test_the_handover_official_sees_the_bsn_sealed_to_this_session(sessions, residents, cipher) -> None:
    # Given a flow C session the resident logged in to
    session = handover(sessions)
    login(session.id, RESIDENT, sessions, residents, cipher)
    # When the official reads it
    view = official_session(session.id, OFFICIAL, sessions=sessions, cipher=cipher, now=NOW)
    # Then the BSN is there, opened with this session's context
    assert view.bsn == RESIDENT and view.status is Status.LOGGED_IN
    assert view.session.login and view.session.login.loa is LevelOfAssurance.MIDDEN


def test_another_official_cannot_see_the_session(sessions, residents, cipher) -> None:
    session = handover(sessions)
    for step in (
        lambda: official_session(session.id, COLLEAGUE, sessions=sessions, cipher=cipher, now=NOW),
        lambda: check(session.id, "123456", COLLEAGUE, sessions),
        lambda: complete(session.id, COLLEAGUE, sessions),
        lambda: cancel_session(session.id, COLLEAGUE, sessions=sessions, now=NOW, audit=AUDIT, metrics=METRICS),
    ):
        with pytest.raises(SessionNotFound):
            step()
    assert sessions.get(session.id) is not None


def test_a_session_read_after_its_expiry_is_expired_though_still_stored(sessions, residents, cipher) -> None:
    # Given a logged-in flow C session whose expiry time has passed (the item is still there)
    session = handover(sessions)
    login(session.id, RESIDENT, sessions, residents, cipher)
    later = NOW + timedelta(minutes=31)
    # When the official and the resident read it
    view = official_session(session.id, OFFICIAL, sessions=sessions, cipher=cipher, now=later)
    # Then it is expired and the BSN is no longer opened
    assert view.status is Status.EXPIRED and view.bsn is None
    with pytest.raises(SessionExpired):
        public_session(session.id, sessions=sessions, now=later)
    with pytest.raises(SessionExpired):
        check(session.id, "123456", OFFICIAL, sessions, now=later)


def test_the_right_code_verifies_the_session(sessions, residents, cipher) -> None:
    session = known_bsn(sessions, residents)
    login(session.id, RESIDENT, sessions, residents, cipher)
    outcome = check(session.id, session.official_code, OFFICIAL, sessions)
    assert outcome.match and outcome.status is Status.VERIFIED and outcome.attempts_left == 3
    assert sessions.get(session.id).status is Status.VERIFIED


def test_three_wrong_codes_lock_the_session_for_good(sessions, residents, cipher) -> None:
    # Given a logged-in session
    session = handover(sessions)
    logged_in = login(session.id, RESIDENT, sessions, residents, cipher)
    wrong = "000000" if logged_in.login.resident_code != "000000" else "111111"
    # When the official types three wrong codes
    outcomes = [check(session.id, wrong, OFFICIAL, sessions) for _ in range(3)]
    # Then the attempts count down and the session ends locked
    assert [o.attempts_left for o in outcomes] == [2, 1, 0]
    assert [o.status for o in outcomes] == [Status.LOGGED_IN, Status.LOGGED_IN, Status.LOCKED]
    # And even the right code is refused afterwards, also after expiry
    for moment in (NOW, NOW + timedelta(hours=1)):
        with pytest.raises(SessionLocked):
            check(session.id, logged_in.login.resident_code, OFFICIAL, sessions, now=moment)


def test_a_check_before_the_resident_logged_in_changes_nothing(sessions, residents) -> None:
    session = known_bsn(sessions, residents)
    with pytest.raises(WrongState):
        check(session.id, session.official_code, OFFICIAL, sessions)
    assert sessions.get(session.id).attempts_left == 3


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "", "１２３４５６"])
def test_a_malformed_code_is_bad_input_and_costs_no_attempt(sessions, residents, cipher, code) -> None:
    session = handover(sessions)
    login(session.id, RESIDENT, sessions, residents, cipher)
    with pytest.raises(InvalidInput):
        check(session.id, code, OFFICIAL, sessions)
    assert sessions.get(session.id).attempts_left == 3


def test_a_flow_b_login_with_another_bsn_can_never_be_verified(sessions, residents, cipher) -> None:
    session = known_bsn(sessions, residents)
    impostor = login(session.id, SOMEONE_ELSE, sessions, residents, cipher)
    # Whether the official types the code they heard or their own, the session is not verified
    for code in (impostor.login.resident_code, session.official_code):
        outcome = check(session.id, code, OFFICIAL, sessions)
        assert not outcome.match and outcome.bsn_match is False
    with pytest.raises(NotVerified):
        complete(session.id, OFFICIAL, sessions)
    # And the only way out is not identified
    assert complete(session.id, OFFICIAL, sessions, Outcome.NOT_IDENTIFIED).status is Status.NOT_IDENTIFIED


def test_complete_deletes_the_personal_data_at_once(sessions, residents, cipher) -> None:
    # Given a handover session the resident logged in to
    session = handover(sessions)
    logged_in = login(session.id, RESIDENT, sessions, residents, cipher)
    check(session.id, logged_in.login.resident_code, OFFICIAL, sessions)
    # When the official completes it
    completed = complete(session.id, OFFICIAL, sessions)
    # Then the session reads as gone at once
    assert completed.status is Status.COMPLETED
    with pytest.raises(SessionNotFound):
        official_session(session.id, OFFICIAL, sessions=sessions, cipher=cipher, now=NOW)
    with pytest.raises(SessionNotFound):
        public_session(session.id, sessions=sessions, now=NOW)
    # And once its proof's facts are gathered, only a tombstone without BSN, codes or login is left
    [record] = sessions.proof_records.records.values()
    gather_proof(record, sessions=sessions, municipality="Gemeente Voorbeeld", now=NOW)
    tombstone = sessions.get(session.id)
    assert tombstone.status is Status.COMPLETED and tombstone.login is None and tombstone.official_code is None


def test_a_retried_complete_answers_success_again(sessions, residents, cipher) -> None:
    # Given a completed session whose answer the official never received
    session = handover(sessions)
    logged_in = login(session.id, RESIDENT, sessions, residents, cipher)
    check(session.id, logged_in.login.resident_code, OFFICIAL, sessions)
    complete(session.id, OFFICIAL, sessions)
    # When the official's browser sends Voltooien again
    again = complete(session.id, OFFICIAL, sessions)
    # Then it succeeds, and nobody else can complete or check it
    assert again.status is Status.COMPLETED
    with pytest.raises(SessionNotFound):
        complete(session.id, COLLEAGUE, sessions)
    with pytest.raises(SessionNotFound):
        check(session.id, "123456", OFFICIAL, sessions)


def test_complete_before_login_is_refused_and_keeps_the_session(sessions) -> None:
    session = handover(sessions)
    with pytest.raises(NotVerified):
        complete(session.id, OFFICIAL, sessions)
    assert sessions.get(session.id).status is Status.CREATED


def test_cancel_ends_the_session_whatever_its_status(sessions, residents, cipher) -> None:
    session = handover(sessions)
    login(session.id, RESIDENT, sessions, residents, cipher)
    assert (
        cancel_session(session.id, OFFICIAL, sessions=sessions, now=NOW, audit=AUDIT, metrics=METRICS).status
        is Status.CANCELLED
    )
    tombstone = sessions.get(session.id)
    assert tombstone.status is Status.CANCELLED and tombstone.login is None
    with pytest.raises(SessionNotFound):
        official_session(session.id, OFFICIAL, sessions=sessions, cipher=cipher, now=NOW)


def test_a_concurrent_change_is_never_overwritten(sessions, residents, cipher) -> None:
    # Given a session that changes between our read and our write
    session = handover(sessions)
    login(session.id, RESIDENT, sessions, residents, cipher)
    stale = sessions.get(session.id)
    check(session.id, "999999" if stale.login.resident_code != "999999" else "888888", OFFICIAL, sessions)
    # When a write based on the stale read is attempted
    with pytest.raises(ConcurrentUpdate):
        sessions.replace(stale, expected_status=stale.status, expected_attempts_left=stale.attempts_left)


def test_the_sweep_deletes_only_what_has_expired(sessions, residents) -> None:
    old = handover(sessions)
    young = create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=sessions, now=NOW + timedelta(minutes=20), audit=AUDIT, metrics=METRICS
    )
    assert sweep_expired(records=sessions, now=NOW + timedelta(minutes=30), audit=AUDIT, metrics=METRICS) == 1
    assert sessions.get(old.id) is None and sessions.get(young.id) is not None


@pytest.mark.parametrize(
    "raw",
    [
        "not-a-uuid",
        "",
        "b616a803-917e-167b-bc85-4262f112035c",
        "b616a803-917e-367b-bc85-4262f112035c",
        "{b616a803-917e-467b-bc85-4262f112035c}",
    ],
)
def test_session_ids_are_canonical_uuid4_or_uuid5_strings(raw: str) -> None:
    with pytest.raises(InvalidSessionId):
        parse_session_id(raw)


def test_a_flow_a_sessions_id_from_its_case_number_is_a_session_id() -> None:
    # flow A's session id is a UUID v5 of its case number: the check and the complete take it like any other
    derived = case_session_id(CaseNumber(2026, 42))
    assert parse_session_id(str(derived)) == derived and derived.version == 5
    assert case_session_id(CaseNumber(2026, 42)) == derived != case_session_id(CaseNumber(2026, 43))


def test_a_session_id_in_capitals_is_still_the_same_session() -> None:
    assert parse_session_id("B616A803-917E-467B-BC85-4262F112035C") == UUID("b616a803-917e-467b-bc85-4262f112035c")


def test_a_login_below_the_required_level_is_refused_and_stores_nothing(sessions, residents, cipher) -> None:
    session = handover(sessions, LevelOfAssurance.SUBSTANTIEEL)
    with pytest.raises(LevelTooLow) as refused:
        login(session.id, RESIDENT, sessions, residents, cipher, loa=LevelOfAssurance.MIDDEN)
    assert refused.value.required is LevelOfAssurance.SUBSTANTIEEL
    assert sessions.get(session.id).status is Status.CREATED and sessions.get(session.id).login is None
