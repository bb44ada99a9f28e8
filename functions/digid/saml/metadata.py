"""Our signed SP metadata, as registered with Logius."""

from __future__ import annotations

import datetime
from typing import Final

from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.metadata import OneLogin_Saml2_Metadata
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from ._settings import onelogin_settings
from ._xml import NS, qname
from .config import SpConfig

__all__ = ["sp_metadata"]

_DEFAULT_VALIDITY: Final = datetime.timedelta(days=30)
_DEFAULT_CACHE_DURATION: Final = datetime.timedelta(days=1)


def sp_metadata(
    config: SpConfig,
    *,
    valid_for: datetime.timedelta = _DEFAULT_VALIDITY,
    cache_duration: datetime.timedelta = _DEFAULT_CACHE_DURATION,
    now: datetime.datetime | None = None,
) -> bytes:
    """The SP's EntityDescriptor, signed with our signing key (enveloped, RSA-SHA256, exclusive c14n).

    AuthnRequestsSigned and WantAssertionsSigned are true; the signing certificate is published, and the next
    one too when configured (key rollover); the assertion consumer service is offered for HTTP-Artifact
    (index 0, the default) and, only when ``config.accept_post_binding``, HTTP-POST (index 1). ``validUntil`` is
    ``now + valid_for``.
    """
    moment = now or datetime.datetime.now(datetime.UTC)
    valid_until = (moment + valid_for).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    settings = onelogin_settings(config)
    sp_data = settings.get_sp_data()
    unsigned = OneLogin_Saml2_Metadata.builder(
        sp_data,
        authnsign=True,
        wsign=True,
        valid_until=valid_until,
        cache_duration=f"PT{int(cache_duration.total_seconds())}S",
    )
    if config.next_signing_cert_pem:  # each KeyDescriptor is inserted first: add the next one before the current
        unsigned = OneLogin_Saml2_Metadata.add_x509_key_descriptors(unsigned, config.next_signing_cert_pem, False)
    unsigned = OneLogin_Saml2_Metadata.add_x509_key_descriptors(unsigned, config.signing_cert_pem, False)
    with_endpoints = _with_assertion_consumer_services(unsigned, config.acs_url, config.accept_post_binding)
    signed = OneLogin_Saml2_Metadata.sign_metadata(
        with_endpoints, config.signing_key_pem, config.signing_cert_pem, Saml.RSA_SHA256, Saml.SHA256
    )
    return signed if isinstance(signed, bytes) else signed.encode("utf-8")


def _with_assertion_consumer_services(metadata: str | bytes, acs_url: str, with_post: bool) -> bytes:
    """python3-saml writes one ACS with index 1; DigiD answers by artifact, so that one is index 0 and default."""
    root = OneLogin_Saml2_XML.to_etree(metadata)  # our own XML, parsed without DTDs all the same
    descriptor = root.find("md:SPSSODescriptor", namespaces=NS)
    if descriptor is None:
        raise ValueError("python3-saml produced metadata without an SPSSODescriptor")
    for existing in descriptor.findall("md:AssertionConsumerService", namespaces=NS):
        descriptor.remove(existing)
    # Only what the ACS accepts: the POST binding is off unless turned on (behind a SAML broker).
    services = [(Saml.BINDING_HTTP_ARTIFACT, "0")] + ([(Saml.BINDING_HTTP_POST, "1")] if with_post else [])
    anchor = descriptor.find("md:NameIDFormat", namespaces=NS)
    position = descriptor.index(anchor) + 1 if anchor is not None else len(descriptor)
    for offset, (binding, index) in enumerate(services):
        service = etree.Element(qname("md", "AssertionConsumerService"))
        service.set("Binding", binding)
        service.set("Location", acs_url)
        service.set("index", index)
        if index == "0":
            service.set("isDefault", "true")
        descriptor.insert(position + offset, service)
    xml: bytes = OneLogin_Saml2_XML.to_string(root)
    return xml
