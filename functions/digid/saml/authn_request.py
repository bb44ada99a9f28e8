"""The signed AuthnRequest that sends the resident to DigiD (HTTP-Redirect or HTTP-POST binding)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import xmlsec
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from legitimatie.assurance import LevelOfAssurance

from ._settings import onelogin_settings
from .config import SpConfig

__all__ = ["AuthnRequest", "PostForm", "build_authn_request", "new_request_id"]

_MAX_RELAY_STATE_BYTES: Final = 80  # SAML bindings 3.4.3 / 3.5.3


@dataclass(frozen=True)
class PostForm:
    """What the caller renders as an auto-submitting form (HTTP-POST binding)."""

    url: str
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class AuthnRequest:
    """One AuthnRequest: store ``request_id`` (to check InResponseTo later), then send the browser on its way."""

    request_id: str
    redirect_url: str | None = None
    post_form: PostForm | None = None


def new_request_id() -> str:
    """An AuthnRequest's ID: an xs:ID (it starts with an underscore) of 160 random bits, as python3-saml's own."""
    return f"_{secrets.token_hex(20)}"


class _AuthnRequestWithId(OneLogin_Saml2_Authn_Request):  # type: ignore[misc]  # python3-saml is untyped
    """python3-saml's AuthnRequest with an ID drawn beforehand (its documented hook ``_generate_request_id``): the
    login is kept pending, under this ID, by the very write that checks the link, before the request is built."""

    def __init__(self, request_id: str, *args: object, **kwargs: object) -> None:
        self._given_id = request_id
        super().__init__(*args, **kwargs)

    def _generate_request_id(self) -> str:
        return self._given_id


def build_authn_request(
    config: SpConfig,
    required_loa: LevelOfAssurance,
    force_authn: bool,
    relay_state: str,
    *,
    request_id: str | None = None,
) -> AuthnRequest:
    """Build and sign an AuthnRequest asking DigiD for at least ``required_loa``, answered by artifact.

    RequestedAuthnContext has Comparison="minimum" and the level's class ref; ProtocolBinding is HTTP-Artifact;
    the signature is RSA-SHA256 (over the query string for Redirect, enveloped with exclusive c14n for POST).
    ``relay_state`` travels back unchanged with the artifact (at most 80 bytes); it must not be secret.
    ``request_id``: the ID the login was kept pending under (``new_request_id``); a new one when not given.
    """
    if len(relay_state.encode("utf-8")) > _MAX_RELAY_STATE_BYTES:
        raise ValueError("RelayState may be at most 80 bytes")
    settings = onelogin_settings(config, requested_authn_context=required_loa.authn_context)
    request = _AuthnRequestWithId(
        request_id or new_request_id(), settings, force_authn=force_authn, set_nameid_policy=False
    )
    if config.request_binding == "post":
        return AuthnRequest(request_id=request.get_id(), post_form=_post_form(config, request.get_xml(), relay_state))
    return AuthnRequest(request_id=request.get_id(), redirect_url=_redirect_url(config, request, relay_state))


def _redirect_url(config: SpConfig, request: OneLogin_Saml2_Authn_Request, relay_state: str) -> str:
    """HTTP-Redirect binding: the signature covers ``SAMLRequest=..&RelayState=..&SigAlg=..`` as encoded."""
    escape = OneLogin_Saml2_Utils.escape_url
    signed_part = "&".join(
        [
            f"SAMLRequest={escape(request.get_request(deflate=True))}",
            f"RelayState={escape(relay_state)}",
            f"SigAlg={escape(Saml.RSA_SHA256)}",
        ]
    )
    signature = OneLogin_Saml2_Utils.sign_binary(
        signed_part, config.signing_key_pem, xmlsec.constants.TransformRsaSha256
    )
    sso_url = config.idp.sso_redirect_url
    assert sso_url is not None  # checked when the configuration was made
    separator = "&" if "?" in sso_url else "?"
    return f"{sso_url}{separator}{signed_part}&Signature={escape(OneLogin_Saml2_Utils.b64encode(signature))}"


def _post_form(config: SpConfig, request_xml: str, relay_state: str) -> PostForm:
    """HTTP-POST binding: an enveloped signature right after the Issuer, base64 in the SAMLRequest field."""
    signed = OneLogin_Saml2_Utils.add_sign(
        request_xml,
        config.signing_key_pem,
        config.signing_cert_pem,
        sign_algorithm=Saml.RSA_SHA256,
        digest_algorithm=Saml.SHA256,
    )
    sso_url = config.idp.sso_post_url
    assert sso_url is not None  # checked when the configuration was made
    fields = {"SAMLRequest": OneLogin_Saml2_Utils.b64encode(signed), "RelayState": relay_state}
    return PostForm(url=sso_url, fields=MappingProxyType(fields))
