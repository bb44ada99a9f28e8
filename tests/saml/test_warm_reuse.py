"""What a warm function keeps between logins (compiled schema, python3-saml settings, the back channel) changes
no verdict and is never shared between configurations that differ."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from urllib3.connection import HTTPSConnection

from digid.saml import SamlError, SpConfig, build_authn_request, resolve_artifact, validate_response
from digid.saml._settings import onelogin_settings
from digid.saml.back_channel import _channel_for
from infrastructure.digid_simulator import DigidSimulator, TestPki
from legitimatie.assurance import LevelOfAssurance
from tests.saml.conftest import make_sp_config
from tests.saml.support import NS, deliver, edited, first, log_in, login_request_for


def _schema_invalid_response(simulator: DigidSimulator, config: SpConfig, request_id: str) -> str:
    """DigiD's genuine Response with an element the protocol schema does not allow right after the Issuer."""
    genuine = simulator.create_response(login_request_for(config, request_id), bsn="999993653", level="midden")

    def add_unknown_element(root: etree._Element) -> None:
        first(root, "saml:Issuer").addnext(etree.Element(f"{{{NS['samlp']}}}Unknown"))

    return edited(genuine, add_unknown_element)


def test_a_schema_invalid_response_is_refused_every_time(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given two Responses that break the protocol schema, the second checked against the already compiled schema
    for _ in range(2):
        request_id = build_authn_request(sp_config, LevelOfAssurance.MIDDEN, False, "r").request_id
        response_xml = deliver(simulator, sp_config, _schema_invalid_response(simulator, sp_config, request_id))
        # When it is validated
        with pytest.raises(SamlError) as refused:
            validate_response(sp_config, response_xml, expected_request_id=request_id)
        # Then it is refused as an invalid Response, for its schema
        assert refused.value.reason == "invalid_response"
        assert refused.value.detail == "python3-saml: INVALID_XML_FORMAT"


def test_python3_saml_settings_are_shared_only_by_equal_configurations(
    pki: TestPki, simulator: DigidSimulator, sp_config: SpConfig
) -> None:
    # Given an equal configuration and one with another signing key
    same = make_sp_config(pki, simulator.metadata_xml)
    other_key = make_sp_config(
        pki, simulator.metadata_xml, signing_key_pem=pki.read("sp_tls_key"), signing_cert_pem=pki.read("sp_tls_cert")
    )
    # When their python3-saml settings are asked for
    settings = onelogin_settings(sp_config)
    # Then the equal configuration shares them, the other one and another requested level do not
    assert onelogin_settings(same) is settings
    assert onelogin_settings(other_key) is not settings
    assert onelogin_settings(other_key).get_sp_key() != settings.get_sp_key()
    assert onelogin_settings(sp_config, requested_authn_context="urn:x") is not settings


def test_consecutive_artifact_resolutions_share_one_tls_connection(
    simulator: DigidSimulator, sp_config: SpConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one login resolved, and every TLS connection opened from now on counted
    resolve_artifact(sp_config, log_in(simulator, sp_config).saml_art)
    opened: list[str] = []
    connect = HTTPSConnection.connect

    def counted(connection: HTTPSConnection) -> None:
        opened.append(connection.host)
        connect(connection)

    monkeypatch.setattr(HTTPSConnection, "connect", counted)
    # When the next login is resolved right after it
    resolve_artifact(sp_config, log_in(simulator, sp_config).saml_art)
    # Then it went over the connection already open: no new TLS handshake
    assert opened == []


def test_the_back_channel_pem_files_are_readable_by_us_only(simulator: DigidSimulator, sp_config: SpConfig) -> None:
    # Given a login resolved over the back channel
    resolve_artifact(sp_config, log_in(simulator, sp_config).saml_art)
    # When we look at the files written for our TLS material
    channel = _channel_for((sp_config.tls_client_cert_pem, sp_config.tls_client_key_pem, sp_config.tls_ca_bundle))
    # Then the directory is ours only (0700) and each file is 0600
    assert stat.S_IMODE(os.stat(channel.directory.name).st_mode) == 0o700
    for path in (channel.cert_path, channel.key_path, channel.ca_bundle):
        assert path is not None and stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_python3_saml_validates_against_the_compiled_schemas_patched_in_once_at_import() -> None:
    # Given a fresh interpreter (the local stack loads its own copies of the functions into this one)
    functions = Path(__file__).resolve().parents[2] / "functions"
    script = (
        "from onelogin.saml2.xml_utils import OneLogin_Saml2_XML\n"
        "before = OneLogin_Saml2_XML.validate_xml\n"
        "import digid.saml\n"
        "from digid.saml import _schemas\n"
        "print(before is not _schemas.validate_xml, OneLogin_Saml2_XML.validate_xml is _schemas.validate_xml)\n"
    )
    # When the SAML library is imported (as the DigiD function does at cold start)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(functions)},
        timeout=120,
        check=True,
    )
    # Then python3-saml's schema check is ours from then on, put in by the import and not by each validation
    assert done.stdout.split() == ["True", "True"]
