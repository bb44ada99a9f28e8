"""Proof delivery through the real handlers and adapters: moto (DynamoDB, KMS, S3, SQS, Secrets Manager) and
the fake ZGW case system over HTTP. A close hands its proof over by committing it: the proofs function's stream trigger
(conftest.proof_stream) forwards each new proof record to the queue before the queue is read. SQS is driven by hand: each receive becomes the
Lambda SQS event the event source mapping would send, with its real ApproximateReceiveCount.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import boto3
import pytest

import code_check.handler as code_check
import outcome.handler as outcome_fn
import outcome.sweep as outcome_sweep
import proofs.handler as delivery
import sessions.handler as sessions_fn
from legitimatie.adapters.dynamodb import (
    DynamoDbIdentifications,
    DynamoDbPendingLogins,
    DynamoDbProofRecords,
    DynamoDbSessionRepository,
)
from legitimatie.adapters.kms import KmsBsnCipher
from legitimatie.adapters.zgw import CatalogueError
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.flow import Flow
from legitimatie.login.digid_model import PendingLogin
from legitimatie.login.digid_services import finish_login
from legitimatie.login.model import LOGIN_LIFETIME
from legitimatie.policy import ServicePolicy
from legitimatie.proofs.model import ProofStatus
from legitimatie.runtime.settings import ConfigurationError
from tests.fakes import AUDIT, METRICS, RESIDENTS
from tests.zgw.fake_case_system import CLIENT_ID, SECRET, FakeCaseSystem, running_case_system
from tests.zgw.openapi import SPEC_DIR, specs_available

from .conftest import EVENTS, REGION, Aws, LambdaContext, gather_proofs, http_event, invoke, proof_stream
from .test_official_api import resident_logs_in

BSN = "999993653"
LOOKUP_GROUP = "[zaak-opzoeken]"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def policy() -> ServicePolicy:
    return ServicePolicy(
        municipality_name="Gemeente Voorbeeld",
        gemeentecode="0999",
        minimum_loa=LevelOfAssurance.MIDDEN,
        session_lifetime=timedelta(minutes=30),
        site_url="https://beeldbellen.voorbeeld.nl",
    )


def flow_a_login(aws: Aws, identifications: DynamoDbIdentifications | None = None) -> tuple[str, str]:
    """The DigiD function's flow A step with the real adapters; returns the case number and the code."""
    dynamodb, kms = boto3.client("dynamodb", region_name=REGION), boto3.client("kms", region_name=REGION)
    at = now()
    login = PendingLogin(
        f"_r{uuid4().hex}", "relay", Flow.NEW_RESIDENT, LevelOfAssurance.MIDDEN, at, at + LOGIN_LIFETIME, None, "digest"
    )
    DynamoDbPendingLogins(dynamodb, aws.table_name).add(login)  # the login's write uses it up
    _, result = finish_login(
        login,
        Bsn(BSN),
        LevelOfAssurance.MIDDEN,
        policy=policy(),
        sessions=DynamoDbSessionRepository(dynamodb, aws.table_name),
        residents=RESIDENTS,  # flow A: the pseudonym's MAC only (its code is random)
        cipher=KmsBsnCipher(kms, aws.data_key_id),
        identifications=identifications or DynamoDbIdentifications(dynamodb, aws.table_name),
        pending=DynamoDbPendingLogins(dynamodb, aws.table_name),
        now=at,
        audit=AUDIT,
        metrics=METRICS,
    )
    assert result.zaak_number is not None
    return result.zaak_number, result.code


def identified_flow_a(aws: Aws) -> str:
    """Flow A from login to Voltooien over the official's API: look-up, check, complete; the case number."""
    number, code = flow_a_login(aws)
    event = http_event("GET", "/api/identifications/{zaak_number}", path_params={"zaak_number": number})
    status, found = invoke(sessions_fn.lambda_handler, event)
    assert status == 200 and "code" not in found
    event = http_event("POST", "/api/sessions/{id}/check", path_params={"id": found["session_id"]}, body={"code": code})
    assert invoke(code_check.lambda_handler, event)[1]["status"] == "verified"
    body = {"outcome": "identified"}
    event = http_event("POST", "/api/sessions/{id}/complete", path_params={"id": found["session_id"]}, body=body)
    assert invoke(outcome_fn.lambda_handler, event)[0] == 200
    return number


def poll(aws: Aws, max_messages: int = 10) -> dict[str, Any] | None:
    """One receive from the proof queue as the Lambda SQS event (after the stream trigger's hand-over of what the steps
    committed); None when the queue is empty."""
    proof_stream(aws)
    sqs = boto3.client("sqs", region_name=REGION)
    answer = sqs.receive_message(QueueUrl=aws.proof_queue_url, MaxNumberOfMessages=max_messages, AttributeNames=["All"])
    messages = answer.get("Messages", [])
    if not messages:
        return None
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "eventSource": "aws:sqs",
            }
            for m in messages
        ]
    }


def run_delivery(aws: Aws, before_each: Callable[[], None] = lambda: None) -> list[dict[str, Any]]:
    """Deliver until the queue is empty, deleting what succeeded (as the event source mapping does)."""
    sqs = boto3.client("sqs", region_name=REGION)
    answers = []
    for _ in range(20):
        before_each()
        event = poll(aws)
        if event is None:
            break
        answer = delivery.lambda_handler(event, LambdaContext())
        answers.append(answer)
        failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
        for record in event["Records"]:
            if record["messageId"] not in failed:
                sqs.delete_message(QueueUrl=aws.proof_queue_url, ReceiptHandle=record["receiptHandle"])
    return answers


def scan(aws: Aws) -> list[dict[str, Any]]:
    return list(boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"])


def proof_records(aws: Aws) -> list[dict[str, Any]]:
    return [item for item in scan(aws) if item["kind"]["S"] == "proof"]


def read_proof(document_id: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    event = http_event("GET", "/api/proofs/{document_id}", path_params={"document_id": document_id}, **kwargs)
    return invoke(delivery.lambda_handler, event)


@pytest.fixture
def zgw(aws: Aws, monkeypatch: pytest.MonkeyPatch):
    if not specs_available():
        pytest.skip(f"ZGW specifications not found at {SPEC_DIR}")
    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="zgw-client", SecretString=json.dumps({"client_id": CLIENT_ID, "secret": SECRET})
    )["ARN"]
    with running_case_system() as system:
        for name, value in {
            "BACK_OFFICE_MODE": "zgw",
            "ZGW_ZAKEN_API": system.zaken_api,
            "ZGW_DOCUMENTEN_API": system.documenten_api,
            "ZGW_ZAAKTYPE": system.zaaktype,
            "ZGW_ROLTYPE_INITIATOR": system.roltype,
            "ZGW_INFORMATIEOBJECTTYPE": system.informatieobjecttype,
            "ZGW_STATUSTYPE": system.statustype,
            "ZGW_IDENTIFICATIE_PREFIX": "a1b2c3d4e5f6",
            "ZGW_RSIN": "002220647",
            "ZGW_SECRET_ARN": secret,
        }.items():
            monkeypatch.setenv(name, value)
        delivery.wiring.cache_clear()
        yield system
        delivery.wiring.cache_clear()


def test_voltooien_makes_a_stored_proof_the_owner_downloads(aws: Aws) -> None:
    # Given a handover session the resident logged in to, completed by the official
    status, created = invoke(sessions_fn.lambda_handler, http_event("POST", "/api/sessions", body={"flow": "handover"}))
    resident_logs_in(aws, created["id"], BSN)
    body = {"outcome": "not_identified", "reason": "Beeld viel weg"}
    event = http_event("POST", "/api/sessions/{id}/complete", path_params={"id": created["id"]}, body=body)
    status, done = invoke(outcome_fn.lambda_handler, event)
    assert status == 200 and done["proof"]["status"] == "pending"
    document_id = done["proof"]["document_id"]
    # Then the stream trigger queues a message that refers to the record: its document id only, no BSN
    assert proof_stream(aws) == 1
    peek = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=aws.proof_queue_url)["Messages"][0]
    assert json.loads(peek["Body"]) == {"document_id": document_id}
    assert BSN not in peek["Body"] and "sealed_bsn" not in peek["Body"]
    # When the proofs function runs (builtin mode)
    [answer] = run_delivery(aws)
    assert answer == {"batchItemFailures": []}
    # Then the owner sees it stored, with its hash and a short-lived download link to an SSE-KMS object
    status, proof = read_proof(document_id)
    assert status == 200 and proof["status"] == "stored" and len(proof["sha256"]) == 64
    assert "X-Amz-Expires=300" in proof["download_url"] or "Expires=" in proof["download_url"]
    key = f"proofs/{proof['created_at'][:4]}/{document_id}.pdf"
    head = boto3.client("s3", region_name=REGION).head_object(Bucket="proofs-test", Key=key)
    assert head["ServerSideEncryption"] == "aws:kms" and head["ContentType"] == "application/pdf"
    # And a colleague is told there is no such proof
    assert read_proof(document_id, official_sub="8f3b1c2d-0000-4000-8000-000000000002")[0] == 404


def verified_handover(aws: Aws) -> str:
    """A handover session the resident logged in to and whose code the official confirmed."""
    _, created = invoke(sessions_fn.lambda_handler, http_event("POST", "/api/sessions", body={"flow": "handover"}))
    resident_logs_in(aws, created["id"], BSN)
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=aws.table_name, Key={"pk": {"S": f"session#{created['id']}"}}
    )["Item"]
    body = {"code": item["resident_code"]["S"]}
    event = http_event("POST", "/api/sessions/{id}/check", path_params={"id": created["id"]}, body=body)
    status, outcome = invoke(code_check.lambda_handler, event)
    assert status == 200 and outcome["match"] is True and "proof" not in outcome
    return str(created["id"])


def test_a_verified_session_that_expires_without_voltooien_has_no_proof(aws: Aws) -> None:
    # Given a session whose code the official confirmed, and which then expires without Voltooien
    session_id = verified_handover(aws)
    past = int((now() - timedelta(minutes=1)).timestamp())
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=aws.table_name,
        Key={"pk": {"S": f"session#{session_id}"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(past)}},
    )
    # Then it cannot be completed any more, and no proof exists: a proof only for a committed end state
    event = http_event(
        "POST", "/api/sessions/{id}/complete", path_params={"id": session_id}, body={"outcome": "identified"}
    )
    status, body = invoke(outcome_fn.lambda_handler, event)
    assert (status, body["error"]) == (404, "session_expired")
    swept = outcome_fn.lambda_handler(json.loads((EVENTS / "scheduled_sweep.json").read_text()), LambdaContext())
    assert swept == {"deleted": 1, "resent": 0} and proof_records(aws) == [] and poll(aws) is None


def test_a_retried_voltooien_reports_the_one_proof(aws: Aws) -> None:
    # Given a verified session the official completed, whose proof has been stored
    session_id = verified_handover(aws)
    event = http_event(
        "POST", "/api/sessions/{id}/complete", path_params={"id": session_id}, body={"outcome": "identified"}
    )
    status, first = invoke(outcome_fn.lambda_handler, event)
    assert status == 200
    run_delivery(aws)
    # When the browser sends Voltooien once more
    status, again = invoke(outcome_fn.lambda_handler, event)
    # Then it reports the one proof as it stands, and nothing more was queued or recorded
    assert status == 200 and again["proof"] == {**first["proof"], "status": "stored"}
    assert poll(aws) is None and len(proof_records(aws)) == 1
    # And the tombstone keeps the proof's id, without personal data
    tombstone = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=aws.table_name, Key={"pk": {"S": f"session#{session_id}"}}
    )["Item"]
    assert tombstone["status"]["S"] == "completed"
    assert tombstone["proof_document_id"]["S"] == first["proof"]["document_id"]
    assert not {"sealed_bsn", "resident_code", "login_at"} & set(tombstone)


def sweep(at: datetime | None = None) -> dict[str, Any]:
    """The outcome function's scheduled run (its sweep), at ``at`` (its clock) when given."""
    event = json.loads((EVENTS / "scheduled_sweep.json").read_text())
    if at is None:
        return outcome_fn.lambda_handler(event, LambdaContext())  # type: ignore[no-any-return]
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(outcome_sweep, "utc_now", lambda: at)
        return outcome_fn.lambda_handler(event, LambdaContext())  # type: ignore[no-any-return]


def close_with_the_hand_over_lost(aws: Aws, session_id: str) -> str:
    """Voltooien commits its end state and pending proof, but the stream trigger never forwards the record."""
    event = http_event(
        "POST", "/api/sessions/{id}/complete", path_params={"id": session_id}, body={"outcome": "identified"}
    )
    proof_stream(aws)
    before = {item["pk"]["S"] for item in proof_records(aws)}
    assert outcome_fn.lambda_handler(event, LambdaContext())["statusCode"] == 200
    assert proof_stream(aws, lose=True) == 1
    [key] = {item["pk"]["S"] for item in proof_records(aws)} - before
    return key.removeprefix("proof#")


def stored_pdfs() -> list[str]:
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket="proofs-test", Prefix="proofs/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_proof_whose_hand_over_was_lost_is_sent_by_the_sweep(aws: Aws, caplog: pytest.LogCaptureFixture) -> None:
    # Given a Voltooien whose end state and pending proof committed, but which the stream trigger never forwarded
    document_id = close_with_the_hand_over_lost(aws, verified_handover(aws))
    assert poll(aws) is None and proof_records(aws)[0]["status"]["S"] == "pending"
    # When the sweep runs at once, it leaves a proof this young alone (the trigger may still be retrying it)
    assert sweep() == {"deleted": 0, "resent": 0} and poll(aws) is None
    # But a sweep some minutes later queues it again, and says so without personal data
    later = now() + timedelta(minutes=6)
    assert sweep(later)["resent"] == 1
    [logged] = [record for record in caplog.records if record.getMessage() == "Pending proofs queued again"]
    assert logged.__dict__["resent"] == 1 and logged.__dict__["document_ids"] == [document_id]
    # Then delivery makes exactly one proof of it
    assert [answer["batchItemFailures"] for answer in run_delivery(aws)] == [[]]
    [record] = proof_records(aws)
    assert record["status"]["S"] == "stored" and "outbox" not in record
    assert stored_pdfs() == [f"proofs/{now().year}/{document_id}.pdf"]
    # And the next sweep finds nothing more to send
    assert sweep(later + timedelta(minutes=15))["resent"] == 0 and poll(aws) is None


def test_a_sweep_that_sends_a_delivered_proof_again_makes_no_second_one(aws: Aws) -> None:
    # Given a Voltooien the stream trigger did queue, not yet delivered, and a sweep that sends it once more
    session_id = verified_handover(aws)
    event = http_event(
        "POST", "/api/sessions/{id}/complete", path_params={"id": session_id}, body={"outcome": "identified"}
    )
    assert invoke(outcome_fn.lambda_handler, event)[0] == 200
    assert sweep(now() + timedelta(minutes=6))["resent"] == 1
    # When delivery takes both messages
    run_delivery(aws)
    # Then there is one proof, stored once
    [record] = proof_records(aws)
    assert record["status"]["S"] == "stored" and len(stored_pdfs()) == 1


def test_the_pending_index_holds_the_unexpired_pending_proofs_and_the_sweep_sends_a_bounded_number(aws: Aws) -> None:
    # Given three closes whose hand-over was lost
    lost = {close_with_the_hand_over_lost(aws, verified_handover(aws)) for _ in range(3)}
    records = DynamoDbProofRecords(boto3.client("dynamodb", region_name=REGION), aws.table_name)
    later = now() + timedelta(minutes=6)
    # Then the sparse index finds them once old enough, at most the limit per call, never an expired one
    assert {str(d) for d in records.pending(created_before=later, now=later, limit=10)} == lost
    assert len(records.pending(created_before=later, now=later, limit=2)) == 2
    assert records.pending(created_before=now() - timedelta(minutes=1), now=later, limit=10) == []
    assert records.pending(created_before=later, now=later + timedelta(days=15), limit=10) == []
    # And a record that moved on leaves the index
    records.record_progress(UUID(sorted(lost)[0]), ProofStatus.STORED)
    assert len(records.pending(created_before=later, now=later, limit=10)) == 2


def test_flow_a_is_delivered_to_the_case_system_once(aws: Aws, zgw: FakeCaseSystem) -> None:
    number = identified_flow_a(aws)
    run_delivery(aws)
    # The BSN went when delivery gathered the proof's facts: no session or case-number record holds it any more
    assert not [item for item in scan(aws) if "sealed_bsn" in item or item["kind"]["S"] == "identification"]
    [record] = proof_records(aws)
    assert record["status"]["S"] == "delivered"
    assert zgw.state.violations == []
    [zaak] = zgw.state.zaken.values()
    assert zaak["identificatie"] == f"a1b2c3d4e5f6-{number}" and record["zaak_url"]["S"] == zaak["url"]
    assert len(zgw.state.rollen) == len(zgw.state.documents) == len(zgw.state.relations) == 1
    status, proof = read_proof(str(UUID(record["pk"]["S"].removeprefix("proof#"))))
    assert status == 200 and proof["status"] == "delivered" and proof["zaak_url"] == zaak["url"]


@pytest.mark.parametrize(
    ("method", "path", "mode"),
    [
        ("POST", "/zaken", "500"),
        ("POST", "/enkelvoudiginformatieobjecten", "timeout"),
        ("POST", "/zaakinformatieobjecten", "400"),
        ("GET", "/rollen", "500"),
    ],
)
def test_failures_are_retried_and_never_duplicate_a_zaak(
    aws: Aws, zgw: FakeCaseSystem, monkeypatch: pytest.MonkeyPatch, method: str, path: str, mode: str
) -> None:
    # Given a case system that fails twice at one step (timeouts: slower than the client waits)
    zgw.state.slow_seconds = 1.5
    monkeypatch.setenv("ZGW_READ_TIMEOUT_SECONDS", "0.5")
    delivery.wiring.cache_clear()
    zgw.fail(method, path, mode, times=2)
    identified_flow_a(aws)
    # When the proofs function runs until the queue is empty (each redelivery after the visibility timeout,
    # by which time a request that was answered too late has been carried out)
    answers = run_delivery(aws, before_each=zgw.wait_until_caught_up)
    # Then the failed attempts were retried until one delivered, and every ZGW object exists exactly once. An
    # answer that came too late was still carried out: the redelivery finds that object by its look-up, so it
    # neither posts it again nor meets the second failure.
    expected = [1, 0] if mode == "timeout" else [1, 1, 0]
    assert [len(a["batchItemFailures"]) for a in answers] == expected
    [record] = proof_records(aws)
    assert record["status"]["S"] == "delivered"
    assert (len(zgw.state.zaken), len(zgw.state.rollen), len(zgw.state.documents), len(zgw.state.relations)) == (
        1,
        1,
        1,
        1,
    )
    assert zgw.state.violations == []


def test_a_proof_that_keeps_failing_ends_in_the_dead_letter_queue_and_says_so(aws: Aws, zgw: FakeCaseSystem) -> None:
    # Given a case system that refuses every zaak
    zgw.fail("POST", "/zaken", "500", times=100)
    identified_flow_a(aws)
    # When SQS hands the message over five times (maxReceiveCount) and then redrives it
    answers = run_delivery(aws)
    # Then each attempt failed, the proof record says dead_lettered, and the message waits in the DLQ
    assert len(answers) == 5 and all(a["batchItemFailures"] for a in answers)
    [record] = proof_records(aws)
    assert record["status"]["S"] == "dead_lettered"
    sqs = boto3.client("sqs", region_name=REGION)
    dead = sqs.receive_message(QueueUrl=aws.proof_dead_letter_queue_url).get("Messages", [])
    assert len(dead) == 1 and BSN not in dead[0]["Body"]
    # And no zaak was made
    assert zgw.state.zaken == {}
    # When the cause is fixed and the message is redriven, the proof is delivered after all
    zgw.state.failures.clear()
    sqs.send_message(QueueUrl=aws.proof_queue_url, MessageBody=dead[0]["Body"])
    run_delivery(aws)
    assert proof_records(aws)[0]["status"]["S"] == "delivered" and len(zgw.state.zaken) == 1


def test_a_proof_whose_facts_cannot_be_gathered_ends_in_the_dead_letter_queue_and_says_so(
    aws: Aws, zgw: FakeCaseSystem
) -> None:
    # Given a closed session whose facts are gone before its proof was gathered (removed past its end)
    identified_flow_a(aws)
    client = boto3.client("dynamodb", region_name=REGION)
    [session] = [item for item in scan(aws) if item["kind"]["S"] == "session"]
    client.delete_item(TableName=aws.table_name, Key={"pk": session["pk"]})
    # When SQS hands the message over five times (maxReceiveCount) and then redrives it
    answers = run_delivery(aws)
    # Then each gathering failed, and the proof record says dead_lettered (the official sees it; the sweep, which
    # queues again only pending proofs, leaves it), not pending for as long as it lives
    assert len(answers) == 5 and all(a["batchItemFailures"] for a in answers)
    [record] = proof_records(aws)
    assert record["status"]["S"] == "dead_lettered"
    dead = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=aws.proof_dead_letter_queue_url)
    assert len(dead.get("Messages", [])) == 1
    assert zgw.state.zaken == {}


@pytest.fixture
def atomic_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each write (and each transaction) atomically; moto in-process does read-modify-write without a lock,
    so 50 threads can read the same counter. Serialise moto's item writes as DynamoDB does; our 50 logins still
    run concurrently through the real adapter."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("update_item", "put_item", "get_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


def test_fifty_concurrent_flow_a_logins_get_fifty_consecutive_case_numbers(aws: Aws, atomic_items: None) -> None:
    # Given one identification store (the real adapter) shared by 50 logins at once
    identifications = DynamoDbIdentifications(boto3.client("dynamodb", region_name=REGION), aws.table_name)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(50)

    def log_in() -> None:
        try:
            start.wait()
            number, _ = flow_a_login(aws, identifications)
            with lock:
                numbers.append(number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=log_in) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then every login got its own number, and together they are 1..50 of this year without gaps
    assert errors == []
    year = now().year
    assert sorted(numbers) == [f"{year}-{n:05d}" for n in range(1, 51)]
    assert len([item for item in scan(aws) if item["kind"]["S"] == "session"]) == 50


def test_a_catalogue_that_is_not_ready_stops_delivery_with_a_clear_message(
    aws: Aws, zgw: FakeCaseSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a zaaktype that was never published
    zgw.publish_catalogue(zaaktype={"concept": True})
    for name, value in {
        "ZGW_ZAAKTYPE": zgw.zaaktype,
        "ZGW_ROLTYPE_INITIATOR": zgw.roltype,
        "ZGW_INFORMATIEOBJECTTYPE": zgw.informatieobjecttype,
        "ZGW_STATUSTYPE": zgw.statustype,
    }.items():
        monkeypatch.setenv(name, value)
    delivery.wiring.cache_clear()
    identified_flow_a(aws)
    # When the proofs function starts on the proof
    event = poll(aws)
    assert event is not None
    with pytest.raises(CatalogueError) as failure:
        delivery.lambda_handler(event, LambdaContext())
    # Then it refuses before touching the case system, saying what to fix; the message stays queued for a retry
    assert f"zaaktype {zgw.zaaktype} is a concept: publish it" in failure.value.message
    assert zgw.state.zaken == {} and zgw.state.documents == {}


def test_an_rsin_that_fails_the_elfproef_is_refused_at_start(
    aws: Aws, zgw: FakeCaseSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a typo in the RSIN (one digit off: nine digits, but not a valid RSIN)
    monkeypatch.setenv("ZGW_RSIN", "002220648")
    delivery.wiring.cache_clear()
    # When the proofs function reads its settings
    with pytest.raises(ConfigurationError, match="elfproef"):
        delivery.wiring()


def test_the_audit_trail_names_the_proofs_document_id_and_its_sha256(aws: Aws, capsys) -> None:
    # Given a flow A proof waiting on the queue
    identified_flow_a(aws)
    capsys.readouterr()
    # When the proofs function makes it
    run_delivery(aws)
    # Then the audit event holds the document id and the SHA-256 the proof's footer promises
    [record] = proof_records(aws)
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"log_type":"audit"' in line]
    [made] = [e for e in events if e["action"] == "proof_made"]
    assert made["document_id"] == record["pk"]["S"].removeprefix("proof#")
    assert made["sha256"] == record["sha256"]["S"] and len(made["sha256"]) == 64


def test_a_message_is_delivered_only_for_a_live_proof_record(aws: Aws) -> None:
    # Given a completed session whose proof the stream trigger queued, and its record past its expiry before delivery
    session_id = verified_handover(aws)
    event = http_event(
        "POST", "/api/sessions/{id}/complete", path_params={"id": session_id}, body={"outcome": "identified"}
    )
    _, done = invoke(outcome_fn.lambda_handler, event)
    key = {"pk": {"S": f"proof#{done['proof']['document_id']}"}}
    past = int((now() - timedelta(seconds=1)).timestamp())
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=aws.table_name,
        Key=key,
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(past)}},
    )
    # When the proofs function gets the message, it refuses it (SQS retries it, then dead-letters it)
    queued = poll(aws)
    assert queued is not None
    answer = delivery.lambda_handler(queued, LambdaContext())
    assert answer["batchItemFailures"] == [{"itemIdentifier": queued["Records"][0]["messageId"]}]
    # And nothing was made of it
    assert stored_pdfs() == [] and proof_records(aws)[0]["status"]["S"] == "pending"


@pytest.mark.parametrize(
    "body",
    [
        '{"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "session#4d3c2b1a-0000-4000-8000-000000000042"}}}}',
        '{"eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": "proof#4d3c2b1a-0000-4000-8000-000000000042"}}}}',
        '{"document_id": "not-a-uuid"}',
        "not json",
    ],
)
def test_a_message_that_names_no_proof_record_is_refused(aws: Aws, body: str) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.send_message(QueueUrl=aws.proof_queue_url, MessageBody=body)
    queued = poll(aws)
    assert queued is not None
    answer = delivery.lambda_handler(queued, LambdaContext())
    assert len(answer["batchItemFailures"]) == 1 and stored_pdfs() == []


def test_a_message_of_the_request_itself_from_an_earlier_release_is_delivered_by_its_record(aws: Aws) -> None:
    # Given a committed proof the stream trigger did not hand over, and a message queued by an earlier release: the
    # request itself (what the outbox record keeps as its message)
    document_id = close_with_the_hand_over_lost(aws, verified_handover(aws))
    gather_proofs(aws)
    [record] = proof_records(aws)
    boto3.client("sqs", region_name=REGION).send_message(
        QueueUrl=aws.proof_queue_url, MessageBody=record["message"]["S"]
    )
    # When the proofs function takes it
    assert [answer["batchItemFailures"] for answer in run_delivery(aws)] == [[]]
    # Then the proof is made from its record, once
    assert proof_records(aws)[0]["status"]["S"] == "stored"
    assert stored_pdfs() == [f"proofs/{now().year}/{document_id}.pdf"]


def stream_event(aws: Aws, *keys: str, event_name: str = "INSERT") -> dict[str, Any]:
    """Lambda's DynamoDB event for the proofs function's stream trigger, one keys-only record per key."""
    from infrastructure.local.live import insert_record

    arn = f"arn:aws:dynamodb:{REGION}:123456789012:table/{aws.table_name}/stream/2026-12-01T00:00:00.000"
    records = [insert_record(key, arn, REGION, sequence) for sequence, key in enumerate(keys, 1)]
    for record in records:
        record["eventName"] = event_name
    return {"Records": records}


def queued_bodies(aws: Aws) -> list[dict[str, Any]]:
    answer = boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=aws.proof_queue_url, MaxNumberOfMessages=10
    )
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def test_the_stream_trigger_forwards_even_when_delivery_cannot_start(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given zgw mode without its case system's settings: delivery cannot even be wired
    monkeypatch.setenv("BACK_OFFICE_MODE", "zgw")
    delivery.wiring.cache_clear()
    with pytest.raises(ConfigurationError):
        delivery.wiring()
    document_id = str(uuid4())
    # When the stream brings a new proof record to the proofs function
    answer = delivery.lambda_handler(stream_event(aws, f"proof#{document_id}"), LambdaContext())
    # Then its document id is on the proof queue all the same: the forwarder never touches the case system
    assert answer == {"batchItemFailures": []}
    assert queued_bodies(aws) == [{"document_id": document_id}]


def test_the_stream_trigger_forwards_only_new_proof_records(aws: Aws) -> None:
    # Given records its filter would not let through: a session's insert, a proof record's change
    session = stream_event(aws, f"session#{uuid4()}")
    changed = stream_event(aws, f"proof#{uuid4()}", event_name="MODIFY")
    # When the proofs function gets them anyway, nothing is queued and nothing is retried
    assert delivery.lambda_handler(session, LambdaContext()) == {"batchItemFailures": []}
    assert delivery.lambda_handler(changed, LambdaContext()) == {"batchItemFailures": []}
    assert queued_bodies(aws) == []


def test_a_send_that_fails_is_reported_alone_and_retried_by_the_mapping(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two new proof records, and an SQS that refuses the send of the second
    first, second = str(uuid4()), str(uuid4())
    queue = delivery.hand_over_queue()
    send = queue._client.send_message

    def refuse_second(**kwargs: Any) -> Any:
        if second in kwargs["MessageBody"]:
            raise ConnectionError("SQS is away")
        return send(**kwargs)

    monkeypatch.setattr(queue._client, "send_message", refuse_second)
    # When the stream brings both in one batch
    answer = delivery.lambda_handler(stream_event(aws, f"proof#{first}", f"proof#{second}"), LambdaContext())
    # Then only the second is reported (by its sequence number: the mapping retries from there), the first is queued
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert queued_bodies(aws) == [{"document_id": first}]
