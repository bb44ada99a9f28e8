"""Artifact resolution (SAML bindings 3.6), which upstream python3-saml lacks: built on its and xmlsec's primitives.

The browser brings an artifact; we send DigiD a signed ArtifactResolve over SOAP and mutual TLS and accept the
answer only when the ArtifactResponse itself is signed by DigiD, answers our request and reports success.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Final
from xml.sax.saxutils import escape, quoteattr

import xmlsec
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from ._xml import NS, check_signature_algorithms, parse_untrusted, qname, single_child, text_of
from .back_channel import HttpPost, mutual_tls_post
from .config import IdpMetadata, SpConfig
from .errors import SamlError

__all__ = ["resolve_artifact"]

_TYPE_CODE: Final = b"\x00\x04"
_ARTIFACT_LENGTH: Final = 44  # type code (2) + endpoint index (2) + SourceID (20) + message handle (20)
_MAX_ARTIFACT_TEXT: Final = 128  # base64 of 44 bytes is 60 characters
_SOAP_ACTION: Final = "http://www.oasis-open.org/committees/security"
_EXCLUSIVE_C14N: Final = frozenset(
    {
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    }
)
_ALLOWED_TRANSFORMS: Final = _EXCLUSIVE_C14N | {"http://www.w3.org/2000/09/xmldsig#enveloped-signature"}


def resolve_artifact(config: SpConfig, saml_art: str, *, http_post: HttpPost | None = None) -> str:
    """Exchange the artifact from the browser for DigiD's ``<samlp:Response>`` (returned as an XML string).

    Checks the artifact's form (type 0x0004, SourceID of DigiD's entityID), posts a signed ArtifactResolve to the
    ArtifactResolutionService (index 0) with mutual TLS and a timeout, and verifies that the ArtifactResponse is
    signed by DigiD (the reference must point at the ArtifactResponse itself), answers our ArtifactResolve, comes
    from DigiD and reports success. The Response inside still needs ``validate_response``.
    ``http_post`` replaces the transport in tests. Raises ``SamlError``.
    """
    idp = config.idp
    check_artifact(saml_art, idp)
    resolve_id = OneLogin_Saml2_Utils.generate_unique_id()
    envelope = _signed_artifact_resolve_envelope(config, resolve_id, saml_art)
    post = http_post or mutual_tls_post(config)
    headers: Mapping[str, str] = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": _SOAP_ACTION}
    try:
        status, body = post(idp.artifact_resolution_url, envelope, headers, config.artifact_timeout_seconds)
    except Exception as exc:  # any transport failure (TLS, timeout, refused) means the same to the resident
        raise SamlError("artifact_resolution_failed", f"the back channel failed ({type(exc).__name__})") from exc
    if status != 200:
        raise SamlError("artifact_resolution_failed", f"the ArtifactResolutionService answered HTTP {status}")
    artifact_response = _artifact_response_from_soap(body)
    _verify_artifact_response_signature(artifact_response, idp)
    _check_artifact_response(artifact_response, idp, resolve_id)
    return _inner_response(artifact_response)


def check_artifact(saml_art: str, idp: IdpMetadata) -> None:
    """A SAML 2.0 artifact of type 0x0004 whose SourceID is the SHA-1 of DigiD's entityID."""
    if len(saml_art) > _MAX_ARTIFACT_TEXT:
        raise SamlError("invalid_artifact", "the artifact is too long")
    try:
        raw = base64.b64decode(saml_art.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SamlError("invalid_artifact", "the artifact is not base64") from exc
    if len(raw) != _ARTIFACT_LENGTH or raw[:2] != _TYPE_CODE:
        raise SamlError("invalid_artifact", "the artifact is not a SAML 2.0 type 0x0004 artifact")
    # The endpoint index (raw[2:4]) is not used: DigiD publishes one ArtifactResolutionService, index 0.
    if raw[4:24] != idp.source_id:
        raise SamlError("invalid_artifact", "artifact for another IdP")


def _signed_artifact_resolve_envelope(config: SpConfig, resolve_id: str, saml_art: str) -> bytes:
    issue_instant = OneLogin_Saml2_Utils.parse_time_to_SAML(OneLogin_Saml2_Utils.now())
    artifact_resolve = (
        f'<samlp:ArtifactResolve xmlns:samlp="{NS["samlp"]}" xmlns:saml="{NS["saml"]}"'
        f' ID={quoteattr(resolve_id)} Version="2.0" IssueInstant={quoteattr(issue_instant)}'
        f" Destination={quoteattr(config.idp.artifact_resolution_url)}>"
        f"<saml:Issuer>{escape(config.sp_entity_id)}</saml:Issuer>"
        f"<samlp:Artifact>{escape(saml_art.strip())}</samlp:Artifact>"
        "</samlp:ArtifactResolve>"
    )
    signed = OneLogin_Saml2_Utils.add_sign(
        artifact_resolve,
        config.signing_key_pem,
        config.signing_cert_pem,
        sign_algorithm=Saml.RSA_SHA256,
        digest_algorithm=Saml.SHA256,
    )
    envelope = etree.Element(qname("soap", "Envelope"), nsmap={"soap": NS["soap"]})
    body = etree.SubElement(envelope, qname("soap", "Body"))
    body.append(etree.fromstring(signed))  # our own XML, just signed: no untrusted input here
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _artifact_response_from_soap(body: bytes) -> etree._Element:
    envelope = parse_untrusted(body, reason="artifact_resolution_failed")
    soap_body = single_child(envelope, qname("soap", "Body")) if envelope.tag == qname("soap", "Envelope") else None
    children = [child for child in (soap_body if soap_body is not None else []) if isinstance(child.tag, str)]
    if len(children) != 1 or children[0].tag != qname("samlp", "ArtifactResponse"):
        raise SamlError("artifact_resolution_failed", "the SOAP answer holds no single ArtifactResponse")
    return children[0]


def _verify_artifact_response_signature(artifact_response: etree._Element, idp: IdpMetadata) -> None:
    """The ArtifactResponse's own enveloped signature, by DigiD, over exactly this element (no wrapping)."""
    signature = single_child(artifact_response, qname("ds", "Signature"))
    if signature is None:
        raise SamlError("invalid_signature", "the ArtifactResponse is not signed")
    element_id = artifact_response.get("ID")
    document = artifact_response.getroottree()
    if not element_id or len(document.xpath("//*[@ID=$id]", id=element_id)) != 1:
        raise SamlError("invalid_signature", "the ArtifactResponse needs an ID that is unique in the document")
    _check_signature_profile(signature, element_id)
    xmlsec.tree.add_ids(artifact_response, ["ID"])  # so that the reference "#ID" resolves to this element
    for cert in idp.signing_certs:
        if OneLogin_Saml2_Utils.validate_node_sign(signature, artifact_response, cert, raise_exceptions=False):
            return
    raise SamlError("invalid_signature", "the ArtifactResponse signature does not verify with DigiD's certificate")


def _check_signature_profile(signature: etree._Element, element_id: str) -> None:
    """SAML's XML signature profile: one reference to the enveloping element, SHA-2, exclusive c14n, no Object."""
    signed_info = single_child(signature, qname("ds", "SignedInfo"))
    references = signed_info.findall(qname("ds", "Reference")) if signed_info is not None else []
    if signed_info is None or len(references) != 1 or references[0].get("URI") != f"#{element_id}":
        raise SamlError("invalid_signature", "the signature must reference the ArtifactResponse itself")
    check_signature_algorithms(signature)
    c14n = signed_info.xpath("string(ds:CanonicalizationMethod/@Algorithm)", namespaces=NS)
    transforms = set(references[0].xpath("ds:Transforms/ds:Transform/@Algorithm", namespaces=NS))
    if (
        c14n not in _EXCLUSIVE_C14N
        or not transforms <= _ALLOWED_TRANSFORMS
        or signature.find(qname("ds", "Object")) is not None
    ):
        raise SamlError("invalid_signature", "the ArtifactResponse signature uses algorithms we do not accept")


def _check_artifact_response(artifact_response: etree._Element, idp: IdpMetadata, resolve_id: str) -> None:
    if artifact_response.get("InResponseTo") != resolve_id:
        raise SamlError("invalid_response", "the ArtifactResponse does not answer our ArtifactResolve")
    if text_of(single_child(artifact_response, qname("saml", "Issuer"))) != idp.entity_id:
        raise SamlError("invalid_response", "the ArtifactResponse was not issued by DigiD")
    status = artifact_response.xpath("string(samlp:Status/samlp:StatusCode/@Value)", namespaces=NS)
    if status != Saml.STATUS_SUCCESS:
        raise SamlError("artifact_resolution_failed", "DigiD refused to resolve the artifact (unknown or used)")


def _inner_response(artifact_response: etree._Element) -> str:
    status = single_child(artifact_response, qname("samlp", "Status"))
    after_status = [node for node in status.itersiblings() if isinstance(node.tag, str)] if status is not None else []
    if len(after_status) != 1 or after_status[0].tag != qname("samlp", "Response"):
        raise SamlError("artifact_resolution_failed", "the ArtifactResponse carries no Response")
    return etree.tostring(after_status[0], encoding="unicode")
