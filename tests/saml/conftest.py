"""SAML tests run our service provider against the DigiD simulator (pysaml2) over real HTTP and mutual TLS.

One simulator and one test PKI serve the whole session; every signature in these tests is real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from digid.saml import SpConfig, sp_metadata
from infrastructure.digid_simulator import DigidSimulator, TestPki, generate_test_pki

SP_ENTITY_ID = "https://legitimatie.gemeente.test/digid/metadata"
ACS_URL = "https://legitimatie.gemeente.test/digid/acs"


def make_sp_config(pki: TestPki, idp_metadata_xml: str, **overrides: object) -> SpConfig:
    """Our SP as the deployment would configure it, with the test PKI's keys."""
    settings: dict[str, object] = {
        "sp_entity_id": SP_ENTITY_ID,
        "acs_url": ACS_URL,
        "signing_key_pem": pki.read("sp_signing_key"),
        "signing_cert_pem": pki.read("sp_signing_cert"),
        "next_signing_cert_pem": pki.read("sp_next_signing_cert"),
        "idp_metadata_xml": idp_metadata_xml,
        "tls_client_cert_pem": pki.read("sp_tls_cert"),
        "tls_client_key_pem": pki.read("sp_tls_key"),
        "tls_ca_bundle": pki.read("ca_cert"),
    }
    settings.update(overrides)
    return SpConfig(**settings)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return generate_test_pki(Path(tmp_path_factory.mktemp("digid-test-pki")))


@pytest.fixture(scope="session")
def simulator(pki: TestPki) -> Iterator[DigidSimulator]:
    with DigidSimulator(pki=pki) as running:
        yield running


@pytest.fixture(scope="session")
def sp_config(pki: TestPki, simulator: DigidSimulator) -> SpConfig:
    """The SP configured with the simulator's metadata; the simulator trusts the SP's metadata in turn."""
    config = make_sp_config(pki, simulator.metadata_xml)
    simulator.load_sp_metadata(sp_metadata(config).decode("utf-8"))
    return config
