"""Artifact resolution over the SOAP back channel: mutual TLS, a signed ArtifactResponse that answers our
request, single-use artifacts, and no parsing of hostile XML.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import socket
import time
from collections.abc import Iterator, Mapping

import pytest
import requests
from lxml import etree

from digid.saml import SamlError, SpConfig, resolve_artifact, sp_metadata, validate_response
from digid.saml.back_channel import mutual_tls_post
from infrastructure.digid_simulator import ArtifactAnswer, DigidSimulator, TestPki
from tests.saml.conftest import make_sp_config
from tests.saml.support import NS, TIMEOUT, first, log_in

GENUINE_MESSAGE = "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'/>"


def refused_resolution(config: SpConfig, saml_art: str) -> SamlError:
    with pytest.raises(SamlError) as refused:
        resolve_artifact(config, saml_art)
    return refused.value


def test_an_artifact_resolves_only_once(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given an artifact our ACS has already resolved
    answer = log_in(simulator, sp_config)
    resolve_artifact(sp_config, answer.saml_art)
    # When the same artifact is presented again (a replayed redirect)
    refused = refused_resolution(sp_config, answer.saml_art)
    # Then DigiD answers RequestDenied and we refuse
    assert refused.reason == "artifact_resolution_failed"


def test_an_artifact_expires_after_its_short_lifetime(pki: TestPki) -> None:
    # Given a simulator whose clock we control, and an artifact issued at t=0
    now = [0.0]
    with DigidSimulator(pki=pki, clock=lambda: now[0], artifact_lifetime_seconds=60) as simulator:
        config = make_sp_config(pki, simulator.metadata_xml)
        simulator.load_sp_metadata(sp_metadata(config).decode("utf-8"))
        saml_art = simulator.issue_artifact(GENUINE_MESSAGE, sp_entity_id=config.sp_entity_id)
        # When it is presented 61 seconds later
        now[0] = 61.0
        refused = refused_resolution(config, saml_art)
    # Then it is no longer resolved
    assert refused.reason == "artifact_resolution_failed"


def test_an_artifact_from_another_idp_is_refused_without_calling_digid(sp_config: SpConfig) -> None:
    # Given a well-formed artifact whose SourceID is the SHA-1 of another entityID
    source_id = hashlib.sha1(b"https://evil-idp.example/metadata").digest()  # noqa: S324 - the artifact format
    saml_art = base64.b64encode(b"\x00\x04\x00\x00" + source_id + b"\x01" * 20).decode("ascii")
    calls: list[str] = []
    # When our ACS is asked to resolve it
    with pytest.raises(SamlError) as refused:
        resolve_artifact(sp_config, saml_art, http_post=lambda url, *_: calls.append(url) or (500, b""))
    # Then it is refused before any back-channel call
    assert (refused.value.reason, refused.value.detail) == ("invalid_artifact", "artifact for another IdP")
    assert calls == []


@pytest.mark.parametrize(
    "saml_art",
    ["not-base64!", base64.b64encode(b"\x00\x04short").decode(), base64.b64encode(b"\x00\x02" + b"\x00" * 42).decode()],
    ids=["not-base64", "too-short", "wrong-type-code"],
)
def test_a_malformed_artifact_is_refused(sp_config: SpConfig, saml_art: str) -> None:
    # Given something in SAMLart that is not a type 0x0004 artifact
    # When our ACS is asked to resolve it
    refused = refused_resolution(sp_config, saml_art)
    # Then it is refused as an invalid artifact
    assert refused.reason == "invalid_artifact"


def test_an_unsigned_artifact_response_is_refused(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given DigiD's back channel answering with an ArtifactResponse without a signature
    saml_art = simulator.issue_artifact(
        GENUINE_MESSAGE, sp_entity_id=sp_config.sp_entity_id, answer=ArtifactAnswer(signed=False)
    )
    # When the artifact is resolved
    refused = refused_resolution(sp_config, saml_art)
    # Then the answer is refused for its signature
    assert refused.reason == "invalid_signature"


def test_an_artifact_response_signed_by_another_key_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig, pki: TestPki
) -> None:
    # Given an ArtifactResponse signed with a key that is not DigiD's
    answer = ArtifactAnswer(signing_key_file=str(pki.intruder_key))
    saml_art = simulator.issue_artifact(GENUINE_MESSAGE, sp_entity_id=sp_config.sp_entity_id, answer=answer)
    # When the artifact is resolved
    refused = refused_resolution(sp_config, saml_art)
    # Then the answer is refused for its signature
    assert refused.reason == "invalid_signature"


def test_an_artifact_response_to_another_artifact_resolve_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given a correctly signed ArtifactResponse whose InResponseTo is not our ArtifactResolve's ID
    answer = ArtifactAnswer(in_response_to="ONELOGIN_someone_elses_resolve")
    saml_art = simulator.issue_artifact(GENUINE_MESSAGE, sp_entity_id=sp_config.sp_entity_id, answer=answer)
    # When the artifact is resolved
    refused = refused_resolution(sp_config, saml_art)
    # Then it is refused
    assert refused.reason == "invalid_response"


def _captured_genuine_answer(simulator: DigidSimulator, config: SpConfig) -> bytes:
    """A genuine SOAP answer of the simulator, signed by its key, as it came over the back channel."""
    captured: list[bytes] = []

    def capture(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
        status, answer = mutual_tls_post(config)(url, body, headers, timeout)
        captured.append(answer)
        return status, answer

    resolve_artifact(config, simulator.issue_artifact(GENUINE_MESSAGE), http_post=capture)
    return captured[0]


def test_an_artifact_response_whose_signature_references_another_element_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given a genuine signed ArtifactResponse, and an attacker who wraps it: a new ArtifactResponse for our
    # ArtifactResolve carries the genuine signature (whose reference still resolves to the nested original)
    genuine_soap = _captured_genuine_answer(simulator, sp_config)

    def attacker(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
        resolve_id = etree.fromstring(body).xpath("//samlp:ArtifactResolve/@ID", namespaces=NS)[0]
        envelope = etree.fromstring(genuine_soap)
        genuine = first(envelope, "//samlp:ArtifactResponse")
        evil = copy.deepcopy(genuine)
        evil.set("ID", "_evil")
        evil.set("InResponseTo", resolve_id)
        genuine.getparent().replace(genuine, evil)
        evil.append(genuine)
        return 200, etree.tostring(envelope)

    # When our ACS resolves an artifact and gets the wrapped answer
    with pytest.raises(SamlError) as refused:
        resolve_artifact(sp_config, simulator.issue_artifact(GENUINE_MESSAGE), http_post=attacker)
    # Then it is refused: the signature must reference the ArtifactResponse it is in
    assert refused.value.reason == "invalid_signature"
    assert "reference" in refused.value.detail


XXE_SOAP = (
    b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&x;</soap:Body></soap:Envelope>'
)
BILLION_LAUGHS_SOAP = (
    b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&d;</soap:Body></soap:Envelope>'
)
UTF16_XXE_SOAP = (
    XXE_SOAP.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
    .decode("ascii")
    .encode("utf-16")
)


@pytest.mark.parametrize(
    "soap_body", [XXE_SOAP, BILLION_LAUGHS_SOAP, UTF16_XXE_SOAP], ids=["xxe", "billion-laughs", "xxe-in-utf16"]
)
def test_a_soap_answer_with_a_doctype_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig, soap_body: bytes
) -> None:
    # Given the back channel answering with a DTD full of entities
    answer = ArtifactAnswer(raw_soap_body=soap_body)
    saml_art = simulator.issue_artifact(GENUINE_MESSAGE, sp_entity_id=sp_config.sp_entity_id, answer=answer)
    # When the artifact is resolved
    refused = refused_resolution(sp_config, saml_art)
    # Then the answer is refused before any entity is expanded
    assert refused.reason == "artifact_resolution_failed"
    assert "passwd" not in str(refused)


def test_the_artifact_resolution_service_refuses_a_client_without_a_certificate(
    simulator: DigidSimulator, pki: TestPki
) -> None:
    # Given a client that trusts the simulator's TLS certificate but has no client certificate
    # When it posts to the ArtifactResolutionService
    # Then the TLS layer refuses the connection
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(simulator.ars_url, data=b"<x/>", verify=str(pki.ca_cert), timeout=TIMEOUT)


def test_the_artifact_resolution_service_refuses_a_certificate_from_another_ca(
    simulator: DigidSimulator, sp_config: SpConfig, pki: TestPki
) -> None:
    # Given our SP configured with a client certificate the test CA did not issue
    intruder = dataclasses.replace(
        sp_config, tls_client_cert_pem=pki.read("intruder_cert"), tls_client_key_pem=pki.read("intruder_key")
    )
    answer = log_in(simulator, sp_config)
    # When it resolves an artifact
    refused = refused_resolution(intruder, answer.saml_art)
    # Then the back channel fails, and the artifact was not given away
    assert refused.reason == "artifact_resolution_failed"
    assert (
        validate_response(
            sp_config, resolve_artifact(sp_config, answer.saml_art), expected_request_id=answer.request.request_id
        ).kind
        == "success"
    )


def test_the_simulator_refuses_an_unsigned_artifact_resolve(simulator: DigidSimulator, pki: TestPki) -> None:
    # Given an ArtifactResolve without a signature, over a correct mutual-TLS connection
    saml_art = simulator.issue_artifact(GENUINE_MESSAGE)
    unsigned = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<samlp:ArtifactResolve xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"'
        ' xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_unsigned" Version="2.0"'
        ' IssueInstant="2030-01-01T00:00:00Z">'
        "<saml:Issuer>https://legitimatie.gemeente.test/digid/metadata</saml:Issuer>"
        f"<samlp:Artifact>{saml_art}</samlp:Artifact></samlp:ArtifactResolve></soap:Body></soap:Envelope>"
    )
    # When it is posted to the ArtifactResolutionService
    response = requests.post(
        simulator.ars_url,
        data=unsigned.encode(),
        headers={"Content-Type": "text/xml"},
        cert=(str(pki.sp_tls_cert), str(pki.sp_tls_key)),
        verify=str(pki.ca_cert),
        timeout=TIMEOUT,
    )
    # Then the answer is Requester/RequestDenied, without the message
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    assert "urn:oasis:names:tc:SAML:2.0:status:RequestDenied" in response.text
    assert "<samlp:Response" not in response.text


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_the_back_channel_gives_up_after_the_timeout(
    simulator: DigidSimulator, sp_config: SpConfig, pki: TestPki, silent_server: int
) -> None:
    # Given DigiD's metadata pointing at an ArtifactResolutionService that never answers
    silent_metadata = simulator.metadata_xml.replace(simulator.ars_url, f"https://127.0.0.1:{silent_server}/ars")
    config = make_sp_config(pki, silent_metadata, artifact_timeout_seconds=0.5)
    saml_art = log_in(simulator, sp_config).saml_art
    # When the artifact is resolved
    started = time.monotonic()
    refused = refused_resolution(config, saml_art)
    # Then we give up after about the timeout
    assert refused.reason == "artifact_resolution_failed"
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("sign_alg", "digest_alg"),
    [
        ("http://www.w3.org/2001/04/xmldsig-more#rsa-md5", "http://www.w3.org/2001/04/xmlenc#sha256"),
        ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#md5"),
        ("http://www.w3.org/2001/04/xmldsig-more#rsa-ripemd160", "http://www.w3.org/2001/04/xmlenc#ripemd160"),
    ],
    ids=["rsa-md5", "md5-digest", "rsa-ripemd160"],
)
def test_an_artifact_response_signed_by_digid_with_a_weak_algorithm_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig, sign_alg: str, digest_alg: str
) -> None:
    # Given an ArtifactResponse signed with DigiD's own key, but with MD5 or RIPEMD-160
    answer = ArtifactAnswer(sign_alg=sign_alg, digest_alg=digest_alg)
    saml_art = simulator.issue_artifact(GENUINE_MESSAGE, sp_entity_id=sp_config.sp_entity_id, answer=answer)
    # When our ACS resolves the artifact
    refused = refused_resolution(sp_config, saml_art)
    # Then the allow-list refuses it
    assert refused.reason == "invalid_signature" and "SHA-2 only" in refused.detail
