"""The proof of authentication against in-memory fakes: handing over without loss, delivering idempotently."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.control_code import ControlCodes
from legitimatie.errors import ServiceUnavailable, SessionNotFound, WrongState
from legitimatie.login import PendingLogin
from legitimatie.login_services import finish_login
from legitimatie.policy import ServicePolicy
from legitimatie.proof import CodeCheck, ProofRequest, ProofStatus, proof_key
from legitimatie.proof_services import (
    QueuedProofs,
    deliver_proof,
    mark_dead_lettered,
    parse_document_id,
    proof_for_official,
)
from legitimatie.services import (
    check_control_code,
    complete_session_with_proof,
    create_handover_session,
    record_resident_login,
    sweep_expired,
)
from legitimatie.session import Flow, Official, Status
from tests.fakes import (
    FakeCipher,
    HmacMacKey,
    InMemoryIdentifications,
    InMemoryResults,
    InMemorySessionRepository,
)
from tests.proof_fakes import DictPdfStore, FlakyCaseSystem, InMemoryProofRecords, ListQueue, TextRenderer

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RESIDENT = Bsn("999993653")
OFFICIAL = Official(id="sub-1", name="D. Dorknoper")
LOOKUP = Official(id="sub-3", name="Z. Opzoeker", groups=frozenset({"zaak-opzoeken"}))
COLLEAGUE = Official(id="sub-2", name="A. Collega")
POLICY = ServicePolicy(
    municipality_name="Gemeente Voorbeeld",
    gemeentecode="0999",
    minimum_loa=LevelOfAssurance.MIDDEN,
    session_lifetime=timedelta(minutes=30),
    site_url="https://beeldbellen.voorbeeld.nl",
)


class World:
    def __init__(self, queue_fails: bool = False) -> None:
        self.sessions = InMemorySessionRepository()
        self.codes = ControlCodes(HmacMacKey(b"k" * 32), "0999")
        self.cipher = FakeCipher()
        self.records = InMemoryProofRecords()
        self.queue = ListQueue(fail=queue_fails)
        self.proofs = QueuedProofs(self.records, self.queue, timedelta(days=90))
        self.pdfs = DictPdfStore()
        self.render = TextRenderer()

    def logged_in_handover(self, verified: bool = False):
        session = create_handover_session(None, OFFICIAL, policy=POLICY, sessions=self.sessions, now=NOW)
        session = record_resident_login(
            session.id,
            RESIDENT,
            LevelOfAssurance.SUBSTANTIEEL,
            sessions=self.sessions,
            codes=self.codes,
            cipher=self.cipher,
            now=NOW,
        )
        if verified:
            assert session.login is not None
            self.check(session.id, session.login.resident_code)
        return session

    def check(self, session_id, code, zaak_url=None, at=NOW):
        return check_control_code(
            session_id,
            code,
            OFFICIAL,
            zaak_url,
            sessions=self.sessions,
            proofs=self.proofs,
            municipality=POLICY.municipality_name,
            now=at,
        )

    def complete(self, session_id, zaak_url=None):
        return complete_session_with_proof(
            session_id,
            OFFICIAL,
            zaak_url,
            sessions=self.sessions,
            proofs=self.proofs,
            municipality=POLICY.municipality_name,
            now=NOW + timedelta(minutes=2),
        )

    def deliver(self, request: ProofRequest, case_system=None):
        return deliver_proof(
            request,
            records=self.records,
            pdfs=self.pdfs,
            render=self.render,
            cipher=self.cipher,
            case_system=case_system,
            author="Gemeente Voorbeeld",
        )


@pytest.fixture
def world() -> World:
    return World()


def wrong_code(session) -> str:
    return "000000" if session.login.resident_code != "000000" else "111111"


def test_the_right_code_hands_the_proof_over_with_the_check(world: World) -> None:
    # Given a handover session the resident logged in to
    session = world.logged_in_handover()
    # When the official types the code the resident read aloud
    outcome, record = world.check(session.id, session.login.resident_code, at=NOW + timedelta(minutes=1))
    # Then the session is verified and one proof request is queued with what the proof needs, and no BSN
    assert outcome.match and record is not None
    assert record.status is ProofStatus.PENDING and record.owner_id == OFFICIAL.id
    [request] = world.queue.sent
    assert request.document_id == record.document_id and request.session_id == session.id
    assert request.code_check is CodeCheck.MATCH and request.checked_at == NOW + timedelta(minutes=1)
    assert request.official_name == OFFICIAL.name and request.loa is LevelOfAssurance.SUBSTANTIEEL
    assert request.sealed_bsn is None and RESIDENT.digits not in request.to_message()
    # And the session names its proof, written in the same step that made it verified
    stored = world.sessions.get(session.id)
    assert stored is not None and stored.status is Status.VERIFIED and stored.proof_document_id == record.document_id


def test_a_wrong_code_makes_no_proof(world: World) -> None:
    session = world.logged_in_handover()
    outcome, record = world.check(session.id, wrong_code(session))
    assert not outcome.match and record is None and world.queue.sent == []
    assert world.sessions.get(session.id).proof_document_id is None  # type: ignore[union-attr]


def test_when_the_queue_is_down_the_check_fails_and_changes_nothing(world: World) -> None:
    # Given a logged-in session and a queue that does not answer
    session = world.logged_in_handover()
    world.queue.fail = True
    # When the official types the right code, then the check fails
    with pytest.raises(ServiceUnavailable):
        world.check(session.id, session.login.resident_code)
    # And the session is as it was: not verified, no attempt used, no proof named
    stored = world.sessions.get(session.id)
    assert stored == session and stored.attempts_left == 3 and stored.proof_document_id is None
    # So the official simply checks again, and the proof is handed over once
    world.queue.fail = False
    outcome, record = world.check(session.id, session.login.resident_code)
    assert outcome.match and record is not None and [r.document_id for r in world.queue.sent] == [record.document_id]


def test_when_the_session_write_fails_after_the_hand_over_the_check_can_be_retried(world: World) -> None:
    # Given a logged-in session, and the table refusing the write that would mark it verified
    session = world.logged_in_handover()
    world.sessions.writes_fail = True
    with pytest.raises(ServiceUnavailable):
        world.check(session.id, session.login.resident_code)
    # Then the session is unchanged (the queued proof names a check that did succeed, so it tells no untruth)
    assert world.sessions.get(session.id) == session
    # And a retry verifies it, the session naming the proof of that retry
    world.sessions.writes_fail = False
    _, record = world.check(session.id, session.login.resident_code)
    assert record is not None and world.queue.sent[-1].document_id == record.document_id
    assert world.sessions.get(session.id).proof_document_id == record.document_id  # type: ignore[union-attr]


def test_a_verified_session_that_expires_without_voltooien_keeps_its_proof(world: World) -> None:
    # Given a session whose code the official confirmed, but never completed
    session = world.logged_in_handover(verified=True)
    [request] = world.queue.sent
    # When it expires and the sweep deletes it
    assert sweep_expired(records=world.sessions, now=NOW + timedelta(minutes=31)) == 1
    # Then its proof is made all the same, and the official can download it
    assert world.deliver(request).status is ProofStatus.STORED
    view = proof_for_official(
        request.document_id, OFFICIAL, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
    )
    assert view.download_url and world.sessions.get(session.id) is None


def test_voltooien_of_a_verified_session_reports_the_proof_of_the_check(world: World) -> None:
    # Given a verified session whose proof was made already
    session = world.logged_in_handover(verified=True)
    [request] = world.queue.sent
    world.deliver(request)
    # When the official completes it
    completed, record = world.complete(session.id)
    # Then no second proof is made: Voltooien reports the one of the check, as it stands now
    assert len(world.queue.sent) == 1 and record is not None
    assert record.document_id == request.document_id and record.status is ProofStatus.STORED
    # And the tombstone keeps the proof's id, without login data
    tombstone = world.sessions.get(session.id)
    assert tombstone is not None and tombstone.status is Status.COMPLETED and tombstone.login is None
    assert tombstone.proof_document_id == request.document_id == completed.proof_document_id


def test_voltooien_of_an_unchecked_session_makes_its_one_proof(world: World) -> None:
    # Given a session the resident logged in to, whose code the official did not check here
    session = world.logged_in_handover(verified=False)
    # When the official completes it
    _, record = world.complete(session.id)
    # Then one proof is queued that says the code was not checked, and the tombstone names it
    [request] = world.queue.sent
    assert record is not None and request.document_id == record.document_id
    assert request.code_check is CodeCheck.NOT_CHECKED and request.checked_at is None
    assert world.sessions.get(session.id).proof_document_id == record.document_id  # type: ignore[union-attr]


def test_when_the_queue_is_down_voltooien_fails_and_changes_nothing(world: World) -> None:
    # Given a logged-in session and a queue that does not answer
    session = world.logged_in_handover()
    world.queue.fail = True
    # When the official completes, then the step fails
    with pytest.raises(ServiceUnavailable):
        world.complete(session.id)
    # And the session is still there as it was, so a retry can hand the proof over
    assert world.sessions.get(session.id).status is Status.LOGGED_IN  # type: ignore[union-attr]
    world.queue.fail = False
    _, record = world.complete(session.id)
    assert record is not None and len(world.queue.sent) == 1


@pytest.mark.parametrize("verified", [False, True])
def test_a_retried_voltooien_reports_the_same_proof_and_makes_no_second(world: World, verified: bool) -> None:
    session = world.logged_in_handover(verified=verified)
    _, first = world.complete(session.id)
    _, again = world.complete(session.id)
    assert first is not None and again is not None and again.document_id == first.document_id
    assert len(world.queue.sent) == 1


def test_the_official_may_name_an_existing_zaak(world: World) -> None:
    session = world.logged_in_handover()
    _, record = world.complete(session.id, zaak_url="https://zaken.example/zaken/7")
    assert record is not None and record.zaak_url == "https://zaken.example/zaken/7"
    assert world.queue.sent[0].zaak_url == "https://zaken.example/zaken/7"


def test_the_zaak_of_a_verified_session_is_named_with_the_check(world: World) -> None:
    # Given a session verified with a zaak named at the check
    session = world.logged_in_handover()
    _, record = world.check(session.id, session.login.resident_code, zaak_url="https://zaken.example/zaken/7")
    assert record is not None and world.queue.sent[0].zaak_url == "https://zaken.example/zaken/7"
    # When the official completes naming the same zaak, then that is the proof reported
    _, completed = world.complete(session.id, zaak_url="https://zaken.example/zaken/7")
    assert completed is not None and completed.document_id == record.document_id


def test_voltooien_cannot_send_the_proof_of_the_check_to_another_zaak(world: World) -> None:
    # Given a session verified without naming a zaak: its proof is on its way already
    session = world.logged_in_handover(verified=True)
    # When the official completes naming a zaak, then that is refused and the session is unchanged
    with pytest.raises(WrongState):
        world.complete(session.id, zaak_url="https://zaken.example/zaken/7")
    assert world.sessions.get(session.id).status is Status.VERIFIED  # type: ignore[union-attr]
    # And Voltooien without a zaak completes it with the proof of the check
    _, record = world.complete(session.id)
    assert record is not None and len(world.queue.sent) == 1


def test_flow_a_login_queues_a_proof_with_the_bsn_sealed_to_the_case(world: World) -> None:
    # Given a resident logging in without a session (flow A)
    identifications = InMemoryIdentifications()
    login = PendingLogin(
        "_r", "relay", Flow.NEW_RESIDENT.value, LevelOfAssurance.MIDDEN, NOW, NOW + timedelta(minutes=15)
    )
    _, result = finish_login(
        login,
        RESIDENT,
        LevelOfAssurance.MIDDEN,
        policy=POLICY,
        sessions=world.sessions,
        codes=world.codes,
        cipher=world.cipher,
        identifications=identifications,
        results=InMemoryResults(),
        now=NOW,
        proofs=world.proofs,
    )
    # Then the proof request names the case and carries the BSN only sealed, bound to that case number
    [request] = world.queue.sent
    assert request.zaak_number == result.zaak_number and request.control_code == result.code
    assert request.bsn_context == {"purpose": "identification-bsn", "zaak_number": result.zaak_number}
    assert world.cipher.open(request.sealed_bsn or b"", request.bsn_context) == RESIDENT.digits.encode()
    assert world.records.get(request.document_id).owner_id is None  # type: ignore[union-attr]
    # And the identification the official looks up by case number names its proof
    assert identifications.records[result.zaak_number or ""].proof_document_id == request.document_id


def flow_a_request(world: World) -> ProofRequest:
    context = {"purpose": "identification-bsn", "zaak_number": "2026-00042"}
    request = ProofRequest(
        document_id=uuid4(),
        flow=Flow.NEW_RESIDENT.value,
        municipality="Gemeente Voorbeeld",
        created_at=NOW,
        login_at=NOW,
        loa=LevelOfAssurance.MIDDEN,
        code_check=CodeCheck.SHOWN_TO_RESIDENT,
        control_code="358974",
        zaak_number="2026-00042",
        sealed_bsn=world.cipher.seal(RESIDENT.digits.encode(), context),
        bsn_context=context,
    )
    world.proofs.submit(request, None)
    return request


def test_builtin_mode_stores_the_pdf_once_with_its_hash(world: World) -> None:
    request = flow_a_request(world)
    record = world.deliver(request)
    again = world.deliver(request)
    assert record.status is ProofStatus.STORED and record.sha256 and again == record
    assert world.render.calls == 1
    assert list(world.pdfs.files) == [proof_key(request.document_id, NOW)]
    assert b"BSN: " + RESIDENT.digits.encode() in world.pdfs.files[record.s3_key]


def test_zgw_mode_makes_zaak_rol_document_and_relation(world: World) -> None:
    case_system = FlakyCaseSystem()
    record = world.deliver(flow_a_request(world), case_system)
    assert record.status is ProofStatus.DELIVERED
    assert case_system.calls == ["zaak", "rol", "document", "relation"]
    assert record.zaak_url and record.rol_url and record.document_url and record.relation_url


@pytest.mark.parametrize("failing_step", ["zaak", "rol", "document", "relation"])
def test_a_retry_continues_where_the_failure_stopped(world: World, failing_step: str) -> None:
    # Given a case system that fails once at one step
    case_system = FlakyCaseSystem(fail_at={failing_step})
    request = flow_a_request(world)
    with pytest.raises(ServiceUnavailable):
        world.deliver(request, case_system)
    # When SQS delivers the message again
    record = world.deliver(request, case_system)
    # Then everything exists exactly once, the recorded steps were not repeated, and the PDF was made once
    assert record.status is ProofStatus.DELIVERED
    assert len(case_system.zaken) == len(case_system.documents) == len(case_system.relations) == 1
    steps = ["zaak", "rol", "document", "relation"]
    done_before = steps[: steps.index(failing_step)]
    assert case_system.calls == [*done_before, failing_step, *steps[steps.index(failing_step) :]]
    assert world.render.calls == 1


def test_b_and_c_proofs_go_to_the_zaak_the_official_named_without_a_rol(world: World) -> None:
    session = world.logged_in_handover()
    world.check(session.id, session.login.resident_code, zaak_url="https://zaken.example/zaken/7")
    case_system = FlakyCaseSystem()
    record = world.deliver(world.queue.sent[0], case_system)
    assert case_system.calls == ["document", "relation"]
    assert record.zaak_url == "https://zaken.example/zaken/7" and record.status is ProofStatus.DELIVERED


def test_a_dead_lettered_proof_shows_it_but_a_delivered_one_stays_delivered(world: World) -> None:
    request = flow_a_request(world)
    mark_dead_lettered(request.document_id, records=world.records)
    assert world.records.get(request.document_id).status is ProofStatus.DEAD_LETTERED  # type: ignore[union-attr]
    world.deliver(request, FlakyCaseSystem())
    mark_dead_lettered(request.document_id, records=world.records)
    assert world.records.get(request.document_id).status is ProofStatus.DELIVERED  # type: ignore[union-attr]


def test_only_the_owner_sees_a_proof_and_the_download_link_once_it_is_stored(world: World) -> None:
    session = world.logged_in_handover()
    _, record = world.complete(session.id)
    assert record is not None
    pending = proof_for_official(
        record.document_id, OFFICIAL, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
    )
    assert pending.record.status is ProofStatus.PENDING and pending.download_url is None
    world.deliver(world.queue.sent[0])
    stored = proof_for_official(
        record.document_id, OFFICIAL, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
    )
    assert stored.download_url and stored.record.sha256
    with pytest.raises(SessionNotFound):
        proof_for_official(
            record.document_id, COLLEAGUE, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
        )


def test_flow_a_proofs_are_for_the_look_up_group_and_expire(world: World) -> None:
    request = flow_a_request(world)
    view = proof_for_official(
        request.document_id, LOOKUP, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
    )
    assert view.record.reference == "2026-00042"
    with pytest.raises(SessionNotFound):
        proof_for_official(
            request.document_id, OFFICIAL, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
        )
    with pytest.raises(SessionNotFound):
        proof_for_official(
            request.document_id,
            LOOKUP,
            "zaak-opzoeken",
            records=world.records,
            pdfs=world.pdfs,
            now=NOW + timedelta(days=91),
        )


def test_proof_requests_survive_the_queue_unchanged(world: World) -> None:
    request = flow_a_request(world)
    assert ProofRequest.from_message(request.to_message()) == request
    assert replace(request, sealed_bsn=None, bsn_context={}).to_message().count("bsn") == 0


@pytest.mark.parametrize("raw", ["nope", "00000000-0000-0000-0000-000000000000", "../x"])
def test_document_ids_are_uuid4(raw: str) -> None:
    with pytest.raises(SessionNotFound):
        parse_document_id(raw)


def test_a_redriven_proof_in_builtin_mode_ends_stored(world: World) -> None:
    # Given a proof that was dead-lettered after its PDF was stored
    request = flow_a_request(world)
    world.deliver(request)
    mark_dead_lettered(request.document_id, records=world.records)
    # When the message is redriven, then the proof is stored again without making a second PDF
    assert world.deliver(request).status is ProofStatus.STORED and world.render.calls == 1
