"""Issue 11 over HTTP on the local stack: only a verified identification completes; the official's own sessions;
resident-side events live; the result cookie as the real DigiD function sets it."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import requests

from infrastructure.local import LocalStack
from infrastructure.local.clients import (
    OfficialClient,
    choose_at_simulator,
    pre_login_cookie,
    resident_login,
    set_cookie_headers,
)

RESIDENT = "999993653"
SOMEONE_ELSE = "999990019"


def test_flow_b_with_another_bsn_cannot_complete_and_its_proof_says_not_identified(
    stack: LocalStack, official: OfficialClient
) -> None:
    # Given a known-BSN session the resident logged in to with another BSN
    _, created = official.create(flow="known_bsn", bsn=RESIDENT)
    login = resident_login(stack.site_url, created["id"], SOMEONE_ELSE)
    # When the official types the code the resident reads aloud, it does not verify
    assert official.check(created["id"], login.result["code"])[1]["match"] is False
    # Then completing as identified is refused
    status, refused = official.complete(created["id"])
    assert (status, refused["error"]) == (409, "not_verified")
    # And closing as not identified yields a proof that says so
    status, done = official.complete(created["id"], "not_identified", reason="Ander BSN bij DigiD")
    assert status == 200 and done["status"] == "not_identified"
    proof = official.made_proof(done["proof"]["document_id"])
    assert proof["status"] == "stored" and proof["outcome"] == "not_identified"
    pdf = requests.get(proof["download_url"], timeout=10).content
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert "NIET geïdentificeerd" in text and "Ander BSN bij DigiD" in text
        assert "heeft zich tijdens een videogesprek" not in text


def test_a_locked_session_cannot_be_completed_as_identified(stack: LocalStack, official: OfficialClient) -> None:
    _, created = official.create(flow="known_bsn", bsn=RESIDENT)
    resident_login(stack.site_url, created["id"], RESIDENT)
    wrong = "000000" if created["code"] != "000000" else "111111"
    for _ in range(3):
        official.check(created["id"], wrong)
    status, body = official.complete(created["id"])
    assert (status, body["error"]) == (409, "not_verified")


def test_the_list_shows_the_officials_own_open_sessions(stack: LocalStack, official: OfficialClient) -> None:
    _, mine = official.create(flow="handover")
    status, listed = official.sessions()
    assert status == 200 and mine["id"] in [s["id"] for s in listed["sessions"]]
    official.cancel(mine["id"])
    assert mine["id"] not in [s["id"] for s in official.sessions()[1]["sessions"]]


def test_the_official_sees_a_cancel_at_digid_and_a_level_too_low(stack: LocalStack, official: OfficialClient) -> None:
    _, created = official.create(flow="handover", required_loa="substantieel")
    assert "resident_event" not in official.read(created["id"])[1]
    resident_login(stack.site_url, created["id"], RESIDENT, action="cancel")
    assert official.read(created["id"])[1]["resident_event"] == "cancelled"
    resident_login(stack.site_url, created["id"], RESIDENT, loa="midden")
    assert official.read(created["id"])[1]["resident_event"] == "loa_too_low"
    resident_login(stack.site_url, created["id"], RESIDENT, loa="substantieel")
    seen = official.read(created["id"])[1]
    assert seen["status"] == "logged_in" and "resident_event" not in seen


def test_the_result_cookie_is_http_only_secure_and_only_for_the_result_endpoint(
    stack: LocalStack, official: OfficialClient
) -> None:
    # Given a resident at DigiD for a handover session
    _, created = official.create(flow="handover")
    browser = requests.Session()
    start = browser.get(f"{stack.site_url}/digid/login?session={created['id']}", allow_redirects=False, timeout=10)
    acs = choose_at_simulator(browser, start.headers["Location"], RESIDENT).headers["Location"]
    # When the DigiD function answers the artifact
    answer = browser.get(acs, headers=pre_login_cookie(start), allow_redirects=False, timeout=30)
    # Then the cookie it sets cannot be read by script, travels only over HTTPS and only to the result endpoint
    result_cookie = next(c for c in set_cookie_headers(answer) if c.startswith("lbb_result="))
    attributes = [part.strip() for part in result_cookie.split(";")]
    assert attributes[0].startswith("lbb_result=") and len(attributes[0]) > len("lbb_result=") + 20
    lowered = [a.lower() for a in attributes]
    assert "httponly" in lowered and "secure" in lowered
    assert "path=/api/public/result" in lowered and "path=/" not in lowered


@pytest.mark.parametrize("outcome", ["identified", "not_identified"])
def test_the_residents_page_follows_the_outcome(stack: LocalStack, official: OfficialClient, outcome: str) -> None:
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT)
    assert login.cookie is not None
    cookie = {"Cookie": login.cookie}
    assert login.result is not None and login.result["outcome"] == "waiting"
    if outcome == "identified":
        official.check(created["id"], login.result["code"])
    official.complete(created["id"], outcome)
    seen = requests.get(f"{stack.site_url}/api/public/result", headers=cookie, timeout=10).json()
    # its outcome alone: the code, the case number and the official's name have done their work
    assert seen == {"outcome": outcome}
    # and an ended result gets no more time
    extended = requests.post(f"{stack.site_url}/api/public/result/extend", headers=cookie, timeout=10)
    assert extended.status_code == 409 and "code" not in extended.json()
