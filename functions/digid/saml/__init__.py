"""The SAML 2.0 service provider for DigiD: AuthnRequest, artifact resolution, Response validation, SP metadata.

A pure library: configuration comes in as an ``SpConfig``; no AWS, no environment variables. The only state it
keeps is per process and derived from an ``SpConfig``: the compiled XML schemas (put into python3-saml once, at
import, by ``_schemas``), python3-saml's settings object, and the back channel's PEM files and kept-alive session
(so a warm function does not redo that work per login).
Built on python3-saml, with artifact resolution (which upstream python3-saml lacks) on its and xmlsec's
primitives. Every refusal raises ``SamlError`` with a reason code; nothing raised or returned shows a BSN.
"""

from __future__ import annotations

from .artifact import resolve_artifact
from .authn_request import AuthnRequest, PostForm, build_authn_request, new_request_id
from .back_channel import HttpPost
from .config import IdpMetadata, SpConfig
from .consume import Expectation, consume
from .errors import SamlError
from .metadata import sp_metadata
from .response import Binding, DigidOutcome, read_in_response_to, validate_response

__all__ = [
    "AuthnRequest",
    "Binding",
    "DigidOutcome",
    "Expectation",
    "HttpPost",
    "IdpMetadata",
    "PostForm",
    "SamlError",
    "SpConfig",
    "build_authn_request",
    "consume",
    "new_request_id",
    "read_in_response_to",
    "resolve_artifact",
    "sp_metadata",
    "validate_response",
]
