"""The official's API through the real handlers and adapters, against moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import boto3
import pytest

import code_check.handler as code_check
import outcome.handler as outcome_fn
import proofs.handler as delivery
import sessions.handler as sessions_fn
from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.adapters.sqs import queued_document_id
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.resident import ResidentKey
from legitimatie.sessions.services import record_resident_login

from .conftest import EVENTS, REGION, Aws, LambdaContext, gather_proofs, http_event, invoke, proof_stream

BSN = "999993653"
OTHER_BSN = "999990019"


def create(body: dict, **kwargs) -> tuple[int, dict]:
    return invoke(sessions_fn.lambda_handler, http_event("POST", "/api/sessions", body=body, **kwargs))


def read(session_id: str, **kwargs) -> tuple[int, dict]:
    return invoke(
        sessions_fn.lambda_handler, http_event("GET", "/api/sessions/{id}", path_params={"id": session_id}, **kwargs)
    )


def check(session_id: str, code: str, **kwargs) -> tuple[int, dict]:
    event = http_event(
        "POST", "/api/sessions/{id}/check", path_params={"id": session_id}, body={"code": code}, **kwargs
    )
    return invoke(code_check.lambda_handler, event)


def resident_logs_in(aws: Aws, session_id: str, bsn: str, loa=LevelOfAssurance.MIDDEN) -> None:
    """The DigiD function's service step, run with the real adapters (the SAML part is tested elsewhere)."""
    kms = boto3.client("kms", region_name=REGION)
    record_resident_login(
        UUID(session_id),
        ResidentKey(KmsMacKey(kms, aws.pseudonym_key_id), "0999").resident(Bsn(bsn)),
        loa,
        sessions=DynamoDbSessionRepository(boto3.client("dynamodb", region_name=REGION), aws.table_name),
        cipher=KmsBsnCipher(kms, aws.data_key_id),
        now=datetime.now(UTC).replace(microsecond=0),
    )


def test_flow_b_session_gives_code_and_link(aws: Aws) -> None:
    # When the official creates a known-BSN session
    status, body = create({"flow": "known_bsn", "bsn": BSN})
    # Then they get the code, a link with only the UUID, and the expiry
    assert status == 201
    assert len(body["code"]) == 6 and body["code"].isdigit()
    assert body["link"] == f"https://beeldbellen.voorbeeld.nl/?sessie={body['id']}"
    assert body["required_loa"] == "midden" and body["expires_at"].endswith("Z")
    assert BSN not in str(body)


def test_the_stored_item_holds_no_bsn(aws: Aws) -> None:
    create({"flow": "known_bsn", "bsn": BSN})
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    assert sorted(item["kind"]["S"] for item in items) == ["live", "session"] and BSN not in str(items)
    assert all(int(item["ttl"]["N"]) == int(item["expires_at"]["N"]) for item in items)


def complete(session_id: str, outcome: str = "identified", **body: str) -> tuple[int, dict]:
    event = http_event(
        "POST", "/api/sessions/{id}/complete", path_params={"id": session_id}, body={"outcome": outcome, **body}
    )
    return invoke(outcome_fn.lambda_handler, event)


def items_of(aws: Aws, kind: str) -> list[dict]:
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    return [item for item in items if item["kind"]["S"] == kind]


def test_a_flow_b_session_costs_one_kms_mac_and_its_code_is_v2_under_the_pseudonym_key(aws: Aws) -> None:
    from bench.calls import AwsMeter

    # When the official creates a known-BSN session
    with AwsMeter() as meter, meter.reading() as creating:
        _, created = create({"flow": "known_bsn", "bsn": BSN})
    # Then KMS made one MAC, for the code and the audit event's pseudonym together
    assert {call: n for call, n in creating.calls.items() if call.startswith("kms:")} == {"kms:GenerateMac": 1}
    # And the session is v2: its code is the one the resident's login computes under the pseudonym key
    [item] = items_of(aws, "session")
    assert item["code_version"]["S"] == "v2"
    resident = ResidentKey(KmsMacKey(boto3.client("kms", region_name=REGION), aws.pseudonym_key_id), "0999")
    assert created["code"] == resident.resident(Bsn(BSN)).control_code(UUID(created["id"]))


def test_flow_b_right_code_verifies_and_completing_hands_the_one_proof_over(aws: Aws) -> None:
    # Given a known-BSN session the resident logged in to
    _, created = create({"flow": "known_bsn", "bsn": BSN})
    resident_logs_in(aws, created["id"], BSN)
    # When the official checks the right code
    status, outcome = check(created["id"], created["code"])
    # Then it is verified, and no proof exists yet
    assert (status, outcome) == (200, {"match": True, "attempts_left": 3, "status": "verified", "bsn_match": True})
    assert items_of(aws, "proof") == []
    _, session = read(created["id"])
    assert session["status"] == "verified" and session["code_match"] is True and session["loa"] == "midden"
    # When the official completes it as identified
    status, done = complete(created["id"])
    # Then the session item and the proof record were written together, and the stream trigger queues a reference to it
    assert status == 200 and done["status"] == "completed" and done["proof"]["outcome"] == "identified"
    [record] = items_of(aws, "proof")
    [tombstone] = items_of(aws, "session")
    assert tombstone["proof_document_id"]["S"] == record["pk"]["S"].removeprefix("proof#")
    assert record["identified"]["BOOL"] is True
    assert proof_stream(aws) == 1
    queued = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=aws.proof_queue_url)["Messages"]
    assert [str(queued_document_id(m["Body"])) for m in queued] == [done["proof"]["document_id"]]


def test_a_wrong_code_hands_no_proof_over(aws: Aws) -> None:
    _, created = create({"flow": "known_bsn", "bsn": BSN})
    resident_logs_in(aws, created["id"], BSN)
    status, outcome = check(created["id"], "000000" if created["code"] != "000000" else "111111")
    assert status == 200 and outcome["match"] is False and "proof" not in outcome
    assert items_of(aws, "proof") == [] and proof_stream(aws) == 0
    assert "Messages" not in boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=aws.proof_queue_url)


def test_flow_b_with_another_bsn_cannot_be_identified_and_closes_as_not_identified(aws: Aws) -> None:
    # Given a known-BSN session the resident logged in to with another BSN
    _, created = create({"flow": "known_bsn", "bsn": BSN})
    resident_logs_in(aws, created["id"], OTHER_BSN)
    # Then the official's view tells nothing of the comparison before a code was typed
    _, session = read(created["id"])
    assert session["status"] == "logged_in" and "code_match" not in session
    # When the official types the code (their own, as a resident might read it), it does not verify
    status, outcome = check(created["id"], created["code"])
    assert status == 200 and outcome["match"] is False and outcome["bsn_match"] is False
    assert read(created["id"])[1]["code_match"] is False
    # And completing as identified is refused
    status, body = complete(created["id"])
    assert (status, body["error"]) == (409, "not_verified")
    # But closing as not identified works, with a proof that says so
    status, done = complete(created["id"], "not_identified", reason="Ander BSN bij DigiD")
    assert status == 200 and done["status"] == "not_identified" and done["proof"]["outcome"] == "not_identified"
    gather_proofs(aws)
    [record] = items_of(aws, "proof")
    body = json.loads(record["message"]["S"])
    assert (
        body["outcome"] == "not_identified"
        and body["reason"] == "Ander BSN bij DigiD"
        and body["code_check"] == "no_match"
    )


def test_three_wrong_codes_lock_and_then_423(aws: Aws) -> None:
    _, created = create({"flow": "known_bsn", "bsn": BSN})
    resident_logs_in(aws, created["id"], BSN)
    wrong = "000000" if created["code"] != "000000" else "111111"
    answers = [check(created["id"], wrong) for _ in range(3)]
    assert [a[1]["attempts_left"] for a in answers] == [2, 1, 0]
    assert answers[-1][1]["status"] == "locked"
    status, body = check(created["id"], created["code"])
    assert status == 423 and body["error"] == "session_locked"
    assert read(created["id"])[1]["status"] == "locked"
    # And a locked session cannot be completed as identified, nor closed: it has ended
    assert complete(created["id"])[1]["error"] == "not_verified"
    assert complete(created["id"], "not_identified")[0] == 423
    assert items_of(aws, "proof") == []


def test_flow_c_official_sees_the_bsn_after_login_then_completes(aws: Aws) -> None:
    # Given a handover session the resident logged in to
    status, created = create({"flow": "handover", "required_loa": "substantieel"})
    assert status == 201 and "code" not in created
    resident_logs_in(aws, created["id"], BSN, LevelOfAssurance.SUBSTANTIEEL)
    # When the official reads it
    _, session = read(created["id"])
    # Then the BSN, login time and level are there, and the stored item holds the BSN only sealed
    assert session["bsn"] == BSN and session["loa"] == "substantieel" and session["status"] == "logged_in"
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    assert BSN not in str(items)
    items = [item for item in items if item["kind"]["S"] == "session"]
    assert "sealed_bsn" in items[0]
    # And after the right code, Voltooien deletes the personal data: 404 afterwards, a tombstone without BSN
    resident_code = items[0]["resident_code"]["S"]
    assert "code" not in session  # flow C: the official types what they hear
    assert check(created["id"], resident_code)[1]["status"] == "verified"
    status, done = complete(created["id"])
    assert status == 200 and done["status"] == "completed"
    assert read(created["id"])[0] == 404
    gather_proofs(aws)  # delivery's first step: the proof's facts leave the session
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    items = [item for item in items if item["kind"]["S"] == "session"]  # the proof record is issue 5's
    assert [item["status"]["S"] for item in items] == ["completed"]
    assert not {"sealed_bsn", "resident_code", "official_code", "login_at"} & set(items[0])


def test_cancel_deletes_and_then_404(aws: Aws) -> None:
    _, created = create({"flow": "handover"})
    event = http_event("DELETE", "/api/sessions/{id}", path_params={"id": created["id"]})
    status, body = invoke(outcome_fn.lambda_handler, event)
    assert status == 200 and body["status"] == "cancelled"
    assert read(created["id"])[0] == 404


def test_an_official_sees_only_their_own_sessions(aws: Aws) -> None:
    _, created = create({"flow": "handover"})
    status, body = read(created["id"], official_sub="someone-else")
    assert status == 404 and body["error"] == "session_not_found"
    status, _ = check(created["id"], "123456", official_sub="someone-else")
    assert status == 404


def test_the_resident_start_page_sees_the_official_name_for_handover_only(aws: Aws) -> None:
    _, handover = create({"flow": "handover"})
    _, known = create({"flow": "known_bsn", "bsn": BSN})
    public = lambda sid: invoke(  # noqa: E731
        sessions_fn.lambda_handler,
        http_event("GET", "/api/public/sessions/{id}", path_params={"id": sid}, official_sub=None),
    )
    status, body = public(handover["id"])
    assert status == 200
    assert body == {
        "flow": "handover",
        "status": "created",
        "municipality": "Gemeente Voorbeeld",
        "official_name": "D. Dorknoper",
        "expires_at": handover["expires_at"],
        "required_loa": "midden",
    }
    status, body = public(known["id"])
    assert status == 200 and "official_name" not in body and "code" not in body
    status, body = public("0b4e7a0e-5d3c-4f7a-9c2e-1f6a8b9d0c1e")
    assert status == 404 and body["error"] == "session_not_found"


def test_a_session_past_its_expiry_is_expired_though_the_item_remains(aws: Aws) -> None:
    # Given a session whose expires_at lies in the past, but which DynamoDB TTL has not removed
    _, created = create({"flow": "handover"})
    table = boto3.client("dynamodb", region_name=REGION)
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    for record in ("session", "live"):  # the session and its live record end together
        table.update_item(
            TableName=aws.table_name,
            Key={"pk": {"S": f"{record}#{created['id']}"}},
            UpdateExpression="SET expires_at = :past",
            ExpressionAttributeValues={":past": {"N": str(past)}},
        )
    # Then the official sees it expired, the resident gets 404 session_expired
    assert read(created["id"])[1]["status"] == "expired"
    event = http_event("GET", "/api/public/sessions/{id}", path_params={"id": created["id"]}, official_sub=None)
    status, body = invoke(sessions_fn.lambda_handler, event)
    assert status == 404 and body["error"] == "session_expired"
    # And the scheduled sweep removes it
    swept = outcome_fn.lambda_handler(json.loads((EVENTS / "scheduled_sweep.json").read_text()), LambdaContext())
    assert swept == {"deleted": 2, "resent": 0}
    assert table.scan(TableName=aws.table_name)["Items"] == []


@pytest.mark.parametrize(
    ("body", "raw", "status", "error"),
    [
        ({"flow": "known_bsn", "bsn": "123456789"}, None, 422, "invalid_bsn"),
        ({"flow": "known_bsn"}, None, 422, "invalid_request"),
        ({"flow": "handover", "bsn": BSN}, None, 422, "invalid_request"),
        ({"flow": "teleport"}, None, 422, "invalid_request"),
        ({"flow": "handover", "required_loa": "extreem"}, None, 422, "invalid_request"),
        ({"flow": "handover", "required_loa": "basis"}, None, 422, "invalid_request"),
        ({"flow": "handover", "extra": 1}, None, 422, "invalid_request"),
        (None, "{not json", 400, "bad_request"),
        (None, "[1, 2]", 400, "bad_request"),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(aws: Aws, body, raw, status, error) -> None:
    got_status, got = create(body, raw_body=raw)
    assert (got_status, got["error"]) == (status, error)
    assert set(got) == {"error", "message"} and "Traceback" not in got["message"]
    assert "123456789" not in got["message"] and BSN not in got["message"]
    assert boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"] == []


def test_a_malformed_session_id_is_bad_input(aws: Aws) -> None:
    status, body = read("not-a-session-id")
    assert status == 422 and body["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("route", "param", "malformed", "unknown", "not_found"),
    [
        ("/api/identifications/{zaak_number}", "zaak_number", "2026-1", "2026-99999", "identification_not_found"),
        ("/api/proofs/{document_id}", "document_id", "x", "b616a803-917e-467b-bc85-4262f112035c", "proof_not_found"),
    ],
)
def test_malformed_ids_are_bad_input_and_unknown_ones_are_not_found(
    aws: Aws, route, param, malformed, unknown, not_found
) -> None:
    # A case number or document id of the wrong form is bad input (422), like a malformed session id: never looked
    # up; a well-formed one that names nothing is a 404 with its own error code
    handler = delivery.lambda_handler if "proofs" in route else sessions_fn.lambda_handler
    status, body = invoke(handler, http_event("GET", route, path_params={param: malformed}))
    assert (status, body["error"]) == (422, "invalid_request")
    status, body = invoke(handler, http_event("GET", route, path_params={param: unknown}))
    assert (status, body["error"]) == (404, not_found)


def test_a_failing_dependency_is_a_retryable_503_without_detail(aws: Aws, monkeypatch) -> None:
    # Given DynamoDB is unreachable
    from botocore.exceptions import EndpointConnectionError

    def unreachable(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")

    sessions_fn.wiring()  # build the real wiring first
    monkeypatch.setattr(sessions_fn.wiring().sessions._client, "put_item", unreachable)
    monkeypatch.setattr(sessions_fn.wiring().sessions._client, "transact_write_items", unreachable)
    # When the official creates a session
    status, body = create({"flow": "known_bsn", "bsn": BSN})
    # Then the answer is a clear, retryable error that names nothing internal
    assert status == 503 and body["error"] == "service_unavailable"
    assert "amazonaws" not in body["message"] and BSN not in body["message"]
