"""Rules that live in handlers and adapters, asserted on the real handler's answer and the real adapter on moto.

A fake that implements a rule proves nothing about the adapter: each test here turns red when its rule is deleted
from the production code (checked by making each breakage and running the test; issue 11).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import boto3
import pytest
from msgspec.structs import replace

import code_check.handler as code_check
import outcome.handler as outcome_fn
import proofs.handler as delivery
import sessions.handler as sessions_fn
from legitimatie.adapters.dynamodb import (
    DynamoDbIdentifications,
    DynamoDbPendingLogins,
    DynamoDbProofRecords,
    DynamoDbResidentResults,
    DynamoDbSessionRepository,
)
from legitimatie.adapters.kms import KmsBsnCipher, SealedDataRejected
from legitimatie.assurance import LevelOfAssurance
from legitimatie.errors import ConcurrentUpdate, ProofNotFound
from legitimatie.login.digid_model import PendingLogin, ResultGrant
from legitimatie.login.model import ResidentResult, case_session_id, token_digest
from legitimatie.proofs.model import ProofRecord, ProofStatus
from legitimatie.proofs.services import proof_for_official
from legitimatie.sessions.model import UNCLAIMED, Flow, Official, Session, Status
from legitimatie.sessions.services import official_session
from tests.proof_fakes import DictPdfStore

from .conftest import OFFICIAL_SUB, REGION, Aws, LambdaContext, gather_proofs, http_event, invoke
from .test_official_api import BSN, create, read, resident_logs_in

NOW = datetime.now(UTC).replace(microsecond=0)
OFFICIAL = Official(id=OFFICIAL_SUB, name="D. Dorknoper")


def dynamodb() -> Any:
    return boto3.client("dynamodb", region_name=REGION)


def items(aws: Aws) -> list[dict[str, Any]]:
    return list(dynamodb().scan(TableName=aws.table_name)["Items"])


# --- The official's token -------------------------------------------------------------------------------------


def without_claim(event: dict[str, Any], claim: str) -> dict[str, Any]:
    del event["requestContext"]["authorizer"]["jwt"]["claims"][claim]
    return event


@pytest.mark.parametrize("claim", ["sub", "name"])
def test_a_token_without_a_subject_or_a_name_is_refused_and_creates_nothing(aws: Aws, claim: str) -> None:
    # Given a validated token that lacks the subject, or the name residents and proofs would show
    event = without_claim(http_event("POST", "/api/sessions", body={"flow": "handover"}), claim)
    # When it is used, then the answer is a clear 403 and no session exists
    status, body = invoke(sessions_fn.lambda_handler, event)
    assert status == 403 and body["error"] == "forbidden" and body["message"]
    assert items(aws) == []


def test_the_name_residents_see_is_the_name_claim_never_a_user_id(aws: Aws) -> None:
    _, created = create({"flow": "handover"}, name="M. de Vries")
    event = http_event("GET", "/api/public/sessions/{id}", path_params={"id": created["id"]}, official_sub=None)
    assert invoke(sessions_fn.lambda_handler, event)[1]["official_name"] == "M. de Vries"


# --- Answers: Cache-Control, cookies, bad input ---------------------------------------------------------------


def raw(handler: Any, event: dict[str, Any]) -> dict[str, Any]:
    return dict(handler(event, LambdaContext()))


def test_every_api_answer_says_no_store(aws: Aws) -> None:
    # Given answers of every API function, successes and refusals
    _, created = create({"flow": "handover"})
    sid = {"id": created["id"]}
    answers = [
        raw(sessions_fn.lambda_handler, http_event("POST", "/api/sessions", body={"flow": "handover"})),
        raw(sessions_fn.lambda_handler, http_event("GET", "/api/sessions")),
        raw(sessions_fn.lambda_handler, http_event("GET", "/api/sessions/{id}", path_params=sid)),
        raw(sessions_fn.lambda_handler, http_event("GET", "/api/public/result", official_sub=None)),
        raw(code_check.lambda_handler, http_event("POST", "/api/sessions/{id}/check", path_params=sid, body={})),
        raw(outcome_fn.lambda_handler, http_event("DELETE", "/api/sessions/{id}", path_params=sid)),
        raw(delivery.lambda_handler, http_event("GET", "/api/proofs/{document_id}", path_params={"document_id": "x"})),
    ]
    # Then none of them may be kept by a browser or a proxy
    assert [answer["headers"].get("Cache-Control") for answer in answers] == ["no-store"] * len(answers)
    assert {answer["statusCode"] for answer in answers} >= {200, 201, 404, 422}


def test_the_result_cookie_is_cleared_with_its_flags_and_path(aws: Aws) -> None:
    # When the resident presses Stoppen, the real handler's answer clears the cookie
    event = http_event("DELETE", "/api/public/result", official_sub=None, cookies=["lbb_result=abc"])
    [cookie] = raw(sessions_fn.lambda_handler, event)["cookies"]
    attributes = [part.strip() for part in cookie.split(";")]
    # Then with the same flags it was set with: only the result endpoint, never script, never plain HTTP
    assert attributes[0] == "lbb_result=" and "HttpOnly" in attributes and "Secure" in attributes
    assert "Path=/api/public/result" in attributes and "Path=/" not in attributes


def test_json_nested_a_hundred_thousand_deep_is_a_400_not_a_500(aws: Aws) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for handler, route, params in (
        (sessions_fn.lambda_handler, "/api/sessions", None),
        (code_check.lambda_handler, "/api/sessions/{id}/check", {"id": str(uuid4())}),
        (outcome_fn.lambda_handler, "/api/sessions/{id}/complete", {"id": str(uuid4())}),
    ):
        event = http_event("POST", route, path_params=params, raw_body='{"a":' + deep + "}")
        status, body = invoke(handler, event)
        assert (status, body["error"]) == (400, "bad_request")
    assert items(aws) == []


# --- Records: TTL, encryption context, single use, expiry at the second ---------------------------------------


def test_every_record_is_written_with_its_ttl(aws: Aws) -> None:
    # Given one of every record the service writes: sessions (created, logged in, closed), their live records
    # (with the official's first ticket), a proof record, a pending login, a resident result
    _, created = create({"flow": "handover"})
    resident_logs_in(aws, created["id"], BSN)
    _, other = create({"flow": "known_bsn", "bsn": BSN})
    resident_logs_in(aws, other["id"], BSN)
    event = http_event(
        "POST", "/api/sessions/{id}/check", path_params={"id": other["id"]}, body={"code": other["code"]}
    )
    invoke(code_check.lambda_handler, event)
    body = {"outcome": "identified"}
    event = http_event("POST", "/api/sessions/{id}/complete", path_params={"id": other["id"]}, body=body)
    assert invoke(outcome_fn.lambda_handler, event)[0] == 200
    DynamoDbPendingLogins(dynamodb(), aws.table_name).add(
        PendingLogin("_req", "relay", Flow.HANDOVER, LevelOfAssurance.MIDDEN, NOW, NOW + timedelta(minutes=15))
    )
    DynamoDbResidentResults(dynamodb(), aws.table_name).add(
        "digest", ResidentResult(flow=Flow.HANDOVER, code="123456", expires_at=NOW + timedelta(minutes=15))
    )
    # Then every item carries a TTL equal to its expiry time; the closed session, until its proof's facts are
    # gathered, the proof's (it must outlive its link until then)
    written = items(aws)
    assert {item["kind"]["S"] for item in written} == {"session", "live", "proof", "pending_login", "resident_result"}
    [closed] = [item for item in written if item["pk"]["S"] == f"session#{other['id']}"]
    [proof] = [item for item in written if item["kind"]["S"] == "proof"]
    assert closed["ttl"] == closed["proof_facts_until"] == proof["expires_at"] != closed["expires_at"]
    assert all("ttl" in item and item["ttl"] == item["expires_at"] for item in written if item is not closed)
    # And once they are gathered, its tombstone's TTL is its own expiry again
    assert gather_proofs(aws) == 1
    [closed] = [item for item in items(aws) if item["pk"]["S"] == f"session#{other['id']}"]
    assert closed["ttl"] == closed["expires_at"] and "proof_facts_until" not in closed


def test_a_sealed_bsn_opens_only_for_its_own_session(aws: Aws) -> None:
    # Given two handover sessions, the resident logged in to the first
    _, first = create({"flow": "handover"})
    _, second = create({"flow": "handover"})
    resident_logs_in(aws, first["id"], BSN)
    resident_logs_in(aws, second["id"], "999990019")
    # When the first session's sealed BSN is copied into the second's record (a mixed-up or tampered item)
    sealed = dynamodb().get_item(TableName=aws.table_name, Key={"pk": {"S": f"session#{first['id']}"}})["Item"]
    dynamodb().update_item(
        TableName=aws.table_name,
        Key={"pk": {"S": f"session#{second['id']}"}},
        UpdateExpression="SET sealed_bsn = :sealed",
        ExpressionAttributeValues={":sealed": sealed["sealed_bsn"]},
    )
    # Then KMS refuses to open it: the encryption context binds it to the first session
    sessions = DynamoDbSessionRepository(dynamodb(), aws.table_name)
    cipher = KmsBsnCipher(boto3.client("kms", region_name=REGION), aws.data_key_id)
    with pytest.raises(SealedDataRejected):
        official_session(UUID(second["id"]), OFFICIAL, sessions=sessions, cipher=cipher, now=NOW)
    assert official_session(UUID(first["id"]), OFFICIAL, sessions=sessions, cipher=cipher, now=NOW).bsn is not None


def test_a_pending_login_is_taken_once_and_removed_from_the_table(aws: Aws) -> None:
    pending = DynamoDbPendingLogins(dynamodb(), aws.table_name)
    login = PendingLogin("_req", "relay", Flow.NEW_RESIDENT, LevelOfAssurance.MIDDEN, NOW, NOW + timedelta(minutes=15))
    pending.add(dataclasses.replace(login, browser_digest="digest"))
    assert pending.take(dataclasses.replace(login, browser_digest="digest"), NOW) is not None
    assert pending.take(dataclasses.replace(login, browser_digest="digest"), NOW) is None
    assert items(aws) == []


def test_a_pending_login_expires_at_its_second(aws: Aws) -> None:
    pending = DynamoDbPendingLogins(dynamodb(), aws.table_name)
    expiry = NOW + timedelta(minutes=15)
    logins = {
        request_id: PendingLogin(
            request_id, "relay", Flow.NEW_RESIDENT, LevelOfAssurance.MIDDEN, NOW, expiry, None, "d"
        )
        for request_id in ("_a", "_b")
    }
    for login in logins.values():
        pending.add(login)
    assert pending.take(logins["_a"], expiry - timedelta(seconds=1)) is not None
    assert pending.take(logins["_b"], expiry) is None


def test_a_resident_result_expires_at_its_second(aws: Aws) -> None:
    results = DynamoDbResidentResults(dynamodb(), aws.table_name)
    expiry = NOW + timedelta(minutes=15)
    results.add(token_digest("t"), ResidentResult(flow=Flow.HANDOVER, code="123456", expires_at=expiry))
    assert results.get(token_digest("t"), expiry - timedelta(seconds=1)) is not None
    assert results.get(token_digest("t"), expiry) is None


def test_a_session_expires_at_its_second(aws: Aws) -> None:
    # Given a session, read through the real adapter at the last second of its life and at its expiry
    _, created = create({"flow": "handover"})
    sessions = DynamoDbSessionRepository(dynamodb(), aws.table_name)
    session = sessions.get(UUID(created["id"]))
    assert session is not None
    cipher = KmsBsnCipher(boto3.client("kms", region_name=REGION), aws.data_key_id)
    last = official_session(
        session.id, OFFICIAL, sessions=sessions, cipher=cipher, now=session.expires_at - timedelta(seconds=1)
    )
    gone = official_session(session.id, OFFICIAL, sessions=sessions, cipher=cipher, now=session.expires_at)
    assert (last.status, gone.status) == (Status.CREATED, Status.EXPIRED)


def test_a_proof_link_expires_at_its_second(aws: Aws) -> None:
    records = DynamoDbProofRecords(dynamodb(), aws.table_name)
    expiry = NOW + timedelta(days=90)
    document_id = uuid4()
    records.add(
        ProofRecord(
            document_id=document_id,
            reference="ref",
            flow=Flow.HANDOVER,
            status=ProofStatus.STORED,
            s3_key="proofs/x.pdf",
            created_at=NOW,
            expires_at=expiry,
            owner_id=OFFICIAL.id,
            sha256="0" * 64,
        )
    )
    pdfs = DictPdfStore()

    def view(at: datetime) -> object:
        return proof_for_official(document_id, OFFICIAL, "zaak-opzoeken", records=records, pdfs=pdfs, now=at)

    assert view(expiry - timedelta(seconds=1))
    with pytest.raises(ProofNotFound):
        view(expiry)


# --- GET /api/sessions -----------------------------------------------------------------------------------------


def test_the_list_holds_the_officials_own_open_sessions_only(aws: Aws) -> None:
    # Given two open sessions of this official, one closed, one cancelled, and one of a colleague
    _, mine = create({"flow": "known_bsn", "bsn": BSN})
    _, handover = create({"flow": "handover"})
    _, cancelled = create({"flow": "handover"})
    invoke(outcome_fn.lambda_handler, http_event("DELETE", "/api/sessions/{id}", path_params={"id": cancelled["id"]}))
    _, closed = create({"flow": "handover"})
    resident_logs_in(aws, closed["id"], BSN)
    body = {"outcome": "not_identified", "reason": "Geen beeld"}
    event = http_event("POST", "/api/sessions/{id}/complete", path_params={"id": closed["id"]}, body=body)
    assert invoke(outcome_fn.lambda_handler, event)[0] == 200
    create({"flow": "handover"}, official_sub="8f3b1c2d-0000-4000-8000-000000000002")
    # When the official lists their sessions
    status, listed = invoke(sessions_fn.lambda_handler, http_event("GET", "/api/sessions"))
    # Then only their two open ones are there, newest first, with nothing personal
    assert status == 200
    assert sorted(s["id"] for s in listed["sessions"]) == sorted([mine["id"], handover["id"]])
    assert BSN not in json.dumps(listed) and mine["code"] not in json.dumps(listed)
    assert read(mine["id"])[0] == 200


# --- The result page's extension (WCAG 2.2.1) -------------------------------------------------------------------


def test_the_result_page_is_extended_through_the_real_handler_up_to_its_cap(aws: Aws) -> None:
    # Given a resident result whose page ends in 100 s, within a session that ends in 20 minutes
    results = DynamoDbResidentResults(dynamodb(), aws.table_name)
    now = datetime.now(UTC).replace(microsecond=0)
    result = ResidentResult(
        flow=Flow.HANDOVER,
        code="123456",
        expires_at=now + timedelta(seconds=100),
        limit_at=now + timedelta(minutes=20),
        extensions=9,
    )
    results.add(token_digest("browser-token"), result)
    cookies = ["lbb_result=browser-token"]
    extend = http_event("POST", "/api/public/result/extend", official_sub=None, cookies=cookies)
    # When the resident asks for more time, then the page lives 15 minutes from now, written with its TTL
    status, body = invoke(sessions_fn.lambda_handler, extend)
    assert status == 200 and body["can_extend"] is False
    stored = dynamodb().get_item(TableName=aws.table_name, Key={"pk": {"S": f"result#{token_digest('browser-token')}"}})
    item = stored["Item"]
    assert item["extensions"]["N"] == "10" and item["ttl"] == item["expires_at"]
    assert int(item["expires_at"]["N"]) >= int((now + timedelta(minutes=15)).timestamp())
    # And when its end nears again, the eleventh extension is refused, clearly, and nothing changes
    soon = str(int((now + timedelta(seconds=100)).timestamp()))
    dynamodb().update_item(
        TableName=aws.table_name,
        Key={"pk": item["pk"]},
        UpdateExpression="SET expires_at = :soon, #ttl = :soon",
        ExpressionAttributeNames={"#ttl": "ttl"},
        ExpressionAttributeValues={":soon": {"N": soon}},
    )
    item = dynamodb().get_item(TableName=aws.table_name, Key={"pk": item["pk"]})["Item"]
    status, body = invoke(sessions_fn.lambda_handler, extend)
    assert (status, body["error"]) == (409, "wrong_state")
    assert dynamodb().get_item(TableName=aws.table_name, Key={"pk": item["pk"]})["Item"] == item
    # And without the cookie there is nothing to extend
    status, _ = invoke(sessions_fn.lambda_handler, http_event("POST", "/api/public/result/extend", official_sub=None))
    assert status == 404


def test_a_login_and_its_result_are_one_write_and_a_failed_result_leaves_the_session_waiting(aws: Aws) -> None:
    # Given a session waiting for its login, and a result already stored under the digest the login would use
    _, created = create({"flow": "handover"})
    sessions = DynamoDbSessionRepository(dynamodb(), aws.table_name)
    session = sessions.get(UUID(created["id"]))
    assert session is not None
    results = DynamoDbResidentResults(dynamodb(), aws.table_name)
    taken = ResidentResult(flow=Flow.HANDOVER, code="111111", expires_at=NOW + timedelta(minutes=15))
    results.add(token_digest("t"), taken)
    logged_in = replace(session, status=Status.LOGGED_IN)
    grant = ResultGrant(token_digest("t"), replace(taken, code="222222", session_id=session.id))
    # When the login is written with that result
    with pytest.raises(ConcurrentUpdate):
        sessions.replace(logged_in, expected_status=Status.CREATED, expected_attempts_left=3, result=grant)
    # Then nothing changed: the session still waits, the stored result is the old one
    assert (sessions.get(session.id) or session).status is Status.CREATED
    assert (results.get(token_digest("t"), NOW) or taken).code == "111111"
    # And with a fresh digest the login and its result are written together
    sessions.replace(
        logged_in, expected_status=Status.CREATED, expected_attempts_left=3, result=replace(grant, token_hash="d")
    )
    assert (sessions.get(session.id) or session).status is Status.LOGGED_IN
    assert (results.get("d", NOW) or taken).code == "222222"


def test_a_case_number_has_one_flow_a_session_and_its_result_is_written_with_it(aws: Aws) -> None:
    # Given flow A's case number taken already: a session lives under the id that follows from it
    sessions = DynamoDbSessionRepository(dynamodb(), aws.table_name)
    number = DynamoDbIdentifications(dynamodb(), aws.table_name).next_case_number(NOW.year)
    expiry = NOW + timedelta(minutes=30)
    session = Session(
        id=case_session_id(number),
        flow=Flow.NEW_RESIDENT,
        status=Status.LOGGED_IN,
        official=UNCLAIMED,
        required_loa=LevelOfAssurance.MIDDEN,
        created_at=NOW,
        expires_at=expiry,
        zaak_number=str(number),
    )
    sessions.add(session)
    grant = ResultGrant("digest-a", ResidentResult(flow=Flow.NEW_RESIDENT, code="333333", expires_at=expiry))
    # When another login's session is added with its result under that same number
    with pytest.raises(ConcurrentUpdate):
        sessions.add(replace(session, created_at=NOW + timedelta(seconds=1)), result=grant)
    # Then the first session stands as it was, and the result does not exist
    assert sessions.get(session.id) == session
    assert DynamoDbResidentResults(dynamodb(), aws.table_name).get("digest-a", NOW) is None


def test_the_result_page_reads_its_result_with_its_session_only_for_that_session_and_in_time(aws: Aws) -> None:
    # Given a session and the resident's result for it
    _, created = create({"flow": "handover"})
    session_id = UUID(created["id"])
    results = DynamoDbResidentResults(dynamodb(), aws.table_name)
    expiry = NOW + timedelta(minutes=15)
    results.add("d", ResidentResult(flow=Flow.HANDOVER, code="123456", expires_at=expiry, session_id=session_id))
    # Then the page's one read finds both, until the result's expiry
    result, session = results.get_with_session("d", session_id, NOW)
    assert result is not None and result.code == "123456" and session is not None and session.id == session_id
    assert results.get_with_session("d", session_id, expiry) == (None, None)
    # And a cookie naming another session gets nothing (the result belongs to its own session only)
    _, other = create({"flow": "handover"})
    assert results.get_with_session("d", UUID(other["id"]), NOW) == (None, None)
