"""Our configuration in the shape python3-saml wants, with DigiD's choices made explicit."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from .config import SpConfig


def onelogin_settings(config: SpConfig, *, requested_authn_context: str | None = None) -> OneLogin_Saml2_Settings:
    """python3-saml settings in strict mode for DigiD: artifact binding back, signed assertions, SHA-256.

    Built once per configuration and requested level (the object checks and formats keys and certificates, which
    costs about a millisecond) and shared afterwards: python3-saml only reads it. The cache is keyed on the whole
    frozen ``SpConfig`` (equality over all its fields), so configurations that differ anywhere never share.
    """
    return _cached_settings(config, requested_authn_context)


@functools.lru_cache(maxsize=32)
def _cached_settings(config: SpConfig, requested_authn_context: str | None) -> OneLogin_Saml2_Settings:
    idp = config.idp
    sso_binding, sso_url = (
        (Saml.BINDING_HTTP_REDIRECT, idp.sso_redirect_url)
        if config.request_binding == "redirect"
        else (Saml.BINDING_HTTP_POST, idp.sso_post_url)
    )
    sp: dict[str, Any] = {
        "entityId": config.sp_entity_id,
        "assertionConsumerService": {"url": config.acs_url, "binding": Saml.BINDING_HTTP_ARTIFACT},
        "NameIDFormat": Saml.NAMEID_UNSPECIFIED,
        "x509cert": config.signing_cert_pem,
        "privateKey": config.signing_key_pem,
    }
    if config.next_signing_cert_pem:
        sp["x509certNew"] = config.next_signing_cert_pem
    settings = {
        "strict": True,
        "debug": False,
        "sp": sp,
        "idp": {
            "entityId": idp.entity_id,
            "singleSignOnService": {"url": sso_url, "binding": sso_binding},
            "x509certMulti": {"signing": list(idp.signing_certs)},
        },
        "security": {
            "authnRequestsSigned": True,
            "wantAssertionsSigned": True,  # DigiD signs the assertion ...
            "wantMessagesSigned": False,  # ... and the ArtifactResponse around the Response, which we verify ourselves
            "wantNameId": True,
            "wantAttributeStatement": False,  # DigiD sends no attributes: the BSN is in the NameID
            "wantAssertionsEncrypted": False,
            "rejectDeprecatedAlgorithm": True,
            "signatureAlgorithm": Saml.RSA_SHA256,
            "digestAlgorithm": Saml.SHA256,
            "requestedAuthnContext": [requested_authn_context] if requested_authn_context else False,
            "requestedAuthnContextComparison": "minimum",
            "failOnAuthnContextMismatch": False,  # "minimum": a higher level is fine; we map the level ourselves
            "signMetadata": False,  # sp_metadata signs with our own call, see metadata.py
        },
    }
    return OneLogin_Saml2_Settings(settings, sp_validation_only=False)


def request_data_for(acs_url: str) -> dict[str, str]:
    """The request description python3-saml compares Destination and Recipient with: our ACS URL."""
    parts = urlsplit(acs_url)
    return {
        "https": "on" if parts.scheme == "https" else "off",
        "http_host": parts.netloc,
        "script_name": parts.path,
    }
