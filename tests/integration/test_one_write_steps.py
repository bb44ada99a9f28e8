"""Steps that are one conditional write, on moto: each writes exactly when the domain's rule says so.

The right code is checked without a read (``SessionRepository.verify``), and flow A's look-up takes its session
without one (``claim``): their conditions state the domain's rules again, in DynamoDB's words. These tests hold the
two together over every kind of session the step can meet, so neither can change alone.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import boto3

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.assurance import LevelOfAssurance
from legitimatie.errors import DomainError
from legitimatie.sessions.model import UNCLAIMED, Flow, Official, ResidentLogin, Session, Status
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
        assert (written is not None) == expected, case
        if expected:
            verified += 1
            assert written == replace(session, status=Status.VERIFIED, verified_at=NOW), case
        assert sessions.get(session.id) == (written or session), case
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
