"""Our SP metadata, as registered with Logius: signed, with our certificates and the artifact ACS."""

from __future__ import annotations

import dataclasses
import datetime

from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from digid.saml import SpConfig, sp_metadata
from tests.saml.support import NS

ARTIFACT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def certificate_body(pem: str) -> str:
    return OneLogin_Saml2_Utils.format_cert(pem, heads=False)


def test_the_sp_metadata_is_signed_with_our_key_and_valid_by_the_schema(sp_config: SpConfig) -> None:
    # Given our configuration
    # When the SP metadata is made
    metadata = sp_metadata(sp_config)
    # Then its enveloped signature verifies with our certificate and it follows the metadata schema
    assert OneLogin_Saml2_Utils.validate_metadata_sign(metadata, sp_config.signing_cert_pem, raise_exceptions=False)
    assert not isinstance(OneLogin_Saml2_XML.validate_xml(metadata, "saml-schema-metadata-2.0.xsd"), str)
    root = etree.fromstring(metadata)
    assert root.xpath("string(ds:Signature/ds:SignedInfo/ds:SignatureMethod/@Algorithm)", namespaces=NS).endswith(
        "rsa-sha256"
    )


def test_the_sp_metadata_describes_a_signing_sp_that_wants_signed_assertions_by_artifact(
    sp_config: SpConfig,
) -> None:
    # Given our configuration
    # When the SP metadata is made
    root = etree.fromstring(sp_metadata(sp_config))
    descriptor = root.find("md:SPSSODescriptor", namespaces=NS)
    # Then it names us, signs requests, wants signed assertions, and takes the answer by artifact (index 0)
    assert root.get("entityID") == sp_config.sp_entity_id
    assert descriptor is not None
    assert (descriptor.get("AuthnRequestsSigned"), descriptor.get("WantAssertionsSigned")) == ("true", "true")
    services = [
        (service.get("Binding"), service.get("index"), service.get("Location"), service.get("isDefault"))
        for service in descriptor.findall("md:AssertionConsumerService", namespaces=NS)
    ]
    assert services == [(ARTIFACT_BINDING, "0", sp_config.acs_url, "true")]


def test_the_post_assertion_consumer_service_is_offered_only_when_the_post_binding_is_on(sp_config: SpConfig) -> None:
    # Given the POST binding turned on (behind a SAML broker)
    config = dataclasses.replace(sp_config, accept_post_binding=True)
    # When the SP metadata is made
    descriptor = etree.fromstring(sp_metadata(config)).find("md:SPSSODescriptor", namespaces=NS)
    assert descriptor is not None
    # Then it offers the POST binding too, as index 1 (artifact stays the default)
    services = [
        (service.get("Binding"), service.get("index"), service.get("isDefault"))
        for service in descriptor.findall("md:AssertionConsumerService", namespaces=NS)
    ]
    assert services == [(ARTIFACT_BINDING, "0", "true"), (POST_BINDING, "1", None)]


def test_the_next_certificate_is_published_for_key_rollover(sp_config: SpConfig) -> None:
    # Given a configuration with a next signing certificate
    assert sp_config.next_signing_cert_pem
    # When the SP metadata is made
    root = etree.fromstring(sp_metadata(sp_config))
    published = root.xpath(
        "md:SPSSODescriptor/md:KeyDescriptor[@use='signing']/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()",
        namespaces=NS,
    )
    # Then both certificates are published for signing, the current one first
    assert ["".join(cert.split()) for cert in published] == [
        certificate_body(sp_config.signing_cert_pem),
        certificate_body(sp_config.next_signing_cert_pem),
    ]


def test_without_a_next_certificate_only_the_current_one_is_published(sp_config: SpConfig) -> None:
    # Given a configuration without a next certificate
    config = dataclasses.replace(sp_config, next_signing_cert_pem=None)
    # When the SP metadata is made
    root = etree.fromstring(sp_metadata(config))
    # Then one signing KeyDescriptor is published
    assert len(root.xpath("md:SPSSODescriptor/md:KeyDescriptor", namespaces=NS)) == 1


def test_the_sp_metadata_says_how_long_it_is_valid(sp_config: SpConfig) -> None:
    # Given a moment and a validity period
    moment = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    # When the SP metadata is made
    root = etree.fromstring(sp_metadata(sp_config, valid_for=datetime.timedelta(days=10), now=moment))
    # Then validUntil and cacheDuration are set
    assert root.get("validUntil") == "2026-03-11T12:00:00Z"
    assert root.get("cacheDuration") == "PT86400S"
