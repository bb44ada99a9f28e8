"""Steps that are one conditional write, on moto: each writes exactly when the domain's rule says so.

The right code is checked without a read (``SessionRepository.verify``), flow A's look-up takes its session
without one (``claim``), and the official closes a logged-in session without one (``close``): their conditions state the domain's rules again, in DynamoDB's words. These tests hold the
two together over every kind of session the step can meet, so neither can change alone.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import boto3
import pytest
from msgspec.structs import replace

from legitimatie.adapters.dynamodb import DynamoDbProofOutbox, DynamoDbProofRecords, DynamoDbSessionRepository
from legitimatie.adapters.dynamodb.items import session_key
from legitimatie.adapters.sqs import proof_request
from legitimatie.assurance import LevelOfAssurance
from legitimatie.errors import DomainError, ProofNotFound
from legitimatie.proofs.model import ProofRecord
from legitimatie.proofs.services import proof_of_session
from legitimatie.sessions.model import UNCLAIMED, Flow, Official, Outcome, ResidentLogin, Session, Status
from legitimatie.sessions.ports import RefusedWrite
from legitimatie.sessions.services import completion_tombstone, gather_proof
from tests.integration.conftest import REGION, Aws

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
ME = Official(id="sub-me", name="D. Dorknoper")
OTHER = Official(id="sub-other", name="A. Ander")
RIGHT, WRONG = "246810", "135790"


def _session(flow: Flow, status: Status, owner: Official, *, code_match: bool, expired: bool) -> Session:
    login = None
    if status is not Status.CREATED:
        login = ResidentLogin(
            at=NOW - timedelta(minutes=2),
            loa=LevelOfAssurance.MIDDEN,
            resident_code=RIGHT if flow is not Flow.KNOWN_BSN or code_match else WRONG,
            sealed_bsn=b"sealed" if flow is not Flow.KNOWN_BSN else None,
            code_match=code_match if flow is Flow.KNOWN_BSN else None,
        )
    return Session(
        id=uuid4(),
        flow=flow,
        status=status,
        official=owner,
        required_loa=LevelOfAssurance.MIDDEN,
        created_at=NOW - timedelta(minutes=5),
        expires_at=NOW - timedelta(seconds=1) if expired else NOW + timedelta(minutes=10),
        official_code=RIGHT if flow is Flow.KNOWN_BSN else None,
        login=login,
    )


def _domain_verifies(session: Session, official: Official, code: str) -> bool:
    if not session.is_owned_by(official):
        return False
    try:
        checked, _ = session.with_check(code, NOW)
    except DomainError:
        return False
    return checked.status is Status.VERIFIED


def test_the_checks_write_verifies_exactly_what_the_domain_verifies(aws: Aws) -> None:
    sessions = DynamoDbSessionRepository(boto3.client("dynamodb", region_name=REGION), aws.table_name)
    cases = itertools.product(
        list(Flow),
        [Status.CREATED, Status.LOGGED_IN, Status.VERIFIED, Status.LOCKED, Status.COMPLETED, Status.CANCELLED],
        [True, False],  # flow B: DigiD's BSN made the official's code
        [False, True],  # past its expiry (still in the table)
        [RIGHT, WRONG],
        [ME, OTHER],
    )
    verified = 0
    for flow, status, code_match, expired, code, official in cases:
        # Given a stored session of this kind (flow A's unclaimed ones belong to no one)
        owner = ME if flow is not Flow.NEW_RESIDENT or status is not Status.CREATED else UNCLAIMED
        session = _session(flow, status, owner, code_match=code_match, expired=expired)
        sessions.add(session)
        expected = _domain_verifies(session, official, code)
        # When the official's check is the one conditional write
        written = sessions.verify(session.id, official.id, code, NOW)
        # Then it verifies exactly when the domain would, with the domain's change, and otherwise writes nothing
        case = f"{flow} {status} code_match={code_match} expired={expired} {code == RIGHT=} {official.id}"
        assert isinstance(written, Session) == expected, case
        if expected:
            verified += 1
            assert written == replace(session, status=Status.VERIFIED, verified_at=NOW), case
        else:  # refused: the answer is the session as stored, from the same call (nothing to read again)
            assert written == RefusedWrite(stored=session), case
        assert sessions.get(session.id) == (written if isinstance(written, Session) else session), case
    # B with DigiD's BSN matching, A (claimed) and C (each met twice: code_match means nothing there)
    assert verified == 5


def test_the_look_ups_write_claims_exactly_the_sessions_the_domain_lets_an_official_take(aws: Aws) -> None:
    sessions = DynamoDbSessionRepository(boto3.client("dynamodb", region_name=REGION), aws.table_name)
    cases = itertools.product(
        [Status.LOGGED_IN, Status.VERIFIED, Status.LOCKED, Status.COMPLETED, Status.NOT_IDENTIFIED, Status.CANCELLED],
        [False, True],  # past its expiry (still in the table)
        [UNCLAIMED, ME, OTHER],  # whose the session is
    )
    claimed = 0
    for status, expired, owner in cases:
        # Given a stored flow A session of this kind
        session = _session(Flow.NEW_RESIDENT, status, owner, code_match=False, expired=expired)
        sessions.add(session)
        # When an official looks its case up: one conditional write
        written = sessions.claim(session.id, ME, NOW)
        # Then it takes the session exactly when the domain lets them: live, in time, no one's or theirs already
        expected = not session.status_at(NOW).is_end_state and owner in (UNCLAIMED, ME)
        case = f"{status} expired={expired} owner={owner.id or 'none'}"
        assert (written is not None) == expected, case
        if expected:
            claimed += 1
            assert written == replace(session, official=ME), case
        assert sessions.get(session.id) == (written or session), case
    assert claimed == 4  # logged in or verified, in time, unclaimed or already theirs


LIVE = [Status.CREATED, Status.LOGGED_IN, Status.VERIFIED]


def _domain_closes(session: Session, official: Official, outcome: Outcome) -> Session | None:
    """The session as the domain closes it in one write: the official's, logged in, and ``Session.closed`` agrees
    (a session without a login closes the service's other way, without a proof)."""
    if not session.is_owned_by(official) or session.login is None:
        return None
    try:
        return session.closed(outcome, "Geen beeld", NOW)
    except DomainError:
        return None


def _outbox(aws: Aws) -> DynamoDbProofOutbox:
    return DynamoDbProofOutbox(DynamoDbProofRecords(_client(), aws.table_name), timedelta(days=14))


def _client():  # type: ignore[no-untyped-def]
    return boto3.client("dynamodb", region_name=REGION)


def test_the_closes_write_closes_exactly_what_the_domain_closes_and_hands_over_one_proof(aws: Aws) -> None:
    sessions = DynamoDbSessionRepository(_client(), aws.table_name)
    outbox = _outbox(aws)
    cases = itertools.product(
        list(Flow),
        [*LIVE, Status.LOCKED, Status.COMPLETED, Status.NOT_IDENTIFIED, Status.CANCELLED],
        list(Outcome),
        [True, False],  # flow B: DigiD's BSN made the official's code
        [False, True],  # past its expiry (still in the table)
        [ME, OTHER],
        [True, False],  # with its login (every session past created has one; the write must not count on it)
    )
    closed = 0
    for flow, status, outcome, code_match, expired, official, with_login in cases:
        # Given a stored session of this kind (flow A's unclaimed ones belong to no one)
        owner = ME if flow is not Flow.NEW_RESIDENT or status is not Status.CREATED else UNCLAIMED
        session = _session(flow, status, owner, code_match=code_match, expired=expired)
        if not with_login:
            session = replace(session, id=uuid4(), login=None)
        sessions.add(session)
        expected = _domain_closes(session, official, outcome)
        # When the official's close is the one write, with its proof's pending record
        record = outbox.closing_record(
            uuid4(), session.id, identified=outcome is Outcome.IDENTIFIED, owner_id=official.id, zaak_url=None, now=NOW
        )
        refused = sessions.close(session.id, official.id, outcome, "Geen beeld", record, NOW)
        # Then it closes exactly when the domain would, with the domain's change and the proof's document id, and the
        # proof's record exists exactly then; otherwise nothing is written and the refusal holds the session as stored
        case = f"{flow} {status} {outcome} code_match={code_match} expired={expired} {official.id} {with_login=}"
        assert (refused is None) == (expected is not None), case
        if expected is not None:
            closed += 1
            assert sessions.get(session.id) == replace(expected, proof_document_id=record.document_id), case
            assert outbox.get(record.document_id) == record, case
        else:
            assert refused is not None and refused.stored == session, case
            assert sessions.get(session.id) == session and outbox.get(record.document_id) is None, case
    # identified: verified and in time, B with DigiD's BSN matching, A and C (twice each: code_match means nothing
    # there); not identified: logged in or verified and in time, every flow, B either way
    assert closed == 5 + 12


def test_a_close_of_no_session_is_refused_and_writes_nothing(aws: Aws) -> None:
    sessions = DynamoDbSessionRepository(_client(), aws.table_name)
    record = _outbox(aws).closing_record(uuid4(), uuid4(), identified=True, owner_id=ME.id, zaak_url=None, now=NOW)
    assert sessions.close(uuid4(), ME.id, Outcome.IDENTIFIED, None, record, NOW) == RefusedWrite(stored=None)
    assert _outbox(aws).get(record.document_id) is None


def _closed_with_facts(aws: Aws, flow: Flow = Flow.HANDOVER) -> tuple[DynamoDbSessionRepository, ProofRecord]:
    sessions = DynamoDbSessionRepository(_client(), aws.table_name)
    session = _session(flow, Status.VERIFIED, ME, code_match=True, expired=False)
    sessions.add(session)
    record = _outbox(aws).closing_record(uuid4(), session.id, identified=True, owner_id=ME.id, zaak_url=None, now=NOW)
    assert sessions.close(session.id, ME.id, Outcome.IDENTIFIED, None, record, NOW) is None
    return sessions, record


def test_a_closed_session_outlives_its_link_until_its_proofs_facts_are_gathered(aws: Aws) -> None:
    # Given a closed session whose proof's facts are not gathered yet
    sessions, record = _closed_with_facts(aws)
    assert record.session_id is not None
    # When the sweep runs past the session's link expiry (the proof's delivery is down)
    after_link = NOW + timedelta(hours=1)
    assert sessions.delete_expired(after_link) == 0
    # Then the facts are still there to be gathered, and are gathered then
    request = gather_proof(record, sessions=sessions, municipality="G", now=after_link)
    assert request.document_id == record.document_id and request.created_at == NOW
    # And the tombstone, without login or BSN, expires with its link again
    tombstone = sessions.get(record.session_id)
    assert tombstone is not None and tombstone.login is None and tombstone.status is Status.COMPLETED
    assert sessions.delete_expired(after_link) == 1


def test_facts_never_gathered_go_when_the_proof_expires(aws: Aws) -> None:
    sessions, record = _closed_with_facts(aws)
    assert sessions.delete_expired(record.expires_at - timedelta(seconds=1)) == 0
    assert sessions.closed_with_facts(record.session_id, record.document_id, record.expires_at) is None  # type: ignore[arg-type]
    assert sessions.delete_expired(record.expires_at) == 2  # the session and its proof's record


def test_gathering_a_proofs_facts_is_done_once(aws: Aws) -> None:
    # Given a closed flow A session (its case-number record holds the case) and two deliveries of its proof at once
    sessions, record = _closed_with_facts(aws, Flow.NEW_RESIDENT)
    assert record.session_id is not None
    session = sessions.closed_with_facts(record.session_id, record.document_id, NOW)
    assert session is not None and session.login is not None and session.login.sealed_bsn is not None
    # When both gather: the first writes the request and strips the session; the second finds it done
    first = gather_proof(record, sessions=sessions, municipality="G", now=NOW)
    with pytest.raises(ProofNotFound):
        gather_proof(record, sessions=sessions, municipality="G", now=NOW)
    request = proof_of_session(session, municipality="G", zaak_url=None, now=NOW, bsn_context={})
    assert not sessions.hand_over_facts(completion_tombstone(session), record, request)  # read before, late write
    # Then the record holds the first request only, and the session its tombstone
    stored = _outbox(aws).get(record.document_id)
    assert stored is not None and stored.message is not None and proof_request(stored.message) == first
    assert stored.flow is Flow.NEW_RESIDENT and first.sealed_bsn == session.login.sealed_bsn
    assert sessions.get(record.session_id) == completion_tombstone(session)


def test_gathering_never_brings_back_a_session_deleted_meanwhile(aws: Aws) -> None:
    # Given a gatherer that read the closed session's facts, and the session deleted before it writes
    sessions, record = _closed_with_facts(aws)
    assert record.session_id is not None
    session = sessions.closed_with_facts(record.session_id, record.document_id, NOW)
    assert session is not None
    _client().delete_item(TableName=aws.table_name, Key={"pk": {"S": session_key(record.session_id)}})
    # When it writes
    request = proof_of_session(session, municipality="G", zaak_url=None, now=NOW, bsn_context={})
    written = sessions.hand_over_facts(completion_tombstone(session), record, request)
    # Then nothing is written: no tombstone comes back, and the record gets no request
    stored = _outbox(aws).get(record.document_id)
    assert not written and sessions.get(record.session_id) is None and stored is not None and stored.message is None


def test_gathering_never_replaces_a_request_already_gathered(aws: Aws) -> None:
    # Given a proof record that holds its request while the session still holds its facts
    sessions, record = _closed_with_facts(aws)
    assert record.session_id is not None
    _client().update_item(
        TableName=aws.table_name,
        Key={"pk": {"S": f"proof#{record.document_id}"}},
        UpdateExpression="SET message = :m",
        ExpressionAttributeValues={":m": {"S": "the first request"}},
    )
    session = sessions.closed_with_facts(record.session_id, record.document_id, NOW)
    assert session is not None
    # When a gatherer writes its own
    request = proof_of_session(session, municipality="G", zaak_url=None, now=NOW, bsn_context={})
    written = sessions.hand_over_facts(completion_tombstone(session), record, request)
    # Then nothing is written: the request stays the first, the session keeps its facts
    stored = _outbox(aws).get(record.document_id)
    assert not written and stored is not None and stored.message == "the first request"
    assert sessions.closed_with_facts(record.session_id, record.document_id, NOW) == session
