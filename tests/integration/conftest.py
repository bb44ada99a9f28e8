"""Integration tests: the real handlers and adapters against moto (in-process), with recorded events."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

EVENTS = Path(__file__).parent.parent / "events"
REGION = "eu-west-1"
OFFICIAL_SUB = "8f3b1c2d-0000-4000-8000-000000000001"


@dataclass
class Aws:
    table_name: str
    control_code_key_id: str
    data_key_id: str
    pseudonym_key_id: str = ""
    proof_queue_url: str = ""
    proof_dead_letter_queue_url: str = ""
    proof_bucket: str = "proofs-test"
    # the items the stream has handed to the proofs function's trigger so far (proof_stream)
    streamed: set[str] = field(default_factory=set)


def _handler_caches() -> list[Any]:
    import code_check.handler
    import live.handler
    import outcome.store
    import outcome.sweep
    import proofs.handler
    import sessions.handler
    from legitimatie.runtime.aws import aws_client
    from legitimatie.runtime.proof_settings import completion_outbox

    return [
        aws_client,
        sessions.handler.wiring,
        code_check.handler.sessions,
        outcome.store.store,
        outcome.sweep.pending_proofs,
        completion_outbox,
        proofs.handler.wiring,
        proofs.handler.hand_over_queue,
        live.handler.wiring,
    ]


def _template_resource(name: str) -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse((Path(__file__).parents[2] / "template.yaml").read_text(encoding="utf-8"))
    return template["Resources"][name]["Properties"]  # type: ignore[no-any-return]


def _template_table() -> dict[str, Any]:
    """SessionTable's keys and indexes as template.yaml declares them (the adapters query its indexes by name)."""
    return _template_resource("SessionTable")


def proof_stream(aws: Aws, *, lose: bool = False) -> int:
    """The proofs function's stream trigger (ProofsFromSessionStream) between two steps: each item inserted since the
    last call becomes the stream's keys-only INSERT record (moto in-process serves no streams API, so the table is
    read for them; the local stack reads the real stream, tests/e2e), the template's filter decides, and the real
    proofs handler gets what passes as Lambda's DynamoDB event and forwards it to the proof queue. ``lose``: the
    trigger never forwards them (it gave up on them). Returns how many records the filter let through."""
    import proofs.handler
    from infrastructure.local.live import insert_record, passes_filter

    mapping = _template_resource("ProofsFromSessionStream")
    stream_arn = f"arn:aws:dynamodb:{REGION}:123456789012:table/{aws.table_name}/stream/2026-12-01T00:00:00.000"
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name, ProjectionExpression="pk")
    inserted = [item["pk"]["S"] for item in items["Items"] if item["pk"]["S"] not in aws.streamed]
    aws.streamed.update(inserted)
    records = [insert_record(key, stream_arn, REGION, sequence) for sequence, key in enumerate(inserted, 1)]
    passed = [record for record in records if passes_filter(mapping, record)]
    if passed and not lose:
        answer = proofs.handler.lambda_handler({"Records": passed}, LambdaContext())
        assert answer == {"batchItemFailures": []}
    return len(passed)


def gather_proofs(aws: Aws) -> int:
    """Delivery's first step, alone: every proof record still without its request gets the closed session's facts
    (``gather_proof``, through the real adapters on moto). Returns how many were gathered."""
    from datetime import UTC, datetime

    from legitimatie.adapters.dynamodb import DynamoDbProofRecords, DynamoDbSessionRepository
    from legitimatie.sessions.services import gather_proof

    client = boto3.client("dynamodb", region_name=REGION)
    records = DynamoDbProofRecords(client, aws.table_name)
    sessions = DynamoDbSessionRepository(client, aws.table_name)
    items = client.scan(TableName=aws.table_name)["Items"]
    waiting = [item for item in items if item["kind"]["S"] == "proof" and "message" not in item]
    for item in waiting:
        record = records.get(uuid.UUID(item["pk"]["S"].removeprefix("proof#")))
        assert record is not None
        gather_proof(record, sessions=sessions, municipality="Gemeente Voorbeeld", now=datetime.now(UTC))
    return len(waiting)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    """A moto account with the template's table and keys, and the functions' environment pointing at it."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_METRICS_NAMESPACE": "LegitimatieBeeldbellen",
        "POWERTOOLS_SERVICE_NAME": "legitimatie-beeldbellen",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        table = _template_table()
        dynamodb.create_table(
            TableName="sessions-test",
            KeySchema=table["KeySchema"],
            AttributeDefinitions=table["AttributeDefinitions"],
            GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.update_time_to_live(
            TableName="sessions-test", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
        )
        kms = boto3.client("kms", region_name=REGION)
        mac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
        data_key = kms.create_key(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["Arn"]
        pseudonym_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
        # The proof queue as the template declares it (redrive to a dead-letter queue after 5 receives); no
        # visibility timeout here, so a test sees a failed message again at once.
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName="proofs-dlq-test")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
        queue_url = sqs.create_queue(
            QueueName="proofs-test", Attributes={"VisibilityTimeout": "0", "RedrivePolicy": redrive}
        )["QueueUrl"]
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="proofs-test", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        for name, value in {
            "PROOF_QUEUE_URL": queue_url,
            "PROOF_BUCKET": "proofs-test",
            "PROOF_MAX_RECEIVES": "5",
            "TABLE_NAME": "sessions-test",
            "CONTROL_CODE_KEY_ID": mac_key,
            "DATA_KEY_ID": data_key,
            "PSEUDONYM_KEY_ID": pseudonym_key,
            "MUNICIPALITY_NAME": "Gemeente Voorbeeld",
            "GEMEENTECODE": "0999",
            "MINIMUM_LOA": "midden",
            "SESSION_LIFETIME_MINUTES": "30",
            "SITE_URL": "https://beeldbellen.voorbeeld.nl",
            "STAFF_LOOKUP_GROUP": "zaak-opzoeken",
            "LIVE_ENDPOINT": "https://abcdef1234.execute-api.eu-west-1.amazonaws.com/live",
        }.items():
            monkeypatch.setenv(name, value)
        for cached in _handler_caches():
            cached.cache_clear()
        yield Aws(
            table_name="sessions-test",
            control_code_key_id=mac_key,
            data_key_id=data_key,
            pseudonym_key_id=pseudonym_key,
            proof_queue_url=queue_url,
            proof_dead_letter_queue_url=dlq_url,
        )
        for cached in _handler_caches():
            cached.cache_clear()


class LambdaContext:
    function_name = "test-function"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def http_event(
    method: str,
    route: str,
    *,
    path_params: dict[str, str] | None = None,
    body: Any = None,
    official_sub: str | None = OFFICIAL_SUB,
    name: str = "D. Dorknoper",
    groups: str = "[zaak-opzoeken]",
    cookies: list[str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """An HTTP API 2.0 event from the recorded ones: staff routes carry the JWT authorizer's claims."""
    recorded = "http_api_official.json" if official_sub else "http_api_public.json"
    event = copy.deepcopy(json.loads((EVENTS / recorded).read_text()))
    path = route
    for key, value in (path_params or {}).items():
        path = path.replace("{" + key + "}", value)
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {route}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["requestId"] = uuid.uuid4().hex
    event["pathParameters"] = path_params or {}
    if official_sub:
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        claims.update({"sub": official_sub, "name": name, "cognito:groups": groups})
    if cookies:
        event["cookies"] = cookies
    event.pop("body", None)
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    return event


def invoke(handler: Any, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = handler(event, LambdaContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else {}
