"""Safe parsing of untrusted XML and the namespaces of the SAML messages we read."""

from __future__ import annotations

from typing import Final

from lxml import etree
from onelogin.saml2.xmlparser import fromstring

from .errors import Reason, SamlError

NS: Final = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
}
MAX_MESSAGE_BYTES: Final = 512 * 1024  # a DigiD answer is a few kilobytes

_XMLDSIG_MORE: Final = "http://www.w3.org/2001/04/xmldsig-more#"
_XMLENC: Final = "http://www.w3.org/2001/04/xmlenc#"
# SHA-2 only, on every signature we check (ArtifactResponse, Response, Assertion). python3-saml's own
# rejectDeprecatedAlgorithm refuses SHA-1 but lets RSA-MD5, an MD5 digest or RIPEMD-160 through; xmlsec verifies them.
ALLOWED_SIGNATURE_METHODS: Final = frozenset(
    {
        _XMLDSIG_MORE + "rsa-sha256",
        _XMLDSIG_MORE + "rsa-sha384",
        _XMLDSIG_MORE + "rsa-sha512",
        _XMLDSIG_MORE + "ecdsa-sha256",
        _XMLDSIG_MORE + "ecdsa-sha384",
        _XMLDSIG_MORE + "ecdsa-sha512",
    }
)
ALLOWED_DIGEST_METHODS: Final = frozenset({_XMLENC + "sha256", _XMLDSIG_MORE + "sha384", _XMLENC + "sha512"})


def qname(prefix: str, local_name: str) -> str:
    """Clark notation, e.g. ``qname("saml", "Assertion")``."""
    return f"{{{NS[prefix]}}}{local_name}"


def parse_untrusted(data: str | bytes, *, reason: Reason) -> etree._Element:
    """Parse XML from outside: no DOCTYPE (so no entities, no XXE, no billion laughs), no network, bounded size.

    Comments and processing instructions are kept, so that checks can refuse them where they do not belong.
    Raises ``SamlError(reason)`` when the document is refused or is not well-formed.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_MESSAGE_BYTES:
        raise SamlError(reason, "the XML document is too large")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise SamlError(reason, "a DOCTYPE or entity declaration is not allowed")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )
    try:
        # onelogin's fromstring refuses any DOCTYPE that got past the byte check (e.g. in UTF-16)
        root: etree._Element = fromstring(raw, parser=parser, forbid_dtd=True, forbid_entities=True)
        return root
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise SamlError(reason, "the XML document is not well-formed or declares a DTD") from exc


def check_signature_algorithms(root: etree._Element) -> None:
    """Every ``ds:Signature`` in the document signs with an allowed SHA-2 method and SHA-2 digests only.

    Raises ``SamlError("invalid_signature")`` otherwise, before any signature is verified.
    """
    for signature in root.iter(qname("ds", "Signature")):
        methods = signature.xpath("ds:SignedInfo/ds:SignatureMethod/@Algorithm", namespaces=NS)
        digests = signature.xpath("ds:SignedInfo/ds:Reference/ds:DigestMethod/@Algorithm", namespaces=NS)
        if (
            len(methods) != 1
            or str(methods[0]) not in ALLOWED_SIGNATURE_METHODS
            or not digests
            or any(str(digest) not in ALLOWED_DIGEST_METHODS for digest in digests)
        ):
            raise SamlError("invalid_signature", "a signature uses an algorithm we do not accept (SHA-2 only)")


def single_child(parent: etree._Element, tag: str) -> etree._Element | None:
    """The only direct child with this tag, or None when there is none or more than one."""
    found = parent.findall(tag)
    return found[0] if len(found) == 1 else None


def text_of(element: etree._Element | None) -> str | None:
    """The whole text content of a simple element, stripped (None when absent)."""
    if element is None:
        return None
    return "".join(element.itertext()).strip()
