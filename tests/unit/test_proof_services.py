"""The proof of authentication against in-memory fakes: handing over without loss, delivering idempotently."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.control_code import ControlCodes
from legitimatie.errors import ServiceUnavailable, SessionNotFound
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
            check_control_code(session.id, session.login.resident_code, OFFICIAL, sessions=self.sessions, now=NOW)
        return session

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


def test_voltooien_queues_a_proof_snapshot_before_the_session_is_gone(world: World) -> None:
    # Given a handover session whose code the official confirmed
    session = world.logged_in_handover(verified=True)
    # When the official completes it
    _, record = world.complete(session.id)
    # Then one proof request is queued with what the proof needs, and no BSN of any kind
    assert record is not None and record.status is ProofStatus.PENDING and record.owner_id == OFFICIAL.id
    [request] = world.queue.sent
    assert request.document_id == record.document_id and request.session_id == session.id
    assert request.code_check is CodeCheck.MATCH and request.checked_at == NOW
    assert request.official_name == OFFICIAL.name and request.loa is LevelOfAssurance.SUBSTANTIEEL
    assert request.sealed_bsn is None and RESIDENT.digits not in request.to_message()
    # And the session is a tombstone without login data
    assert world.sessions.get(session.id).login is None  # type: ignore[union-attr]


def test_a_proof_of_an_unchecked_session_says_so(world: World) -> None:
    session = world.logged_in_handover(verified=False)
    world.complete(session.id)
    assert world.queue.sent[0].code_check is CodeCheck.NOT_CHECKED


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


def test_a_retried_voltooien_makes_no_second_proof(world: World) -> None:
    session = world.logged_in_handover()
    world.complete(session.id)
    _, again = world.complete(session.id)
    assert again is None and len(world.queue.sent) == 1


def test_the_official_may_name_an_existing_zaak(world: World) -> None:
    session = world.logged_in_handover()
    _, record = world.complete(session.id, zaak_url="https://zaken.example/zaken/7")
    assert record is not None and record.zaak_url == "https://zaken.example/zaken/7"
    assert world.queue.sent[0].zaak_url == "https://zaken.example/zaken/7"


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
    session = world.logged_in_handover(verified=True)
    world.complete(session.id, zaak_url="https://zaken.example/zaken/7")
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
