"""The one way in for DigiD's answer, whichever binding brought it: artifact (DigiD) or POST (a SAML broker).

Both go through the same steps in the same order: obtain the Response (resolve the artifact over the signed back
channel, or decode the POSTed form field), read its InResponseTo, let the caller say what it expects for that
request, then validate the Response against exactly that (``response.validate_response``: InResponseTo of the
Response and of its SubjectConfirmation, Destination and Recipient, signatures and their algorithms, the status
codes, the level by ``LevelOfAssurance.meets``). The result is a typed ``DigidOutcome``; nothing of a DigiD answer
is decided outside this path, and each of these checks is made here once.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from legitimatie.assurance import LevelOfAssurance

from ._xml import MAX_MESSAGE_BYTES
from .artifact import resolve_artifact
from .back_channel import HttpPost
from .config import SpConfig
from .errors import SamlError
from .response import Binding, DigidOutcome, read_in_response_to, validate_response

__all__ = ["Expectation", "consume"]


class Expectation(Protocol):
    """What the caller expects of the answer to one of its AuthnRequests (a pending login fits)."""

    @property
    def request_id(self) -> str: ...

    @property
    def required_loa(self) -> LevelOfAssurance: ...


E = TypeVar("E", bound=Expectation)


def consume(
    config: SpConfig,
    binding: Binding,
    payload: str,
    *,
    expect: Callable[[str | None], E],
    now: datetime | None = None,
    http_post: HttpPost | None = None,
) -> tuple[E, DigidOutcome]:
    """Obtain and validate DigiD's Response that arrived by ``binding``; returns ``expect``'s answer and the outcome.

    ``payload`` is the ``SAMLart`` (artifact) or the ``SAMLResponse`` form field (post: base64, line breaks
    allowed). ``expect`` gets the Response's InResponseTo and returns what that request expects (or raises to
    refuse it): it may look, but should not consume, since the Response is not proven genuine yet when it runs.
    The POST binding is refused unless ``config.accept_post_binding``. Raises ``SamlError``.
    """
    if binding == "artifact":
        response_xml = resolve_artifact(config, payload, http_post=http_post)
    elif binding == "post" and config.accept_post_binding:
        response_xml = _decoded_post(payload)
    else:
        raise SamlError("binding_not_allowed", "responses by this binding are not accepted")
    expected = expect(read_in_response_to(response_xml))
    outcome = validate_response(
        config,
        response_xml,
        expected_request_id=expected.request_id,
        required_loa=expected.required_loa,
        now=now,
        binding=binding,
    )
    return expected, outcome


def _decoded_post(saml_response_b64: str) -> str:
    """The HTTP-POST form field: base64 of the XML; brokers may wrap it in lines (76 columns), which is fine."""
    compact = "".join(saml_response_b64.split())
    if len(compact) > MAX_MESSAGE_BYTES * 4 // 3 + 4:
        raise SamlError("invalid_response", "the SAMLResponse is too large")
    try:
        return base64.b64decode(compact, validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise SamlError("invalid_response", "the SAMLResponse is not base64-encoded UTF-8 XML") from exc
