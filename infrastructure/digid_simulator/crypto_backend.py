"""A pysaml2 crypto backend on the python ``xmlsec`` binding, so the simulator needs no ``xmlsec1`` binary.

pysaml2 signs and verifies through a ``CryptoBackend``. Its default shells out to the ``xmlsec1`` program and its
alternative expects the unrelated pyXMLSecurity package; this one uses the python-xmlsec binding (the same
libxmlsec1 that python3-saml uses on the SP side), which is already installed as a binary wheel.
"""

from __future__ import annotations

import logging

import xmlsec
from lxml import etree
from saml2.sigver import CryptoBackend, SignatureError

__all__ = ["PythonXmlsecBackend"]

_log = logging.getLogger(__name__)
_DS = "http://www.w3.org/2000/09/xmldsig#"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class PythonXmlsecBackend(CryptoBackend):  # type: ignore[misc]  # pysaml2 is untyped: its base is Any
    """Enveloped XML signatures for pysaml2, done in-process with python-xmlsec."""

    @property
    def version(self) -> str:
        # get_libxmlsec_version is in xmlsec's module but missing from its stubs
        return ".".join(str(part) for part in xmlsec.get_libxmlsec_version())  # type: ignore[attr-defined]

    def sign_statement(self, statement: str | bytes, node_name: str, key_file: str, node_id: str | None) -> str:
        """Fill in the signature template pysaml2 placed in the element ``node_name`` with ID ``node_id``."""
        root = _parse(statement)
        signature = _signature_of(root, node_name, node_id)
        context = xmlsec.SignatureContext()
        context.key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
        try:
            context.sign(signature)
        except xmlsec.Error as exc:
            raise SignatureError(f"cannot sign {node_name}") from exc
        return etree.tostring(root, encoding="unicode")

    def validate_signature(
        self, signedtext: str | bytes, cert_file: str, cert_type: str, node_name: str, node_id: str | None
    ) -> bool:
        """True when the enveloped signature of the element verifies with the certificate in ``cert_file``."""
        if cert_type != "pem":
            raise SignatureError("only PEM certificates are supported")
        root = _parse(signedtext)
        signature = _signature_of(root, node_name, node_id)
        context = xmlsec.SignatureContext()
        context.key = xmlsec.Key.from_file(cert_file, xmlsec.constants.KeyDataFormatCertPem)
        context.set_enabled_key_data([xmlsec.constants.KeyDataX509])
        try:
            context.verify(signature)
        except xmlsec.Error:
            _log.info("signature of %s does not verify", node_name)
            return False
        return True


def _parse(text: str | bytes) -> etree._Element:
    data = text.encode("utf-8") if isinstance(text, str) else text
    root = etree.fromstring(data, _PARSER)
    if root.getroottree().docinfo.doctype:
        raise SignatureError("a DOCTYPE is not allowed in a SAML message")
    return root


def _signature_of(root: etree._Element, node_name: str, node_id: str | None) -> etree._Element:
    """The ds:Signature that is a direct child of the element with this name (``namespace:Local``) and ID."""
    namespace, _, local_name = node_name.rpartition(":")
    tag = f"{{{namespace}}}{local_name}"
    candidates = [node for node in root.iter(tag) if node_id is None or node.get("ID") == node_id]
    if len(candidates) != 1:
        raise SignatureError(f"expected exactly one {local_name} to sign or verify, found {len(candidates)}")
    signatures = candidates[0].findall(f"{{{_DS}}}Signature")
    if len(signatures) != 1:
        raise SignatureError(f"expected exactly one signature in {local_name}")
    xmlsec.tree.add_ids(root, ["ID"])
    return signatures[0]
