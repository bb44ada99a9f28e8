"""The DigiD login from AuthnRequest to validated outcome, against the simulator over real HTTP and mutual TLS."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from lxml import etree

from digid.saml import SpConfig, build_authn_request, read_in_response_to, resolve_artifact, validate_response
from infrastructure.digid_simulator import DigidSimulator
from legitimatie.assurance import LevelOfAssurance
from tests.saml.support import form_token, log_in, open_login_page, submit_login_form


@pytest.mark.parametrize("level", list(LevelOfAssurance), ids=lambda level: level.label)
def test_a_login_at_each_level_yields_the_bsn_and_that_level(
    simulator: DigidSimulator, sp_config: SpConfig, level: LevelOfAssurance
) -> None:
    # Given a resident who logs in at the level we ask for
    answer = log_in(simulator, sp_config, required=level, bsn="999990019", loa=level.label)
    # When our ACS resolves the artifact and validates the Response
    response_xml = resolve_artifact(sp_config, answer.saml_art)
    outcome = validate_response(sp_config, response_xml, expected_request_id=answer.request.request_id)
    # Then DigiD's answer is a success with that BSN and level
    assert outcome.kind == "success"
    assert outcome.bsn is not None and outcome.bsn.digits == "999990019"
    assert outcome.loa is level
    assert outcome.issuer == simulator.entity_id
    assert outcome.session_index


def test_the_relay_state_comes_back_with_the_artifact(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given an AuthnRequest with a RelayState
    # When the resident logs in
    answer = log_in(simulator, sp_config, relay_state="session-7f3a")
    # Then the browser returns to our ACS with the artifact and the same RelayState
    assert answer.location.startswith(sp_config.acs_url + "?")
    assert answer.relay_state == "session-7f3a"


def test_a_higher_level_than_required_is_accepted_as_that_higher_level(
    simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given we ask for at least Midden and the resident logs in with Hoog
    answer = log_in(simulator, sp_config, required=LevelOfAssurance.MIDDEN, loa="hoog")
    # When the Response is validated against the required level
    outcome = validate_response(
        sp_config,
        resolve_artifact(sp_config, answer.saml_art),
        expected_request_id=answer.request.request_id,
        required_loa=LevelOfAssurance.MIDDEN,
    )
    # Then it is a success at Hoog
    assert (outcome.kind, outcome.loa) == ("success", LevelOfAssurance.HOOG)


def test_the_post_binding_for_the_authn_request_works_too(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given an SP that sends its AuthnRequest with the HTTP-POST binding
    config = dataclasses.replace(sp_config, request_binding="post")
    # When the resident logs in
    answer = log_in(simulator, config, bsn="999991772", loa="substantieel", required=LevelOfAssurance.SUBSTANTIEEL)
    outcome = validate_response(
        config, resolve_artifact(config, answer.saml_art), expected_request_id=answer.request.request_id
    )
    # Then the login succeeds just the same
    assert outcome.kind == "success" and outcome.bsn is not None and outcome.bsn.digits == "999991772"


def test_cancelling_at_digid_is_the_outcome_cancelled(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given a resident who presses "Annuleren" at DigiD
    answer = log_in(simulator, sp_config, action="cancel")
    # When our ACS handles DigiD's answer
    outcome = validate_response(
        sp_config, resolve_artifact(sp_config, answer.saml_art), expected_request_id=answer.request.request_id
    )
    # Then it is "cancelled" (status AuthnFailed), without a BSN
    assert outcome.kind == "cancelled"
    assert outcome.status_code == "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
    assert outcome.bsn is None


def test_a_login_below_the_requested_level_is_the_outcome_loa_too_low(
    simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given we ask for Substantieel and the resident only has Midden
    answer = log_in(simulator, sp_config, required=LevelOfAssurance.SUBSTANTIEEL, loa="midden")
    # When our ACS handles DigiD's answer
    outcome = validate_response(
        sp_config, resolve_artifact(sp_config, answer.saml_art), expected_request_id=answer.request.request_id
    )
    # Then it is "loa_too_low" (status NoAuthnContext), without a BSN
    assert outcome.kind == "loa_too_low"
    assert outcome.bsn is None


def test_the_in_response_to_can_be_read_before_validation(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given DigiD's Response, resolved from the artifact
    answer = log_in(simulator, sp_config)
    response_xml = resolve_artifact(sp_config, answer.saml_art)
    # When we read its InResponseTo to find the stored AuthnRequest
    # Then it is the ID of our AuthnRequest
    assert read_in_response_to(response_xml) == answer.request.request_id


def test_an_invalid_bsn_at_the_simulator_shows_the_form_again(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given the simulator's login page for our AuthnRequest
    page = open_login_page(build_authn_request(sp_config, LevelOfAssurance.BASIS, False, "r"))
    token = form_token(page.text)
    # When a tester types a number that fails the elfproef
    answer = submit_login_form(simulator, token, bsn="123456789", loa="basis", action="login")
    # Then the form comes back with an error, and the request can still be answered
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text and form_token(answer.text) == token
    assert submit_login_form(simulator, token, bsn="999993653", loa="basis", action="login").status_code == 303


def test_a_success_carries_digids_assertion_id_and_authn_instant(
    simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given a resident who logs in
    answer = log_in(simulator, sp_config, required=LevelOfAssurance.MIDDEN, bsn="999990019", loa="midden")
    response_xml = resolve_artifact(sp_config, answer.saml_art)
    # When the Response is validated
    before = datetime.now(UTC)
    outcome = validate_response(sp_config, response_xml, expected_request_id=answer.request.request_id)
    # Then the outcome holds the signed assertion's ID and DigiD's AuthnInstant, for the proof
    assertion = etree.fromstring(response_xml.encode()).find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    assert assertion is not None and outcome.assertion_id == assertion.get("ID")
    assert outcome.authn_instant is not None and outcome.authn_instant.tzinfo is not None
    assert abs((outcome.authn_instant - before).total_seconds()) < 300
