"""The proof of authentication against in-memory fakes: handing over without loss, delivering idempotently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from msgspec.structs import replace

from legitimatie.adapters.dynamodb import DynamoDbProofOutbox
from legitimatie.adapters.sqs import proof_message, proof_request
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.errors import (
    ConcurrentUpdate,
    InvalidDocumentId,
    NotVerified,
    ProofNotFound,
    ServiceUnavailable,
    SessionLocked,
    WrongState,
)
from legitimatie.policy import ServicePolicy
from legitimatie.proofs.content import CodeCheck, ProofContent, ProofRequest
from legitimatie.proofs.model import ProofStatus, proof_key
from legitimatie.proofs.services import (
    deliver_proof,
    mark_dead_lettered,
    parse_document_id,
    proof_for_official,
)
from legitimatie.resident import ResidentKey
from legitimatie.sessions.model import Flow, Official, Outcome, Status
from legitimatie.sessions.ports import RefusedWrite
from legitimatie.sessions.services import (
    check_control_code,
    close_session,
    create_handover_session,
    gather_proof,
    record_resident_login,
)
from proofs.labels import proof_lines
from tests.fakes import AUDIT, METRICS, FakeCipher, HmacMacKey, InMemoryIdentifications, InMemorySessionRepository
from tests.proof_fakes import DictPdfStore, FlakyCaseSystem, InMemoryProofRecords, TextRenderer, gathered_record

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
    def __init__(self) -> None:
        self.records = InMemoryProofRecords()
        self.identifications = InMemoryIdentifications()
        self.sessions = InMemorySessionRepository(self.records, self.identifications)
        self.residents = ResidentKey(HmacMacKey(b"k" * 32), "0999")
        self.cipher = FakeCipher()
        self.proofs = DynamoDbProofOutbox(self.records, timedelta(days=90))
        self.pdfs = DictPdfStore()
        self.render = TextRenderer()

    def handed_over(self) -> list[ProofRequest]:
        """What the table's stream hands over: the request of every committed proof record, in commit order."""
        return [proof_request(record.message) for record in self.records.records.values() if record.message]

    def logged_in_handover(self, verified: bool = False):
        session = create_handover_session(
            None, OFFICIAL, policy=POLICY, sessions=self.sessions, now=NOW, audit=AUDIT, metrics=METRICS
        )
        session = record_resident_login(
            session.id,
            self.residents.resident(RESIDENT),
            LevelOfAssurance.SUBSTANTIEEL,
            sessions=self.sessions,
            cipher=self.cipher,
            now=NOW,
        )
        if verified:
            assert session.login is not None
            self.check(session.id, session.login.resident_code)
        return session

    def check(self, session_id, code, at=NOW):
        return check_control_code(
            session_id, code, OFFICIAL, sessions=self.sessions, now=at, audit=AUDIT, metrics=METRICS
        )

    def close(self, session_id, outcome=Outcome.IDENTIFIED, zaak_url=None, reason=None):
        """Voltooien, then delivery's first step: the closed session's facts gathered into its proof record."""
        answer = close_session(
            session_id,
            OFFICIAL,
            outcome,
            reason=reason,
            zaak_url=zaak_url,
            sessions=self.sessions,
            proofs=self.proofs,
            now=NOW + timedelta(minutes=2),
            audit=AUDIT,
            metrics=METRICS,
        )
        for record in list(self.records.records.values()):
            if record.message is None:
                gather_proof(
                    record,
                    sessions=self.sessions,
                    municipality=POLICY.municipality_name,
                    now=NOW + timedelta(minutes=3),
                )
        return answer

    def deliver(self, request: ProofRequest, case_system=None):
        return deliver_proof(
            request,
            records=self.records,
            pdfs=self.pdfs,
            render=self.render,
            cipher=self.cipher,
            case_system=case_system,
            author="Gemeente Voorbeeld",
            audit=AUDIT,
            metrics=METRICS,
        )


@pytest.fixture
def world() -> World:
    return World()


def wrong_code(session) -> str:
    return "000000" if session.login.resident_code != "000000" else "111111"


def test_a_code_check_makes_no_proof_whatever_its_outcome(world: World) -> None:
    # Given a handover session the resident logged in to
    session = world.logged_in_handover()
    # When the official types a wrong code, then the right one
    world.check(session.id, wrong_code(session))
    outcome = world.check(session.id, session.login.resident_code, at=NOW + timedelta(minutes=1))
    # Then the session is verified, but no proof exists: verified is not an end state
    assert outcome.match and outcome.status is Status.VERIFIED
    assert world.handed_over() == [] and world.records.records == {}


def test_closing_a_verified_session_as_identified_makes_its_one_proof(world: World) -> None:
    # Given a verified session
    session = world.logged_in_handover()
    world.check(session.id, session.login.resident_code, at=NOW + timedelta(minutes=1))
    # When the official completes it as identified
    ended, record = world.close(session.id)
    # Then one proof request is committed with what the proof needs, and no BSN
    assert ended.status is Status.COMPLETED and record is not None
    assert record.status is ProofStatus.PENDING and record.owner_id == OFFICIAL.id and record.identified
    [request] = world.handed_over()
    assert request.document_id == record.document_id and request.session_id == session.id
    assert request.identified and request.code_check is CodeCheck.MATCH
    assert request.checked_at == NOW + timedelta(minutes=1)
    assert request.official_name == OFFICIAL.name and request.loa is LevelOfAssurance.SUBSTANTIEEL
    assert request.sealed_bsn is None and RESIDENT.digits not in proof_message(request)
    # And the outbox record was written with the end state, which names it
    tombstone = world.sessions.get(session.id)
    assert tombstone is not None and tombstone.status is Status.COMPLETED and tombstone.login is None
    stored = world.records.get(record.document_id)
    assert tombstone.proof_document_id == record.document_id and stored == replace(
        record, flow=Flow.HANDOVER, message=proof_message(request)
    )


@pytest.mark.parametrize("checks", [0, 1])
def test_an_unverified_session_cannot_be_completed_as_identified(world: World, checks: int) -> None:
    # Given a logged-in session, unchecked or with one wrong code typed
    session = world.logged_in_handover()
    for _ in range(checks):
        world.check(session.id, wrong_code(session))
    # When the official asks for identified, then that is refused and nothing is made
    with pytest.raises(NotVerified):
        world.close(session.id)
    assert world.handed_over() == [] and world.records.records == {}
    assert world.sessions.get(session.id).status is Status.LOGGED_IN  # type: ignore[union-attr]


def test_not_identified_makes_a_proof_that_says_the_identification_failed(world: World) -> None:
    # Given a session with a wrong code typed
    session = world.logged_in_handover()
    world.check(session.id, wrong_code(session))
    # When the official closes it as not identified, with a reason
    ended, record = world.close(session.id, Outcome.NOT_IDENTIFIED, reason="Code klopte niet")
    # Then the proof says so, plainly
    assert ended.status is Status.NOT_IDENTIFIED and record is not None and not record.identified
    [request] = world.handed_over()
    assert not request.identified and request.code_check is CodeCheck.NO_MATCH and request.control_code is None
    lines = dict(proof_lines(ProofContent(request=request, bsn=None)))
    assert lines["Uitkomst"].startswith("NIET geïdentificeerd") and lines["Reden"] == "Code klopte niet"


def test_a_session_that_never_logged_in_closes_without_a_proof(world: World) -> None:
    session = create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS
    )
    ended, record = world.close(session.id, Outcome.NOT_IDENTIFIED)
    assert ended.status is Status.NOT_IDENTIFIED and record is None and world.handed_over() == []


def test_a_locked_session_cannot_be_closed_and_has_no_proof(world: World) -> None:
    session = world.logged_in_handover()
    for _ in range(3):
        world.check(session.id, wrong_code(session))
    with pytest.raises(NotVerified):
        world.close(session.id)
    with pytest.raises(SessionLocked):
        world.close(session.id, Outcome.NOT_IDENTIFIED)
    assert world.handed_over() == [] and world.records.records == {}
    assert world.sessions.get(session.id).login is None  # type: ignore[union-attr]


def test_when_the_session_write_fails_nothing_is_handed_over(world: World) -> None:
    # Given a verified session, and the table refusing the transaction
    session = world.logged_in_handover(verified=True)
    world.sessions.writes_fail = True
    with pytest.raises(ServiceUnavailable):
        world.close(session.id)
    # Then no outbox record exists, so nothing is handed over: a proof only for a committed end state
    assert world.records.records == {} and world.handed_over() == []
    world.sessions.writes_fail = False
    _, record = world.close(session.id)
    assert record is not None and [r.document_id for r in world.handed_over()] == [record.document_id]


def test_a_retried_close_reports_the_same_proof_and_makes_no_second(world: World) -> None:
    session = world.logged_in_handover(verified=True)
    _, first = world.close(session.id)
    world.deliver(world.handed_over()[0])
    _, again = world.close(session.id)
    assert first is not None and again is not None and again.document_id == first.document_id
    assert len(world.handed_over()) == 1 and len(world.records.records) == 1
    with pytest.raises(WrongState):
        world.close(session.id, Outcome.NOT_IDENTIFIED)


def test_the_official_may_name_an_existing_zaak(world: World) -> None:
    session = world.logged_in_handover(verified=True)
    _, record = world.close(session.id, zaak_url="https://zaken.example/zaken/7")
    assert record is not None and record.zaak_url == "https://zaken.example/zaken/7"
    assert world.handed_over()[0].zaak_url == "https://zaken.example/zaken/7"
    with pytest.raises(WrongState):
        world.close(session.id, zaak_url="https://zaken.example/zaken/8")


def flow_a_request(world: World) -> ProofRequest:
    context = {"purpose": "handover-bsn", "session_id": "4d3c2b1a-0000-4000-8000-000000000042"}
    request = ProofRequest(
        document_id=uuid4(),
        flow=Flow.NEW_RESIDENT,
        municipality="Gemeente Voorbeeld",
        created_at=NOW,
        login_at=NOW,
        loa=LevelOfAssurance.MIDDEN,
        code_check=CodeCheck.MATCH,
        control_code="358974",
        zaak_number="2026-00042",
        sealed_bsn=world.cipher.seal(RESIDENT.digits.encode(), context),
        bsn_context=context,
    )
    world.records.add(gathered_record(request, None))
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
    world.close(session.id, zaak_url="https://zaken.example/zaken/7")
    case_system = FlakyCaseSystem()
    record = world.deliver(world.handed_over()[0], case_system)
    assert case_system.calls == ["document", "relation"]
    assert record.zaak_url == "https://zaken.example/zaken/7" and record.status is ProofStatus.DELIVERED


def test_a_dead_lettered_proof_shows_it_but_a_delivered_one_stays_delivered(world: World) -> None:
    request = flow_a_request(world)
    mark_dead_lettered(request.document_id, request, records=world.records, audit=AUDIT, metrics=METRICS)
    assert world.records.get(request.document_id).status is ProofStatus.DEAD_LETTERED  # type: ignore[union-attr]
    world.deliver(request, FlakyCaseSystem())
    mark_dead_lettered(request.document_id, request, records=world.records, audit=AUDIT, metrics=METRICS)
    assert world.records.get(request.document_id).status is ProofStatus.DELIVERED  # type: ignore[union-attr]


def test_a_proof_dead_lettered_before_its_facts_were_gathered_says_so_and_names_what_its_record_knows(
    world: World,
) -> None:
    # Given a pending proof whose closed session's facts could not be gathered (no request)
    request = flow_a_request(world)
    stored = world.records.records[request.document_id]
    world.records.records[request.document_id] = replace(stored, owner_id="official-1", message=None)
    # When its last attempt fails
    AUDIT.events.clear()
    mark_dead_lettered(request.document_id, None, records=world.records, audit=AUDIT, metrics=METRICS)
    # Then the record says so, and the audit event names the proof, its official and why, from the record
    assert world.records.get(request.document_id).status is ProofStatus.DEAD_LETTERED  # type: ignore[union-attr]
    [event] = AUDIT.events
    assert (event.document_id, event.official, event.reason) == (
        str(request.document_id),
        "official-1",
        "gathering_failed",
    )


def test_only_the_owner_sees_a_proof_and_the_download_link_once_it_is_stored(world: World) -> None:
    session = world.logged_in_handover(verified=True)
    _, record = world.close(session.id)
    assert record is not None
    pending = proof_for_official(
        record.document_id, OFFICIAL, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
    )
    assert pending.record.status is ProofStatus.PENDING and pending.download_url is None
    world.deliver(world.handed_over()[0])
    stored = proof_for_official(
        record.document_id, OFFICIAL, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
    )
    assert stored.download_url and stored.record.sha256
    with pytest.raises(ProofNotFound):
        proof_for_official(
            record.document_id, COLLEAGUE, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
        )


def test_flow_a_proofs_are_for_the_look_up_group_and_expire(world: World) -> None:
    request = flow_a_request(world)
    view = proof_for_official(
        request.document_id, LOOKUP, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
    )
    assert view.record.reference == "2026-00042"
    with pytest.raises(ProofNotFound):
        proof_for_official(
            request.document_id, OFFICIAL, "zaak-opzoeken", records=world.records, pdfs=world.pdfs, now=NOW
        )
    with pytest.raises(ProofNotFound):
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
    assert proof_request(proof_message(request)) == request
    assert proof_message(replace(request, sealed_bsn=None, bsn_context={})).count("bsn") == 0


@pytest.mark.parametrize("raw", ["nope", "00000000-0000-0000-0000-000000000000", "../x"])
def test_document_ids_are_uuid4(raw: str) -> None:
    with pytest.raises(InvalidDocumentId):
        parse_document_id(raw)


def test_a_redriven_proof_in_builtin_mode_ends_stored(world: World) -> None:
    # Given a proof that was dead-lettered after its PDF was stored
    request = flow_a_request(world)
    world.deliver(request)
    mark_dead_lettered(request.document_id, request, records=world.records, audit=AUDIT, metrics=METRICS)
    # When the message is redriven, then the proof is stored again without making a second PDF
    assert world.deliver(request).status is ProofStatus.STORED and world.render.calls == 1


class RefusingRepository(InMemorySessionRepository):
    """A store whose close write refuses every session, as a condition that disagreed with the domain would."""

    def close(self, session_id, official_id, outcome, reason, proof, now):  # type: ignore[no-untyped-def]
        return RefusedWrite(stored=self.sessions.get(session_id))


def test_a_close_the_write_refused_certifies_nothing_even_when_the_domain_would_close(world: World) -> None:
    # Given a verified session, and a store whose one write refuses it
    session = world.logged_in_handover(verified=True)
    refusing = RefusingRepository(world.records, world.identifications)
    refusing.sessions = world.sessions.sessions
    # When the official closes it as identified
    with pytest.raises(ConcurrentUpdate):
        close_session(
            session.id,
            OFFICIAL,
            Outcome.IDENTIFIED,
            sessions=refusing,
            proofs=world.proofs,
            now=NOW + timedelta(minutes=2),
            audit=AUDIT,
            metrics=METRICS,
        )
    # Then no proof exists and the session is as it was: the official tries again
    assert world.records.records == {} and world.sessions.get(session.id).status is Status.VERIFIED


def test_a_closed_sessions_facts_are_never_gathered_into_a_proof_of_another_outcome(world: World) -> None:
    # Given a session closed as not identified, its pending proof record saying identified (never written so)
    session = world.logged_in_handover(verified=True)
    _, record = close_session(
        session.id,
        OFFICIAL,
        Outcome.NOT_IDENTIFIED,
        sessions=world.sessions,
        proofs=world.proofs,
        now=NOW + timedelta(minutes=2),
        audit=AUDIT,
        metrics=METRICS,
    )
    assert record is not None
    forged = replace(record, identified=True)
    # When delivery gathers its facts, it refuses and writes nothing
    with pytest.raises(WrongState):
        gather_proof(forged, sessions=world.sessions, municipality="G", now=NOW + timedelta(minutes=3))
    assert world.records.get(record.document_id).message is None
    assert world.sessions.get(session.id).login is not None  # the facts wait for the true record
