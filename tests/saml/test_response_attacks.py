"""Hostile Responses are refused, by both bindings (the POST binding turned on, as behind a broker). Each is
delivered the way it would really come: by artifact in DigiD's signed ArtifactResponse, or POSTed by a broker
(with a Destination, base64 wrapped in lines), through the ACS's one way in, ``consume``. Only the inner Response
is wrong; signatures are real, nothing is patched. The first lines of the original note follow.

ArtifactResponse), so only the inner Response is wrong; signatures are real, nothing is patched.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime
from collections.abc import Callable

import pytest
import xmlsec
from lxml import etree

from digid.saml import Binding, SamlError, SpConfig, build_authn_request
from infrastructure.digid_simulator import DigidSimulator, TestPki
from legitimatie.assurance import LevelOfAssurance
from tests.saml.support import NS, Delivery, consumed, deliver_by, edited, first, login_request_for

Change = Callable[[etree._Element], None]


@pytest.fixture
def sp_config(sp_config: SpConfig) -> SpConfig:
    """Our SP with the POST binding turned on, so that every attack below is also tried by POST."""
    return dataclasses.replace(sp_config, accept_post_binding=True)


@pytest.fixture(params=["artifact", "post"])
def binding(request: pytest.FixtureRequest) -> Binding:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def request_id(sp_config: SpConfig) -> str:
    """The ID of an AuthnRequest we sent (and stored)."""
    return build_authn_request(sp_config, LevelOfAssurance.MIDDEN, False, "r").request_id


def genuine_response(
    simulator: DigidSimulator, config: SpConfig, request_id: str, *, bsn: str = "999993653", signed: bool = True
) -> str:
    """The Response DigiD would send for ``bsn`` at Midden (its assertion signed unless ``signed=False``)."""
    login = login_request_for(config, request_id)
    return simulator.create_response(login, bsn=bsn, level="midden", sign_assertion=signed)


def refusal(config: SpConfig, delivery: Delivery, request_id: str) -> SamlError:
    with pytest.raises(SamlError) as refused:
        consumed(config, delivery, request_id)
    return refused.value


def test_the_genuine_response_is_accepted_so_the_refusals_below_are_about_the_attack(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given DigiD's genuine Response, delivered by artifact or POSTed
    delivery = deliver_by(simulator, sp_config, binding, genuine_response(simulator, sp_config, request_id))
    # When it is validated
    outcome = consumed(sp_config, delivery, request_id)
    # Then it is a success
    assert outcome.kind == "success" and outcome.bsn is not None and outcome.bsn.digits == "999993653"


def test_an_unsigned_assertion_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig, request_id: str, binding: Binding
) -> None:
    # Given a Response whose assertion carries no signature
    unsigned = genuine_response(simulator, sp_config, request_id, signed=False)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, unsigned), request_id)
    # Then it is refused for its signature
    assert refused.reason == "invalid_signature"


def test_an_assertion_signed_by_another_key_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    pki: TestPki,
    binding: Binding,
) -> None:
    # Given an assertion signed with a key that is not in DigiD's metadata
    unsigned = genuine_response(simulator, sp_config, request_id, signed=False)
    forged = simulator.sign_assertion(unsigned, key_file=str(pki.intruder_key))
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, forged), request_id)
    # Then it is refused for its signature
    assert refused.reason == "invalid_signature"


def _with_evil_assertion(position: str) -> Change:
    def change(root: etree._Element) -> None:
        signed = first(root, "saml:Assertion")
        evil = copy.deepcopy(signed)
        evil.set("ID", "_evil")
        for signature in evil.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
            evil.remove(signature)
        first(evil, "saml:Subject/saml:NameID").text = "s00000000:999990019"
        if position == "before":
            signed.addprevious(evil)
        else:
            signed.addnext(evil)

    return change


@pytest.mark.parametrize("position", ["before", "after"])
def test_an_extra_unsigned_assertion_next_to_the_signed_one_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    position: str,
    binding: Binding,
) -> None:
    # Given a genuine signed assertion, and an attacker's unsigned copy for another BSN placed beside it
    wrapped = edited(genuine_response(simulator, sp_config, request_id), _with_evil_assertion(position))
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, wrapped), request_id)
    # Then the whole Response is refused (exactly one assertion is allowed)
    assert refused.reason == "invalid_response"


def test_a_signed_assertion_hidden_in_extensions_behind_an_unsigned_one_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given the classic wrapping: the signed assertion moved into Extensions, an unsigned one in its place
    def change(root: etree._Element) -> None:
        signed = first(root, "saml:Assertion")
        evil = copy.deepcopy(signed)
        evil.remove(first(evil, "ds:Signature"))
        first(evil, "saml:Subject/saml:NameID").text = "s00000000:999990019"
        extensions = etree.Element("{urn:oasis:names:tc:SAML:2.0:protocol}Extensions")
        first(root, "saml:Issuer").addnext(extensions)
        extensions.append(signed)
        root.append(evil)

    wrapped = edited(genuine_response(simulator, sp_config, request_id), change)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, wrapped), request_id)
    # Then it is refused
    assert refused.reason in ("invalid_response", "invalid_signature")


@pytest.mark.parametrize("split_at", [14, 19])
def test_a_comment_injected_into_the_signed_name_id_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    split_at: int,
    binding: Binding,
) -> None:
    # Given DigiD signed "s00000000:123456782" and an attacker splits it with a comment, which the
    # signature does not cover (exclusive c14n without comments): "s00000000:1234<!---->56782"
    def inject(root: etree._Element) -> None:
        name_id = first(root, "saml:Assertion/saml:Subject/saml:NameID")
        value = name_id.text or ""
        name_id.text = value[:split_at]
        comment = etree.Comment("")
        comment.tail = value[split_at:]
        name_id.append(comment)

    injected = edited(genuine_response(simulator, sp_config, request_id, bsn="123456782"), inject)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, injected), request_id)
    # Then it is refused, whatever a parser would have made of the split text
    assert refused.reason == "invalid_response"
    assert "comment" in refused.detail


def _resigned(simulator: DigidSimulator, xml: str, change: Change) -> str:
    """An edit DigiD's key then signs: what a correct signature over the wrong content looks like."""
    return simulator.sign_assertion(edited(xml, change))


def test_an_assertion_for_another_audience_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a correctly signed assertion meant for another service provider
    def other_audience(root: etree._Element) -> None:
        first(root, "//saml:Audience").text = "https://other-sp.example/metadata"

    response_xml = _resigned(simulator, genuine_response(simulator, sp_config, request_id), other_audience)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused
    assert refused.reason == "invalid_response"


def test_an_assertion_without_an_audience_restriction_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a correctly signed assertion that names no audience at all (python3-saml alone would accept it)
    def no_audience(root: etree._Element) -> None:
        restriction = first(root, "//saml:AudienceRestriction")
        restriction.getparent().remove(restriction)

    response_xml = _resigned(simulator, genuine_response(simulator, sp_config, request_id), no_audience)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused
    assert refused.reason == "invalid_response" and "Audience" in refused.detail


def test_an_assertion_issued_by_someone_else_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a correctly signed Response and assertion that claim another issuer
    def other_issuer(root: etree._Element) -> None:
        for issuer in root.xpath("//saml:Issuer", namespaces=NS):
            issuer.text = "https://evil-idp.example/metadata"

    response_xml = _resigned(simulator, genuine_response(simulator, sp_config, request_id), other_issuer)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused
    assert refused.reason == "invalid_response"


def test_a_response_for_another_destination_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a Response addressed to another ACS (a longer URL that starts with ours)
    def other_destination(root: etree._Element) -> None:
        root.set("Destination", sp_config.acs_url + "-elsewhere")

    response_xml = edited(genuine_response(simulator, sp_config, request_id), other_destination)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused
    assert refused.reason == "invalid_response"


def test_an_assertion_for_another_recipient_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a correctly signed assertion whose Recipient only contains our ACS URL
    def other_recipient(root: etree._Element) -> None:
        first(root, "//saml:SubjectConfirmationData").set("Recipient", sp_config.acs_url + "/../evil")

    response_xml = _resigned(simulator, genuine_response(simulator, sp_config, request_id), other_recipient)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused
    assert refused.reason == "invalid_response"


def test_an_expired_assertion_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig, request_id: str, binding: Binding
) -> None:
    # Given a correctly signed assertion whose NotOnOrAfter passed ten minutes ago (beyond any clock skew)
    past = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def expired(root: etree._Element) -> None:
        for element in root.xpath("//saml:Conditions | //saml:SubjectConfirmationData", namespaces=NS):
            element.set("NotOnOrAfter", past)

    response_xml = _resigned(simulator, genuine_response(simulator, sp_config, request_id), expired)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused
    assert refused.reason == "invalid_response"


def test_an_assertion_is_refused_once_our_clock_is_past_not_on_or_after_plus_the_skew(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a genuine Response (valid for about two minutes)
    delivery = deliver_by(simulator, sp_config, binding, genuine_response(simulator, sp_config, request_id))
    # When it is validated at a moment five minutes later (our skew is one minute)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
    with pytest.raises(SamlError) as refused:
        consumed(sp_config, delivery, request_id, now=later)
    # Then it is refused as expired
    assert refused.value.reason == "invalid_response" and "expired" in refused.value.detail


def test_a_response_to_a_request_we_did_not_send_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a genuine Response to one of our AuthnRequests
    delivery = deliver_by(simulator, sp_config, binding, genuine_response(simulator, sp_config, request_id))
    # When it is validated as the answer to another request (e.g. another browser's)
    refused = refusal(sp_config, delivery, "ONELOGIN_some_other_request")
    # Then it is refused as unknown
    assert refused.reason == "unknown_request"


def test_a_name_id_with_another_sector_code_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a correctly signed assertion about a SOFI number (sector s00000001) instead of a BSN
    def sofi(root: etree._Element) -> None:
        first(root, "//saml:Subject/saml:NameID").text = "s00000001:999993653"

    response_xml = _resigned(simulator, genuine_response(simulator, sp_config, request_id), sofi)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused for the sector
    assert refused.reason == "wrong_sector"


def test_a_name_id_failing_the_elfproef_is_refused_without_showing_the_number(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a correctly signed assertion whose number fails the elfproef
    def bad_number(root: etree._Element) -> None:
        first(root, "//saml:Subject/saml:NameID").text = "s00000000:999993654"

    response_xml = _resigned(simulator, genuine_response(simulator, sp_config, request_id), bad_number)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused, and neither the message nor the repr shows the number
    assert refused.reason == "invalid_bsn"
    assert "99999365" not in str(refused) and "99999365" not in repr(refused)


def test_an_unknown_level_of_assurance_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a correctly signed assertion with an AuthnContextClassRef DigiD does not use
    def unknown_level(root: etree._Element) -> None:
        first(root, "//saml:AuthnContextClassRef").text = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"

    response_xml = _resigned(simulator, genuine_response(simulator, sp_config, request_id), unknown_level)
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, response_xml), request_id)
    # Then it is refused
    assert refused.reason == "invalid_response"


def test_a_level_below_the_required_one_in_a_successful_response_is_loa_too_low(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given a genuine success at Midden
    delivery = deliver_by(simulator, sp_config, binding, genuine_response(simulator, sp_config, request_id))
    # When we required Substantieel (we check the achieved level ourselves, not only DigiD)
    outcome = consumed(sp_config, delivery, request_id, required_loa=LevelOfAssurance.SUBSTANTIEEL)
    # Then the outcome is loa_too_low, without a BSN
    assert outcome.kind == "loa_too_low" and outcome.bsn is None and outcome.loa is LevelOfAssurance.MIDDEN


XXE = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0">&x;</samlp:Response>'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0">&d;</samlp:Response>'
)


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_a_post_saml_response_with_a_doctype_is_refused(sp_config: SpConfig, payload: str) -> None:
    # Given a SAMLResponse form field carrying a DTD with entities
    saml_response = base64.b64encode(payload.encode("utf-8")).decode("ascii")
    # When it is validated (HTTP-POST binding)
    with pytest.raises(SamlError) as refused:
        consumed(sp_config, Delivery("post", saml_response), "ONELOGIN_any")
    # Then it is refused before any entity is expanded
    assert refused.value.reason == "invalid_response"
    assert "passwd" not in str(refused.value)


def test_garbage_in_the_post_binding_is_refused(sp_config: SpConfig) -> None:
    # Given a SAMLResponse field that is not base64
    # When it is validated
    with pytest.raises(SamlError) as refused:
        consumed(sp_config, Delivery("post", "not base64 at all!"), "ONELOGIN_any")
    # Then it is refused
    assert refused.value.reason == "invalid_response"


# --- SHA-2 only: DigiD's own key, a genuinely valid signature, a weak algorithm ----------------------------------

_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
WEAK_ALGORITHMS = {
    "rsa-md5": (_MORE + "rsa-md5", "http://www.w3.org/2001/04/xmlenc#sha256"),
    "md5-digest": (_MORE + "rsa-sha256", _MORE + "md5"),
    "rsa-ripemd160": (_MORE + "rsa-ripemd160", "http://www.w3.org/2001/04/xmlenc#ripemd160"),
    "ripemd160-digest": (_MORE + "rsa-sha256", "http://www.w3.org/2001/04/xmlenc#ripemd160"),
    "rsa-sha1": ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"),
}


def _verifies_with_idp_key(response_xml: str, pki: TestPki) -> bool:
    """Control: the assertion's signature is genuinely valid under DigiD's certificate (xmlsec, any algorithm)."""
    root = etree.fromstring(response_xml.encode("utf-8"))
    signature = first(root, "saml:Assertion/ds:Signature")
    xmlsec.tree.add_ids(root, ["ID"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_file(str(pki.idp_signing_cert), xmlsec.KeyFormat.CERT_PEM)
    try:
        context.verify(signature)
    except xmlsec.Error:
        return False
    return True


@pytest.mark.parametrize("algorithms", list(WEAK_ALGORITHMS), ids=list(WEAK_ALGORITHMS))
def test_an_assertion_signed_by_digid_with_a_weak_algorithm_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig, request_id: str, pki: TestPki, binding: Binding, algorithms: str
) -> None:
    # Given DigiD's genuine answer, re-signed with DigiD's own key but with MD5, RIPEMD-160 or SHA-1
    sign_alg, digest_alg = WEAK_ALGORITHMS[algorithms]
    unsigned = genuine_response(simulator, sp_config, request_id, signed=False)
    weak = simulator.sign_assertion(unsigned, sign_alg=sign_alg, digest_alg=digest_alg)
    assert _verifies_with_idp_key(weak, pki)  # a valid signature: only the algorithm is wrong
    # When it is validated
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, weak), request_id)
    # Then the allow-list refuses it, before anything is read from it
    assert refused.reason == "invalid_signature" and "SHA-2 only" in refused.detail


def test_an_assertion_signed_by_digid_with_sha512_is_accepted(
    simulator: DigidSimulator, sp_config: SpConfig, request_id: str, binding: Binding
) -> None:
    # Given DigiD's answer signed with RSA-SHA512 and a SHA-512 digest (on the allow-list)
    unsigned = genuine_response(simulator, sp_config, request_id, signed=False)
    strong = simulator.sign_assertion(
        unsigned, sign_alg=_MORE + "rsa-sha512", digest_alg="http://www.w3.org/2001/04/xmlenc#sha512"
    )
    # When it is validated
    outcome = consumed(sp_config, deliver_by(simulator, sp_config, binding, strong), request_id)
    # Then it is a success
    assert outcome.kind == "success"


# --- Destination: checked when present, required only for the POST binding ---------------------------------------


def test_digids_artifact_bound_response_without_destination_is_accepted(
    simulator: DigidSimulator, sp_config: SpConfig, request_id: str
) -> None:
    # Given DigiD's Response in Logius' shape: no Destination attribute
    response_xml = genuine_response(simulator, sp_config, request_id)
    assert etree.fromstring(response_xml.encode()).get("Destination") is None
    # When it arrives by artifact
    outcome = consumed(sp_config, deliver_by(simulator, sp_config, "artifact", response_xml), request_id)
    # Then it is accepted
    assert outcome.kind == "success"


def test_a_posted_response_without_destination_is_refused(
    simulator: DigidSimulator, sp_config: SpConfig, request_id: str
) -> None:
    # Given a genuine Response POSTed without a Destination (SAML bindings 3.5.5.2 requires it for POST)
    response_xml = genuine_response(simulator, sp_config, request_id)
    encoded = base64.b64encode(response_xml.encode("utf-8")).decode("ascii")
    # When it is validated
    refused = refusal(sp_config, Delivery("post", encoded), request_id)
    # Then it is refused for the missing Destination
    assert refused.reason == "invalid_response" and "Destination" in refused.detail


def test_the_post_binding_is_refused_when_it_is_turned_off(
    simulator: DigidSimulator, sp_config: SpConfig, request_id: str
) -> None:
    # Given a genuine Response POSTed to an SP whose POST binding is off (the default)
    delivery = deliver_by(simulator, sp_config, "post", genuine_response(simulator, sp_config, request_id))
    default_config = dataclasses.replace(sp_config, accept_post_binding=False)
    # When it is validated
    refused = refusal(default_config, delivery, request_id)
    # Then it is refused for its binding
    assert refused.reason == "binding_not_allowed"


def test_a_cancel_answering_another_request_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given an answer without an assertion (the resident cancelled at DigiD) to one of our AuthnRequests
    def cancelled(root: etree._Element) -> None:
        root.remove(first(root, "saml:Assertion"))
        status_code = first(root, "samlp:Status/samlp:StatusCode")
        status_code.set("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")
        etree.SubElement(status_code, f"{{{NS['samlp']}}}StatusCode").set(
            "Value", "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
        )

    answer = edited(genuine_response(simulator, sp_config, request_id), cancelled)
    delivery = deliver_by(simulator, sp_config, binding, answer)
    assert consumed(sp_config, delivery, request_id).kind == "cancelled"
    # When it is taken as the answer to another request (another browser's pending login)
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, answer), "ONELOGIN_some_other_request")
    # Then it is refused as unknown: the Response's own InResponseTo is checked, assertion or not
    assert refused.reason == "unknown_request"


def test_an_assertion_whose_subject_confirmation_names_no_request_is_refused(
    simulator: DigidSimulator,
    sp_config: SpConfig,
    request_id: str,
    binding: Binding,
) -> None:
    # Given an assertion, signed by DigiD's key, whose SubjectConfirmationData answers no AuthnRequest
    def unsolicited(root: etree._Element) -> None:
        del first(root, "//saml:SubjectConfirmationData").attrib["InResponseTo"]

    resigned = _resigned(simulator, genuine_response(simulator, sp_config, request_id, signed=False), unsolicited)
    # When it is validated as the answer to our request
    refused = refusal(sp_config, deliver_by(simulator, sp_config, binding, resigned), request_id)
    # Then it is refused as not answering it (python3-saml accepts a missing InResponseTo there; we do not)
    assert refused.reason == "unknown_request"
