"""The AuthnRequest we send DigiD: what DigiD's interface specification asks for, signed as the binding says."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from digid.saml import SpConfig, build_authn_request
from legitimatie.assurance import LevelOfAssurance
from tests.saml.support import NS

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ARTIFACT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"


def redirect_parts(config: SpConfig, level: LevelOfAssurance, force_authn: bool) -> tuple[str, dict[str, str]]:
    request = build_authn_request(config, level, force_authn, "relay-9")
    assert request.redirect_url is not None and request.post_form is None
    query = urlsplit(request.redirect_url).query
    return query, {name: values[0] for name, values in parse_qs(query).items()}


@pytest.mark.parametrize("level", list(LevelOfAssurance), ids=lambda level: level.label)
def test_the_authn_request_asks_for_at_least_the_required_level_and_an_artifact(
    sp_config: SpConfig, level: LevelOfAssurance
) -> None:
    # Given a login that needs a certain level
    # When we build the AuthnRequest (Redirect binding)
    _, fields = redirect_parts(sp_config, level, force_authn=False)
    request = etree.fromstring(OneLogin_Saml2_Utils.decode_base64_and_inflate(fields["SAMLRequest"]))
    # Then it asks for that level as a minimum, an answer by artifact at our ACS, and says who we are
    assert request.xpath("string(samlp:RequestedAuthnContext/@Comparison)", namespaces=NS) == "minimum"
    assert request.xpath("samlp:RequestedAuthnContext/saml:AuthnContextClassRef/text()", namespaces=NS) == [
        level.authn_context
    ]
    assert request.get("ProtocolBinding") == ARTIFACT_BINDING
    assert request.get("AssertionConsumerServiceURL") == sp_config.acs_url
    assert request.get("Destination") == sp_config.idp.sso_redirect_url
    assert request.xpath("string(saml:Issuer)", namespaces=NS) == sp_config.sp_entity_id
    assert request.get("ForceAuthn") is None
    assert fields["RelayState"] == "relay-9"


def test_force_authn_is_sent_when_asked(sp_config: SpConfig) -> None:
    # Given a login that must not reuse a DigiD session
    # When we build the AuthnRequest
    _, fields = redirect_parts(sp_config, LevelOfAssurance.MIDDEN, force_authn=True)
    request = etree.fromstring(OneLogin_Saml2_Utils.decode_base64_and_inflate(fields["SAMLRequest"]))
    # Then it carries ForceAuthn="true"
    assert request.get("ForceAuthn") == "true"


def test_the_redirect_signature_covers_the_query_with_rsa_sha256(sp_config: SpConfig) -> None:
    # Given a Redirect-binding AuthnRequest
    query, fields = redirect_parts(sp_config, LevelOfAssurance.BASIS, force_authn=False)
    # When the signed part of the query is checked with our signing certificate
    signed_part = query.split("&Signature=")[0]
    valid = OneLogin_Saml2_Utils.validate_binary_sign(
        signed_part, OneLogin_Saml2_Utils.b64decode(fields["Signature"]), sp_config.signing_cert_pem, RSA_SHA256
    )
    # Then it verifies, and the algorithm is RSA-SHA256
    assert valid
    assert fields["SigAlg"] == RSA_SHA256


def test_the_post_binding_request_carries_an_enveloped_sha256_signature(sp_config: SpConfig) -> None:
    # Given an SP that uses the HTTP-POST binding
    config = dataclasses.replace(sp_config, request_binding="post")
    # When we build the AuthnRequest
    request = build_authn_request(config, LevelOfAssurance.MIDDEN, False, "relay-9")
    assert request.post_form is not None and request.redirect_url is None
    xml = OneLogin_Saml2_Utils.b64decode(request.post_form.fields["SAMLRequest"])
    root = etree.fromstring(xml)
    # Then the form goes to DigiD's POST endpoint with an enveloped RSA-SHA256/SHA-256 exclusive-c14n signature
    assert request.post_form.url == config.idp.sso_post_url
    assert request.post_form.fields["RelayState"] == "relay-9"
    assert root.xpath("string(ds:Signature/ds:SignedInfo/ds:SignatureMethod/@Algorithm)", namespaces=NS) == RSA_SHA256
    assert root.xpath("string(ds:Signature//ds:DigestMethod/@Algorithm)", namespaces=NS).endswith("#sha256")
    assert root.xpath("string(ds:Signature//ds:CanonicalizationMethod/@Algorithm)", namespaces=NS).endswith(
        "xml-exc-c14n#"
    )
    assert OneLogin_Saml2_Utils.validate_sign(
        xml, config.signing_cert_pem, xpath="/samlp:AuthnRequest/ds:Signature", raise_exceptions=False
    )


def test_each_authn_request_has_its_own_id(sp_config: SpConfig) -> None:
    # Given two logins
    # When we build two AuthnRequests
    first = build_authn_request(sp_config, LevelOfAssurance.BASIS, False, "a")
    second = build_authn_request(sp_config, LevelOfAssurance.BASIS, False, "a")
    # Then their IDs differ (each is stored and consumed once)
    assert first.request_id != second.request_id


def test_a_relay_state_longer_than_80_bytes_is_refused(sp_config: SpConfig) -> None:
    # Given a RelayState longer than the SAML bindings allow
    # When we build the AuthnRequest
    # Then it is refused
    with pytest.raises(ValueError, match="80 bytes"):
        build_authn_request(sp_config, LevelOfAssurance.BASIS, False, "x" * 81)


def test_the_request_carries_the_id_its_login_was_kept_pending_under(sp_config: SpConfig) -> None:
    # Given the ID a login start kept pending before the request was built
    from digid.saml import new_request_id

    request_id = new_request_id()
    # When the request is built under it (Redirect binding)
    request = build_authn_request(sp_config, LevelOfAssurance.MIDDEN, True, "relay-9", request_id=request_id)
    assert request.redirect_url is not None
    fields = {name: values[0] for name, values in parse_qs(urlsplit(request.redirect_url).query).items()}
    xml = etree.fromstring(OneLogin_Saml2_Utils.decode_base64_and_inflate(fields["SAMLRequest"]))
    # Then the signed request's ID is exactly that one: an xs:ID of 160 random bits, new for every login
    assert request.request_id == xml.get("ID") == request_id
    assert request_id.startswith("_") and len(request_id) == 41 and new_request_id() != request_id
