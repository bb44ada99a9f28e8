"""The handlers write an audit event for every step, through the real adapters against moto."""

from __future__ import annotations

import io
import json

import boto3

import code_check.handler as code_check
import sessions.handler as sessions_fn
from legitimatie.adapters.kms import KmsMacKey
from legitimatie.bsn import Bsn
from legitimatie.resident import ResidentKey
from legitimatie.runtime.observability import logger

from .conftest import OFFICIAL_SUB, REGION, Aws, http_event, invoke
from .test_official_api import BSN, resident_logs_in


def audit_events(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if '"log_type":"audit"' in line]


def test_create_check_and_lock_are_audited_with_a_pseudonym_and_never_the_bsn(aws: Aws, capsys) -> None:
    # Given a known-BSN session the resident logged in to
    status, created = invoke(
        sessions_fn.lambda_handler, http_event("POST", "/api/sessions", body={"flow": "known_bsn", "bsn": BSN})
    )
    assert status == 201
    resident_logs_in(aws, created["id"], BSN)
    # When the official types a wrong code three times
    for _ in range(3):
        event = http_event(
            "POST", "/api/sessions/{id}/check", path_params={"id": created["id"]}, body={"code": "000000"}
        )
        invoke(code_check.lambda_handler, event)
    # Then the trail holds the creation (with the resident's pseudonym), three failed checks and the lock
    captured = capsys.readouterr().out
    events = audit_events(captured)
    assert [e["action"] for e in events] == [
        "session_created",
        "code_checked",
        "code_checked",
        "code_checked",
        "session_locked",
    ]
    created_event = events[0]
    assert created_event["official"] == OFFICIAL_SUB and created_event["flow"] == "known_bsn"
    assert created_event["session_id"] == created["id"] and created_event["loa"] == "midden"
    resident = ResidentKey(KmsMacKey(boto3.client("kms", region_name=REGION), aws.pseudonym_key_id), "0999")
    assert created_event["resident"] == resident.resident(Bsn(BSN)).pseudonym  # p2, under the pseudonym key
    assert all(e["outcome"] == "failure" and e["reason"] == "code_mismatch" for e in events[1:4])
    assert all("at" in e for e in events)
    # And no BSN anywhere in what was written
    assert BSN not in captured


def test_audit_events_and_log_lines_carry_the_clients_own_address_from_cloudfront(aws: Aws, capsys) -> None:
    # Given a request as CloudFront forwards it: its edge is the TCP peer, the viewer's address is in a header
    event = http_event("POST", "/api/sessions", body={"flow": "handover"})
    event["requestContext"]["http"]["sourceIp"] = "130.176.0.10"  # a CloudFront edge
    event["headers"]["cloudfront-viewer-address"] = "2001:db8::7:50311"
    # When the official creates a session
    status, _ = invoke(sessions_fn.lambda_handler, event)
    assert status == 201
    # Then the audit event says from where: the official's own address, not CloudFront's
    captured = capsys.readouterr().out
    (created,) = audit_events(captured)
    assert created["client_address"] == "2001:db8::7"


def test_the_functions_log_lines_name_the_client_address_and_the_api_request_id(aws: Aws) -> None:
    # Given the functions' log lines, read where the logger writes them
    handler = logger.registered_handler
    lines_written = io.StringIO()
    previous = handler.setStream(lines_written)  # type: ignore[attr-defined]
    # When a request from a resident's address is refused (which the function logs)
    unknown = http_event("GET", "/api/sessions/{id}", path_params={"id": "00000000-0000-4000-8000-000000000000"})
    unknown["headers"]["cloudfront-viewer-address"] = "198.51.100.23:443"
    try:
        status, _ = invoke(sessions_fn.lambda_handler, unknown)
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    assert status == 404
    # Then the log line names the address, with the API access log's requestId to join the two
    lines = [json.loads(line) for line in lines_written.getvalue().splitlines()]
    refused = [line for line in lines if line.get("message") == "Request refused"]
    assert refused and refused[0]["client_address"] == "198.51.100.23"
    assert refused[0]["correlation_id"] == unknown["requestContext"]["requestId"]
    # And the Lambda request id and cold start, but not what every line of the log group would repeat
    assert {"function_request_id", "cold_start"} <= refused[0].keys()
    assert refused[0].keys().isdisjoint({"function_name", "function_arn", "function_memory_size"})


def test_without_the_cloudfront_header_the_peer_address_is_used_and_garbage_is_ignored(aws: Aws, capsys) -> None:
    # Given a request without a usable viewer address (the local stack; a malformed header)
    event = http_event("POST", "/api/sessions", body={"flow": "handover"})
    event["requestContext"]["http"]["sourceIp"] = "192.0.2.44"
    event["headers"]["cloudfront-viewer-address"] = "not-an-address:1"
    # When the official creates a session
    status, _ = invoke(sessions_fn.lambda_handler, event)
    assert status == 201
    # Then the audit event carries the peer's address
    (created,) = audit_events(capsys.readouterr().out)
    assert created["client_address"] == "192.0.2.44"


def test_a_request_that_did_not_come_through_cloudfront_is_refused_and_changes_nothing(
    aws: Aws, monkeypatch, capsys
) -> None:
    # Given a deployment whose CloudFront adds X-Origin-Verify with its token
    monkeypatch.setenv("ORIGIN_VERIFY_TOKEN", "b7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5")
    # When someone calls the API's regional domain directly, without the header or with a guess
    for header in (None, "guess-guess-guess-guess-guess-guess"):
        event = http_event("POST", "/api/sessions", body={"flow": "handover"})
        if header:
            event["headers"]["x-origin-verify"] = header
        status, body = invoke(sessions_fn.lambda_handler, event)
        # Then it is a 403 with a clear error, and no session was made
        assert (status, body["error"]) == (403, "forbidden")
    assert audit_events(capsys.readouterr().out) == []
    # And the same request through CloudFront works
    event = http_event("POST", "/api/sessions", body={"flow": "handover"})
    event["headers"]["x-origin-verify"] = "b7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5"
    assert invoke(sessions_fn.lambda_handler, event)[0] == 201
