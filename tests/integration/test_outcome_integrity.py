"""One proof per session, whatever the concurrency: steps interleaved deterministically through the real adapters.

Each step runs in its own thread with its own ``DynamoDbSessionRepository`` (real adapter, moto in-process). A hook
after the adapter's read makes both steps read the same stored session before either writes; then the writes go in
a fixed order. So every test is the race it names, every time: no sleeps, no luck.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import boto3
import pytest

from legitimatie.adapters.dynamodb import DynamoDbProofOutbox, DynamoDbProofRecords, DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.adapters.sqs import proof_request, queued_document_id
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.errors import DomainError, SessionNotFound, WrongState
from legitimatie.policy import ServicePolicy
from legitimatie.proofs.content import CodeCheck, ProofRequest
from legitimatie.resident import ResidentKey
from legitimatie.sessions.model import Official, Outcome, Session, Status
from legitimatie.sessions.ports import RefusedWrite
from legitimatie.sessions.services import (
    check_control_code,
    close_session,
    create_handover_session,
    record_resident_login,
)
from tests.fakes import AUDIT, METRICS

from .conftest import REGION, Aws, gather_proofs, proof_stream

OFFICIAL = Official(id="8f3b1c2d-0000-4000-8000-000000000001", name="D. Dorknoper")
RESIDENT = Bsn("999993653")
POLICY = ServicePolicy(
    municipality_name="Gemeente Voorbeeld",
    gemeentecode="0999",
    minimum_loa=LevelOfAssurance.MIDDEN,
    session_lifetime=timedelta(minutes=30),
    site_url="https://beeldbellen.voorbeeld.nl",
)


class SteppedRepository(DynamoDbSessionRepository):
    """The real adapter, with a pause after a step's first read (both steps read first) and a turn for each write.

    A check of the right code reads nothing first: its one conditional write (``verify``) lines up with the other
    step like a read, and is made in its turn like a write; when its condition does not hold (a wrong code, or the
    session changed), the check writes on the session as the refusal found it (no second read), in its turn."""

    def __init__(self, aws: Aws, read_together: threading.Barrier, my_turn: threading.Event, done: threading.Event):
        super().__init__(boto3.client("dynamodb", region_name=REGION), aws.table_name)
        self._read_together, self._my_turn, self._done = read_together, my_turn, done
        self._lined_up = False

    def _line_up(self) -> None:
        if not self._lined_up:
            self._lined_up = True
            self._read_together.wait(timeout=30)

    def get(self, session_id: UUID) -> Session | None:
        session = super().get(session_id)
        self._line_up()
        return session

    def verify(self, session_id: UUID, official_id: str, given_code: str, now: datetime) -> Session | RefusedWrite:
        self._line_up()
        assert self._my_turn.wait(timeout=30)
        verified = super().verify(session_id, official_id, given_code, now)
        if isinstance(verified, Session):
            self._done.set()
        return verified

    def close(self, session_id: UUID, official_id: str, *args: Any) -> RefusedWrite | None:
        """The close reads nothing first: its one write lines up with the other step like a read, and is made in
        its turn like a write."""
        self._line_up()
        assert self._my_turn.wait(timeout=30)
        try:
            return super().close(session_id, official_id, *args)
        finally:
            self._done.set()

    def replace(self, session: Session, **kwargs: Any) -> None:
        assert self._my_turn.wait(timeout=30)
        try:
            super().replace(session, **kwargs)
        finally:
            self._done.set()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def outbox(aws: Aws) -> DynamoDbProofOutbox:
    return DynamoDbProofOutbox(
        DynamoDbProofRecords(boto3.client("dynamodb", region_name=REGION), aws.table_name), timedelta(days=90)
    )


def repository(aws: Aws) -> DynamoDbSessionRepository:
    return DynamoDbSessionRepository(boto3.client("dynamodb", region_name=REGION), aws.table_name)


def logged_in(aws: Aws, wrong_checks: int = 0, verified: bool = False) -> Session:
    """A handover session the resident logged in to, through the real adapters."""
    kms = boto3.client("kms", region_name=REGION)
    sessions = repository(aws)
    session = create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=sessions, now=now(), audit=AUDIT, metrics=METRICS
    )
    session = record_resident_login(
        session.id,
        ResidentKey(KmsMacKey(kms, aws.pseudonym_key_id), "0999").resident(RESIDENT),
        LevelOfAssurance.MIDDEN,
        sessions=sessions,
        cipher=KmsBsnCipher(kms, aws.data_key_id),
        now=now(),
    )
    for _ in range(wrong_checks):
        check_control_code(
            session.id, wrong(session), OFFICIAL, sessions=sessions, now=now(), audit=AUDIT, metrics=METRICS
        )
    if verified:
        check_control_code(
            session.id, right(session), OFFICIAL, sessions=sessions, now=now(), audit=AUDIT, metrics=METRICS
        )
    return session


def right(session: Session) -> str:
    assert session.login is not None
    return session.login.resident_code


def wrong(session: Session) -> str:
    return "000000" if right(session) != "000000" else "111111"


Step = Callable[[DynamoDbSessionRepository], object]


def race(aws: Aws, first: Step, second: Step) -> tuple[object, object]:
    """Both steps read the session, then ``first`` writes, then ``second``; each step's result or error."""
    read_together = threading.Barrier(2)
    first_turn, first_done, second_done = threading.Event(), threading.Event(), threading.Event()
    first_turn.set()
    repositories = [
        SteppedRepository(aws, read_together, first_turn, first_done),
        SteppedRepository(aws, read_together, first_done, second_done),
    ]
    results: list[object] = [None, None]

    def run(index: int, step: Step) -> None:
        try:
            results[index] = step(repositories[index])
        except DomainError as exc:
            results[index] = exc
            (first_done if index == 0 else second_done).set()  # a step refused before writing gives its turn

    threads = [threading.Thread(target=run, args=(i, step)) for i, step in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results[0], results[1]


def proofs_and_messages(aws: Aws) -> tuple[list[dict[str, Any]], list[ProofRequest]]:
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    records = [item for item in items if item["kind"]["S"] == "proof"]
    gather_proofs(aws)  # delivery's first step: the closed session's facts into its record
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    records = [item for item in items if item["kind"]["S"] == "proof"]
    proof_stream(aws)  # the committed records' hand-over
    answer = boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=aws.proof_queue_url, MaxNumberOfMessages=10
    )
    requests = {item["pk"]["S"]: proof_request(item["message"]["S"]) for item in records}
    return records, [requests[f"proof#{queued_document_id(m['Body'])}"] for m in answer.get("Messages", [])]


def stored(aws: Aws, session_id: UUID) -> Session:
    session = repository(aws).get(session_id)
    assert session is not None
    return session


def test_two_checks_at_once_one_right_one_wrong_on_the_last_attempt(aws: Aws) -> None:
    # Given a session with one attempt left, and the official's two tabs each sending a check
    session = logged_in(aws, wrong_checks=2)

    def check(code: str) -> Step:
        return lambda repo: check_control_code(
            session.id, code, OFFICIAL, sessions=repo, now=now(), audit=AUDIT, metrics=METRICS
        )

    # When both start before either writes, and the right code writes first
    verified, late = race(aws, check(right(session)), check(wrong(session)))
    # Then the session is verified and the wrong code was refused (it found the session verified), not counted
    assert getattr(verified, "match", False) and isinstance(late, DomainError)
    assert stored(aws, session.id).status is Status.VERIFIED
    # And completing yields one proof whose outcome is the session's
    _, record = close_session(
        session.id,
        OFFICIAL,
        Outcome.IDENTIFIED,
        sessions=repository(aws),
        proofs=outbox(aws),
        now=now(),
        audit=AUDIT,
        metrics=METRICS,
    )
    records, messages = proofs_and_messages(aws)
    assert record is not None and len(records) == 1 and [m.document_id for m in messages] == [record.document_id]
    assert messages[0].identified and stored(aws, session.id).status is Status.COMPLETED


def test_two_checks_at_once_the_wrong_one_locking_first(aws: Aws) -> None:
    # Given the same race the other way round: the wrong code locks the session first
    session = logged_in(aws, wrong_checks=2)

    def check(code: str) -> Step:
        return lambda repo: check_control_code(
            session.id, code, OFFICIAL, sessions=repo, now=now(), audit=AUDIT, metrics=METRICS
        )

    locked, late = race(aws, check(wrong(session)), check(right(session)))
    # Then the session is locked for good: the right code, sent before the lock was written, did not verify it
    assert getattr(locked, "status", None) is Status.LOCKED and isinstance(late, DomainError)
    assert stored(aws, session.id).status is Status.LOCKED
    # And nothing can make a proof of it: no "komt overeen" for a locked session
    with pytest.raises(DomainError):
        close_session(
            session.id,
            OFFICIAL,
            Outcome.IDENTIFIED,
            sessions=repository(aws),
            proofs=outbox(aws),
            now=now(),
            audit=AUDIT,
            metrics=METRICS,
        )
    assert proofs_and_messages(aws) == ([], [])


@pytest.mark.parametrize(
    ("first_outcome", "second_outcome"),
    [
        (Outcome.IDENTIFIED, Outcome.IDENTIFIED),  # a double click on Voltooien
        (Outcome.IDENTIFIED, Outcome.NOT_IDENTIFIED),  # two tabs that disagree
        (Outcome.NOT_IDENTIFIED, Outcome.IDENTIFIED),
    ],
)
def test_two_closes_at_once_make_one_proof_whose_outcome_is_the_sessions(
    aws: Aws, first_outcome: Outcome, second_outcome: Outcome
) -> None:
    # Given a verified session, closed from two places at once
    session = logged_in(aws, verified=True)

    def close(outcome: Outcome) -> Step:
        return lambda repo: close_session(
            session.id,
            OFFICIAL,
            outcome,
            sessions=repo,
            proofs=outbox(aws),
            now=now(),
            audit=AUDIT,
            metrics=METRICS,
        )

    # When both send their one write at once, the first one first
    winner, late = race(aws, close(first_outcome), close(second_outcome))
    # Then the second write was refused: neither its end state nor its proof record exists; the same outcome is
    # answered like a retry (the winner's proof), another one is refused
    assert isinstance(winner, tuple)
    if first_outcome is second_outcome:
        assert isinstance(late, tuple) and late[1] is not None and late[1].document_id == winner[1].document_id
    else:
        assert isinstance(late, WrongState)
    records, messages = proofs_and_messages(aws)
    assert len(records) == 1 and len(messages) == 1
    final = stored(aws, session.id)
    expected = Status.COMPLETED if first_outcome is Outcome.IDENTIFIED else Status.NOT_IDENTIFIED
    assert final.status is expected and final.proof_document_id == messages[0].document_id
    assert messages[0].identified is (expected is Status.COMPLETED)
    assert records[0]["identified"]["BOOL"] is (expected is Status.COMPLETED)


@pytest.mark.parametrize("check_first", [True, False])
def test_a_check_and_a_close_at_once_make_at_most_one_proof_that_tells_the_truth(aws: Aws, check_first: bool) -> None:
    # Given a logged-in session; the official types the right code while another tab closes as not identified
    session = logged_in(aws)

    def check(repo: DynamoDbSessionRepository) -> object:
        return check_control_code(
            session.id, right(session), OFFICIAL, sessions=repo, now=now(), audit=AUDIT, metrics=METRICS
        )

    def close(repo: DynamoDbSessionRepository) -> object:
        return close_session(
            session.id,
            OFFICIAL,
            Outcome.NOT_IDENTIFIED,
            reason="Tweede tabblad",
            sessions=repo,
            proofs=outbox(aws),
            now=now(),
            audit=AUDIT,
            metrics=METRICS,
        )

    first, second = race(aws, *((check, close) if check_first else (close, check)))
    # Neither reads before its write: each acts on the session as it is when it writes
    records, messages = proofs_and_messages(aws)
    final = stored(aws, session.id)
    assert final.status is Status.NOT_IDENTIFIED and len(records) == 1 and [m.identified for m in messages] == [False]
    if check_first:
        # The check verified it; the close then ended it as the official chose: one proof, not identified, that
        # says the code matched
        assert getattr(first, "match", False) and isinstance(second, tuple)
        assert [m.code_check for m in messages] == [CodeCheck.MATCH]
    else:
        # The close won: the late check finds the session gone and changed nothing
        assert isinstance(first, tuple) and isinstance(second, SessionNotFound)
        assert [m.code_check for m in messages] == [CodeCheck.NOT_CHECKED]
