"""The three flows end to end over HTTP, as the issue checks them: official API, DigiD simulator, result page.

Every test here runs twice: with DigiD's answers in the shape of Logius' example messages (no Destination on
the Response) and in a SAML broker's shape (with Destination).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, choose_at_simulator, pre_login_cookie, resident_login

pytestmark = pytest.mark.usefixtures("shape")

RESIDENT = "999993653"
SOMEONE_ELSE = "999990019"


def test_flow_b_codes_match_for_the_right_bsn(stack: LocalStack, official: OfficialClient) -> None:
    # Given a known-BSN session
    status, created = official.create(flow="known_bsn", bsn=RESIDENT)
    assert status == 201
    # When the resident logs in with that BSN
    login = resident_login(stack.site_url, created["id"], RESIDENT)
    # Then they see the official's code; the official learns of the match only by typing the code heard
    assert login.final_path == "/resultaat.html" and login.result["code"] == created["code"]
    assert "code_match" not in official.read(created["id"])[1]
    _, checked = official.check(created["id"], created["code"])
    assert {name: checked[name] for name in ("match", "attempts_left", "status")} == {
        "match": True,
        "attempts_left": 3,
        "status": "verified",
    }
    assert official.read(created["id"])[1]["code_match"] is True
    # And Voltooien deletes it
    assert official.complete(created["id"])[0] == 200 and official.read(created["id"])[0] == 404


def test_flow_b_codes_differ_for_another_bsn(stack: LocalStack, official: OfficialClient) -> None:
    _, created = official.create(flow="known_bsn", bsn=RESIDENT)
    login = resident_login(stack.site_url, created["id"], SOMEONE_ELSE)
    assert login.result["code"] != created["code"]
    assert "code_match" not in official.read(created["id"])[1]  # not before the official typed a code
    assert official.check(created["id"], login.result["code"])[1]["bsn_match"] is False
    assert official.read(created["id"])[1]["code_match"] is False


def test_flow_c_official_sees_the_bsn_and_the_resident_sees_the_official(
    stack: LocalStack, official: OfficialClient
) -> None:
    _, created = official.create(flow="handover")
    public = requests.get(f"{stack.site_url}/api/public/sessions/{created['id']}", timeout=10).json()
    assert public["official_name"] == "A. Ambtenaar" and public["municipality"] == "Gemeente Voorbeeld"
    login = resident_login(stack.site_url, created["id"], RESIDENT, loa="substantieel")
    assert login.result["official_name"] == "A. Ambtenaar"
    _, seen = official.read(created["id"])
    assert (seen["status"], seen["bsn"], seen["loa"]) == ("logged_in", RESIDENT, "substantieel")
    assert official.check(created["id"], login.result["code"])[1]["match"] is True


def test_flow_a_gives_a_code_and_a_case_number_the_official_can_find(
    stack: LocalStack, official: OfficialClient
) -> None:
    login = resident_login(stack.site_url, None, RESIDENT)
    number = login.result["zaak_number"]
    assert number.startswith(f"{datetime.now(UTC).year}-") and len(number) == 10
    status, found = official.identification(number)
    assert status == 200 and found["bsn"] == RESIDENT and found["status"] == "logged_in"


def test_cancel_at_digid_returns_to_the_start_page_and_the_link_still_works(
    stack: LocalStack, official: OfficialClient
) -> None:
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT, action="cancel")
    assert login.final_path == "/" and login.query == {"sessie": created["id"], "melding": "geannuleerd"}
    assert resident_login(stack.site_url, created["id"], RESIDENT).result is not None


def test_a_level_too_low_names_the_level_needed_and_stores_nothing(stack: LocalStack, official: OfficialClient) -> None:
    _, created = official.create(flow="handover", required_loa="substantieel")
    login = resident_login(stack.site_url, created["id"], RESIDENT, loa="midden")
    assert login.final_path == "/fout.html"
    assert login.query == {"reden": "loa_too_low", "niveau": "substantieel", "sessie": created["id"]}
    assert official.read(created["id"])[1]["status"] == "created"


def test_a_used_link_is_refused(stack: LocalStack, official: OfficialClient) -> None:
    _, created = official.create(flow="handover")
    resident_login(stack.site_url, created["id"], RESIDENT)
    again = resident_login(stack.site_url, created["id"], SOMEONE_ELSE)
    assert again.query == {"reden": "already_used"} and again.result is None
    assert official.read(created["id"])[1]["bsn"] == RESIDENT


def test_an_expired_link_is_refused_though_the_record_remains(stack: LocalStack, official: OfficialClient) -> None:
    # Given a session whose expiry time passed, still in the table (TTL deletes late, moto never)
    _, created = official.create(flow="handover")
    past = int((datetime.now(UTC) - timedelta(seconds=5)).timestamp())
    stack.client("dynamodb").update_item(
        TableName=stack.info["table_name"],
        Key={"pk": {"S": f"session#{created['id']}"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(past)}},
    )
    # Then the resident's page, the DigiD login and the official all treat it as expired
    public = requests.get(f"{stack.site_url}/api/public/sessions/{created['id']}", timeout=10)
    assert public.status_code == 404 and public.json()["error"] == "session_expired"
    assert resident_login(stack.site_url, created["id"], RESIDENT).query == {"reden": "expired"}
    assert official.read(created["id"])[1]["status"] == "expired"


def test_a_locked_session_stays_locked(stack: LocalStack, official: OfficialClient) -> None:
    _, created = official.create(flow="known_bsn", bsn=RESIDENT)
    resident_login(stack.site_url, created["id"], RESIDENT)
    wrong = "000000" if created["code"] != "000000" else "111111"
    assert [official.check(created["id"], wrong)[1]["attempts_left"] for _ in range(3)] == [2, 1, 0]
    status, body = official.check(created["id"], created["code"])
    assert status == 423 and body["error"] == "session_locked"


def test_a_replayed_artifact_is_refused(stack: LocalStack, official: OfficialClient) -> None:
    # Given a completed login whose ACS address (with its SAMLart) is known
    _, created = official.create(flow="handover")
    browser = requests.Session()
    start = browser.get(f"{stack.site_url}/digid/login?session={created['id']}", allow_redirects=False, timeout=10)
    acs = choose_at_simulator(browser, start.headers["Location"], RESIDENT).headers["Location"]
    cookie = pre_login_cookie(start)
    assert browser.get(acs, headers=cookie, allow_redirects=False, timeout=10).headers["Location"] == "/resultaat.html"
    # When the same artifact comes in again
    replay = browser.get(acs, headers=cookie, allow_redirects=False, timeout=10)
    # Then it goes to the error page and sets no result cookie
    assert replay.headers["Location"].startswith("/fout.html?reden=") and "Set-Cookie" not in replay.headers


def test_no_url_the_resident_passes_through_carries_a_bsn_or_a_code(
    stack: LocalStack, official: OfficialClient
) -> None:
    # Given a flow B session, followed redirect by redirect
    _, created = official.create(flow="known_bsn", bsn=RESIDENT)
    browser = requests.Session()
    start = browser.get(f"{stack.site_url}/digid/login?session={created['id']}", allow_redirects=False)
    to_idp = start.headers["Location"]
    to_acs = choose_at_simulator(browser, to_idp, RESIDENT).headers["Location"]
    to_result = browser.get(to_acs, headers=pre_login_cookie(start), allow_redirects=False, timeout=10).headers[
        "Location"
    ]
    # Then none of the addresses holds the BSN or the code
    assert to_result == "/resultaat.html"
    assert not any(RESIDENT in url or created["code"] in url for url in (to_idp, to_acs, to_result))


def test_sp_metadata_is_served_signed(stack: LocalStack) -> None:
    response = requests.get(f"{stack.site_url}/digid/metadata", timeout=10)
    assert response.status_code == 200 and "samlmetadata+xml" in response.headers["Content-Type"]
    assert "HTTP-Artifact" in response.text and "<ds:Signature" in response.text


def test_pages_carry_the_templates_security_headers(stack: LocalStack) -> None:
    for path in ("/", "/medewerker.html", "/resultaat.html", "/fout.html", "/api/public/sessions/x"):
        headers = requests.get(stack.site_url + path, timeout=10).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
