"""The DigiD simulator behaves like DigiD where our SP depends on it, and is usable from the command line."""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from lxml import etree

from digid.saml import SpConfig, build_authn_request, resolve_artifact
from infrastructure.digid_simulator import TEST_BSNS, DigidSimulator, TestPki, is_valid_bsn
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import passes_elfproef
from tests.saml.conftest import make_sp_config
from tests.saml.support import NS, TIMEOUT, first, form_token, log_in, open_login_page, submit_login_form


def test_the_simulator_refuses_an_unsigned_authn_request(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given our redirect to DigiD with the signature and its algorithm taken off
    request = build_authn_request(sp_config, LevelOfAssurance.MIDDEN, False, "r")
    assert request.redirect_url is not None
    parts = urlsplit(request.redirect_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k not in ("Signature", "SigAlg")}
    # When the browser follows it
    page = requests.get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}", timeout=TIMEOUT)
    # Then the simulator refuses with an error page, as DigiD does (Requester / RequestDenied)
    assert page.status_code == 400
    assert "RequestDenied" in page.text


def test_the_simulator_refuses_an_authn_request_signed_by_another_key(
    simulator: DigidSimulator, sp_config: SpConfig, pki: TestPki
) -> None:
    # Given an AuthnRequest signed with a key that is not in our SP metadata
    impostor = dataclasses.replace(
        sp_config, signing_key_pem=pki.read("intruder_key"), signing_cert_pem=pki.read("intruder_cert")
    )
    # When the browser brings it to the simulator, by Redirect and by POST
    by_redirect = open_login_page(build_authn_request(impostor, LevelOfAssurance.BASIS, False, "r"))
    by_post = open_login_page(
        build_authn_request(dataclasses.replace(impostor, request_binding="post"), LevelOfAssurance.BASIS, False, "r")
    )
    # Then both are refused
    assert (by_redirect.status_code, by_post.status_code) == (400, 400)


def test_the_simulator_refuses_an_unsigned_authn_request_by_post(
    simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given a POSTed AuthnRequest whose enveloped signature was removed
    request = build_authn_request(
        dataclasses.replace(sp_config, request_binding="post"), LevelOfAssurance.BASIS, False, "r"
    )
    assert request.post_form is not None
    xml = etree.fromstring(base64.b64decode(request.post_form.fields["SAMLRequest"]))
    xml.remove(xml.find("ds:Signature", namespaces=NS))
    unsigned = base64.b64encode(etree.tostring(xml)).decode("ascii")
    # When it is posted to the SSO endpoint
    page = requests.post(request.post_form.url, data={"SAMLRequest": unsigned, "RelayState": "r"}, timeout=TIMEOUT)
    # Then it is refused
    assert page.status_code == 400


def test_the_login_page_shows_the_request_and_offers_valid_test_bsns(
    simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given an AuthnRequest for Substantieel with ForceAuthn
    request = build_authn_request(sp_config, LevelOfAssurance.SUBSTANTIEEL, True, "r")
    # When the browser opens the simulator's login page
    page = open_login_page(request)
    # Then it is the plain test page, without scripts, showing the request and offering valid test BSNs
    assert page.status_code == 200
    assert "<title>DigiD simulator (test)</title>" in page.text
    assert "<script" not in page.text and "style=" not in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert request.request_id in page.text and sp_config.sp_entity_id in page.text
    assert "Substantieel" in page.text and "ForceAuthn</dt><dd>ja" in page.text
    assert all(f'value="{bsn}"' in page.text for bsn in TEST_BSNS)
    assert all(passes_elfproef(bsn) and is_valid_bsn(bsn) for bsn in TEST_BSNS)
    assert 'name="action" value="login"' in page.text and 'name="action" value="cancel"' in page.text


def test_a_login_form_token_is_used_once(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given a login form that was submitted
    token = form_token(open_login_page(build_authn_request(sp_config, LevelOfAssurance.BASIS, False, "r")).text)
    assert submit_login_form(simulator, token, bsn="999993653", loa="basis", action="login").status_code == 303
    # When it is submitted again
    again = submit_login_form(simulator, token, bsn="999993653", loa="basis", action="login")
    # Then the simulator refuses it
    assert again.status_code == 400


def test_the_simulator_metadata_is_what_our_sp_needs(simulator: DigidSimulator, pki: TestPki) -> None:
    # Given the simulator's published metadata
    published = requests.get(simulator.entity_id, timeout=TIMEOUT)
    # When our SP is configured with it
    idp = make_sp_config(pki, published.text).idp
    # Then it finds the entityID, both SSO bindings, the https ARS at index 0 and a signing certificate
    assert idp.entity_id == simulator.entity_id
    assert idp.sso_redirect_url and idp.sso_post_url
    assert idp.artifact_resolution_url == simulator.ars_url and simulator.ars_url.startswith("https://127.0.0.1:")
    assert len(idp.signing_certs) == 1


def test_the_simulator_runs_from_the_command_line(pki: TestPki) -> None:
    # Given the simulator started as a module on an ephemeral port
    process = subprocess.Popen(
        [sys.executable, "-m", "infrastructure.digid_simulator", "--port", "0", "--pki-dir", str(pki.directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        # When its metadata is fetched
        metadata = requests.get(started["metadata_url"], timeout=TIMEOUT)
        # Then it answers with the IdP metadata, naming its mutual-TLS artifact resolution service
        assert metadata.status_code == 200 and started["ars_url"] in metadata.text
        assert started["pki_directory"] == str(pki.directory)
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- the shape of the answers: Logius' example messages by default, a broker's on request -------------------------

_P = "urn:oasis:names:tc:SAML:2.0:status:"


def _resolved(simulator: DigidSimulator, config: SpConfig, **login: Any) -> etree._Element:
    answer = log_in(simulator, config, **login)
    return etree.fromstring(resolve_artifact(config, answer.saml_art).encode("utf-8"))


def test_by_default_a_login_answers_in_logius_example_shape(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given the simulator in its default shape
    assert simulator.shape == "logius"
    # When a resident logs in
    response = _resolved(simulator, sp_config)
    # Then the Response has no Destination, and the AuthnStatement a SessionIndex and a SubjectLocality
    assert response.get("Destination") is None
    statement = first(response, "saml:Assertion/saml:AuthnStatement")
    assert statement.get("SessionIndex")
    assert first(statement, "saml:SubjectLocality").get("Address")
    assert first(response, "saml:Assertion/saml:Subject/saml:NameID").text == "s00000000:999993653"


@pytest.mark.parametrize(
    ("login", "second_level"),
    [({"action": "cancel"}, "AuthnFailed"), ({"required": LevelOfAssurance.HOOG, "loa": "midden"}, "NoAuthnContext")],
    ids=["cancel", "level-too-low"],
)
def test_a_cancel_or_a_level_too_low_is_responder_with_a_second_level_code_and_no_assertion(
    simulator: DigidSimulator, sp_config: SpConfig, login: dict[str, Any], second_level: str
) -> None:
    # When the resident cancels, or logs in below the requested level
    response = _resolved(simulator, sp_config, **login)
    # Then the status is Responder with the second-level code, and there is no Assertion
    assert first(response, "samlp:Status/samlp:StatusCode").get("Value") == _P + "Responder"
    assert first(response, "samlp:Status/samlp:StatusCode/samlp:StatusCode").get("Value") == _P + second_level
    assert not response.xpath("saml:Assertion", namespaces=NS) and response.get("Destination") is None


def test_the_broker_shape_adds_the_destination(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given the simulator switched to the broker's shape
    simulator.shape = "broker"
    try:
        # When a resident logs in
        response = _resolved(simulator, sp_config)
    finally:
        simulator.shape = "logius"
    # Then the Response names our ACS as its Destination
    assert response.get("Destination") == sp_config.acs_url
