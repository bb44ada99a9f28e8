"""KMS, DynamoDB or SQS throttled or unreachable during a step: a clear retryable error, nothing half-written.

The failing call is injected into the one boto3 client the handlers share (``aws_client``): it raises what
botocore raises after its own retries, everything else runs against moto. S3 belongs to the proof step
(issue 5) and is not on any of these paths.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

import code_check.handler as code_check
import outcome.handler as outcome_fn
import sessions.handler as sessions_fn
from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.clock import utc_now
from legitimatie.errors import ServiceUnavailable
from legitimatie.resident import ResidentKey
from legitimatie.runtime.aws import aws_client
from legitimatie.sessions.services import record_resident_login
from tests.integration.conftest import REGION, Aws, gather_proofs, http_event, invoke

BSN = "999993653"


def throttled(operation: str) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)

    return fail


def unreachable(*args: object, **kwargs: object) -> None:
    raise EndpointConnectionError(endpoint_url="https://kms.eu-west-1.amazonaws.com")


FAILURES = {"throttled": throttled, "unreachable": lambda operation: unreachable}


def items(aws: Aws) -> list[dict]:
    """The session records (the proof outbox of issue 5 keeps records of its own in the same table)."""
    scanned = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    return [item for item in scanned if item.get("kind", {}).get("S") == "session"]


def create(body: dict) -> tuple[int, dict]:
    return invoke(sessions_fn.lambda_handler, http_event("POST", "/api/sessions", body=body))


def raw_create(body: dict) -> dict:
    return sessions_fn.lambda_handler(http_event("POST", "/api/sessions", body=body), _context())


def _context():
    from tests.integration.conftest import LambdaContext

    return LambdaContext()


def log_in(aws: Aws, session_id: str, cipher_client=None) -> None:
    kms = boto3.client("kms", region_name=REGION)
    record_resident_login(
        UUID(session_id),
        ResidentKey(KmsMacKey(kms, aws.pseudonym_key_id), "0999").resident(Bsn(BSN)),
        LevelOfAssurance.MIDDEN,
        sessions=DynamoDbSessionRepository(boto3.client("dynamodb", region_name=REGION), aws.table_name),
        cipher=KmsBsnCipher(cipher_client or kms, aws.data_key_id),
        now=utc_now(),
    )


def assert_retryable(response: dict) -> None:
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"].isdigit()
    assert '"error":"service_unavailable"' in response["body"]
    assert "Traceback" not in response["body"] and "amazonaws" not in response["body"]


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize(("service", "operation"), [("kms", "generate_mac"), ("dynamodb", "transact_write_items")])
def test_create_fails_retryably_and_stores_nothing(aws: Aws, monkeypatch, failure, service, operation) -> None:
    # Given KMS or DynamoDB fails while the official creates a known-BSN session (one transaction: the session and
    # its live record with the first ticket)
    monkeypatch.setattr(aws_client(service), operation, FAILURES[failure](operation))
    # When the official creates it
    response = raw_create({"flow": "known_bsn", "bsn": BSN})
    # Then the answer is a 503 to retry, and no record was written
    assert_retryable(response)
    assert items(aws) == []


@pytest.mark.parametrize("failure", FAILURES)
def test_a_resident_login_with_kms_down_leaves_the_session_unused(aws: Aws, failure) -> None:
    # Given a handover session, and KMS failing to seal the BSN
    _, created = create({"flow": "handover"})
    failing_kms = boto3.client("kms", region_name=REGION)
    failing_kms.encrypt = FAILURES[failure]("Encrypt")
    # When the DigiD step records the login (the DigiD function shows the resident the error page for this)
    with pytest.raises(ServiceUnavailable):
        log_in(aws, created["id"], cipher_client=failing_kms)
    # Then the session still waits for its one login, and holds no BSN
    (item,) = items(aws)
    assert item["status"]["S"] == "created" and "sealed_bsn" not in item
    log_in(aws, created["id"])  # and the resident can simply try again
    assert items(aws)[0]["status"]["S"] == "logged_in"


@pytest.mark.parametrize("failure", FAILURES)
# the check's conditional update (a wrong code's refusal answers with the session: no read), and the attempt's put
@pytest.mark.parametrize("operation", ["update_item", "put_item"])
def test_a_code_check_fails_retryably_and_costs_no_attempt(aws: Aws, monkeypatch, failure, operation) -> None:
    # Given a session the resident logged in to, and DynamoDB failing
    _, created = create({"flow": "known_bsn", "bsn": BSN})
    log_in(aws, created["id"])
    monkeypatch.setattr(aws_client("dynamodb"), operation, FAILURES[failure](operation))
    # When the official checks a code
    event = http_event("POST", "/api/sessions/{id}/check", path_params={"id": created["id"]}, body={"code": "000000"})
    response = code_check.lambda_handler(event, _context())
    # Then it is a 503 and no attempt was used
    assert_retryable(response)
    (item,) = items(aws)
    assert item["attempts_left"]["N"] == "3" and item["status"]["S"] == "logged_in"


def right_code(aws: Aws, session_id: str) -> str:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=aws.table_name, Key={"pk": {"S": f"session#{session_id}"}}
    )["Item"]
    return item["resident_code"]["S"]


def verified(aws: Aws, session_id: str) -> None:
    event = http_event(
        "POST", "/api/sessions/{id}/check", path_params={"id": session_id}, body={"code": right_code(aws, session_id)}
    )
    assert invoke(code_check.lambda_handler, event)[1]["status"] == "verified"


def complete_event(session_id: str) -> dict:
    body = {"outcome": "identified"}
    return http_event("POST", "/api/sessions/{id}/complete", path_params={"id": session_id}, body=body)


def proof_items(aws: Aws) -> list[dict]:
    scanned = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    return [item for item in scanned if item.get("kind", {}).get("S") == "proof"]


@pytest.mark.parametrize("failure", FAILURES)
def test_complete_fails_retryably_and_keeps_the_session(aws: Aws, monkeypatch, failure) -> None:
    # Given a verified session, and DynamoDB failing on the one transaction that ends it
    _, created = create({"flow": "handover"})
    log_in(aws, created["id"])
    verified(aws, created["id"])
    with monkeypatch.context() as failing:
        failing.setattr(aws_client("dynamodb"), "transact_write_items", FAILURES[failure]("TransactWriteItems"))
        # When the official completes it
        response = outcome_fn.lambda_handler(complete_event(created["id"]), _context())
    # Then it is a 503, the session is as it was, and there is no proof: none without a committed end state
    assert_retryable(response)
    (item,) = items(aws)
    assert item["status"]["S"] == "verified" and "sealed_bsn" in item and proof_items(aws) == []
    # And the retry completes it with its one proof
    status, done = invoke(outcome_fn.lambda_handler, complete_event(created["id"]))
    assert status == 200 and done["status"] == "completed" and len(proof_items(aws)) == 1


@pytest.mark.parametrize("failure", FAILURES)
def test_a_complete_does_not_wait_for_the_proof_queue(aws: Aws, monkeypatch, failure) -> None:
    # Given a verified session, and the proof queue failing
    _, created = create({"flow": "handover"})
    log_in(aws, created["id"])
    verified(aws, created["id"])
    with monkeypatch.context() as failing:
        failing.setattr(aws_client("sqs"), "send_message", FAILURES[failure]("SendMessage"))
        status, done = invoke(outcome_fn.lambda_handler, complete_event(created["id"]))
    # Then Voltooien succeeds: the committed outbox record is the hand-over (the stream trigger queues it, retrying, and the
    # sweep again while it stays pending)
    (item,) = items(aws)
    [record] = proof_items(aws)
    assert status == 200 and item["status"]["S"] == "completed" and record["status"]["S"] == "pending"
    assert done["proof"]["document_id"] == record["pk"]["S"].removeprefix("proof#")
    # And a retry reports that same proof and makes no second one
    status, again = invoke(outcome_fn.lambda_handler, complete_event(created["id"]))
    assert status == 200 and again["proof"] == done["proof"] and len(proof_items(aws)) == 1


def test_a_lost_complete_response_can_be_retried_safely(aws: Aws) -> None:
    # Given a session the official completed, but the answer never reached the browser
    _, created = create({"flow": "handover"})
    log_in(aws, created["id"])
    verified(aws, created["id"])
    event = complete_event(created["id"])
    first_status, first = invoke(outcome_fn.lambda_handler, event)
    # When the browser sends Voltooien again
    status, again = invoke(outcome_fn.lambda_handler, event)
    # Then it succeeds again with the same one proof, and reading the session is still 404
    assert (first_status, status) == (200, 200) and first["status"] == again["status"] == "completed"
    assert first["proof"] == again["proof"]
    # And once delivery gathered that one proof's facts, the BSN is gone
    assert gather_proofs(aws) == 1
    (item,) = items(aws)
    assert "sealed_bsn" not in item
    read = http_event("GET", "/api/sessions/{id}", path_params={"id": created["id"]})
    assert invoke(sessions_fn.lambda_handler, read)[0] == 404
