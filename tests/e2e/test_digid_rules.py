"""DigiD's rules on the real handlers over HTTP: ForceAuthn, the pre-login cookie (login CSRF), RelayState, the
pending login used up only after the answer is proven genuine, and the POST binding off unless turned on."""

from __future__ import annotations

import base64
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from lxml import etree

from infrastructure.digid_simulator import DigidSimulator, LoginRequest
from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, choose_at_simulator, pre_login_cookie

RESIDENT = "999993653"
ATTACKER = "999990019"
TIMEOUT = 15


@dataclass
class StartedLogin:
    """A browser that opened ``/digid/login``: its pre-login cookie and the AuthnRequest it was sent to DigiD with."""

    browser: requests.Session
    start: requests.Response
    request_xml: etree._Element
    relay_state: str

    @property
    def cookie(self) -> dict[str, str]:
        return pre_login_cookie(self.start)

    @property
    def request_id(self) -> str:
        return str(self.request_xml.get("ID"))


def start_login(stack: LocalStack, session_id: str | None) -> StartedLogin:
    browser = requests.Session()
    query = f"?session={session_id}" if session_id else ""
    start = browser.get(f"{stack.site_url}/digid/login{query}", allow_redirects=False, timeout=TIMEOUT)
    assert start.status_code == 303, start.text
    fields = {name: values[0] for name, values in parse_qs(urlsplit(start.headers["Location"]).query).items()}
    request_xml = etree.fromstring(zlib.decompress(base64.b64decode(fields["SAMLRequest"]), -15))
    return StartedLogin(browser, start, request_xml, fields["RelayState"])


def at_digid(login: StartedLogin, bsn: str = RESIDENT) -> str:
    """The resident logs in at the simulator; returns the ACS address DigiD sends the browser to."""
    return str(choose_at_simulator(login.browser, login.start.headers["Location"], bsn).headers["Location"])


def arrive(url: str, headers: dict[str, str]) -> requests.Response:
    return requests.get(url, headers=headers, allow_redirects=False, timeout=TIMEOUT)


def is_error_page(answer: requests.Response) -> bool:
    return answer.status_code == 303 and answer.headers["Location"].startswith("/fout.html?reden=error")


def stored_nothing(answer: requests.Response) -> bool:
    return "lbb_result=" not in answer.headers.get("Set-Cookie", "")


def status_of(official: OfficialClient, session_id: str) -> str:
    return str(official.read(session_id)[1]["status"])


# --- ForceAuthn -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flow", ["new_resident", "handover"])
def test_every_flow_asks_digid_for_a_fresh_login(stack: LocalStack, official: OfficialClient, flow: str) -> None:
    # Given a resident starting flow A (no session) or flow C
    session_id = None if flow == "new_resident" else official.create(flow="handover")[1]["id"]
    # When our login handler sends them to DigiD
    login = start_login(stack, session_id)
    # Then the signed AuthnRequest forces a fresh login: never a DigiD session left open on the device
    assert login.request_xml.get("ForceAuthn") == "true"


# --- the pre-login cookie ------------------------------------------------------------------------------------------


def test_the_login_start_sets_a_short_lived_http_only_pre_login_cookie_for_digid_paths_only(stack: LocalStack) -> None:
    # When a resident starts a login
    login = start_login(stack, None)
    # Then the answer sets the pre-login cookie: random, HttpOnly, Secure, SameSite=Lax, Path=/digid, <= 15 minutes
    header = next(c for c in login.start.raw.headers.getlist("Set-Cookie") if c.startswith("lbb_login="))
    value, *attributes = (part.strip() for part in header.split(";"))
    flags = {name.lower(): setting for name, _, setting in (part.partition("=") for part in attributes)}
    assert len(value.removeprefix("lbb_login=")) >= 32
    assert {"httponly", "secure"} <= flags.keys() and flags["samesite"].lower() == "lax"
    assert flags["path"] == "/digid" and 0 < int(flags["max-age"]) <= 15 * 60
    # And a second start gives another value
    assert start_login(stack, None).cookie != login.cookie


def test_a_login_answer_in_another_browser_is_refused_and_changes_nothing(
    stack: LocalStack, official: OfficialClient
) -> None:
    # Given a victim who opened their flow C link, and an attacker who logged in with DigiD on their own link
    _, victims = official.create(flow="handover")
    victim = start_login(stack, victims["id"])
    _, attackers = official.create(flow="handover")
    attacker = start_login(stack, attackers["id"])
    attackers_answer = at_digid(attacker, ATTACKER)
    # When the attacker's answer is sent into the victim's browser (an auto-submitting page on another site)
    answer = arrive(attackers_answer, victim.cookie)
    # Then it is refused: no result for the victim's browser, and neither session has a login
    assert is_error_page(answer) and stored_nothing(answer)
    assert status_of(official, victims["id"]) == "created" and status_of(official, attackers["id"]) == "created"
    # And the victim's own login still works
    assert arrive(at_digid(victim), victim.cookie).headers["Location"] == "/resultaat.html"
    assert status_of(official, victims["id"]) == "logged_in"


def test_a_flow_a_answer_in_another_flow_a_browser_is_refused(stack: LocalStack) -> None:
    # Given two residents starting flow A (no session, so only the pre-login cookie's secret tells them apart)
    victim = start_login(stack, None)
    attacker = start_login(stack, None)
    attackers_answer = at_digid(attacker, ATTACKER)
    # When the attacker's own answer is sent into the victim's browser
    answer = arrive(attackers_answer, victim.cookie)
    # Then it is refused and nothing is stored: no case number, no result for the victim's browser
    assert is_error_page(answer) and stored_nothing(answer)
    # And the victim's own login still works
    assert arrive(at_digid(victim), victim.cookie).headers["Location"] == "/resultaat.html"


def test_a_login_answer_without_the_pre_login_cookie_is_refused(stack: LocalStack, official: OfficialClient) -> None:
    # Given a resident's genuine answer from DigiD
    _, created = official.create(flow="handover")
    login = start_login(stack, created["id"])
    acs = at_digid(login)
    # When it arrives in a browser without the pre-login cookie
    answer = arrive(acs, {})
    # Then it is refused and nothing is stored
    assert is_error_page(answer) and stored_nothing(answer)
    assert status_of(official, created["id"]) == "created"


def test_a_login_answer_without_its_relay_state_is_refused(stack: LocalStack, official: OfficialClient) -> None:
    # Given a resident's genuine answer from DigiD, in their own browser
    _, created = official.create(flow="handover")
    login = start_login(stack, created["id"])
    parts = urlsplit(at_digid(login))
    without_relay_state = parts._replace(query=urlencode({"SAMLart": parse_qs(parts.query)["SAMLart"][0]})).geturl()
    # When the RelayState is left off
    answer = arrive(without_relay_state, login.cookie)
    # Then it is refused and nothing is stored
    assert is_error_page(answer) and stored_nothing(answer)
    assert status_of(official, created["id"]) == "created"


# --- the pending login is used up only by a genuine answer -----------------------------------------------------------


def test_a_forged_answer_for_someone_elses_request_does_not_use_up_their_login(
    stack: LocalStack, official: OfficialClient, simulator: DigidSimulator
) -> None:
    # Given a resident waiting at DigiD, and a forged answer to their request (signed with a key DigiD never had)
    _, created = official.create(flow="handover")
    login = start_login(stack, created["id"])
    acs = f"{stack.site_url}/digid/acs"
    wanted = LoginRequest(login.request_id, f"{stack.site_url}/digid/metadata", acs, "midden", True, login.relay_state)
    unsigned = simulator.create_response(wanted, bsn=ATTACKER, level="midden", sign_assertion=False)
    assert simulator.pki is not None
    forged = simulator.sign_assertion(unsigned, key_file=str(simulator.pki.intruder_key))
    artifact = simulator.issue_artifact(forged, sp_entity_id=wanted.sp_entity_id)
    # When it arrives with the request's RelayState (even in the resident's own browser)
    answer = arrive(f"{acs}?{urlencode({'SAMLart': artifact, 'RelayState': login.relay_state})}", login.cookie)
    # Then it is refused, and the resident's own answer still logs them in
    assert is_error_page(answer) and stored_nothing(answer)
    assert arrive(at_digid(login), login.cookie).headers["Location"] == "/resultaat.html"
    _, seen = official.read(created["id"])
    assert (seen["status"], seen["bsn"]) == ("logged_in", RESIDENT)


_MORE = "http://www.w3.org/2001/04/xmldsig-more#"


@pytest.mark.parametrize(
    ("sign_alg", "digest_alg"),
    [
        (_MORE + "rsa-md5", "http://www.w3.org/2001/04/xmlenc#sha256"),
        (_MORE + "rsa-sha256", _MORE + "md5"),
        (_MORE + "rsa-ripemd160", "http://www.w3.org/2001/04/xmlenc#ripemd160"),
    ],
    ids=["rsa-md5", "md5-digest", "rsa-ripemd160"],
)
def test_digids_answer_re_signed_with_a_weak_algorithm_is_refused_and_stores_nothing(
    stack: LocalStack, official: OfficialClient, simulator: DigidSimulator, sign_alg: str, digest_alg: str
) -> None:
    # Given the genuine answer to a resident's login, re-signed with DigiD's own key but with MD5 or RIPEMD-160
    _, created = official.create(flow="handover")
    login = start_login(stack, created["id"])
    acs = f"{stack.site_url}/digid/acs"
    wanted = LoginRequest(login.request_id, f"{stack.site_url}/digid/metadata", acs, "midden", True, login.relay_state)
    unsigned = simulator.create_response(wanted, bsn=RESIDENT, level="midden", sign_assertion=False)
    weak = simulator.sign_assertion(unsigned, sign_alg=sign_alg, digest_alg=digest_alg)
    artifact = simulator.issue_artifact(weak, sp_entity_id=wanted.sp_entity_id)
    # When it arrives in the resident's browser
    answer = arrive(f"{acs}?{urlencode({'SAMLart': artifact, 'RelayState': login.relay_state})}", login.cookie)
    # Then it is refused and nothing is stored
    assert is_error_page(answer) and stored_nothing(answer)
    _, seen = official.read(created["id"])
    assert seen["status"] == "created" and "bsn" not in seen


# --- the POST binding ---------------------------------------------------------------------------------------------


def genuine_post_field(stack: LocalStack, simulator: DigidSimulator, login: StartedLogin) -> str:
    """A broker's POSTed SAMLResponse for this login: DigiD's signed answer with Destination, base64 in lines."""
    acs = f"{stack.site_url}/digid/acs"
    wanted = LoginRequest(login.request_id, f"{stack.site_url}/digid/metadata", acs, "midden", True, login.relay_state)
    simulator.shape = "broker"
    try:
        response_xml = simulator.create_response(wanted, bsn=RESIDENT, level="midden")
    finally:
        simulator.shape = "logius"
    encoded = base64.b64encode(response_xml.encode("utf-8")).decode("ascii")
    return "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def post_answer(stack: LocalStack, fields: dict[str, str], headers: dict[str, str]) -> requests.Response:
    return requests.post(
        f"{stack.site_url}/digid/acs", data=fields, headers=headers, allow_redirects=False, timeout=TIMEOUT
    )


def test_with_the_post_binding_off_a_posted_answer_only_shows_the_error_page(
    stack: LocalStack, official: OfficialClient, simulator: DigidSimulator
) -> None:
    # Given the default deployment (POST binding off) and a genuine POSTed answer to a resident's pending login
    _, created = official.create(flow="handover")
    login = start_login(stack, created["id"])
    fields = {"SAMLResponse": genuine_post_field(stack, simulator, login), "RelayState": login.relay_state}
    # When it is POSTed to the ACS in the resident's browser
    answer = post_answer(stack, fields, login.cookie)
    # Then only the error page follows: nothing stored, the pending login untouched (the artifact still works)
    assert is_error_page(answer) and stored_nothing(answer)
    assert status_of(official, created["id"]) == "created"
    assert arrive(at_digid(login), login.cookie).headers["Location"] == "/resultaat.html"


@pytest.fixture
def post_binding_on(stack: LocalStack) -> Iterator[None]:
    """The deployment setting DIGID_POST_BINDING=enabled (template parameter DigidResponsePostBinding), read at
    the DigiD function's next cold start."""
    import digid.handler  # the stack's own copy: it runs the handlers in this process

    os.environ["DIGID_POST_BINDING"] = "enabled"
    digid.handler.wiring.cache_clear()
    yield
    os.environ["DIGID_POST_BINDING"] = stack.environment.get("DIGID_POST_BINDING", "disabled")
    digid.handler.wiring.cache_clear()


@pytest.mark.usefixtures("post_binding_on")
def test_with_the_post_binding_on_a_posted_answer_logs_in_after_a_same_site_bounce(
    stack: LocalStack, official: OfficialClient, simulator: DigidSimulator
) -> None:
    # Given the POST binding turned on, and a broker's genuine answer, line-wrapped base64
    _, created = official.create(flow="handover")
    login = start_login(stack, created["id"])
    fields = {"SAMLResponse": genuine_post_field(stack, simulator, login), "RelayState": login.relay_state}
    # When the broker's page posts it cross-site (a SameSite=Lax cookie does not come along)
    bounce = post_answer(stack, fields, {})
    # Then our page posts it once more, same-site, and with the cookie the login succeeds
    assert bounce.status_code == 200 and 'name="lbb_bounced"' in bounce.text
    again = dict(fields, lbb_bounced="1")
    assert post_answer(stack, again, login.cookie).headers["Location"] == "/resultaat.html"
    assert status_of(official, created["id"]) == "logged_in"


@pytest.mark.usefixtures("post_binding_on")
def test_with_the_post_binding_on_a_posted_answer_in_another_browser_is_refused(
    stack: LocalStack, official: OfficialClient, simulator: DigidSimulator
) -> None:
    # Given the POST binding on and a genuine answer to someone else's login
    _, created = official.create(flow="handover")
    login = start_login(stack, created["id"])
    fields = {"SAMLResponse": genuine_post_field(stack, simulator, login), "RelayState": login.relay_state}
    other_browser = start_login(stack, None)
    # When it is posted (after the bounce) in another browser
    answer = post_answer(stack, dict(fields, lbb_bounced="1"), other_browser.cookie)
    # Then it is refused and nothing is stored
    assert is_error_page(answer) and stored_nothing(answer)
    assert status_of(official, created["id"]) == "created"
