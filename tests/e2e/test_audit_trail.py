"""The audit trail over the whole local stack: every step of flow C and a cancelled DigiD login leave an event,
the resident only as a pseudonym."""

from __future__ import annotations

import json

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, resident_login

RESIDENT = "999993653"


def audit_events(captured: str, session_id: str) -> list[dict]:
    events = [
        json.loads(line) for line in captured.splitlines() if line.startswith("{") and '"log_type":"audit"' in line
    ]
    return [event for event in events if event.get("session_id") == session_id]


def test_every_step_of_a_handover_is_audited_and_the_resident_appears_only_as_a_pseudonym(
    stack: LocalStack, official: OfficialClient, capsys
) -> None:
    # Given a handover session, a DigiD login, a code check and Voltooien
    capsys.readouterr()
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT, loa="substantieel")
    official.check(created["id"], login.result["code"])
    official.complete(created["id"])
    # When we read the audit lines the functions wrote
    captured = capsys.readouterr().out
    events = audit_events(captured, created["id"])
    # Then each step is there in order, with the official, the level and the resident's pseudonym
    assert [e["action"] for e in events] == [
        "session_created",
        "digid_login_started",
        "digid_login_succeeded",
        "code_checked",
        "session_completed",
    ]
    succeeded = events[2]
    assert succeeded["loa"] == "substantieel" and succeeded["resident"].startswith("p2-")
    assert len(succeeded["resident"]) == len("p2-") + 32
    assert succeeded["official_name"] == "A. Ambtenaar" and events[0]["official_name"] == "A. Ambtenaar"
    assert events[3]["outcome"] == "success"
    assert RESIDENT not in captured


def test_a_cancelled_digid_login_is_audited_as_a_failure_with_its_reason(
    stack: LocalStack, official: OfficialClient, capsys
) -> None:
    _, created = official.create(flow="known_bsn", bsn=RESIDENT)
    capsys.readouterr()
    resident_login(stack.site_url, created["id"], RESIDENT, action="cancel")
    events = audit_events(capsys.readouterr().out, created["id"])
    assert [(e["action"], e.get("reason")) for e in events] == [
        ("digid_login_started", None),
        ("digid_login_failed", "cancelled"),
    ]
