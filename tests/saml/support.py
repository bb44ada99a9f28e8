"""What a browser and an attacker do in the SAML tests: log in at the simulator, edit and re-deliver messages."""

from __future__ import annotations

import base64
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import requests
from lxml import etree

from digid.saml import AuthnRequest, Binding, DigidOutcome, SpConfig, build_authn_request, consume, resolve_artifact
from infrastructure.digid_simulator import LOGIN_PATH, DigidSimulator, LoginRequest
from legitimatie.assurance import LevelOfAssurance

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
}
TIMEOUT = 10


@dataclass(frozen=True)
class DigidAnswer:
    """Where the simulator sent the browser back to: our ACS, with an artifact and the RelayState."""

    request: AuthnRequest
    location: str
    saml_art: str
    relay_state: str | None


def open_login_page(request: AuthnRequest) -> requests.Response:
    """The browser follows our redirect to DigiD (Redirect binding) or posts the form (POST binding)."""
    if request.redirect_url:
        return requests.get(request.redirect_url, allow_redirects=False, timeout=TIMEOUT)
    assert request.post_form is not None
    return requests.post(
        request.post_form.url, data=dict(request.post_form.fields), allow_redirects=False, timeout=TIMEOUT
    )


def form_token(login_page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', login_page)
    assert match, "the login page has no request token"
    return match.group(1)


def submit_login_form(simulator: DigidSimulator, token: str, **fields: str) -> requests.Response:
    return requests.post(
        simulator.base_url + LOGIN_PATH, data={"token": token, **fields}, allow_redirects=False, timeout=TIMEOUT
    )


def log_in(
    simulator: DigidSimulator,
    config: SpConfig,
    *,
    required: LevelOfAssurance = LevelOfAssurance.MIDDEN,
    bsn: str = "999993653",
    loa: str = "midden",
    action: str = "login",
    force_authn: bool = False,
    relay_state: str = "relay-1",
) -> DigidAnswer:
    """The whole browser side: AuthnRequest, login page, form, and the 303 back to our ACS."""
    request = build_authn_request(config, required, force_authn, relay_state)
    page = open_login_page(request)
    assert page.status_code == 200, page.text
    answer = submit_login_form(simulator, form_token(page.text), bsn=bsn, loa=loa, action=action)
    assert answer.status_code == 303, answer.text
    location = answer.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    return DigidAnswer(request, location, query["SAMLart"][0], query.get("RelayState", [None])[0])


def login_request_for(config: SpConfig, request_id: str) -> LoginRequest:
    """What the simulator would have kept for our AuthnRequest (to craft a Response by hand)."""
    return LoginRequest(
        request_id=request_id,
        sp_entity_id=config.sp_entity_id,
        acs_url=config.acs_url,
        requested_level="midden",
        force_authn=False,
        relay_state=None,
    )


def deliver(simulator: DigidSimulator, config: SpConfig, response_xml: str) -> str:
    """An attacker's Response, delivered the only way DigiD delivers: by artifact, through the signed back channel."""
    saml_art = simulator.issue_artifact(response_xml, sp_entity_id=config.sp_entity_id)
    return resolve_artifact(config, saml_art)


@dataclass(frozen=True)
class Delivery:
    """A Response on its way to our ACS: an artifact (DigiD) or a POSTed SAMLResponse field (a broker)."""

    binding: Binding
    payload: str


@dataclass(frozen=True)
class Expected:
    """What our stored AuthnRequest expects (the pending login, in the real handler)."""

    request_id: str
    required_loa: LevelOfAssurance = LevelOfAssurance.BASIS


def deliver_by(simulator: DigidSimulator, config: SpConfig, binding: Binding, response_xml: str) -> Delivery:
    """An attacker's Response by either binding: by artifact through DigiD's signed back channel, or POSTed the way
    a broker does (with a Destination if it had none, base64 wrapped at 76 columns)."""
    if binding == "artifact":
        return Delivery(binding, simulator.issue_artifact(response_xml, sp_entity_id=config.sp_entity_id))
    root = etree.fromstring(response_xml.encode("utf-8"))
    if root.get("Destination") is None:
        root.set("Destination", config.acs_url)
    encoded = base64.b64encode(etree.tostring(root)).decode("ascii")
    return Delivery(binding, "\r\n".join(textwrap.wrap(encoded, 76)))


def consumed(
    config: SpConfig,
    delivery: Delivery,
    request_id: str,
    *,
    required_loa: LevelOfAssurance = LevelOfAssurance.BASIS,
    now: datetime | None = None,
) -> DigidOutcome:
    """Our ACS's one way in (``consume``), expecting the answer to ``request_id``."""
    _, outcome = consume(
        config, delivery.binding, delivery.payload, expect=lambda _: Expected(request_id, required_loa), now=now
    )
    return outcome


def edited(xml: str, change: Callable[[etree._Element], None]) -> str:
    """The XML after ``change`` was applied to its parsed tree (signatures are not renewed)."""
    root = etree.fromstring(xml.encode("utf-8"))
    change(root)
    return etree.tostring(root, encoding="unicode")


def first(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath, namespaces=NS)
    assert found, f"nothing at {xpath}"
    return found[0]
