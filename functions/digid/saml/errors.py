"""The one exception of the SAML library, with a stable reason code for the caller to map to a user message."""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = ["REASONS", "Reason", "SamlError"]

Reason = Literal[
    "invalid_artifact",  # SAMLart is not a DigiD artifact (form, type code, SourceID)
    "artifact_resolution_failed",  # the back channel failed, or DigiD refused (unknown, used or expired artifact)
    "invalid_signature",  # a required signature is missing, wrong, or does not cover what we read
    "invalid_response",  # not well-formed, DOCTYPE, wrong audience/destination/recipient/issuer/time, ...
    "replay",  # for the caller: the library is stateless, the stored AuthnRequest ID is consumed by the caller
    "unknown_request",  # the Response does not answer the AuthnRequest we expected
    "wrong_sector",
    "invalid_bsn",
    "binding_not_allowed",  # a Response by the HTTP-POST binding while that binding is turned off
]
REASONS: Final = frozenset(get_args(Reason))


class SamlError(Exception):
    """A SAML message was refused or could not be obtained.

    ``reason`` is one of ``REASONS``; ``detail`` is a fixed text written by this library. Neither ever carries
    content of the message itself (no BSN, no XML), so the exception is safe to log.
    """

    def __init__(self, reason: Reason, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown SAML error reason {reason!r}")
        self.reason: Reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)

    def __repr__(self) -> str:
        return f"SamlError({self.reason!r}, {self.detail!r})"
