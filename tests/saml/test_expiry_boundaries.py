"""The assertion's validity ends at NotOnOrAfter plus our clock skew, to the second (issue 11: off-by-one guards)."""

from __future__ import annotations

import datetime

import pytest
from lxml import etree

from digid.saml import SamlError, SpConfig, build_authn_request, validate_response
from infrastructure.digid_simulator import DigidSimulator
from legitimatie.assurance import LevelOfAssurance
from tests.saml.support import NS, deliver, login_request_for


def _epoch(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_an_assertion_is_valid_until_the_second_not_on_or_after_plus_the_skew_is_reached(
    simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given a genuine Response, and the earliest NotOnOrAfter it carries
    request_id = build_authn_request(sp_config, LevelOfAssurance.MIDDEN, True, "relay").request_id
    login = login_request_for(sp_config, request_id)
    response_xml = deliver(simulator, sp_config, simulator.create_response(login, bsn="999993653", level="midden"))
    root = etree.fromstring(response_xml.encode("utf-8"))
    ends = [_epoch(e.get("NotOnOrAfter")) for e in root.xpath("//*[@NotOnOrAfter]", namespaces=NS)]
    last_valid = min(ends) + sp_config.clock_skew_seconds
    # When it is validated one second before that moment, it is accepted
    at = datetime.datetime.fromtimestamp(last_valid - 1, datetime.UTC)
    assert validate_response(sp_config, response_xml, expected_request_id=request_id, now=at).kind == "success"
    # And at that moment it is refused as expired
    at = datetime.datetime.fromtimestamp(last_valid, datetime.UTC)
    with pytest.raises(SamlError) as refused:
        validate_response(sp_config, response_xml, expected_request_id=request_id, now=at)
    assert "expired" in refused.value.detail
