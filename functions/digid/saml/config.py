"""Configuration of our service provider and what we read from DigiD's metadata.

The configuration is checked when it is made, so a wrong setting fails at start with a message naming it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Final, Literal

import xmlsec
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from ._xml import NS, parse_untrusted
from .errors import SamlError

__all__ = ["IdpMetadata", "RequestBinding", "SpConfig", "parse_idp_metadata"]

RequestBinding = Literal["redirect", "post"]
_MAX_CLOCK_SKEW_SECONDS: Final = 180


@dataclass(frozen=True)
class IdpMetadata:
    """The facts about DigiD we need: who it is, where to send the browser, where to resolve artifacts."""

    entity_id: str
    sso_redirect_url: str | None
    sso_post_url: str | None
    artifact_resolution_url: str
    signing_certs: tuple[str, ...] = field(repr=False)

    @property
    def source_id(self) -> bytes:
        """The SourceID in DigiD's artifacts: SHA-1 of its entityID (SAML bindings, 3.6.4)."""
        return hashlib.sha1(self.entity_id.encode("utf-8"), usedforsecurity=False).digest()  # SAML bindings 3.6.4


@dataclass(frozen=True)
class SpConfig:
    """Everything the SAML service provider needs; PEM texts are passed in, never read from the environment.

    - ``sp_entity_id``, ``acs_url``: who we are and where DigiD sends the browser back (exact match).
    - ``metadata_url``: where we publish ``sp_metadata`` (for the caller; informational here).
    - ``signing_key_pem``/``signing_cert_pem``: the PKIoverheid pair that signs our requests and metadata;
      ``next_signing_cert_pem`` is published in the metadata ahead of a key rollover.
    - ``idp_metadata_xml``: DigiD's metadata (entityID, SSO endpoints, ArtifactResolutionService, certificates).
    - ``tls_client_cert_pem``/``tls_client_key_pem``: our client certificate on the artifact back channel;
      ``tls_ca_bundle`` (a path or PEM text) is what we trust for DigiD's TLS server, None for the system CAs.
    - ``request_binding``: how the AuthnRequest travels ("redirect" or "post").
    - ``accept_post_binding``: also accept the Response by HTTP-POST (a SAML broker in front of DigiD); off by
      default, since DigiD itself answers by artifact.
    - ``clock_skew_seconds`` (at most 180), ``artifact_timeout_seconds``, ``accepted_sector_codes``.

    ``idp`` holds the parsed DigiD metadata; ``repr`` shows no key or certificate.
    """

    sp_entity_id: str
    acs_url: str
    signing_key_pem: str = field(repr=False)
    signing_cert_pem: str = field(repr=False)
    idp_metadata_xml: str = field(repr=False)
    tls_client_cert_pem: str = field(repr=False)
    tls_client_key_pem: str = field(repr=False)
    metadata_url: str | None = None
    next_signing_cert_pem: str | None = field(default=None, repr=False)
    tls_ca_bundle: str | None = field(default=None, repr=False)
    request_binding: RequestBinding = "redirect"
    accept_post_binding: bool = False
    clock_skew_seconds: int = 60
    artifact_timeout_seconds: float = 5.0
    accepted_sector_codes: tuple[str, ...] = ("s00000000",)
    idp: IdpMetadata = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require(self.sp_entity_id.strip(), "sp_entity_id", "must not be empty")
        _require(self.acs_url.startswith(("https://", "http://")), "acs_url", "must be an http(s) URL")
        _require(self.request_binding in ("redirect", "post"), "request_binding", "must be 'redirect' or 'post'")
        _require(
            0 <= self.clock_skew_seconds <= _MAX_CLOCK_SKEW_SECONDS,
            "clock_skew_seconds",
            f"must be between 0 and {_MAX_CLOCK_SKEW_SECONDS}",
        )
        _require(0 < self.artifact_timeout_seconds <= 30, "artifact_timeout_seconds", "must be between 0 and 30")
        _require(
            isinstance(self.accepted_sector_codes, tuple) and len(self.accepted_sector_codes) > 0,
            "accepted_sector_codes",
            "must be a non-empty tuple",
        )
        _require_key(self.signing_key_pem, "signing_key_pem")
        _require_key(self.tls_client_key_pem, "tls_client_key_pem")
        for name in ("signing_cert_pem", "tls_client_cert_pem", "next_signing_cert_pem"):
            if name != "next_signing_cert_pem" or self.next_signing_cert_pem:
                _require_cert(getattr(self, name), name)
        try:
            idp = parse_idp_metadata(self.idp_metadata_xml)
        except SamlError as exc:
            raise ValueError(f"SpConfig.idp_metadata_xml: {exc.detail}") from exc
        sso_url = idp.sso_redirect_url if self.request_binding == "redirect" else idp.sso_post_url
        _require(sso_url is not None, "idp_metadata_xml", f"has no SingleSignOnService for {self.request_binding}")
        object.__setattr__(self, "idp", idp)


def parse_idp_metadata(metadata_xml: str) -> IdpMetadata:
    """Read DigiD's metadata: entityID, SSO endpoints (Redirect and POST), ArtifactResolutionService index 0, certs.

    Raises ``SamlError("invalid_response")`` when the metadata lacks one of them.
    """
    root = parse_untrusted(metadata_xml, reason="invalid_response")  # refuses a DOCTYPE before onelogin parses it
    redirect = OneLogin_Saml2_IdPMetadataParser.parse(metadata_xml, required_sso_binding=Saml.BINDING_HTTP_REDIRECT)
    post = OneLogin_Saml2_IdPMetadataParser.parse(metadata_xml, required_sso_binding=Saml.BINDING_HTTP_POST)
    idp = redirect.get("idp", {})
    entity_id = idp.get("entityId")
    if not entity_id:
        raise SamlError("invalid_response", "the IdP metadata has no EntityDescriptor with an IDPSSODescriptor")
    certs = (idp.get("x509certMulti") or {}).get("signing") or ([idp["x509cert"]] if idp.get("x509cert") else [])
    if not certs:
        raise SamlError("invalid_response", "the IdP metadata has no signing certificate")
    return IdpMetadata(
        entity_id=entity_id,
        sso_redirect_url=idp.get("singleSignOnService", {}).get("url"),
        sso_post_url=post.get("idp", {}).get("singleSignOnService", {}).get("url"),
        artifact_resolution_url=_artifact_resolution_url(root, entity_id),
        signing_certs=tuple(OneLogin_Saml2_Utils.format_cert(cert) for cert in certs),
    )


def _artifact_resolution_url(root: etree._Element, entity_id: str) -> str:
    """python3-saml does not read the ArtifactResolutionService: DigiD's is the SOAP endpoint with index 0."""
    query = (
        "//md:EntityDescriptor[@entityID=$entity_id]/md:IDPSSODescriptor"
        "/md:ArtifactResolutionService[@index='0' and @Binding=$soap]/@Location"
    )
    locations = root.xpath(query, namespaces=NS, entity_id=entity_id, soap=Saml.BINDING_SOAP)
    if len(locations) != 1 or not str(locations[0]).startswith("https://"):
        raise SamlError("invalid_response", "the IdP metadata needs one https ArtifactResolutionService with index 0")
    return str(locations[0])


def _require(condition: object, name: str, problem: str) -> None:
    if not condition:
        raise ValueError(f"SpConfig.{name} {problem}.")


def _require_key(pem: str, name: str) -> None:
    try:
        xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem, None)
    except (xmlsec.Error, TypeError) as exc:
        raise ValueError(f"SpConfig.{name} is not a PEM private key.") from exc


def _require_cert(pem: str, name: str) -> None:
    try:
        xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatCertPem, None)
    except (xmlsec.Error, TypeError) as exc:
        raise ValueError(f"SpConfig.{name} is not a PEM certificate.") from exc
