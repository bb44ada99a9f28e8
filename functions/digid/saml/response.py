"""Validation of DigiD's ``<samlp:Response>``: python3-saml's strict checks plus DigiD's own rules.

python3-saml verifies the assertion's signature (and guards against signature wrapping), the schema, the
issuers, the audience and the timestamps against the system clock. On top of that we allow SHA-2 signatures
only, require exact matches for InResponseTo and Recipient, and for Destination when present (DigiD's
artifact-bound Response carries none; a Response by the POST binding must), apply our own (smaller) clock
skew, map the status codes DigiD uses, and read the level of assurance and the BSN from the signed assertion.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.errors import OneLogin_Saml2_ValidationError
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.errors import InvalidBsn

from . import _schemas  # noqa: F401 - python3-saml validates against compiled schemas from here on
from ._settings import onelogin_settings, request_data_for
from ._xml import NS, check_signature_algorithms, parse_untrusted, qname, single_child, text_of
from .config import SpConfig
from .errors import Reason, SamlError

__all__ = ["Binding", "DigidOutcome", "OutcomeKind", "read_in_response_to", "validate_response"]

OutcomeKind = Literal["success", "cancelled", "loa_too_low", "error"]
Binding = Literal["artifact", "post"]  # how the Response reached us

_STATUS_AUTHN_FAILED: Final = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
_STATUS_NO_AUTHN_CONTEXT: Final = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"
_NINE_DIGITS: Final = re.compile(r"[0-9]{9}")
_V = OneLogin_Saml2_ValidationError
_SIGNATURE_PROBLEMS: Final = frozenset(
    {
        _V.WRONG_SIGNED_ELEMENT,
        _V.ID_NOT_FOUND_IN_SIGNED_ELEMENT,
        _V.DUPLICATED_ID_IN_SIGNED_ELEMENTS,
        _V.INVALID_SIGNED_ELEMENT,
        _V.DUPLICATED_REFERENCE_IN_SIGNED_ELEMENTS,
        _V.UNEXPECTED_SIGNED_ELEMENTS,
        _V.WRONG_NUMBER_OF_SIGNATURES_IN_RESPONSE,
        _V.WRONG_NUMBER_OF_SIGNATURES_IN_ASSERTION,
        _V.NO_SIGNED_MESSAGE,
        _V.NO_SIGNED_ASSERTION,
        _V.NO_SIGNATURE_FOUND,
        _V.INVALID_SIGNATURE,
        _V.WRONG_NUMBER_OF_SIGNATURES,
        _V.DEPRECATED_SIGNATURE_METHOD,
        _V.DEPRECATED_DIGEST_METHOD,
    }
)
_VALIDATION_ERROR_NAMES: Final = {
    value: name for name, value in vars(_V).items() if name.isupper() and isinstance(value, int)
}


@dataclass(frozen=True)
class DigidOutcome:
    """What a DigiD answer means for us. ``bsn`` and ``loa`` are set only on success (``loa`` also when too low).

    ``repr`` is safe to log: ``Bsn`` masks itself.
    """

    kind: OutcomeKind
    bsn: Bsn | None = None
    loa: LevelOfAssurance | None = None
    session_index: str | None = None
    issuer: str | None = None
    status_code: str | None = None
    # DigiD's own evidence, for the proof of authentication (issue 14): the signed assertion's ID and the
    # moment DigiD authenticated the resident (AuthnStatement/@AuthnInstant). Set on success only.
    assertion_id: str | None = None
    authn_instant: datetime | None = None


def read_in_response_to(response_xml: str) -> str | None:
    """The InResponseTo of a Response, read safely before validation, to look up the stored AuthnRequest."""
    root = _response_root(response_xml)
    return root.get("InResponseTo")


def validate_response(
    config: SpConfig,
    response_xml: str,
    *,
    expected_request_id: str,
    now: datetime | None = None,
    required_loa: LevelOfAssurance | None = None,
    binding: Binding = "artifact",
) -> DigidOutcome:
    """Validate DigiD's Response to our AuthnRequest ``expected_request_id`` and say what it means.

    Callers go through ``consume``, which obtains the Response for either binding and names the binding here:
    ``binding="post"`` requires a Destination (SAML bindings 3.5.5.2); with ``"artifact"`` it is checked when
    present.

    Non-success statuses become outcomes: AuthnFailed is ``cancelled``, NoAuthnContext is ``loa_too_low``, any
    other is ``error``. A success must carry exactly one assertion signed by DigiD, for us, in time, answering
    our request, with a known level of assurance and a NameID ``<sector>:<BSN>`` whose sector code is accepted
    and whose BSN passes the elfproef. With ``required_loa``, a lower achieved level gives ``loa_too_low``.
    ``now`` (timezone-aware) sets the clock of our own time checks; python3-saml also checks the system clock.
    Raises ``SamlError`` when the Response is refused.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    root = _response_root(response_xml)
    _refuse_comments(root)
    check_signature_algorithms(root)
    _check_addressing(config, root, expected_request_id, binding)
    top_status, sub_status = _status_codes(root)
    if top_status != Saml.STATUS_SUCCESS:
        return _unsuccessful(sub_status or top_status, config.idp.entity_id)

    assertion, session_index = _validated_assertion(config, response_xml)
    instant = now.timestamp() if now is not None else time.time()
    _check_subject_confirmation(config, assertion, expected_request_id, instant)
    _check_conditions(config, assertion, instant)
    level = _achieved_level(assertion)
    bsn = _bsn_from_name_id(config, assertion)
    if required_loa is not None and not level.meets(required_loa):
        return DigidOutcome(kind="loa_too_low", loa=level, issuer=config.idp.entity_id)
    return DigidOutcome(
        kind="success",
        bsn=bsn,
        loa=level,
        session_index=session_index,
        issuer=config.idp.entity_id,
        assertion_id=assertion.get("ID"),
        authn_instant=_authn_instant(assertion),
    )


def _authn_instant(assertion: etree._Element) -> datetime | None:
    """The signed AuthnStatement's AuthnInstant (schema-required, so present after validation), in UTC."""
    instants = assertion.xpath("saml:AuthnStatement/@AuthnInstant", namespaces=NS)
    return datetime.fromtimestamp(_epoch(str(instants[0])), UTC) if len(instants) == 1 else None


def _response_root(response_xml: str) -> etree._Element:
    root = parse_untrusted(response_xml, reason="invalid_response")
    if root.tag != qname("samlp", "Response"):
        raise SamlError("invalid_response", "the message is not a samlp:Response")
    return root


def _refuse_comments(root: etree._Element) -> None:
    """Comments let an attacker split a signed text (comment injection); DigiD never sends any."""
    if root.xpath("//comment() | //processing-instruction()"):
        raise SamlError("invalid_response", "comments and processing instructions are not accepted")


def _check_addressing(config: SpConfig, root: etree._Element, expected_request_id: str, binding: Binding) -> None:
    """Checks that hold for every Response, success or not: version, our request, DigiD, our ACS."""
    if root.get("Version") != "2.0":
        raise SamlError("invalid_response", "only SAML 2.0 is accepted")
    if root.get("InResponseTo") != expected_request_id:
        raise SamlError("unknown_request", "the Response does not answer the expected AuthnRequest")
    if text_of(single_child(root, qname("saml", "Issuer"))) != config.idp.entity_id:
        raise SamlError("invalid_response", "the Response was not issued by DigiD")
    destination = root.get("Destination")
    if destination is None and binding == "post":
        raise SamlError("invalid_response", "a Response by the POST binding must name its Destination")
    if destination is not None and destination != config.acs_url:
        raise SamlError("invalid_response", "the Destination is not our assertion consumer service")


def _status_codes(root: etree._Element) -> tuple[str, str | None]:
    top = root.xpath("samlp:Status/samlp:StatusCode/@Value", namespaces=NS)
    sub = root.xpath("samlp:Status/samlp:StatusCode/samlp:StatusCode/@Value", namespaces=NS)
    if len(top) != 1:
        raise SamlError("invalid_response", "the Response has no single status code")
    return str(top[0]), (str(sub[0]) if len(sub) == 1 else None)


def _unsuccessful(status_code: str, issuer: str) -> DigidOutcome:
    kinds: dict[str, OutcomeKind] = {_STATUS_AUTHN_FAILED: "cancelled", _STATUS_NO_AUTHN_CONTEXT: "loa_too_low"}
    return DigidOutcome(kind=kinds.get(status_code, "error"), issuer=issuer, status_code=status_code)


def _validated_assertion(config: SpConfig, response_xml: str) -> tuple[etree._Element, str | None]:
    """python3-saml's strict validation; returns the one (signed) assertion and its SessionIndex."""
    settings = onelogin_settings(config)
    try:
        response = OneLogin_Saml2_Response(settings, base64.b64encode(response_xml.encode("utf-8")))
        # InResponseTo is ours to check (_check_addressing, _check_subject_confirmation), once, not python3-saml's too
        response.is_valid(request_data_for(config.acs_url), raise_exceptions=True)
        assertions = response.get_xml_document().xpath("/samlp:Response/saml:Assertion", namespaces=NS)
        session_index = response.get_session_index()
    except OneLogin_Saml2_ValidationError as exc:
        name = _VALIDATION_ERROR_NAMES.get(exc.code, "UNKNOWN")
        raise SamlError(_reason_for(exc.code), f"python3-saml: {name}") from exc
    except Exception as exc:  # python3-saml also raises plain Exception, xmlsec and lxml errors
        raise SamlError("invalid_response", f"python3-saml refused the Response ({type(exc).__name__})") from exc
    if len(assertions) != 1:  # python3-saml allows exactly one; repeated here as the rule we rely on
        raise SamlError("invalid_response", "the Response must hold exactly one assertion")
    return assertions[0], session_index


def _reason_for(code: int) -> Reason:
    return "invalid_signature" if code in _SIGNATURE_PROBLEMS else "invalid_response"


def _check_subject_confirmation(
    config: SpConfig, assertion: etree._Element, expected_request_id: str, now: float
) -> None:
    confirmations = assertion.findall("saml:Subject/saml:SubjectConfirmation", namespaces=NS)
    if len(confirmations) != 1 or confirmations[0].get("Method") != Saml.CM_BEARER:
        raise SamlError("invalid_response", "the assertion needs exactly one bearer SubjectConfirmation")
    data = single_child(confirmations[0], qname("saml", "SubjectConfirmationData"))
    if data is None or data.get("Recipient") != config.acs_url:
        raise SamlError("invalid_response", "the Recipient is not our assertion consumer service")
    if data.get("InResponseTo") != expected_request_id:
        raise SamlError("unknown_request", "the SubjectConfirmation does not answer the expected AuthnRequest")
    _check_window(data, now, config.clock_skew_seconds, what="SubjectConfirmationData")


def _check_conditions(config: SpConfig, assertion: etree._Element, now: float) -> None:
    conditions = single_child(assertion, qname("saml", "Conditions"))
    if conditions is None:
        raise SamlError("invalid_response", "the assertion has no Conditions")
    _check_window(conditions, now, config.clock_skew_seconds, what="Conditions")
    restrictions = conditions.findall(qname("saml", "AudienceRestriction"))
    audiences = [{text_of(a) for a in r.findall(qname("saml", "Audience"))} for r in restrictions]
    if not audiences or any(config.sp_entity_id not in group for group in audiences):
        raise SamlError("invalid_response", "the assertion is not meant for us (Audience)")


def _check_window(element: etree._Element, now: float, skew: int, *, what: str) -> None:
    """NotBefore (optional) and NotOnOrAfter (required), each with our clock skew."""
    not_before, not_on_or_after = element.get("NotBefore"), element.get("NotOnOrAfter")
    if not not_on_or_after:
        raise SamlError("invalid_response", f"{what} has no NotOnOrAfter")
    if not_before and _epoch(not_before) > now + skew:
        raise SamlError("invalid_response", f"{what} is not yet valid (NotBefore)")
    if _epoch(not_on_or_after) + skew <= now:
        raise SamlError("invalid_response", f"{what} has expired (NotOnOrAfter)")


def _epoch(saml_time: str) -> float:
    try:
        return float(OneLogin_Saml2_Utils.parse_SAML_to_time(saml_time))
    except ValueError as exc:
        raise SamlError("invalid_response", "a timestamp is not a SAML dateTime") from exc


def _achieved_level(assertion: etree._Element) -> LevelOfAssurance:
    class_refs = assertion.xpath("saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef", namespaces=NS)
    level = LevelOfAssurance.from_authn_context(text_of(class_refs[0]) or "") if len(class_refs) == 1 else None
    if level is None:
        raise SamlError("invalid_response", "the assertion has no known DigiD level of assurance")
    return level


def _bsn_from_name_id(config: SpConfig, assertion: etree._Element) -> Bsn:
    """NameID ``<sector>:<BSN>``: the sector code must be accepted, the BSN nine digits passing the elfproef."""
    name_ids = assertion.findall("saml:Subject/saml:NameID", namespaces=NS)
    if len(name_ids) != 1 or len(name_ids[0]) != 0:
        raise SamlError("invalid_response", "the assertion needs exactly one plain NameID")
    value = text_of(name_ids[0]) or ""
    sector, _, number = value.rpartition(":")
    if sector not in config.accepted_sector_codes:
        raise SamlError("wrong_sector", "the NameID's sector code is not accepted")
    if not _NINE_DIGITS.fullmatch(number):
        raise SamlError("invalid_bsn", "the NameID does not hold nine digits")
    try:
        return Bsn(number)
    except InvalidBsn as exc:
        raise SamlError("invalid_bsn", "the NameID's number fails the elfproef") from exc
