"""The handlers write an audit event for every step, through the real adapters against moto."""

from __future__ import annotations

import json

import code_check.handler as code_check
import sessions.handler as sessions_fn

from .conftest import OFFICIAL_SUB, Aws, http_event, invoke
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
    assert created_event["resident"].startswith("p1-") and len(created_event["resident"]) == 35
    assert all(e["outcome"] == "failure" and e["reason"] == "code_mismatch" for e in events[1:4])
    assert all("at" in e for e in events)
    # And no BSN anywhere in what was written
    assert BSN not in captured
