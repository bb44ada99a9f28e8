"""The SAML side of the DigiD simulator, on pysaml2's ``saml2.server.Server``, behaving like DigiD.

Like DigiD and unlike pysaml2's example IdP, it refuses unsigned AuthnRequests and ArtifactResolves, answers
only by artifact, resolves each artifact once and only for a short while, and signs the ArtifactResponse.

Its answers take one of two shapes (``SHAPES``): ``"logius"`` (the default) is the shape of Logius' example
messages (spec v3.7, step 7): the artifact-bound Response has no ``Destination``; the AuthnStatement carries a
SessionIndex and a SubjectLocality; a cancel is Responder/AuthnFailed and a level too low Responder/NoAuthnContext,
both without an Assertion. ``"broker"`` is the stricter shape a SAML broker sends: the same, with ``Destination``.
Kept independent of our SP code on purpose (its own level table and elfproef), so the SP is tested against a
peer it does not share code with.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final, Literal
from urllib.parse import urlencode

from lxml import etree
from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP, saml, samlp
from saml2 import xmldsig as ds
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.s_utils import sid, success_status_factory
from saml2.server import Server
from saml2.sigver import RSACrypto, import_rsa_key_from_file, pre_signature_part
from saml2.time_util import instant
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from .crypto_backend import PythonXmlsecBackend
from .pki import TestPki

__all__ = [
    "LEVELS",
    "SHAPES",
    "ArtifactAnswer",
    "DigidIdp",
    "LoginRequest",
    "RequestRefused",
    "Shape",
    "is_valid_bsn",
]

_log = logging.getLogger(__name__)

_AC: Final = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
LEVELS: Final = {  # DigiD's levels, in order, with their AuthnContextClassRef
    "basis": _AC + "PasswordProtectedTransport",
    "midden": _AC + "MobileTwoFactorContract",
    "substantieel": _AC + "Smartcard",
    "hoog": _AC + "SmartcardPKI",
}
_RANK: Final = {label: rank for rank, label in enumerate(LEVELS)}
_LABEL_OF: Final = {uri: label for label, uri in LEVELS.items()}
_NS: Final = {
    "samlp": samlp.NAMESPACE,
    "saml": saml.NAMESPACE,
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
}
_STATUS_AUTHN_FAILED: Final = samlp.STATUS_AUTHN_FAILED
_STATUS_NO_AUTHN_CONTEXT: Final = samlp.STATUS_NO_AUTHN_CONTEXT
_STATUS_REQUEST_DENIED: Final = samlp.STATUS_REQUEST_DENIED
_SECTOR_BSN: Final = "s00000000"
_ASSERTION: Final = f"{saml.NAMESPACE}:Assertion"  # pysaml2's node names: namespace, colon, local name
_ARTIFACT_RESPONSE: Final = f"{samlp.NAMESPACE}:ArtifactResponse"
Shape = Literal["logius", "broker"]
SHAPES: Final[tuple[Shape, ...]] = ("logius", "broker")
_SUBJECT_LOCALITY_ADDRESS: Final = "127.0.0.1"  # where the resident's browser was, as DigiD reports it


def _parser() -> etree.XMLParser:
    """A parser that resolves no entities, reads no DTD and goes to no network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class RequestRefused(Exception):
    """An AuthnRequest DigiD would refuse (Requester / RequestDenied): unsigned, badly signed, unknown SP."""


@dataclass(frozen=True)
class LoginRequest:
    """A verified AuthnRequest waiting for the resident to log in or cancel."""

    request_id: str
    sp_entity_id: str
    acs_url: str
    requested_level: str  # a key of LEVELS
    force_authn: bool
    relay_state: str | None


@dataclass(frozen=True)
class ArtifactAnswer:
    """Test hook: how the ArtifactResponse for one artifact is made. The default is what DigiD does."""

    signed: bool = True
    signing_key_file: str | None = None  # another key than the IdP's
    in_response_to: str | None = None  # another InResponseTo than the ArtifactResolve's ID
    raw_soap_body: bytes | None = None  # answer these bytes instead, whatever the request
    sign_alg: str = SIG_RSA_SHA256  # a weak one to test our allow-list
    digest_alg: str = DIGEST_SHA256


@dataclass
class _Artifact:
    message_xml: str | None
    sp_entity_id: str | None
    issued_at: float
    answer: ArtifactAnswer = field(default_factory=ArtifactAnswer)


def is_valid_bsn(value: str) -> bool:
    """Nine digits passing the elfproef (weights 9..2 and -1)."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(int(d) * w for d, w in zip(value, weights, strict=True)) % 11 == 0 and value != "000000000"


class DigidIdp:
    """The IdP: verified login requests, responses by artifact, single-use artifacts. Thread-safe."""

    def __init__(
        self,
        *,
        entity_id: str,
        sso_url: str,
        ars_url: str,
        pki: TestPki,
        artifact_lifetime_seconds: float = 60.0,
        pending_lifetime_seconds: float = 15 * 60.0,
        clock: Callable[[], float] = time.monotonic,
        shape: Shape = "logius",
    ) -> None:
        if shape not in SHAPES:
            raise ValueError(f"unknown answer shape {shape!r}; one of {SHAPES}")
        self.shape: Shape = shape  # may be changed while running (tests run the flows in both shapes)
        self.entity_id = entity_id
        self.sso_url = sso_url
        self.ars_url = ars_url
        self._pki = pki
        self._artifact_lifetime = artifact_lifetime_seconds
        self._pending_lifetime = pending_lifetime_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._pending: dict[str, tuple[float, LoginRequest]] = {}
        self._artifacts: dict[str, _Artifact] = {}
        self._server: Server | None = None
        self._config = self._idp_config(sp_metadata_xml=None)

    # ------------------------------------------------------------------ configuration

    @property
    def metadata_xml(self) -> str:
        """The IdP metadata: SSO (Redirect and POST), the https ArtifactResolutionService (index 0), signing cert."""
        descriptor = entity_descriptor(self._config)
        xml: bytes = descriptor.to_string({"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": _NS["ds"]})
        return xml.decode("utf-8")

    @property
    def knows_sp(self) -> bool:
        return self._server is not None

    def load_sp_metadata(self, sp_metadata_xml: str) -> None:
        """Trust this SP: its signing certificates and assertion consumer services come from its metadata."""
        config = self._idp_config(sp_metadata_xml=sp_metadata_xml)
        server = Server(config=config)
        server.sec.crypto = PythonXmlsecBackend()  # no xmlsec1 binary needed
        server.sec.sec_backend = RSACrypto(import_rsa_key_from_file(str(self._pki.idp_signing_key)))
        with self._lock:
            self._server = server

    def _idp_config(self, *, sp_metadata_xml: str | None) -> IdPConfig:
        settings = {
            "entityid": self.entity_id,
            "crypto_backend": "XMLSecurity",  # replaced by PythonXmlsecBackend right after construction
            "key_file": str(self._pki.idp_signing_key),
            "cert_file": str(self._pki.idp_signing_cert),
            "accepted_time_diff": 60,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [
                            (self.sso_url, BINDING_HTTP_REDIRECT),
                            (self.sso_url, BINDING_HTTP_POST),
                        ],
                        "artifact_resolution_service": [(self.ars_url, BINDING_SOAP, 0)],
                    },
                    "want_authn_requests_signed": True,
                    "policy": {"default": {"lifetime": {"minutes": 2}}},
                    "name_id_format": [saml.NAMEID_FORMAT_UNSPECIFIED],
                    "signing_algorithm": SIG_RSA_SHA256,
                    "digest_algorithm": DIGEST_SHA256,
                },
            },
            "metadata": {"inline": [sp_metadata_xml]} if sp_metadata_xml else {},
        }
        config = IdPConfig()
        config.load(settings)
        return config

    @contextmanager
    def _pysaml2(self) -> Iterator[Server]:
        """pysaml2's Server, one caller at a time: it was not written for threads."""
        with self._lock:
            if self._server is None:
                raise RequestRefused("the simulator knows no SP metadata yet")
            yield self._server

    # ------------------------------------------------------------------ single sign-on

    def receive_authn_request(
        self,
        binding: str,
        saml_request: str,
        relay_state: str | None = None,
        sig_alg: str | None = None,
        signature: str | None = None,
    ) -> tuple[str, LoginRequest]:
        """Verify an AuthnRequest (signature by the SP's metadata certificate) and keep it under a random token."""
        try:
            with self._pysaml2() as server:
                message = server.parse_authn_request(saml_request, binding, relay_state, sig_alg, signature).message
                destination = server.response_args(message, [BINDING_HTTP_ARTIFACT])["destination"]
        except RequestRefused:
            raise
        except Exception as exc:  # pysaml2 raises many kinds; every one means "refused"
            _log.info("AuthnRequest refused: %s", type(exc).__name__)
            raise RequestRefused("the AuthnRequest is not signed correctly by a known SP") from exc
        login = LoginRequest(
            request_id=message.id,
            sp_entity_id=message.issuer.text.strip(),
            acs_url=destination,
            requested_level=_requested_level(message),
            force_authn=str(message.force_authn).lower() == "true",
            relay_state=relay_state,
        )
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._forget_old_pending()
            self._pending[token] = (self._clock(), login)
        return token, login

    def pending(self, token: str) -> LoginRequest | None:
        """The login request behind a form token, if it is still waiting."""
        with self._lock:
            self._forget_old_pending()
            entry = self._pending.get(token)
            return entry[1] if entry else None

    def finish_login(self, token: str, *, action: str, bsn: str = "", level: str = "") -> str | None:
        """Answer the pending request: login or cancel. Returns the ACS redirect URL with SAMLart and RelayState.

        None when the token is unknown or used. Raises ``ValueError`` for an invalid BSN or level (form error).
        """
        if action == "login" and not is_valid_bsn(bsn):
            raise ValueError("bsn")
        if action == "login" and level not in LEVELS:
            raise ValueError("level")
        with self._lock:
            entry = self._pending.pop(token, None)
        if entry is None:
            return None
        login = entry[1]
        if action != "login":
            response_xml = self._error_response(login, _STATUS_AUTHN_FAILED, "Inloggen geannuleerd.")
        elif _RANK[level] < _RANK[login.requested_level]:
            response_xml = self._error_response(login, _STATUS_NO_AUTHN_CONTEXT, "Betrouwbaarheidsniveau te laag.")
        else:
            response_xml = self.create_response(login, bsn=bsn, level=level)
        artifact = self.issue_artifact(response_xml, sp_entity_id=login.sp_entity_id)
        query = {"SAMLart": artifact} | ({"RelayState": login.relay_state} if login.relay_state is not None else {})
        separator = "&" if "?" in login.acs_url else "?"
        return f"{login.acs_url}{separator}{urlencode(query)}"

    def create_response(self, login: LoginRequest, *, bsn: str, level: str, sign_assertion: bool = True) -> str:
        """A successful Response with an Assertion about ``s00000000:<bsn>`` at ``level`` (signed unless told),
        in the current ``shape``."""
        name_id = saml.NameID(text=f"{_SECTOR_BSN}:{bsn}", format=saml.NAMEID_FORMAT_UNSPECIFIED)
        with self._pysaml2() as server:
            response = server.create_authn_response(
                identity={},
                in_response_to=login.request_id,
                destination=login.acs_url,
                sp_entity_id=login.sp_entity_id,
                name_id=name_id,
                authn={"class_ref": LEVELS[level], "authn_auth": self.entity_id},
                sign_assertion=False,
                sign_response=False,
            )
        xml = response if isinstance(response, str) else response.to_string().decode("utf-8")
        shaped = self._shaped(xml, with_subject_locality=True)
        return self.sign_assertion(shaped) if sign_assertion else shaped

    def _error_response(self, login: LoginRequest, status_code: str, message: str) -> str:
        """Top-level Responder with ``status_code`` below it, and no Assertion."""
        with self._pysaml2() as server:
            response = server.create_error_response(
                login.request_id, login.acs_url, (status_code, message), sign=False, issuer=self._issuer()
            )
        return self._shaped(response.to_string().decode("utf-8"), with_subject_locality=False)

    def _shaped(self, response_xml: str, *, with_subject_locality: bool) -> str:
        """pysaml2's Response in the current shape: Logius' without Destination; SubjectLocality as DigiD sends it."""
        root = etree.fromstring(response_xml.encode("utf-8"), _parser())
        if self.shape == "logius":
            root.attrib.pop("Destination", None)
        for statement in root.iter(f"{{{saml.NAMESPACE}}}AuthnStatement"):
            if not statement.get("SessionIndex"):
                statement.set("SessionIndex", sid())
            if with_subject_locality and statement.find(f"{{{saml.NAMESPACE}}}SubjectLocality") is None:
                locality = etree.Element(f"{{{saml.NAMESPACE}}}SubjectLocality", Address=_SUBJECT_LOCALITY_ADDRESS)
                statement.insert(0, locality)  # before AuthnContext, as the schema orders them
        return etree.tostring(root, encoding="unicode")

    def _issuer(self) -> saml.Issuer:
        return saml.Issuer(text=self.entity_id, format=saml.NAMEID_FORMAT_ENTITY)

    def _forget_old_pending(self) -> None:
        horizon = self._clock() - self._pending_lifetime
        for token in [t for t, (created, _) in self._pending.items() if created < horizon]:
            del self._pending[token]

    # ------------------------------------------------------------------ artifacts

    def issue_artifact(
        self, message_xml: str | None, *, sp_entity_id: str | None = None, answer: ArtifactAnswer | None = None
    ) -> str:
        """Keep a message (any XML, e.g. a crafted Response in tests) and return a fresh 0x0004 artifact for it.

        ``sp_entity_id`` binds the artifact to the SP that may resolve it (None: any SP known from metadata).
        """
        with self._pysaml2() as server:
            pysaml2_artifact = server.use_artifact(message_xml or "", endpoint_index=0)
            server.artifact.pop(pysaml2_artifact, None)  # we keep the message ourselves, with a lifetime
            artifact = _with_binary_endpoint_index(pysaml2_artifact)
            self._artifacts[artifact] = _Artifact(
                message_xml=message_xml,
                sp_entity_id=sp_entity_id,
                issued_at=self._clock(),
                answer=answer or ArtifactAnswer(),
            )
        return artifact

    def resolve(self, soap_request: bytes) -> bytes:
        """Answer one SOAP ArtifactResolve with a signed ArtifactResponse (RequestDenied when refused)."""
        resolve_xml = _artifact_resolve_xml(soap_request)
        try:
            with self._pysaml2() as server:
                # "artifact_resolve": pysaml2's correctly_signed_artifact_request looks up a parser it lacks
                request = server.sec.correctly_signed_message(resolve_xml, "artifact_resolve", must=True)
        except RequestRefused:
            raise
        except Exception as exc:  # unsigned, badly signed or unknown sender: pysaml2 raises many kinds
            _log.info("ArtifactResolve refused: %s", type(exc).__name__)
            request = samlp.artifact_resolve_from_string(resolve_xml)
            if request is None:
                raise RequestRefused("not an ArtifactResolve") from exc
            return self._artifact_response(request.id, None, ArtifactAnswer())
        stored = self._take_artifact(request.artifact.text.strip() if request.artifact is not None else "")
        issuer = request.issuer.text.strip() if request.issuer is not None else None
        if stored is None or (stored.sp_entity_id is not None and stored.sp_entity_id != issuer):
            return self._artifact_response(request.id, None, ArtifactAnswer())
        if request.destination and request.destination != self.ars_url:
            return self._artifact_response(request.id, None, ArtifactAnswer())
        if stored.answer.raw_soap_body is not None:
            return stored.answer.raw_soap_body
        return self._artifact_response(request.id, stored.message_xml, stored.answer)

    def _take_artifact(self, artifact: str) -> _Artifact | None:
        """Single use and a short lifetime: the artifact is gone after this, resolved or not."""
        with self._lock:
            stored = self._artifacts.pop(artifact, None)
            horizon = self._clock() - self._artifact_lifetime
            for key in [k for k, v in self._artifacts.items() if v.issued_at < horizon]:
                del self._artifacts[key]
        if stored is None or stored.issued_at < self._clock() - self._artifact_lifetime:
            return None
        return stored

    def _artifact_response(self, resolve_id: str, message_xml: str | None, answer: ArtifactAnswer) -> bytes:
        status = success_status_factory() if message_xml is not None else _request_denied()
        response = samlp.ArtifactResponse(
            id=sid(),
            version="2.0",
            issue_instant=instant(),
            issuer=self._issuer(),
            in_response_to=answer.in_response_to or resolve_id,
            status=status,
        )
        if answer.signed:
            response.signature = self._signature_template(
                response.id, sign_alg=answer.sign_alg, digest_alg=answer.digest_alg
            )
        root = etree.fromstring(response.to_string(), _parser())
        if message_xml:
            root.append(etree.fromstring(message_xml.encode("utf-8"), _parser()))
        xml = etree.tostring(root, encoding="unicode")
        if answer.signed:
            xml = self._sign(xml, _ARTIFACT_RESPONSE, response.id, answer.signing_key_file)
        return soap_envelope(xml)

    # ------------------------------------------------------------------ test hooks (no HTTP surface)

    def sign_assertion(
        self,
        response_xml: str,
        *,
        key_file: str | None = None,
        sign_alg: str = SIG_RSA_SHA256,
        digest_alg: str = DIGEST_SHA256,
    ) -> str:
        """(Re)sign the Assertion(s) with ID in a Response: the IdP's key, or ``key_file`` to forge one; tests may
        choose other (weak) algorithms, which xmlsec signs genuinely."""
        root = etree.fromstring(response_xml.encode("utf-8"), _parser())
        assertion_ids = []
        for assertion in root.iter(f"{{{saml.NAMESPACE}}}Assertion"):
            for old in assertion.findall(f"{{{_NS['ds']}}}Signature"):
                assertion.remove(old)
            template = self._signature_template(assertion.get("ID", ""), sign_alg=sign_alg, digest_alg=digest_alg)
            issuer = assertion.find(f"{{{saml.NAMESPACE}}}Issuer")
            if issuer is None:
                raise ValueError("an Assertion without an Issuer cannot be signed in place")
            issuer.addnext(etree.fromstring(template.to_string()))
            assertion_ids.append(assertion.get("ID", ""))
        xml = etree.tostring(root, encoding="unicode")
        for assertion_id in assertion_ids:
            xml = self._sign(xml, _ASSERTION, assertion_id, key_file)
        return xml

    def _signature_template(
        self, element_id: str, *, sign_alg: str = SIG_RSA_SHA256, digest_alg: str = DIGEST_SHA256
    ) -> ds.Signature:
        """pysaml2's enveloped-signature template: RSA-SHA256, SHA-256 (unless told), exclusive c14n, one reference."""
        with self._pysaml2() as server:
            return pre_signature_part(element_id, server.sec.my_cert, 1, sign_alg=sign_alg, digest_alg=digest_alg)

    def _sign(self, xml: str, node_name: str, element_id: str, key_file: str | None) -> str:
        """Fill in the template of the element with this ID (the IdP's key unless ``key_file`` is given)."""
        with self._pysaml2() as server:
            return str(server.sec.sign_statement(xml, node_name, key_file=key_file, node_id=element_id))


def soap_envelope(xml: str) -> bytes:
    """Wrap one SAML message in a SOAP 1.1 envelope."""
    envelope = etree.Element(f"{{{_NS['soap']}}}Envelope", nsmap={"soap": _NS["soap"]})
    body = etree.SubElement(envelope, f"{{{_NS['soap']}}}Body")
    body.append(etree.fromstring(xml.encode("utf-8"), _parser()))
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _artifact_resolve_xml(soap_request: bytes) -> str:
    """The ArtifactResolve element, serialized as it came (prefixes intact, so its signature still verifies)."""
    try:
        root = etree.fromstring(soap_request, _parser())
    except etree.XMLSyntaxError as exc:
        raise RequestRefused("the SOAP request is not well-formed XML") from exc
    if root.getroottree().docinfo.doctype:
        raise RequestRefused("a DOCTYPE is not allowed")
    found = root.xpath("/soap:Envelope/soap:Body/samlp:ArtifactResolve", namespaces=_NS)
    if len(found) != 1:
        raise RequestRefused("the SOAP body holds no single ArtifactResolve")
    return etree.tostring(found[0], encoding="unicode")


def _with_binary_endpoint_index(artifact: str) -> str:
    """pysaml2 writes the endpoint index as two ASCII hex digits ("00"); DigiD, like the standard, as 0x0000."""
    raw = bytearray(base64.b64decode(artifact))
    raw[2:4] = b"\x00\x00"
    return base64.b64encode(bytes(raw)).decode("ascii")


def _request_denied() -> samlp.Status:
    return samlp.Status(
        status_code=samlp.StatusCode(
            value=samlp.STATUS_REQUESTER, status_code=samlp.StatusCode(value=_STATUS_REQUEST_DENIED)
        )
    )


def _requested_level(message: samlp.AuthnRequest) -> str:
    """The lowest level the SP accepts (DigiD reads the class refs as a minimum); basis when none is asked."""
    context = message.requested_authn_context
    if context is None:
        return "basis"
    comparison = context.comparison or "exact"
    refs = [ref.text.strip() for ref in context.authn_context_class_ref if ref.text]
    if comparison not in ("minimum", "exact") or not refs or any(ref not in _LABEL_OF for ref in refs):
        raise RequestRefused("unsupported RequestedAuthnContext")
    return min((_LABEL_OF[ref] for ref in refs), key=_RANK.__getitem__)
