"""The DigiD service provider's configuration, read once per cold start from SSM and Secrets Manager.

- ``DIGID_IDP_METADATA_PARAMETER``: SSM parameter with DigiD's IdP metadata XML (preproduction or production).
- ``DIGID_SIGNING_SECRET_ARN``: secret JSON ``{"private_key", "certificate", "next_certificate"?}`` — the
  PKIoverheid SAML signing key; ``next_certificate`` is published in the metadata ahead of a rollover.
- ``DIGID_TLS_CLIENT_SECRET_ARN``: secret JSON ``{"private_key", "certificate", "ca_bundle"?}`` — the
  client certificate for mutual TLS on the artifact resolution back channel.
- ``DIGID_POST_BINDING``: ``enabled`` also accepts the Response by HTTP-POST (behind a SAML broker);
  ``disabled`` (the default) accepts DigiD's artifact only.
"""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from digid.saml import SpConfig
from legitimatie.runtime.key_settings import KeySettings
from legitimatie.runtime.secrets import read_json_secret
from legitimatie.runtime.settings import ConfigurationError, Field

__all__ = ["DigidSettings", "load_sp_config"]


class DigidSettings(KeySettings, frozen=True, kw_only=True):
    # v1 control codes, for sessions created before v2 (legitimatie.resident)
    control_code_key_id: str = Field(alias="CONTROL_CODE_KEY_ID", min_length=1)
    digid_environment: Literal["preproduction", "production"] = Field(alias="DIGID_ENVIRONMENT")
    digid_sp_entity_id: str = Field(alias="DIGID_SP_ENTITY_ID", min_length=1)
    digid_idp_metadata_parameter: str = Field(alias="DIGID_IDP_METADATA_PARAMETER", min_length=1)
    digid_signing_secret_arn: str = Field(alias="DIGID_SIGNING_SECRET_ARN", min_length=1)
    digid_tls_client_secret_arn: str = Field(alias="DIGID_TLS_CLIENT_SECRET_ARN", min_length=1)
    digid_request_binding: Literal["redirect", "post"] = Field(alias="DIGID_REQUEST_BINDING", default="redirect")
    digid_post_binding: Literal["enabled", "disabled"] = Field(alias="DIGID_POST_BINDING", default="disabled")


def load_sp_config(settings: DigidSettings, ssm: Any, secrets: Any) -> SpConfig:
    """Build the SP configuration; a missing or wrong piece fails here, naming the setting."""
    try:
        metadata = ssm.get_parameter(Name=settings.digid_idp_metadata_parameter)["Parameter"]["Value"]
    except (ClientError, BotoCoreError) as exc:
        raise ConfigurationError(f"DIGID_IDP_METADATA_PARAMETER: cannot be read ({type(exc).__name__}).") from None
    signing = read_json_secret(
        secrets, settings.digid_signing_secret_arn, "DIGID_SIGNING_SECRET_ARN", ("private_key", "certificate")
    )
    tls = read_json_secret(
        secrets, settings.digid_tls_client_secret_arn, "DIGID_TLS_CLIENT_SECRET_ARN", ("private_key", "certificate")
    )
    site = settings.site_url.rstrip("/")
    try:
        return SpConfig(
            sp_entity_id=settings.digid_sp_entity_id,
            acs_url=f"{site}/digid/acs",
            metadata_url=f"{site}/digid/metadata",
            signing_key_pem=signing["private_key"],
            signing_cert_pem=signing["certificate"],
            next_signing_cert_pem=signing.get("next_certificate"),
            idp_metadata_xml=metadata,
            tls_client_cert_pem=tls["certificate"],
            tls_client_key_pem=tls["private_key"],
            tls_ca_bundle=tls.get("ca_bundle"),
            request_binding=settings.digid_request_binding,
            accept_post_binding=settings.digid_post_binding == "enabled",
        )
    except ValueError as exc:
        raise ConfigurationError(f"DigiD configuration: {exc}") from None
