"""A wrong setting fails when the configuration is made, naming it; nothing we print shows keys or a BSN."""

from __future__ import annotations

import dataclasses

import pytest

from digid.saml import SamlError, SpConfig, resolve_artifact, validate_response
from infrastructure.digid_simulator import DigidSimulator, TestPki
from tests.saml.conftest import make_sp_config
from tests.saml.support import log_in


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("request_binding", "artifact"),
        ("clock_skew_seconds", 600),
        ("artifact_timeout_seconds", 0),
        ("accepted_sector_codes", ()),
        ("signing_key_pem", "not a key"),
        ("tls_client_cert_pem", "not a certificate"),
        ("acs_url", "ftp://example.test/acs"),
    ],
)
def test_a_wrong_setting_fails_at_start_naming_the_setting(sp_config: SpConfig, setting: str, value: object) -> None:
    # Given a configuration with one wrong setting
    # When it is made
    # Then it fails with a message that names the setting
    with pytest.raises(ValueError, match=rf"SpConfig\.{setting}\b"):
        dataclasses.replace(sp_config, **{setting: value})


def test_idp_metadata_without_an_artifact_resolution_service_is_refused(
    simulator: DigidSimulator, pki: TestPki
) -> None:
    # Given DigiD metadata whose ArtifactResolutionService is missing
    metadata = simulator.metadata_xml.replace("ArtifactResolutionService", "SomethingElse")
    # When the configuration is made
    # Then it fails, naming the metadata setting
    with pytest.raises(ValueError, match=r"SpConfig\.idp_metadata_xml.*ArtifactResolutionService"):
        make_sp_config(pki, metadata)


def test_idp_metadata_with_a_doctype_is_refused(simulator: DigidSimulator, pki: TestPki) -> None:
    # Given DigiD metadata with a DOCTYPE (a configuration file someone tampered with)
    metadata = '<!DOCTYPE x [<!ENTITY e "e">]>' + simulator.metadata_xml
    # When the configuration is made
    # Then it fails
    with pytest.raises(ValueError, match=r"SpConfig\.idp_metadata_xml"):
        make_sp_config(pki, metadata)


def test_the_configuration_repr_shows_no_keys(sp_config: SpConfig) -> None:
    # Given a configuration holding private keys
    # When it is printed (e.g. in a start-up log)
    shown = repr(sp_config)
    # Then no key or certificate material appears
    assert "PRIVATE KEY" not in shown and "CERTIFICATE" not in shown and sp_config.sp_entity_id in shown


def test_an_outcome_never_shows_the_bsn(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given a successful login
    answer = log_in(simulator, sp_config, bsn="999993653")
    outcome = validate_response(
        sp_config, resolve_artifact(sp_config, answer.saml_art), expected_request_id=answer.request.request_id
    )
    # When the outcome is printed or formatted
    # Then the BSN is masked, while the code can still use it
    assert "999993653" not in repr(outcome) and "999993653" not in str(outcome) and "999993653" not in f"{outcome}"
    assert outcome.bsn is not None and outcome.bsn.digits == "999993653"


def test_saml_errors_carry_a_reason_code_and_a_fixed_text() -> None:
    # Given a refusal
    error = SamlError("wrong_sector", "the NameID's sector code is not accepted")
    # When it is shown
    # Then it shows the reason code and our own text only
    assert str(error) == "wrong_sector: the NameID's sector code is not accepted"
    assert error.reason == "wrong_sector"
    with pytest.raises(ValueError):
        SamlError("something_else")  # type: ignore[arg-type]
